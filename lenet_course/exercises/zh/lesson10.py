"""Chinese texts of lesson 10's exercises (keys: the English texts in exercises/lesson10.py)."""

ZH: dict[str, str] = {
    "the result": "结果",
    (
        "Write fgsm(model, pixels, labels, epsilon): the fast gradient sign method. pixels are float digits [N, "
        "1, 28, 28] in [0, 1]; return the adversarial pixels."
    ): (
        "写出 fgsm(model, pixels, labels, epsilon)：快速梯度符号法。pixels 是取值在 [0, 1] 中的浮点数字 [N, 1, "
        "28, 28]；返回对抗像素。"
    ),
    (
        "Three steps: the gradient of the loss with respect to the pixels (not the weights), one step of size "
        "epsilon along it, then back into the range a pixel can take."
    ): ("三步：求损失对像素（而不是权重）的梯度，沿它走一步大小为 epsilon 的步，再把结果放回像素能取的范围内。"),
    (
        "x = pixels.clone().requires_grad_(True); the loss is the cross-entropy of model(to_model_input(model, "
        "x)) and the labels; torch.autograd.grad(loss, x) gives its gradient."
    ): (
        "x = pixels.clone().requires_grad_(True)；损失是 model(to_model_input(model, x)) 与 labels 的交叉熵；"
        "torch.autograd.grad(loss, x) 给出它的梯度。"
    ),
    (
        "return (x + epsilon * gradient.sign()).clamp(0, 1).detach(): the sign moves every pixel by exactly "
        "epsilon, up the loss; clamp keeps it a picture."
    ): (
        "return (x + epsilon * gradient.sign()).clamp(0, 1).detach()：取符号让每个像素都恰好移动 epsilon，朝损失"
        "增大的方向；clamp 让它仍是一张图片。"
    ),
    (
        "Write occlusion(model, pixels, label, patch, stride): pixels is one digit [1, 1, 28, 28] in [0, 1]. For "
        "every square of patch x patch pixels whose top-left corner is at a multiple of stride (and that fits in "
        "the image), set it to 0 and measure how much the probability of label drops. Return the grid of drops."
    ): (
        "写出 occlusion(model, pixels, label, patch, stride)：pixels 是一个数字 [1, 1, 28, 28]，取值在 [0, 1] 中"
        "。对每一个左上角位于 stride 的整数倍处（且能放进图像）的 patch x patch 像素方块，把它设为 0，并测量 "
        "label 的概率下降了多少。返回由下降量构成的网格。"
    ),
    (
        "Two nested loops over the corners (rows, then columns); the image is 28 pixels wide and the square must "
        "fit, so the last corner is at 28 - patch or just before it."
    ): (
        "对角点做两重嵌套循环（先行后列）；图像宽 28 个像素，方块必须放得下，所以最后一个角点位于 28 - patch 处，"
        "或者就在它之前。"
    ),
    (
        "For each corner: a fresh copy of the pixels, the square set to 0, the probability of label from "
        "torch.softmax(model(to_model_input(model, copy)), 1); store p(original) - p(copy)."
    ): (
        "对每个角点：取像素的一份新拷贝，把方块设为 0，由 torch.softmax(model(to_model_input(model, copy)), 1) 得"
        "到 label 的概率；记下 p(original) - p(copy)。"
    ),
    (
        "corners = range(0, 28 - patch + 1, stride); drops[i, j] = base - p for the square at (corners[i], "
        "corners[j]); return the array of drops, shape (len(corners), len(corners))."
    ): (
        "corners = range(0, 28 - patch + 1, stride)；对位于 (corners[i], corners[j]) 的方块，drops[i, j] = base "
        "- p；返回下降量数组，形状为 (len(corners), len(corners))。"
    ),
    (
        "Write ece(confidence, correct, bins=10): the expected calibration error of predictions with these "
        "confidences (numpy floats in [0, 1]) and correct flags (numpy booleans), with bins equal-width bins."
    ): (
        "写出 ece(confidence, correct, bins=10)：给定置信度（取值在 [0, 1] 中的 numpy 浮点数）和是否正确的标志（"
        "numpy 布尔值），用 bins 个等宽区间计算这些预测的期望校准误差。"
    ),
    (
        "Sort the predictions into bins by confidence; in each bin compare how often they were right with how "
        "sure they were; combine the bins so that a bin holding more predictions counts more."
    ): (
        "按置信度把预测分到各个区间；在每个区间中比较它们正确的频率和它们有多大把握；再把各区间合起来，让含有更多"
        "预测的区间占更大的分量。"
    ),
    (
        "The bins are (0, 1/bins], (1/bins, 2/bins], ...: closed on the right, so a confidence of exactly 1 is "
        "in the last bin. np.searchsorted(edges[1:-1], confidence, side='left') gives each confidence's bin number."
    ): (
        "区间是 (0, 1/bins]、(1/bins, 2/bins]、...：右闭，所以恰好为 1 的置信度落在最后一个区间。"
        "np.searchsorted(edges[1:-1], confidence, side='left') 给出每个置信度所属区间的编号。"
    ),
    (
        "ECE = sum over non-empty bins of (count / N) * |mean(correct in bin) - mean(confidence in bin)|, with "
        "edges = np.linspace(0, 1, bins + 1)."
    ): (
        "ECE = 对所有非空区间求和 (count / N) * |mean(该区间的 correct) - mean(该区间的 confidence)|，其中 edges "
        "= np.linspace(0, 1, bins + 1)。"
    ),
    "your function returns None: end it with return ...": "你的函数返回了 None：请以 return ... 结束它。",
    "{what} should have shape {shape}, got {got}.": "{what}的形状应为 {shape}，实际为 {got}。",
    "your FGSM matches the library's at three epsilons; at 0.1 the model reads {acc:.0%} of these {n} digits right.": (
        "你的 FGSM 在三个 epsilon 下都与库中的一致；epsilon 为 0.1 时，模型能正确识别这 {n} 个数字中的 {acc:.0%}。"
    ),
    "your occlusion loop matches the library's on two digits and two square sizes.": (
        "你的遮挡循环在两个数字和两种方块尺寸上都与库中的一致。"
    ),
    "your ECE matches on made-up predictions, on bin edges (0.25, 0.5, 1.0) and with 15 bins.": (
        "你的 ECE 在虚构的预测上、在区间边界（0.25、0.5、1.0）上以及用 15 个区间时都正确。"
    ),
    "pass your function itself (fgsm, without brackets), not its result.": (
        "请传入你的函数本身（fgsm，不带括号），而不是它的结果。"
    ),
    (
        "with epsilon = {eps}, {share:.1%} of the pixels differ from FGSM's; check which loss you take the "
        "gradient of (the cross-entropy of the true labels)."
    ): (
        "epsilon = {eps} 时，有 {share:.1%} 的像素与 FGSM 的结果不同；检查一下你求的是哪个损失的梯度（应为真实标"
        "签的交叉熵）。"
    ),
    "pass your function itself (occlusion, without brackets), not its result.": (
        "请传入你的函数本身（occlusion，不带括号），而不是它的结果。"
    ),
    "with patch {p} and stride {s} the grid": "patch 为 {p}、stride 为 {s} 时，网格",
    (
        "with patch {p} and stride {s} your grid differs from the library's by up to {gap:.3f}: are you "
        "measuring the probability (softmax) of the given label?"
    ): (
        "patch 为 {p}、stride 为 {s} 时，你的网格与库中的结果最多相差 {gap:.3f}：你测量的是给定 label 的概率（"
        "softmax）吗？"
    ),
    "pass your function itself (ece, without brackets), not its result.": (
        "请传入你的函数本身（ece，不带括号），而不是它的结果。"
    ),
    "with {bins} bins and {n} predictions your ECE is {got:.4f}; the ECE is {right:.4f}.": (
        "在 {bins} 个区间、{n} 个预测上，你的 ECE 为 {got:.4f}；正确的 ECE 是 {right:.4f}。"
    ),
    "your function changed the model's weights: FGSM changes the pixels only.": (
        "你的函数改动了模型的权重：FGSM 只改变像素。"
    ),
    "your function changed the pixels it was given in place; work on a copy (clone).": (
        "你的函数原地改动了传给它的像素；请在一份拷贝（clone）上操作。"
    ),
    "that is the nudge alone; return the nudged pixels (the digit plus the nudge).": (
        "这只是扰动本身；请返回扰动后的像素（数字加上扰动）。"
    ),
    "some pixels are outside [0, 1] (from {low:.3f} to {high:.3f}): clip after the step.": (
        "有些像素超出了 [0, 1]（从 {low:.3f} 到 {high:.3f}）：走完这一步后要裁剪。"
    ),
    "your step goes down the loss, towards the right answer; FGSM steps up the loss.": (
        "你的这一步让损失减小，朝着正确答案走；FGSM 是朝损失增大的方向走。"
    ),
    (
        "some pixels moved by {step:.3f}, more than epsilon = {eps}: step along the gradient's sign, not the "
        "gradient itself."
    ): ("有些像素移动了 {step:.3f}，超过了 epsilon = {eps}：应沿梯度的符号走一步，而不是沿梯度本身。"),
    "with epsilon = {eps} no pixel moved by more than {step:.4f}: use epsilon.": (
        "epsilon = {eps} 时，没有哪个像素的移动超过 {step:.4f}：要用上 epsilon。"
    ),
    "your function changed the digit it was given; occlude a copy each time.": (
        "你的函数改动了传给它的数字；每次都应遮挡一份拷贝。"
    ),
    "your function changed the model's weights; it should only read the model.": (
        "你的函数改动了模型的权重；它只应读取模型。"
    ),
    "those are the probabilities with the square hidden; return how much they dropped.": (
        "这些是方块被遮挡后的概率；请返回它们下降了多少。"
    ),
    "the sign is the wrong way round: a drop is p(original) - p(occluded).": (
        "符号反了：下降量是 p(original) - p(occluded)。"
    ),
    (
        "the first square is right but later ones are not: does every square start again from the original digit "
        "(a fresh copy), with only that one square hidden?"
    ): ("第一个方块是对的，后面的却不对：是否每个方块都从原始数字（一份新拷贝）重新开始，并且只遮挡那一个方块？"),
    "that is the plain mean of the bins' gaps; weight each bin by its share of the predictions.": (
        "这是各区间差距的简单平均；应按每个区间所含预测的比例给它加权。"
    ),
    "the gaps are summed with their signs, so over- and under-confident bins cancel; take |gap|.": (
        "差距是带着符号相加的，于是过度自信和信心不足的区间相互抵消了；应取 |gap|。"
    ),
    (
        "your bins are closed on the left ([lo, hi)); Guo et al.'s are closed on the right, so a confidence of "
        "exactly 0.5 belongs to the bin that ends at 0.5, and 1.0 to the last bin."
    ): (
        "你的区间是左闭的（[lo, hi)）；Guo et al. 的区间是右闭的，所以恰好为 0.5 的置信度属于以 0.5 结尾的那个区"
        "间，1.0 属于最后一个区间。"
    ),
    "the predictions made with confidence exactly 1.0 are missing: they belong in the last bin.": (
        "置信度恰好为 1.0 的预测被漏掉了：它们属于最后一个区间。"
    ),
}
