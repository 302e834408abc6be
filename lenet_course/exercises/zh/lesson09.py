"""Chinese texts of lesson 09's exercises (keys: the English texts in exercises/lesson09.py)."""

ZH: dict[str, str] = {
    # 09.conv_macs
    (
        "Write conv_macs(conv, x): the multiply-adds an nn.Conv2d layer `conv` spends on ONE image of the batch `x` "
        "(biases, like activations and pooling, are not counted)."
    ): (
        "写出 conv_macs(conv, x)：nn.Conv2d 层 `conv` 处理批量 `x` 中单独一张图像所需的乘加次数"
        "（偏置与激活函数、池化一样，不计入）。"
    ),
    (
        "Each output value is one dot product between the kernel and a patch of the input. How many output values "
        "does one image give, and how long is each dot product?"
    ): ("每个输出值都是卷积核与输入的一个小块之间的一次点积。一张图像会产生多少个输出值？每次点积有多长？"),
    "Run the layer on x to get the output's shape; one image's outputs are out_channels x H_out x W_out.": (
        "在 x 上运行这一层，得到输出的形状；一张图像的输出个数是 out_channels x H_out x W_out。"
    ),
    (
        "macs = (out_channels x H_out x W_out) x (in_channels x kh x kw), with kh, kw = conv.kernel_size; "
        "use conv(x)[0].numel() for the first factor."
    ): (
        "macs = (out_channels x H_out x W_out) x (in_channels x kh x kw)，其中 kh, kw = conv.kernel_size；"
        "第一个因子可以用 conv(x)[0].numel() 求出。"
    ),
    # 09.deeper_mlp
    (
        "Write DeeperMLP, an nn.Module with two hidden layers, 784 -> 300 -> 100 -> 10, ReLU after each hidden "
        "layer, logits out, and the class attribute input_scale = 'meanstd'. The checker counts it and trains it "
        "briefly."
    ): (
        "写出 DeeperMLP：一个有两个隐藏层的 nn.Module，784 -> 300 -> 100 -> 10，每个隐藏层后接 ReLU，"
        "输出 logits，并带有类属性 input_scale = 'meanstd'。检查程序会统计它的开销，并对它做一次简短的训练。"
    ),
    "Start from the MLP of lenet_course.baselines: one more nn.Linear and one more activation.": (
        "从 lenet_course.baselines 中的 MLP 出发：多加一个 nn.Linear 和一个激活函数。"
    ),
    (
        "In __init__: nn.Linear(784, 300), nn.Linear(300, 100), nn.Linear(100, 10); in forward: flatten first, "
        "then linear, ReLU, linear, ReLU, linear."
    ): (
        "在 __init__ 中：nn.Linear(784, 300)、nn.Linear(300, 100)、nn.Linear(100, 10)；在 forward 中："
        "先展平，然后依次是全连接、ReLU、全连接、ReLU、全连接。"
    ),
    (
        "forward(x): x = torch.flatten(x, 1); x = torch.relu(self.fc1(x)); x = torch.relu(self.fc2(x)); "
        "return self.fc3(x)"
    ): (
        "forward(x) 写作：x = torch.flatten(x, 1); x = torch.relu(self.fc1(x)); x = torch.relu(self.fc2(x)); "
        "return self.fc3(x)"
    ),
    # 09.standard_error
    (
        "A model makes 1.2% errors on the 5,000 validation images. What is the standard error of that figure, in "
        "percentage points (e.g. 0.5 for half a percentage point)?"
    ): ("一个模型在 5,000 张验证集图像上的错误率为 1.2%。这个数字的标准误是多少个百分点（例如半个百分点写作 0.5）？"),
    (
        "Each image is right or wrong: the number of errors is a binomial count. How spread is a binomial count, "
        "and what happens when you divide it by n?"
    ): ("每张图像要么判对、要么判错：错误的个数是一个二项计数。二项计数的离散程度有多大？把它除以 n 之后又会怎样？"),
    "The standard error of a measured rate p on n images is sqrt(p (1 - p) / n); p as a fraction.": (
        "在 n 张图像上测得的比率 p 的标准误是 sqrt(p (1 - p) / n)；这里 p 用小数表示。"
    ),
    "sqrt(0.012 * 0.988 / n) with n the number of validation images, then times 100 for percentage points.": (
        "sqrt(0.012 * 0.988 / n)，n 为验证集图像的数量，再乘以 100 换算成百分点。"
    ),
    # 09.gap_within_noise
    (
        "The paper's LeNet-5 made 0.95% test errors; suppose a rerun makes 0.88% on the same 10,000 test images. "
        "Is the gap smaller than two standard errors of the 0.95% figure? Answer True or False."
    ): (
        "论文中 LeNet-5 的测试错误率为 0.95%；假设重新训练一次，在同样的 10,000 张测试图像上得到 0.88%。"
        "两者之差是否小于 0.95% 这一数字的两个标准误？回答 True 或 False。"
    ),
    "Compute the standard error of 0.95% measured on 10,000 images first.": (
        "先算出在 10,000 张图像上测得的 0.95% 的标准误。"
    ),
    "Compare the gap, 0.95% - 0.88%, with twice sqrt(0.0095 * 0.9905 / 10000).": (
        "把差值 0.95% - 0.88% 与 sqrt(0.0095 * 0.9905 / 10000) 的两倍相比较。"
    ),
    # messages
    "{value} is not it.": "{value} 不对。",
    "that is a fraction; in percentage points multiply it by 100.": "这是小数；换算成百分点要乘以 100。",
    "that is for the 10,000 test images; this is the validation split.": (
        "这是 10,000 张测试图像对应的值；这里问的是验证集。"
    ),
    "that is the variance: take its square root.": "这是方差：再开平方根。",
    "that is the number of weights: each one is used once per output position, so multiply.": (
        "这是权重的个数：每个权重在每个输出位置上都用一次，所以还要相乘。"
    ),
    "that includes one add per output for the bias; the course counts the weights' multiply-adds only.": (
        "这里把每个输出加偏置的一次加法也算进去了；本课程只统计权重的乘加次数。"
    ),
    "that is for the whole batch; count ONE image (the batch has {n}).": (
        "这是整个批量的次数；只统计一张图像（这个批量有 {n} 张）。"
    ),
    "each output reads every input channel: multiply by in_channels too.": (
        "每个输出都会读取所有输入通道：还要乘以 in_channels。"
    ),
    "that uses the input's size; count the OUTPUT positions (stride and padding change them).": (
        "这里用的是输入的尺寸；应统计的是输出的位置数（步幅和填充会改变它）。"
    ),
    "that is one output map; there are out_channels of them.": "这只是一个输出特征图；一共有 out_channels 个。",
    "right on all {n} layers tried, strides, padding and batches included.": (
        "在测试的全部 {n} 个层上都正确，包括步幅、填充和批量的情形。"
    ),
    "give the class itself (DeeperMLP), not {kind}.": "请给出类本身（DeeperMLP），而不是 {kind}。",
    "{params:,} parameters, {macs:,} multiply-adds per image, and {err:.1%} validation error after a short run.": (
        "{params:,} 个参数，每张图像 {macs:,} 次乘加，简短训练后验证集错误率为 {err:.1%}。"
    ),
    "work out both numbers before you compare them.": "先把两个数都算出来，再比较。",
    "give the function itself (conv_macs), not a number.": "请给出函数本身（conv_macs），而不是一个数。",
    "DeeperMLP() should make an nn.Module, got {kind}.": "DeeperMLP() 应当生成一个 nn.Module，实际得到的是 {kind}。",
    "it has no layers yet: create the three nn.Linear layers in __init__.": (
        "它还没有任何层：请在 __init__ 中创建三个 nn.Linear 层。"
    ),
    "for a batch [8, 1, 28, 28] forward should return [8, 10] logits, got {shape}.": (
        "对形状为 [8, 1, 28, 28] 的批量，forward 应返回 [8, 10] 的 logits，实际得到 {shape}。"
    ),
    "the biases are missing: keep nn.Linear's bias=True.": "缺少偏置：请保留 nn.Linear 的 bias=True。",
    "that is the 784-300-10 net: add the 100-unit layer between.": (
        "这是 784-300-10 的网络：请在中间加上 100 个单元的那一层。"
    ),
    "the hidden layers are in the other order: 300 first, then 100.": "隐藏层的顺序反了：先 300，再 100。",
    "the sizes are 784 -> 300 -> 100 -> 10.": "各层的大小是 784 -> 300 -> 100 -> 10。",
    "it has {got:,} parameters, the net asked for has {want:,}: {why}": (
        "它有 {got:,} 个参数，题目要求的网络有 {want:,} 个：{why}"
    ),
    "it spends {got:,} multiply-adds per image, the net asked for {want:,}: is every layer nn.Linear, used once?": (
        "它每张图像花费 {got:,} 次乘加，题目要求的网络是 {want:,} 次：每一层都是 nn.Linear 并且只用一次吗？"
    ),
    "it is a linear function of the pixels: put a ReLU after each hidden layer.": (
        "它是像素的线性函数：请在每个隐藏层后面加上 ReLU。"
    ),
    "give the class the attribute input_scale = 'meanstd' (how its pixels are scaled).": (
        "请给这个类加上属性 input_scale = 'meanstd'（说明它的像素如何缩放）。"
    ),
    (
        "after {n} iterations its validation error is {err:.1%} (a working net is below {bar:.0%}): "
        "does forward use every layer?"
    ): ("经过 {n} 次迭代，它的验证集错误率为 {err:.1%}（能正常工作的网络应低于 {bar:.0%}）：forward 用到了每一层吗？"),
    "answer True or False (a bool), got {kind}.": "请回答 True 或 False（一个 bool），实际得到的是 {kind}。",
    "the gap is {gap:.2f} percentage points and two standard errors are {two:.2f}: {verdict}": (
        "差值为 {gap:.2f} 个百分点，两个标准误为 {two:.2f}：{verdict}"
    ),
    "conv_macs returned None: end it with return and the count.": (
        "conv_macs 返回了 None：请在函数末尾用 return 返回计数。"
    ),
    "for {layer}: {why}": "对于 {layer}：{why}",
    "forward fails on a batch of shape [8, 1, 28, 28]: does it flatten the images first?": (
        "forward 在形状为 [8, 1, 28, 28] 的批量上出错：它先把图像展平了吗？"
    ),
    "a test set of 10,000 cannot tell these two apart.": "一个 10,000 张图像的测试集无法区分这两者。",
    "the gap is larger than the test set's noise.": "这个差值大于测试集本身的噪声。",
}
