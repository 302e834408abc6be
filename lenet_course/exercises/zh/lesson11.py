"""Chinese texts of lesson 11's exercises (keys: the English texts in exercises/lesson11.py)."""

ZH: dict[str, str] = {
    # 11.h2_all_maps
    (
        "Suppose every H2 map read all 12 of H1's maps instead of 8 (same 5x5 fields, same stride, one bias per "
        "unit as in 1989). How many free parameters would H2 have?"
    ): (
        "假设 H2 的每个特征图都读取 H1 的全部 12 个特征图，而不是 8 个（同样的 5x5 感受野、同样的步幅，"
        "并且像 1989 年那样每个单元一个偏置）。H2 会有多少个自由参数？"
    ),
    "Free parameters are the numbers a layer learns: a shared kernel counts once, and so does each bias.": (
        "自由参数是一层要学习的数：共享的卷积核只算一次，每个偏置也各算一次。"
    ),
    (
        "Each H2 map holds one 5x5 kernel per H1 map it reads; H2 has 12 maps of 4x4 units, each unit with its "
        "own bias."
    ): (
        "H2 的每个特征图对它读取的每个 H1 特征图各有一个 5x5 卷积核；"
        "H2 有 12 个 4x4 单元的特征图，每个单元有自己的偏置。"
    ),
    (
        "Method: (H2 maps) x (H1 maps read) x 25 + (H2 units); or build ZipcodeNet(table=...) with rows of 12 maps "
        "and read count_network(...).layers[1]."
    ): (
        "方法：(H2 特征图数) x (读取的 H1 特征图数) x 25 + (H2 单元数)；或者用每行 12 个特征图的连接表构建 "
        "ZipcodeNet(table=...)，再读取 count_network(...).layers[1]。"
    ),
    # 11.paper_mse
    (
        "Write mse(outputs, labels): the paper's cost for a batch of outputs [N, 10] and integer labels [N], with "
        "the targets of this lesson, averaged as the paper averages it. Return a tensor."
    ): (
        "写出 mse(outputs, labels)：对一批形状为 [N, 10] 的输出和整数标签 [N]，按本课的目标值计算论文中的代价，"
        "并按论文的方式取平均。返回一个张量。"
    ),
    "Two choices make it the paper's: which target each of the 10 units gets, and what the sum is divided by.": (
        "有两处选择决定它是否是论文的代价：10 个输出单元各自的目标值是什么，以及总和除以什么。"
    ),
    (
        "Build a target tensor [N, 10] the shape of the outputs: the label's unit gets TARGET_ON, every other unit "
        "TARGET_OFF."
    ): ("构造一个与输出形状相同的目标张量 [N, 10]：标签对应的单元取 TARGET_ON，其余单元都取 TARGET_OFF。"),
    (
        "Method: targets = full of TARGET_OFF, targets[arange(N), labels] = TARGET_ON; then the mean of "
        "(outputs - targets) squared over all N x 10 entries."
    ): (
        "方法：targets 全部填 TARGET_OFF，targets[arange(N), labels] = TARGET_ON；然后对全部 N x 10 个元素"
        "求 (outputs - targets) 平方的均值。"
    ),
    # 11.h2_layer
    (
        "Write h2_layer(h1, weight, bias, table): H2's weighted sums (before the squashing) for H1 states h1 "
        "[N, 12, 8, 8], kernels weight [12, k, 5, 5], one bias per unit bias [12, 4, 4] and a connection table "
        "(12 rows of k H1 map indices). Map j reads only the maps table[j]."
    ): (
        "写出 h2_layer(h1, weight, bias, table)：给定 H1 的状态 h1 [N, 12, 8, 8]、卷积核 weight [12, k, 5, 5]、"
        "每个单元一个偏置 bias [12, 4, 4] 以及连接表（12 行，每行 k 个 H1 特征图的下标），"
        "求 H2 的加权和（压缩函数之前）。第 j 个特征图只读取 table[j] 中的特征图。"
    ),
    "Treat one H2 map at a time: it is an ordinary convolution over the few H1 maps its row names.": (
        "一次处理一个 H2 特征图：它就是在其所在行列出的那几个 H1 特征图上做的普通卷积。"
    ),
    (
        "For map j: pick h1[:, list(table[j])], put the background plane around it as for H1 (2 before, 1 after), "
        "convolve with weight[j] at stride 2, add bias[j]."
    ): (
        "对第 j 个特征图：取出 h1[:, list(table[j])]，像 H1 那样在周围加上背景平面（前面 2 个、后面 1 个），"
        "用 weight[j] 以步幅 2 做卷积，再加上 bias[j]。"
    ),
    (
        "Method: pad = F.pad(h1, (2, 1, 2, 1), value=BACKGROUND); for each j, "
        "F.conv2d(pad[:, list(table[j])], weight[j:j+1], stride=2)[:, 0] + bias[j]; stack the 12 maps on dim 1."
    ): (
        "方法：pad = F.pad(h1, (2, 1, 2, 1), value=BACKGROUND)；对每个 j 计算 "
        "F.conv2d(pad[:, list(table[j])], weight[j:j+1], stride=2)[:, 0] + bias[j]；把 12 个特征图沿 dim 1 堆叠起来。"
    ),
    # messages
    "that is the paper's H2, whose maps read 8 H1 maps each; here they read all 12.": (
        "这是论文中的 H2，它的每个特征图读取 8 个 H1 特征图；这里要读取全部 12 个。"
    ),
    "one bias per map is today's convolution; in 1989 each of H2's 192 units had its own.": (
        "每个特征图一个偏置是今天的卷积；在 1989 年，H2 的 192 个单元各有自己的偏置。"
    ),
    "the kernels are right, but the biases are free parameters too.": "卷积核算对了，但偏置也是自由参数。",
    "that counts connections (every unit's input lines and bias); shared weights count once.": (
        "这算的是连接数（每个单元的输入线和偏置）；共享的权重只算一次。"
    ),
    "it gives {got:.6g}, the paper's MSE is {want:.6g}.": "它给出 {got:.6g}，论文的 MSE 是 {want:.6g}。",
    "it matches the library's paper_mse on batches of 5, 1 and 64, value and gradient.": (
        "在大小为 5、1 和 64 的批量上，它与库中 paper_mse 的值和梯度都一致。"
    ),
    (
        "it matches the library's partial_connection for the lesson's table and two others (blocks of 8, rows of "
        "4), background border and per-unit biases included."
    ): (
        "对本课的连接表和另外两种连接表（8 个一块的分组、每行 4 个），它都与库中的 partial_connection 一致，"
        "包括背景边界和每个单元各自的偏置。"
    ),
    "the function must return a one-number tensor (so that backward() works).": (
        "函数必须返回只含一个数的张量（这样 backward() 才能工作）。"
    ),
    "expected a function mse(outputs, labels), got {kind}.": "需要一个函数 mse(outputs, labels)，实际得到的是 {kind}。",
    "expected a function h2_layer(h1, weight, bias, table), got {kind}.": (
        "需要一个函数 h2_layer(h1, weight, bias, table)，实际得到的是 {kind}。"
    ),
    (
        "with a table whose rows read {k} maps it is off by up to {worst:.3g}; compare it map by map with "
        "partial_connection."
    ): ("使用每行读取 {k} 个特征图的连接表时，它的误差最大达 {worst:.3g}；请逐个特征图与 partial_connection 比较。"),
    "the value is right, but it is cut off from the outputs: backward() could not train.": (
        "值是对的，但它与输出断开了联系：backward() 无法借此训练。"
    ),
    "the value is right but its gradient is not: compute it from the outputs directly.": (
        "值是对的，但梯度不对：请直接由输出计算它。"
    ),
    "h2_layer must return a tensor, got {kind}.": "h2_layer 必须返回一个张量，实际得到的是 {kind}。",
    (
        "for 3 images it returned shape {shape}, expected (3, 12, 4, 4): check the stride and the border "
        "(2 background pixels before, 1 after)."
    ): ("对 3 张图像它返回的形状是 {shape}，应为 (3, 12, 4, 4)：请检查步幅和边界（前面 2 个背景像素，后面 1 个）。"),
    # Texts lesson11.py passes to say() through a variable (say(why)): the catalogue cannot trace them
    # until they are written as say("...") literals, but the checker finds these translations at run time.
    (
        "targets of 0 and 1 (one-hot): the wrong classes' target here "
        "is TARGET_OFF, on the negative side, where the tanh is symmetric."
    ): "目标值用了 0 和 1（one-hot）：这里错误类别的目标值是 TARGET_OFF，位于负的一侧，tanh 在那里是对称的。",
    "summed over the 10 outputs: the paper averages over the output units too.": (
        "对 10 个输出求了和：论文对输出单元也取平均。"
    ),
    "that is the sum over everything: the paper reports a mean.": "这是对所有元素的求和：论文报告的是均值。",
    "half the mean squared error: the paper's figure is the plain mean.": (
        "这是均方误差的一半：论文的数字就是普通的均值。"
    ),
    "summed over the patterns: the paper averages over the patterns too.": ("对样本求了和：论文对样本也取平均。"),
    (
        "the border reads zeros: the paper's fields that fall off the border read the background plane, "
        "whose state is BACKGROUND, not 0."
    ): "边界读到的是 0：论文中超出边界的感受野读取的是背景平面，其状态是 BACKGROUND，而不是 0。",
    "no bias added: each H2 unit has its own bias, bias[j, y, x].": (
        "没有加偏置：H2 的每个单元都有自己的偏置 bias[j, y, x]。"
    ),
    "one bias per map: in 1989 every unit had its own bias, bias[j, y, x], not bias[j, 0, 0].": (
        "每个特征图只用了一个偏置：在 1989 年，每个单元都有自己的偏置 bias[j, y, x]，而不是 bias[j, 0, 0]。"
    ),
    "every map reads the same H1 maps: map j must read the maps listed in table[j].": (
        "每个特征图都读取了同样的 H1 特征图：第 j 个特征图必须读取 table[j] 中列出的特征图。"
    ),
    "that is after the squashing: return the weighted sums plus biases, before scaled_tanh.": (
        "这是压缩函数之后的值：请返回加权和加上偏置的结果，即 scaled_tanh 之前的值。"
    ),
}
