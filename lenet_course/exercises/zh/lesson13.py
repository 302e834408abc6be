"""Chinese texts of lesson 13's exercises (keys: the English texts in exercises/lesson13.py)."""

ZH: dict[str, str] = {
    "How many trainable parameters do nn.Conv2d(20, 40, 5) followed by nn.BatchNorm2d(40) hold together?": (
        "nn.Conv2d(20, 40, 5) 后接 nn.BatchNorm2d(40)，两者一共有多少个可训练参数？"
    ),
    "Count the convolution's weights, its biases, and what batch normalisation learns per map.": (
        "数一数卷积的权重、它的偏置，以及批量归一化对每张特征图学习的参数。"
    ),
    (
        "Weights: in_channels x out_channels x kernel height x kernel width; one bias per output map. BatchNorm2d "
        "learns a scale and a shift per map; its running mean and variance are buffers, not parameters."
    ): (
        "权重：in_channels x out_channels x 卷积核高 x 卷积核宽；每张输出特征图一个偏置。BatchNorm2d "
        "对每张特征图学习一个缩放和一个平移；它的滑动均值和方差是缓冲区（buffer），不是参数。"
    ),
    (
        "Your recipe must choose how long to train and which learning rate to use. On which split do you measure "
        "the candidates: the 55,000 digits it fits on, the 5,000 held out of the training file, or the 10,000 test "
        "digits? Give the split's name as load_mnist spells it."
    ): (
        "你的配方必须选择训练多久、使用哪个学习率。你在哪个划分上测量这些候选：它用来拟合的 55,000 "
        "张数字、从训练文件中留出的 5,000 张，还是 10,000 张测试数字？按 load_mnist 的写法给出这个划分的名字。"
    ),
    "A split used to choose is no longer an honest measure of what was chosen.": (
        "用来做选择的划分，就不再能诚实地衡量被选中的东西。"
    ),
    "One split trains the weights, one chooses the settings, one is kept untouched for the final figure.": (
        "一个划分用来训练权重，一个用来选择设置，还有一个原封不动地留给最终的数字。"
    ),
    (
        "Your entry: the pair (build_model, recipe). build_model() returns a fresh model with fewer than 50,000 "
        "parameters; recipe(model, data, budget) trains it on data.fit_images / data.fit_labels, measures "
        "data.val_images / data.val_labels, stops once budget.exhausted() is True, and returns its validation "
        "curve as a list of (images_seen, val_accuracy) pairs. The checker trains it on a short budget and scores "
        "the test split itself."
    ): (
        "你的参赛方案：二元组 (build_model, recipe)。build_model() 返回一个参数少于 50,000 "
        "个的全新模型；recipe(model, data, budget) 在 data.fit_images / data.fit_labels 上训练它，在 "
        "data.val_images / data.val_labels 上测量，一旦 budget.exhausted() 为 True 就停止，并以 (images_seen, "
        "val_accuracy) 对的列表形式返回它的验证曲线。检查器会在短预算上训练它，并亲自在测试集划分上评分。"
    ),
    (
        "Start from the lesson's TutLeNet recipe, make it run, then change one thing at a time and compare "
        "validation curves."
    ): ("从本课的 TutLeNet 配方出发，先让它跑起来，然后每次只改一处，并比较验证曲线。"),
    (
        "Most parameters sit in the first fully connected layer: narrow it, and spend what you save on wider "
        "convolutions. Check the loop stops when budget.exhausted() turns True (inside the epoch too)."
    ): (
        "大部分参数都在第一个全连接层：把它变窄，把省下的参数用来加宽卷积层。检查循环在 budget.exhausted() 变为 "
        "True 时会停止（在一个 epoch 之内也要停止）。"
    ),
    (
        "Pattern: a while-not-exhausted loop over epochs; inside, train_epoch on PixelBatches(..., "
        "stop=budget.exhausted), then append (images seen, evaluate_batches(model, val).accuracy); a learning rate "
        "read from budget.fraction() ends its schedule with the budget."
    ): (
        "套路：一个按 epoch 进行、预算未耗尽就继续的 while 循环；循环内部，在 PixelBatches(..., "
        "stop=budget.exhausted) 上调用 train_epoch，然后追加 (已见过的图像数, evaluate_batches(model, "
        "val).accuracy)；从 budget.fraction() 读出的学习率会随预算一起走完它的调度。"
    ),
    "that is the convolution alone: batch normalisation learns two numbers per map.": (
        "这只是卷积层的参数：批量归一化对每张特征图还要学习两个数。"
    ),
    "the convolution's biases are missing (one per output map).": "漏掉了卷积的偏置（每张输出特征图一个）。",
    "the running mean and variance are buffers (not trained): count the scale and the shift only.": (
        "滑动均值和方差是缓冲区（不参与训练）：只数缩放和平移。"
    ),
    "that counts the weights only: add the biases and batch normalisation's parameters.": (
        "这只数了权重：还要加上偏置和批量归一化的参数。"
    ),
    (
        "choosing on the test split makes its figure optimistic: it is kept for the final measurement only, which "
        "the checker makes itself."
    ): ("在测试集划分上做选择会使它的数字偏乐观：它只留作最终测量之用，而这一测量由检查器亲自完成。"),
    (
        "the fit digits are the ones the model learns from: their accuracy reaches 100% long before the model "
        "stops improving on new digits."
    ): ("fit 数字正是模型学习用的那些：早在模型在新数字上停止进步之前，它们上的准确率就已经达到 100%。"),
    "the training digits are the ones the model learns from: they cannot tell you how it does on new digits.": (
        "训练数字正是模型学习用的那些：它们无法告诉你模型在新数字上表现如何。"
    ),
    "give the pair (build_model, recipe): the two functions, not their results": (
        "请给出二元组 (build_model, recipe)：两个函数本身，而不是它们的结果"
    ),
    (
        "{n:,} parameters; in a short run of {spent:.0f} CPU-seconds it saw {seen:,} images, reached {val:.2%} on "
        "validation and {test:.2%} on the test digits (scored by the checker, after training). The full budget is "
        "{factor:.0f} times longer."
    ): (
        "{n:,} 个参数；在 {spent:.0f} CPU 秒的短时间运行中，它看过 {seen:,} 张图像，验证准确率达到 "
        "{val:.2%}，在测试数字上达到 {test:.2%}（由检查器在训练之后评分）。完整预算的长度是它的 {factor:.0f} 倍。"
    ),
    "both parts must be functions: (build_model, recipe).": "两个部分都必须是函数：(build_model, recipe)。",
    "build_model() should return an nn.Module, got {kind}.": (
        "build_model() 应当返回一个 nn.Module，得到的却是 {kind}。"
    ),
    "the model has {n:,} trainable parameters; the limit is fewer than {limit:,}.": (
        "这个模型有 {n:,} 个可训练参数；上限是少于 {limit:,} 个。"
    ),
    (
        "the recipe used {spent:.0f} CPU-seconds of a {budget:.0f}-second budget: check budget.exhausted() inside "
        "the epoch too, and stop."
    ): (
        "配方在 {budget:.0f} 秒的预算中用了 {spent:.0f} CPU 秒：在 epoch 之内也要检查 budget.exhausted()，并及时停止。"
    ),
    (
        "after {spent:.0f} CPU-seconds the model scores {acc:.1%} on the test digits; a model that learns is past "
        "{bar:.0%} by then. Check the input scaling, the learning rate and that every step updates."
    ): (
        "{spent:.0f} CPU 秒之后，模型在测试数字上的得分是 {acc:.1%}；一个在学习的模型到这时已超过 "
        "{bar:.0%}。请检查输入缩放、学习率，以及每一步是否都更新了权重。"
    ),
    (
        "the recipe read MNIST's test files: train and choose on data.fit_* and data.val_* only; the checker "
        "scores the test split after training."
    ): (
        "配方读取了 MNIST 的测试文件：只能在 data.fit_* 和 data.val_* "
        "上训练和做选择；测试集划分由检查器在训练之后评分。"
    ),
    (
        "the recipe must return its validation curve: a non-empty list of (images_seen, val_accuracy) pairs, "
        "accuracies as fractions (0.99, not 99)."
    ): (
        "配方必须返回它的验证曲线：一个非空的 (images_seen, val_accuracy) 对列表，准确率用小数表示（0.99，而不是 99）。"
    ),
}
