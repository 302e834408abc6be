"""Chinese texts of lesson 03's exercises (keys: the English texts in exercises/lesson03.py)."""

ZH: dict[str, str] = {
    "none": "无",
    "{name} {have} instead of {want}": "{name} 为 {have}（应为 {want}）",
    # 03.conv_parameters
    (
        "A new convolution reads CaffeLeNet's 50 conv2 maps and makes 64 maps with 3x3 kernels "
        "(nn.Conv2d(50, 64, kernel_size=3)). How many learnable parameters has it?"
    ): (
        "一个新的卷积层读入 CaffeLeNet 的 50 张 conv2 特征图，用 3x3 卷积核生成 64 张特征图"
        "（nn.Conv2d(50, 64, kernel_size=3)）。它有多少个可学习参数？"
    ),
    "Count what one output map needs, then multiply by the number of output maps.": (
        "先数出一个输出特征图需要多少参数，再乘以输出特征图的个数。"
    ),
    "One output map has a 3x3 kernel for every input map it reads, and one bias.": (
        "一张输出特征图对它读入的每张输入特征图各有一个 3x3 卷积核，另有一个偏置。"
    ),
    "out_channels x (in_channels x k x k + 1); nn.Conv2d(50, 64, 3) and count_parameters check it.": (
        "out_channels x (in_channels x k x k + 1)；可以用 nn.Conv2d(50, 64, 3) 和 count_parameters 验证。"
    ),
    "the 64 biases are missing.": "漏了 64 个偏置。",
    "each output map has a kernel for every one of the 50 input maps.": (
        "每张输出特征图对 50 张输入特征图各有一个卷积核。"
    ),
    "one bias per output map (64), not per input map.": "每张输出特征图一个偏置（64 个），而不是每张输入特征图一个。",
    # 03.stable_softmax
    (
        "Write softmax(logits) for a batch of logits [N, 10] (one row per image) that returns the probabilities "
        "[N, 10] and still works when a logit is 1000. The check compares it with F.softmax(logits, dim=1) on "
        "batches of its own, extreme ones included."
    ): (
        "为一批 logits [N, 10]（每行一张图像）写出 softmax(logits)，返回概率 [N, 10]，"
        "并且在某个 logit 为 1000 时依然可用。"
        "检查会在它自己的批量上（包括极端的批量）与 F.softmax(logits, dim=1) 比较。"
    ),
    "Try your first version on torch.tensor([[1000.0, 0.0]]): where does it break, and why?": (
        "在 torch.tensor([[1000.0, 0.0]]) 上试试你的第一版：它在哪里出错，为什么？"
    ),
    "softmax(z) equals softmax(z - c) for any constant c in each row: choose c so that no exp can overflow.": (
        "对每一行，无论常数 c 取何值，softmax(z) 都等于 softmax(z - c)：选一个 c，使任何 exp 都不会溢出。"
    ),
    "m = logits.max(dim=1, keepdim=True).values; e = (logits - m).exp(); return e / e.sum(dim=1, keepdim=True)": (
        "先减去每行的最大值：m = logits.max(dim=1, keepdim=True).values; e = (logits - m).exp(); "
        "return e / e.sum(dim=1, keepdim=True)"
    ),
    "ordinary logits (a batch of 8 x 10)": "普通的 logits（8 x 10 的批量）",
    "one image (a batch of 1 x 10)": "单张图像（1 x 10 的批量）",
    "all ten logits equal": "十个 logits 全部相等",
    "logits of 1000 and -1000": "极端的 logits（1000 和 -1000）",
    "logits around 1000 (a batch of 4 x 10)": "接近 1000 的 logits（4 x 10 的批量）",
    "pass your function itself, softmax, not a value it returned.": "请传入函数 softmax 本身，而不是它返回的值。",
    "on {case} your function returned {kind}, not a tensor: does it end with return?": (
        "在{case}上，你的函数返回了 {kind}，而不是张量：它最后有没有 return？"
    ),
    (
        "on {case} the result should have the logits' shape {right}, yours has {got}: keep one probability per "
        "logit (keepdim=True keeps the sums broadcastable)."
    ): (
        "在{case}上，结果应与 logits 形状相同，为 {right}，你的是 {got}：每个 logit 对应一个概率"
        "（keepdim=True 让求和结果保持可广播）。"
    ),
    (
        "on {case} it returns nan or inf: exp(1000) overflows. Subtract each row's largest logit before exp; "
        "the probabilities do not change."
    ): ("在{case}上它返回了 nan 或 inf：exp(1000) 溢出了。在 exp 之前减去每行最大的 logit；概率不会因此改变。"),
    "this normalises each column (over the batch); normalise each row (dim=1), one per image.": (
        "这是对每一列（沿批量方向）归一化；应对每一行（dim=1）归一化，每张图像一行。"
    ),
    "on {case} the probabilities of an image do not sum to 1: divide by their sum.": (
        "在{case}上，一张图像的各概率之和不为 1：要除以它们的和。"
    ),
    "on {case} the probabilities differ from F.softmax.": "在{case}上，概率与 F.softmax 不同。",
    "your softmax agrees with F.softmax on every batch, logits of 1000 included.": (
        "你的 softmax 在每个批量上都与 F.softmax 一致，包括 logit 为 1000 的批量。"
    ),
    # 03.cross_entropy
    (
        "Write cross_entropy(logits, labels): logits [N, 10], labels [N] (class numbers); return the mean over "
        "the batch of minus the log-probability of each image's right class, as one number, in a way that still "
        "works when a logit is 1000. The check compares it with F.cross_entropy."
    ): (
        "写出 cross_entropy(logits, labels)：logits 为 [N, 10]，labels 为 [N]（类别编号）；"
        "返回一个数：每张图像正确类别的对数概率取负，再在批量上求平均；"
        "并且要在某个 logit 为 1000 时依然可用。检查会把它与 F.cross_entropy 比较。"
    ),
    (
        "You need log(softmax) of the right class only; computing softmax first and then its log loses the "
        "tiny probabilities (log 0 = -inf)."
    ): ("你只需要正确类别的 log(softmax)；先算 softmax 再取对数，会丢失极小的概率（log 0 = -inf）。"),
    (
        "log softmax(z)_k = z_k - log(sum_j exp(z_j)), and log(sum_j exp(z_j)) = m + log(sum_j exp(z_j - m)) "
        "with m the row's largest logit."
    ): (
        "log softmax(z)_k = z_k - log(sum_j exp(z_j))，而 log(sum_j exp(z_j)) = m + log(sum_j exp(z_j - m))，"
        "其中 m 是该行最大的 logit。"
    ),
    (
        "compute log_probs = logits - m - log(sum(exp(logits - m))) per row, pick log_probs[range(N), labels], "
        "negate, and average."
    ): (
        "逐行计算 log_probs = logits - m - log(sum(exp(logits - m)))，取出 log_probs[range(N), labels]，"
        "取负，再求平均。"
    ),
    "pass your function itself, cross_entropy, not a value it returned.": (
        "请传入函数 cross_entropy 本身，而不是它返回的值。"
    ),
    "on {case} your function returned {kind}, not a tensor or number: does it end with return?": (
        "在{case}上，你的函数返回了 {kind}，既不是张量也不是数：它最后有没有 return？"
    ),
    "on {case} it returns {count} numbers; the loss of a batch is one number, the mean over its images.": (
        "在{case}上它返回了 {count} 个数；一个批量的损失是一个数，即其中各图像损失的平均值。"
    ),
    (
        "on {case} it returns {value}: an exp overflows, or a probability underflows to 0 before "
        "the log. Subtract each row's largest logit before exp, and take the log of the sum, not of "
        "each probability."
    ): (
        "在{case}上它返回了 {value}：某个 exp 溢出了，或者某个概率在取对数之前下溢成了 0。"
        "在 exp 之前减去每行最大的 logit，并对求和结果取对数，而不是对每个概率取对数。"
    ),
    "the sign is wrong: the loss is minus the log-probability of the right class.": (
        "符号错了：损失是正确类别的对数概率取负。"
    ),
    "this is the sum over the batch; F.cross_entropy (and Caffe) take the mean.": (
        "这是在批量上求和；F.cross_entropy（以及 Caffe）取的是平均值。"
    ),
    "on {case} the loss should be {right:.6g}, yours is {got:.6g}.": (
        "在{case}上，损失应为 {right:.6g}，你的是 {got:.6g}。"
    ),
    "your cross-entropy agrees with F.cross_entropy on every batch, logits of 1000 included.": (
        "你的交叉熵在每个批量上都与 F.cross_entropy 一致，包括 logit 为 1000 的批量。"
    ),
    # 03.avgpool_parameters
    (
        "Predict, before you write it: how many learnable parameters has TutLeNet when both of its max poolings "
        "are replaced by 2x2 average poolings?"
    ): ("动手写之前先预测：把 TutLeNet 的两个最大池化都换成 2x2 平均池化后，它有多少个可学习参数？"),
    "Which layers of TutLeNet hold parameters, and does changing the pooling touch any of them?": (
        "TutLeNet 的哪些层有参数？更换池化会影响其中任何一层吗？"
    ),
    (
        "Average a 2x2 window: which numbers would that need to learn? (LeNet-5's subsampling adds some; plain "
        "average pooling does not.)"
    ): ("对一个 2x2 窗口求平均：这需要学习哪些数？（LeNet-5 的下采样会增加一些参数；普通的平均池化不会。）"),
    "Count TutLeNet's parameters (count_parameters(TutLeNet())) and add what the new pooling adds.": (
        "数出 TutLeNet 的参数（count_parameters(TutLeNet())），再加上新的池化所增加的参数。"
    ),
    (
        "that is LeNet-5's trainable subsampling (a coefficient and a bias per map); average pooling itself "
        "learns nothing."
    ): ("那是 LeNet-5 的可训练下采样（每张特征图一个系数和一个偏置）；平均池化本身什么也不学习。"),
    "a 2x2 average has no weights to learn: it always takes a quarter of each value.": (
        "2x2 平均没有要学习的权重：它总是取每个值的四分之一。"
    ),
    # 03.tut_avgpool
    (
        "Write TutLeNetAvg, an nn.Module: TutLeNet with both max poolings replaced by 2x2 average pooling, "
        "everything else the same (layer names conv1, conv2, fc_1, fc_2, fc_3; forward returns the logits). "
        "The check builds it, counts its parameters, loads TutLeNet's weights into it and runs it."
    ): (
        "写出 TutLeNetAvg，一个 nn.Module：即把 TutLeNet 的两个最大池化都换成 2x2 平均池化，其余完全相同"
        "（层名为 conv1、conv2、fc_1、fc_2、fc_3；forward 返回 logits）。"
        "检查会构建它、数它的参数、把 TutLeNet 的权重载入其中并运行它。"
    ),
    "Start from MyTutLeNet above: which lines name the pooling?": "从上面的 MyTutLeNet 出发：哪几行写的是池化？",
    "F.avg_pool2d(x, kernel_size=2) (or an nn.AvgPool2d(2) module) averages each 2x2 window; nothing else changes.": (
        "F.avg_pool2d(x, kernel_size=2)（或 nn.AvgPool2d(2) 模块）对每个 2x2 窗口求平均；其余都不用改。"
    ),
    (
        "Copy MyTutLeNet, rename it TutLeNetAvg, replace each F.max_pool2d by F.avg_pool2d and return only the "
        "logits; then compare count_parameters(TutLeNetAvg()) with your prediction."
    ): (
        "复制 MyTutLeNet，改名为 TutLeNetAvg，把每个 F.max_pool2d 换成 F.avg_pool2d，并且只返回 logits；"
        "然后把 count_parameters(TutLeNetAvg()) 与你的预测比较。"
    ),
    "pass your class itself (TutLeNetAvg), not a number or a string.": (
        "请传入类本身（TutLeNetAvg），而不是数或字符串。"
    ),
    "TutLeNetAvg() should build an nn.Module; it built {kind}.": (
        "TutLeNetAvg() 应当构建一个 nn.Module；它构建的却是 {kind}。"
    ),
    "it has no layers yet: create conv1, conv2, fc_1, fc_2 and fc_3 in __init__, as MyTutLeNet does.": (
        "它还没有任何层：像 MyTutLeNet 那样在 __init__ 里创建 conv1、conv2、fc_1、fc_2 和 fc_3。"
    ),
    (
        "its parameters should be TutLeNet's ({expected} values, layers named conv1, conv2, fc_1, fc_2, "
        "fc_3); missing: {missing}; extra: {extra}; wrong shape: {wrong}."
    ): (
        "它的参数应与 TutLeNet 的相同（{expected} 个值，层名为 conv1、conv2、fc_1、fc_2、fc_3）；"
        "缺少：{missing}；多出：{extra}；形状不对：{wrong}。"
    ),
    "for a batch [5, 1, 28, 28] it should return logits [5, 10], it returned {shape}.": (
        "对于批量 [5, 1, 28, 28]，它应返回 logits [5, 10]，实际返回的是 {shape}。"
    ),
    "it still computes max pooling: use nn.AvgPool2d(2) or F.avg_pool2d(x, 2).": (
        "它算的仍是最大池化：请用 nn.AvgPool2d(2) 或 F.avg_pool2d(x, 2)。"
    ),
    (
        "with TutLeNet's weights loaded it gives other logits than TutLeNet with average pooling: keep the "
        "order conv -> pool -> ReLU, and ReLU after fc_1 and fc_2 but not after fc_3."
    ): (
        "载入 TutLeNet 的权重后，它给出的 logits 与采用平均池化的 TutLeNet 不同："
        "保持 conv -> pool -> ReLU 的顺序，fc_1 和 fc_2 之后有 ReLU，fc_3 之后没有。"
    ),
    ("same {count} parameters as TutLeNet, logits [N, 10], and with TutLeNet's weights it computes average pooling."): (
        "参数与 TutLeNet 相同，共 {count} 个，输出 logits [N, 10]，并且载入 TutLeNet 的权重后计算的是平均池化。"
    ),
}
