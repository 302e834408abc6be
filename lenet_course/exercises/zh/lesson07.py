"""Chinese texts of lesson 07's exercises (keys: the English texts in exercises/lesson07.py)."""

ZH: dict[str, str] = {
    # 07.conv1_filters
    "How many filters has the first convolution of tut2-model.pt?": "tut2-model.pt 的第一个卷积层有多少个滤波器？",
    "The model's printout names each layer with its sizes.": "把模型打印出来，会列出每一层的名字和尺寸。",
    "print the model, or look at filters(model, 'conv1').shape: the first number.": (
        "打印模型，或者查看 filters(model, 'conv1').shape：第一个数就是。"
    ),
    "that is CaffeLeNet's conv1; tut2-model.pt is the tutorial's LeNet.": (
        "那是 CaffeLeNet 的 conv1；tut2-model.pt 是那个教程的 LeNet。"
    ),
    "25 is the number of weights in one 5x5 filter.": "25 是一个 5x5 滤波器中权重的个数。",
    # 07.accuracy_from_confusion
    "Write acc(cm) that returns the accuracy from a confusion matrix cm (numpy, cm[true, predicted]).": (
        "写出 acc(cm)，由混淆矩阵 cm（numpy，cm[真实, 预测]）求出准确率。"
    ),
    "Which entries of the matrix count the images the model got right?": "矩阵中哪些元素统计的是模型判对的图像？",
    "the right answers are on the diagonal; divide their total by the number of all images.": (
        "正确的答案在对角线上；把它们的总和除以全部图像的数量。"
    ),
    "np.trace(cm) / cm.sum().": "即 np.trace(cm) / cm.sum()。",
    "on a test matrix your function gives {got:.4f}; the accuracy is {right:.4f}.": (
        "在一个测试矩阵上，你的函数给出 {got:.4f}；准确率应为 {right:.4f}。"
    ),
    "pass a function, e.g. def acc(cm): return ..., not its value.": (
        "请传入一个函数，例如 def acc(cm): return ...，而不是它的返回值。"
    ),
    "your function returns None: write the formula in its return line.": (
        "你的函数返回了 None：请把公式写在它的 return 行里。"
    ),
    "acc(cm) = {right:.4f} on a test matrix: the diagonal over the total.": (
        "在一个测试矩阵上 acc(cm) = {right:.4f}：对角线之和除以总数。"
    ),
    "that is the mean of the per-class accuracies; weight each class by its size.": (
        "这是各类准确率的平均值；应按每一类的样本数加权。"
    ),
    "that is the error rate, 1 - accuracy.": "这是错误率，即 1 - 准确率。",
    # 07.top_confusion
    (
        "The shipped tut2-model.pt: which (true digit, predicted digit) pair is its most frequent mistake? Give a "
        "tuple, e.g. (4, 9)."
    ): ("随课程提供的 tut2-model.pt：哪一对（真实数字, 预测数字）是它最常犯的错误？给出一个元组，例如 (4, 9)。"),
    "The mistakes are the entries off the diagonal; the largest of them is the pair.": (
        "错误是对角线以外的元素；其中最大的那个就是答案。"
    ),
    (
        "take result.confusion_matrix(), set its diagonal to 0 and find the largest entry (np.argmax, "
        "np.unravel_index)."
    ): ("取 result.confusion_matrix()，把它的对角线置为 0，再找出最大的元素（np.argmax、np.unravel_index）。"),
    "the model made that mistake {times} times; another pair is more frequent.": (
        "模型犯了这个错误 {times} 次；还有另一对更频繁。"
    ),
    "give two digits: (true, predicted).": "请给出两个数字：(真实, 预测)。",
    "{pair}: {best} test images of a {true} were read as a {predicted}.": (
        "{pair}：有 {best} 张测试图像中的 {true} 被认成了 {predicted}。"
    ),
    "the other way round: rows are the true digit, columns the prediction.": "反了：行是真实数字，列是预测。",
    "the diagonal holds the correct predictions; look off the diagonal.": "对角线上是正确的预测；要看对角线以外。",
    # 07.top_k
    (
        "Write top_k(probabilities, labels, k): the fraction of images whose true label is among the k classes "
        "the model gives the highest probability (probabilities: numpy [N, 10], labels: numpy [N])."
    ): (
        "写出 top_k(probabilities, labels, k)：真实标签落在模型给出最高概率的 k 个类别之中的图像所占的比例"
        "（probabilities：numpy [N, 10]，labels：numpy [N]）。"
    ),
    "For k = 1 it is the ordinary accuracy; for larger k, a label counts as found anywhere in the k best.": (
        "k = 1 时它就是普通的准确率；k 更大时，标签只要出现在最好的 k 个类别中的任何位置就算找到。"
    ),
    "np.argsort(-probabilities, axis=1)[:, :k] gives each image's k most probable classes.": (
        "np.argsort(-probabilities, axis=1)[:, :k] 给出每张图像概率最高的 k 个类别。"
    ),
    "best = np.argsort(-probabilities, axis=1)[:, :k]; return (best == labels[:, None]).any(axis=1).mean()": (
        "写成：best = np.argsort(-probabilities, axis=1)[:, :k]；return (best == labels[:, None]).any(axis=1).mean()"
    ),
    "for k = {k} you return {got:.4f}; it should be {want:.4f}.": "k = {k} 时你返回了 {got:.4f}；应该是 {want:.4f}。",
    "pass the function itself, e.g. def top_k(probabilities, labels, k): ..., not its value.": (
        "请传入函数本身，例如 def top_k(probabilities, labels, k): ...，而不是它的返回值。"
    ),
    "top_k is right: on the checker's images {one:.0%} for k = 1, {three:.0%} for k = 3, 100% for k = 10.": (
        "top_k 是对的：在检查器的图像上，k = 1 时为 {one:.0%}，k = 3 时为 {three:.0%}，k = 10 时为 100%。"
    ),
    "those are counts of images; divide by the number of images for a fraction.": (
        "这些是图像的计数；除以图像总数才得到比例。"
    ),
    "you return the top-1 accuracy whatever k is: look among the k best classes.": (
        "无论 k 是多少你都返回 top-1 准确率：要在最好的 k 个类别中查找。"
    ),
    "you took the k LEAST probable classes: sort by -probabilities (or take the end of argsort).": (
        "你取的是概率最低的 k 个类别：请按 -probabilities 排序（或取 argsort 结果的末尾）。"
    ),
    "your function returns None: return the fraction.": "你的函数返回了 None：请返回这个比例。",
}
