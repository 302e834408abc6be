"""Chinese texts of lesson 00's exercises (keys: the English texts in exercises/lesson00.py)."""

ZH: dict[str, str] = {
    # 00.tuning_split
    (
        "You want to choose a learning rate by comparing a few runs. On which of the course's splits do you "
        "compare them? Give its name as load_mnist takes it."
    ): (
        "你想通过比较几次训练来选定学习率。应该在课程的哪一个数据划分上比较它们？按 load_mnist 接受的写法给出它的名字。"
    ),
    "The split you compare on must hold images the model was not fitted to.": (
        "用来比较的划分，必须由模型没有拟合过的图像组成。"
    ),
    (
        "Of the splits the model never fits to, one is kept for the final figures only; choosing with it would "
        "make its score look better than it is."
    ): ("在模型从不拟合的划分中，有一个只留给最终结果使用；用它来做选择，会让它的分数看起来比实际更好。"),
    (
        "Read the split list in lenet_course.data.SPLITS: the last 5,000 images of the training file are the ones "
        "set aside for choosing."
    ): ("看看 lenet_course.data.SPLITS 中的划分列表：训练文件的最后 5,000 张图像就是专门留作选择设置用的。"),
    (
        "the test split is for the final figures only: a setting chosen on it makes its score optimistic, and then "
        "nothing unseen is left to measure the model with."
    ): ("测试集只用于最终结果：在它上面选出的设置会让它的分数偏乐观，这样就再也没有未见过的图像来衡量模型了。"),
    (
        "the model is fitted to those images (they include the 55,000 of fit): it scores well on them whatever "
        "the learning rate."
    ): ("模型正是在这些图像上拟合的（其中包括 fit 的 55,000 张）：无论学习率是多少，它在上面的分数都会很好。"),
    "the model is fitted to those images: comparing on them rewards memorising, not learning.": (
        "模型正是在这些图像上拟合的：在上面比较，奖励的是死记硬背，而不是学习。"
    ),
    # 00.training_lesson
    (
        "Which lesson writes LeNet's training loop and trains it with Caffe's solver? Give its two-digit number "
        "as a string, e.g. '03'."
    ): ("哪一课编写 LeNet 的训练循环，并用 Caffe 的 solver 训练它？以字符串形式给出它的两位数编号，例如 '03'。"),
    "The lesson map printed in this notebook says what you do in each lesson.": (
        "本 notebook 打印出的课程地图写明了每一课要做什么。"
    ),
    "print(lesson_map()) lists every lesson; look for the one whose name says it trains.": (
        "print(lesson_map()) 会列出每一课；找出名字表明它进行训练的那一课。"
    ),
    "07 inspects a model that was trained already; it does not train one.": (
        "07 检视的是一个已经训练好的模型；它本身不训练模型。"
    ),
    "05 plans the learning rate; the training itself comes one lesson later.": (
        "05 规划学习率；真正的训练在它的下一课。"
    ),
    # 00.digit_shares
    (
        "Write shares(labels) that takes a tensor of digit labels (0-9) and returns a tensor of 10 numbers: the "
        "fraction of the labels that are each digit."
    ): ("写出 shares(labels)：它接受一个数字标签（0-9）的张量，返回一个含 10 个数的张量，即标签中每个数字所占的比例。"),
    "Count how many labels are 0, how many are 1, ... then turn the counts into fractions.": (
        "数一数有多少个标签是 0、多少个是 1……然后把这些计数变成比例。"
    ),
    "torch.bincount counts each value; think about what it returns when no label is a 9.": (
        "torch.bincount 会统计每个值出现的次数；想一想当没有任何标签是 9 时它返回什么。"
    ),
    "counts = torch.bincount(labels, minlength=10), then divide the counts by the number of labels.": (
        "counts = torch.bincount(labels, minlength=10)，然后用标签的个数去除这些计数。"
    ),
    "shares(labels) is right, also for a digit that never occurs: apply it to the splits below.": (
        "shares(labels) 是对的，对从未出现的数字也对：把它用在下面的各个划分上试试。"
    ),
    "pass a function, e.g. def shares(labels): return ..., not its value.": (
        "请传入一个函数，例如 def shares(labels): return ...，而不是它的返回值。"
    ),
    "your function returns None: return the tensor of shares.": "你的函数返回了 None：请返回比例组成的张量。",
    (
        "for labels without any {digit}, your function returns {n} numbers; it must return 10, one per digit "
        "(a digit that never occurs has share 0)."
    ): (
        "对于不含任何 {digit} 的标签，你的函数返回了 {n} 个数；它必须返回 10 个，每个数字一个"
        "（从未出现的数字比例为 0）。"
    ),
    "those are the counts; divide them by the number of labels to get fractions.": (
        "这些是计数；用标签的个数去除它们，才得到比例。"
    ),
    "on {n} labels, your share of digit {digit} is {got:.4f}; it should be {want:.4f}.": (
        "在 {n} 个标签上，你算出的数字 {digit} 的比例是 {got:.4f}；应该是 {want:.4f}。"
    ),
}
