"""Chinese texts of lesson 08's exercises (keys: the English texts in exercises/lesson08.py)."""

ZH: dict[str, str] = {
    (
        "Write random_shift(images, max_shift, generator): move each image of a [N, 1, 28, 28] batch by its own "
        "whole number of pixels, dx and dy drawn independently and uniformly from -max_shift to +max_shift (both "
        "ends included) with the generator given, filling the uncovered border with 0. Return a new tensor of the "
        "same shape; leave the input unchanged."
    ): (
        "写出 random_shift(images, max_shift, generator)：把一个 [N, 1, 28, 28] "
        "批量中的每张图像各自平移整数个像素，dx 和 dy 用给定的生成器、相互独立地从 -max_shift 到 "
        "+max_shift（两端都包括）均匀抽取，空出的边缘用 0 填充。返回一个形状相同的新张量；不要改动输入。"
    ),
    (
        "Draw two integer tensors of N values each from the generator (torch.randint takes generator=), then move "
        "each image by its pair."
    ): (
        "从生成器中抽取两个各含 N 个值的整数张量（torch.randint 接受 generator= "
        "参数），然后按每张图像对应的那一对值平移它。"
    ),
    (
        "torch.randint's upper bound is excluded: to include +max_shift, ask for max_shift + 1. torch.roll wraps "
        "pixels around instead of filling with 0."
    ): (
        "torch.randint 不包括上界：要包括 +max_shift，上界应取 max_shift + 1。torch.roll "
        "会把移出去的像素卷绕到另一边，而不是用 0 填充。"
    ),
    (
        "Pad every image by max_shift zeros on each side (F.pad), then for image k cut the 28x28 window whose "
        "top-left corner is (max_shift - dy[k], max_shift - dx[k])."
    ): (
        "在每张图像的每一边填充 max_shift 个零（F.pad），然后对第 k 张图像切出左上角位于 (max_shift - dy[k], "
        "max_shift - dx[k]) 的 28x28 窗口。"
    ),
    (
        "Write should_stop(val_accuracies, patience): True once the best validation accuracy so far was reached "
        "patience or more epochs ago (a later equal value is no improvement), False otherwise (also for an empty "
        "list). val_accuracies holds one value per epoch, oldest first."
    ): (
        "写出 should_stop(val_accuracies, patience)：一旦迄今最好的验证准确率是在 patience "
        "轮或更多轮之前达到的，就返回 True（后来出现的相等值不算改进），否则返回 False（空列表也返回 "
        "False）。val_accuracies 每一轮一个值，最早的在前。"
    ),
    "Find the epoch of the best value, then count how many epochs came after it.": (
        "找出最好值所在的那一轮，再数一数它之后还有多少轮。"
    ),
    (
        "The index of the first maximum: a value only replaces the best when it is strictly larger. Epochs after "
        "it: len(val_accuracies) - 1 - that index."
    ): ("取第一个最大值的下标：只有严格更大的值才会取代最好值。它之后的轮数：len(val_accuracies) - 1 - 这个下标。"),
    (
        "Loop over the values keeping best_index (update when value > val_accuracies[best_index]); return "
        "len(val_accuracies) - 1 - best_index >= patience, and False for an empty list."
    ): (
        "遍历这些值并维护 best_index（当 value > val_accuracies[best_index] 时更新）；返回 len(val_accuracies) - 1 "
        "- best_index >= patience，空列表则返回 False。"
    ),
    (
        "Write a class DropoutCaffeLeNet(nn.Module): Caffe's LeNet (same layer names conv1, pool1, conv2, pool2, "
        "ip1, relu1, ip2, so the same state_dict keys) with nn.Dropout(p=0.5) applied to the output of relu1, just "
        "before ip2. Give the class itself."
    ): (
        "写一个类 DropoutCaffeLeNet(nn.Module)：Caffe 的 LeNet（层名相同：conv1、pool1、conv2、pool2、ip1、relu1、i"
        "p2，因此 state_dict 的键也相同），在 relu1 的输出上、紧挨着 ip2 之前应用 "
        "nn.Dropout(p=0.5)。给出这个类本身。"
    ),
    (
        "Dropout holds no parameters: it adds a module, not a key of the state_dict. Start from CaffeLeNet's "
        "forward in lenet_course/models.py."
    ): (
        "Dropout 没有参数：它增加的是一个模块，而不是 state_dict 中的一个键。从 lenet_course/models.py 中 "
        "CaffeLeNet 的 forward 出发。"
    ),
    "Subclass CaffeLeNet, add self.drop = nn.Dropout(0.5) in __init__ after super().__init__(), and rewrite forward.": (
        "继承 CaffeLeNet，在 __init__ 中 super().__init__() 之后加上 self.drop = nn.Dropout(0.5)，并重写 forward。"
    ),
    (
        "forward: conv1, pool1, conv2, pool2, flatten, relu1(ip1(x)), then self.drop(x), then ip2. nn.Dropout is "
        "active in train() mode and does nothing in eval() mode by itself."
    ): (
        "forward：conv1、pool1、conv2、pool2、展平、relu1(ip1(x))，然后 self.drop(x)，最后 ip2。nn.Dropout 在 "
        "train() 模式下起作用，在 eval() 模式下会自行失效，什么也不做。"
    ),
    "every image moved by a whole-pixel shift from -2 to 2 on each axis, zero filled, reproducibly.": (
        "每张图像都在每个轴上平移了 -2 到 2 之间的整数个像素，边缘用零填充，而且结果可复现。"
    ),
    "it agrees with the library's rule on every case tried, ties and empty lists included.": (
        "在尝试过的每一种情况下，它都与库中的规则一致，包括相等值和空列表的情况。"
    ),
    "same weights as CaffeLeNet, dropout 0.5 right before ip2, active only in train mode.": (
        "权重与 CaffeLeNet 相同，0.5 的 dropout 紧挨在 ip2 之前，只在 train 模式下起作用。"
    ),
    "give the function itself: random_shift, without calling it.": "请给出函数本身：random_shift，不要调用它。",
    "it drew from torch's global random stream: pass generator=generator to every draw.": (
        "它从 torch 的全局随机数流中抽取了随机数：每次抽取都要传入 generator=generator。"
    ),
    "it changed the input batch: work on a copy (or build a new tensor).": (
        "它改动了输入的批量：请在副本上操作（或者构造一个新张量）。"
    ),
    "it should return a tensor of shape {want}, got {got}.": "它应当返回形状为 {want} 的张量，得到的却是 {got}。",
    (
        "over {n} images the shifts used were dx in {dx}, dy in {dy}; every value from -2 to 2 should appear (is "
        "the upper end included? are negative shifts drawn?)."
    ): (
        "在 {n} 张图像上，用到的平移是 dx 取 {dx}、dy 取 {dy}；从 -2 到 2 "
        "的每个值都应当出现（上界包括在内了吗？抽到负的平移了吗？）。"
    ),
    "dx and dy are always equal: draw them independently.": "dx 和 dy 总是相等：请分别独立地抽取它们。",
    "with max_shift 0 every image must come back unchanged.": "max_shift 为 0 时，每张图像都必须原样返回。",
    "the same generator seed gave different shifts: draw only from the generator given.": (
        "同一个生成器种子给出了不同的平移：只能从给定的生成器中抽取。"
    ),
    "give the function itself: should_stop, without calling it.": "请给出函数本身：should_stop，不要调用它。",
    "give the class itself (DropoutCaffeLeNet), an nn.Module subclass, not an instance.": (
        "请给出类本身（DropoutCaffeLeNet），一个 nn.Module 的子类，而不是它的实例。"
    ),
    "its state_dict keys differ from CaffeLeNet's ({keys}): keep the layer names; dropout adds no parameters.": (
        "它的 state_dict 键与 CaffeLeNet 的不同（{keys}）：请保留层名；dropout 不增加参数。"
    ),
    "no nn.Dropout module found: create it in __init__ (self.drop = nn.Dropout(0.5)).": (
        "没有找到 nn.Dropout 模块：请在 __init__ 中创建它（self.drop = nn.Dropout(0.5)）。"
    ),
    "the dropout rate should be p=0.5, got {p}.": "dropout 的比例应为 p=0.5，得到的却是 {p}。",
    "dropout is in the wrong place: it should act on relu1's output, right before ip2.": (
        "dropout 的位置不对：它应当作用在 relu1 的输出上，紧挨在 ip2 之前。"
    ),
    "image {k} is not its input moved by whole pixels (at most {m} each way) with a zero border.": (
        "第 {k} 张图像不是它的输入平移整数个像素（每个方向至多 {m} 个）、边缘用零填充后的结果。"
    ),
    "should_stop({values}, patience={patience}) gave {got}, expected {right}: {why}": (
        "should_stop({values}, patience={patience}) 给出 {got}，应为 {right}：{why}"
    ),
    "should_stop({values}, patience={patience}) should be {right}.": (
        "should_stop({values}, patience={patience}) 应为 {right}。"
    ),
    "in eval mode it should give exactly CaffeLeNet's outputs (dropout off), and it does not.": (
        "在 eval 模式下它应当给出与 CaffeLeNet 完全相同的输出（dropout 关闭），但它没有。"
    ),
    "in train mode two passes gave the same output: is dropout applied in forward?": (
        "在 train 模式下两次前向传播给出了相同的输出：forward 中真的用上 dropout 了吗？"
    ),
    "image {k} wraps around (like torch.roll): the border must be filled with 0.": (
        "第 {k} 张图像发生了卷绕（像 torch.roll 那样）：边缘必须用 0 填充。"
    ),
    # the reasons of _STOP_CASES, shown through say(why)
    "with no epochs yet there is nothing to stop.": "还没有任何一轮，没有什么可停的。",
    "after one epoch its value is the best so far, and it is 0 epochs old.": (
        "一轮之后，这一轮的值就是迄今最好的，它是 0 轮之前的。"
    ),
    "the accuracy improved at every epoch: nothing to stop.": "准确率每一轮都在提高：不该停止。",
    "the best (epoch 2) is 1 epoch old: with patience 1, stop.": (
        "最好值（第 2 轮）是 1 轮之前的：patience 为 1 时，应当停止。"
    ),
    "the best is 1 epoch old: with patience 2, go on.": "最好值是 1 轮之前的：patience 为 2 时，应当继续。",
    "compare with the best so far, not with the previous epoch: 0.95 is 2 epochs old.": (
        "要与迄今最好的值比较，而不是与上一轮比较：0.95 是 2 轮之前的。"
    ),
    "an equal value is not an improvement: the first 0.95 stays the best, 2 epochs old.": (
        "相等的值不算改进：第一个 0.95 仍是最好值，它是 2 轮之前的。"
    ),
    "the best is 1 epoch old; patience 2 waits for a second epoch without improvement.": (
        "最好值是 1 轮之前的；patience 为 2 时，要等到第二个没有改进的轮次才停止。"
    ),
    "the best is 2 epochs old: with patience 2, stop.": "最好值是 2 轮之前的：patience 为 2 时，应当停止。",
}
