"""Chinese texts of lesson 12's exercises (keys: the English texts in exercises/lesson12.py)."""

ZH: dict[str, str] = {
    (
        "Write rbf_penalties(features, centers): the outputs y_i of the paper's Euclidean RBF layer for "
        "F6 features [N, 84] and centres [classes, 84], as a tensor [N, classes]."
    ): (
        "编写 rbf_penalties(features, centers)：对于 F6 特征 "
        "[N, 84] 和中心 [classes, 84]，返回论文欧氏 RBF 层的输出 y_i"
        "，形式为一个 [N, classes] 的张量。"
    ),
    (
        "Each output unit compares the whole F6 vector with its own class's bitmap: one number per "
        "(sample, class) pair."
    ): ("每个输出单元把整个 F6 向量与它自己类别的位图相比较：每个（样本，类别）对一个数。"),
    ("Broadcasting lines the pairs up: features [N, 1, 84] against centers [1, classes, 84]."): (
        "广播可以把这些对排好：features [N, 1, 84] 对 centers [1, classes, 84]。"
    ),
    ("Method: the difference of those two, squared, summed over the last axis (84 units); no square root."): (
        "方法：两者之差，平方后沿最后一个轴（84 个单元）求和；不开平方。"
    ),
    (
        "Write paper_map_loss(penalties, targets, j): the paper's MAP criterion for RBF penalties [N, "
        "10] (y_i >= 0) and integer labels [N], averaged over the samples. It must stay finite for any "
        "penalties and any positive j. Return a tensor."
    ): (
        "编写 paper_map_loss(penalties, targets, j)：对 RB"
        "F 惩罚值 [N, 10]（y_i >= 0）和整数标签 [N] 计算论文的 MAP 准则"
        "，对样本取平均。对任意惩罚值和任意正的 j 都必须保持有限。返回一个张量。"
    ),
    (
        "Two terms: one pulls the correct class's penalty down, the other pushes the competing "
        "penalties up, with the constant j as an eleventh competitor that is always there."
    ): ("两项：一项压低正确类别的惩罚值，另一项推高与之竞争的惩罚值，常数 j 作为始终存在的第十一个竞争者。"),
    (
        "The first term picks y at the label of each row; the second is a log of a sum of exponentials "
        "of minus the penalties and of minus j. A log of a sum of exponentials overflows or underflows "
        "when written as it reads."
    ): ("第一项取出每一行在标签处的 y；第二项是负惩罚值和 -j 的指数之和的对数。按字面写出的指数和的对数会上溢或下溢。"),
    (
        "Method: per row, y[label] + logsumexp over the 11 values [-y_0, ..., -y_9, -j] "
        "(torch.logsumexp on a concatenated tensor); then the mean over the rows."
    ): (
        "方法：每一行计算 y[label] + 对 11 个值 [-y_0, ..., -y_9,"
        " -j] 的 logsumexp（对拼接后的张量使用 torch.logsumexp）；然"
        "后对各行取平均。"
    ),
    (
        "Write sdlm_update(w, grad, h, eta, mu): the weights after one SDLM step, for tensors w, grad "
        "and h (the curvature estimates, same shape) and numbers eta and mu. Return a new tensor; do "
        "not change w."
    ): (
        "编写 sdlm_update(w, grad, h, eta, mu)：对张量 w、gra"
        "d 和 h（曲率估计，形状相同）以及数 eta 和 mu，返回执行一次 SDLM 步之后的"
        "权重。返回一个新张量；不要改变 w。"
    ),
    ("Every weight gets its own step size, set by its own curvature: large curvature, small step."): (
        "每个权重都有自己的步长，由它自己的曲率决定：曲率大，步长小。"
    ),
    ("The step size of weight k is eta divided by something that is never smaller than mu."): (
        "权重 k 的步长是 eta 除以一个永远不小于 mu 的量。"
    ),
    ("Method: w - eta / (mu + h) * grad, element by element."): ("方法：w - eta / (mu + h) * grad，逐元素计算。"),
    (
        "A network makes 95 mistakes on MNIST's 10,000 test images: a test error of 0.95%. Treating "
        "each test image as an independent trial, what is the standard error of that test error, in "
        "percentage points (e.g. 0.5 for 0.5%)?"
    ): (
        "一个网络在 MNIST 的 10,000 张测试图像上犯了 95 个错误：测试误差为 0."
        "95%。把每张测试图像视为一次独立试验，该测试误差的标准误差是多少个百分点（例如 0.5%"
        " 写作 0.5）？"
    ),
    ("Each test image is right or wrong: the number of mistakes is a binomial count."): (
        "每张测试图像要么对要么错：错误数是一个二项计数。"
    ),
    ("The variance of a measured proportion p on n trials is p (1 - p) / n."): (
        "在 n 次试验上测得的比例 p 的方差为 p (1 - p) / n。"
    ),
    ("Method: sqrt(p (1 - p) / n) with p = 0.0095 and n = 10,000, then times 100 for percentage points."): (
        "方法：sqrt(p (1 - p) / n)，其中 p = 0.0095，n = 10,000，再乘以 100 换算为百分点。"
    ),
    ("for the first sample it gives {got}, the RBF layer gives {want}."): (
        "对第一个样本它给出 {got}，RBF 层给出 {want}。"
    ),
    ("it gives {got:.6g}; the MAP criterion is {want:.6g} here."): ("它给出 {got:.6g}；此处 MAP 准则为 {want:.6g}。"),
    ("one of the weights differs from SDLM's step; check the formula element by element."): (
        "有一个权重与 SDLM 步的结果不同；请逐元素检查公式。"
    ),
    ("that is a fraction; the question asks for percentage points (times 100)."): (
        "这是一个比例；题目问的是百分点（乘以 100）。"
    ),
    ("that is the variance (times 100); the standard error is its square root."): (
        "这是方差（乘以 100）；标准误差是它的平方根。"
    ),
    ("n is the number of TEST images, 10,000."): ("n 是测试图像的数量，10,000。"),
    ("close, but the binomial variance is p (1 - p) / n."): ("接近了，但二项方差是 p (1 - p) / n。"),
    ("it matches the library's EuclideanRBF on the digit bitmaps and on other centres."): (
        "它在数字位图和其他中心上都与库中的 EuclideanRBF 一致。"
    ),
    ("it matches the library's map_loss, including penalties in the hundreds."): (
        "它与库中的 map_loss 一致，包括数百量级的惩罚值。"
    ),
    ("it matches the library's SDLM optimizer, weights with no curvature included."): (
        "它与库中的 SDLM 优化器一致，包括没有曲率的权重。"
    ),
    ("{what} must return a tensor, got {kind}."): ("{what} 必须返回一个张量，得到的是 {kind}。"),
    ("{what} must return a tensor of shape {want}, got {got}."): (
        "{what} 必须返回形状为 {want} 的张量，得到的是 {got}。"
    ),
    ("expected a function rbf_penalties(features, centers), got {kind}."): (
        "需要一个函数 rbf_penalties(features, centers)，得到的是 {kind}。"
    ),
    ("expected a function paper_map_loss(penalties, targets, j), got {kind}."): (
        "需要一个函数 paper_map_loss(penalties, targets, j)，得到的是 {kind}。"
    ),
    ("expected a function sdlm_update(w, grad, h, eta, mu), got {kind}."): (
        "需要一个函数 sdlm_update(w, grad, h, eta, mu)，得到的是 {kind}。"
    ),
    ("paper_map_loss must return a one-number tensor."): ("paper_map_loss 必须返回只含一个数的张量。"),
    (
        "with penalties near 900 and j = 800 it returns {got}: e^(-900) underflows to 0, so the log "
        "sees 0; compute the log of the sum of exponentials stably."
    ): (
        "惩罚值接近 900 且 j = 800 时它返回 {got}：e^(-900) 下溢为 0"
        "，于是对数的参数为 0；请用数值稳定的方式计算指数和的对数。"
    ),
    ("your function changed w in place; return a new tensor and leave w as it was."): (
        "你的函数原地修改了 w；请返回一个新张量，并保持 w 不变。"
    ),
    ("the sign is flipped: y_i is a penalty (>= 0, small for the nearest bitmap); scores are -y_i."): (
        "符号反了：y_i 是惩罚值（>= 0，对最近的位图最小）；得分才是 -y_i。"
    ),
    ("that is the mean over the 84 units; the paper sums them."): ("这是对 84 个单元取平均；论文是求和。"),
    (
        "without the e^(-j) term: that is softmax cross-entropy on -y. The constant j is what lets the "
        "criterion stop pushing penalties that are already large."
    ): ("缺少 e^(-j) 项：这是对 -y 的 softmax 交叉熵。正是常数 j 让该准则不再推高已经很大的惩罚值。"),
    ("summed over the samples: the paper averages (1/P times the sum over patterns)."): (
        "这是对样本求和：论文取的是平均（1/P 乘以对所有样本的和）。"
    ),
    ("the step is eta / (mu + h), not eta / h: without mu a weight with no curvature takes an infinite step."): (
        "步长是 eta / (mu + h)，不是 eta / h：没有 mu，曲率为 0 的权重会走出无穷大的一步。"
    ),
    ("the step is eta / (mu + h): the curvature divides the rate, it does not multiply it."): (
        "步长是 eta / (mu + h)：学习率除以曲率（加 mu），而不是乘以曲率。"
    ),
    ("the sign: a step goes against the gradient, w - step * grad."): ("符号：每一步沿梯度的反方向，w - step * grad。"),
    ("that is the distance itself; the paper's y_i is the SQUARED Euclidean distance (no root)."): (
        "这是距离本身；论文的 y_i 是欧氏距离的平方（不开根号）。"
    ),
    (
        "that is only the first term (the maximum-likelihood criterion): the log term is what pushes "
        "the other classes' penalties up."
    ): ("这只是第一项（最大似然准则）：推高其他类别惩罚值的是对数项。"),
    ("the log term's sign: it is + log(e^(-j) + sum e^(-y_i)), negative when the penalties are large."): (
        "对数项的符号：它是 + log(e^(-j) + sum e^(-y_i))，惩罚值很大时为负。"
    ),
}
