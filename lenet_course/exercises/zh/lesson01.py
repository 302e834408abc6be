"""Chinese texts of lesson 01's exercises (keys: the English texts in exercises/lesson01.py)."""

ZH: dict[str, str] = {
    # 01.first_trained_cnn
    (
        "In which year was a convolutional network (local receptive fields, shared weights) first trained end to "
        "end by back-propagation on a real task?"
    ): ("卷积网络（局部感受野、权值共享）第一次在真实任务上用反向传播进行端到端训练，是在哪一年？"),
    (
        "Shared weights alone are older than that: look for the first network that had them AND learned them all "
        "by back-propagation."
    ): ("单是权值共享还要更早：要找的是第一个既有共享权值、又用反向传播学到全部权值的网络。"),
    (
        "The timeline's detail lines say which networks were not trained by back-propagation, and which one read "
        "real postal digits."
    ): ("时间线中每个事件的说明写明了哪些网络不是用反向传播训练的，以及哪一个识别的是真实的邮政数字。"),
    "the neocognitron already had local receptive fields with shared weights, but it was not trained by "
    "back-propagation.": "新认知机（neocognitron）已经有了权值共享的局部感受野，但它不是用反向传播训练的。",
    "that is when back-propagation was popularised; its networks were not convolutional.": (
        "那是反向传播得到普及的时候；当时的那些网络并不是卷积网络。"
    ),
    (
        "time-delay networks shared weights over time, for speech; the question asks for images read by a trained "
        "convolutional network."
    ): ("时延神经网络是在时间上共享权值，用于语音；题目问的是由训练好的卷积网络识别图像。"),
    "LeNet-5 came almost ten years after the first one.": "LeNet-5 比第一个这样的网络晚了将近十年。",
    # 01.sigmoid_derivative
    "Write d(z) returning the derivative of the sigmoid at z (a tensor).": (
        "写出 d(z)，返回 sigmoid 在 z（一个张量）处的导数。"
    ),
    "The sigmoid's slope can be written with the sigmoid itself, which the forward pass already computed.": (
        "sigmoid 的斜率可以用 sigmoid 本身来表示，而前向传播已经算出了它。"
    ),
    "with s = torch.sigmoid(z), the derivative is s * (1 - s).": "令 s = torch.sigmoid(z)，导数就是 s * (1 - s)。",
    "at z = {z:.2f} you return {got:.4f}, the slope is {slope:.4f}.": (
        "在 z = {z:.2f} 处你返回了 {got:.4f}，而斜率是 {slope:.4f}。"
    ),
    "pass a function, e.g. def d(z): return ..., not its value.": (
        "请传入一个函数，例如 def d(z): return ...，而不是它的返回值。"
    ),
    "your function returns None: write the formula in its return line.": (
        "你的函数返回了 None：请把公式写在它的 return 行里。"
    ),
    "d(z) should return one value per entry of z ({want}), got {got}.": (
        "d(z) 应该为 z 的每个元素返回一个值（{want}），实际得到 {got}。"
    ),
    "d(z) matches s * (1 - s) everywhere: the local factor back-propagation multiplies by.": (
        "d(z) 处处与 s * (1 - s) 一致：这正是反向传播要乘上的局部因子。"
    ),
    "that is the sigmoid itself, not its slope.": "这是 sigmoid 本身，不是它的斜率。",
    "apply the formula to s = sigmoid(z), not to z itself.": "把公式用在 s = sigmoid(z) 上，而不是直接用在 z 上。",
    # 01.backward
    (
        "Write backward(params, cache, y): the gradients of the loss L = sum((y_hat - y)^2) / (2N) with respect "
        "to W1, b1, W2 and b2, as a dict with those keys, from the forward pass's cache (x, h, y_hat)."
    ): (
        "写出 backward(params, cache, y)：根据前向传播的 cache（x, h, y_hat），求损失 "
        "L = sum((y_hat - y)^2) / (2N) 对 W1、b1、W2 和 b2 的梯度，以这些名字为键的 dict 返回。"
    ),
    (
        "Start at the loss and walk back one step at a time; each step multiplies what arrives from above by a "
        "local derivative."
    ): ("从损失出发，一步一步往回走；每一步都把从上面传来的梯度乘以一个局部导数。"),
    (
        "Follow the table of section 3: the output sigmoid's slope is y_hat * (1 - y_hat), the hidden one's "
        "h * (1 - h); a weight's gradient is (its layer's input).T @ (the delta after it)."
    ): (
        "按第 3 节的表格来：输出层 sigmoid 的斜率是 y_hat * (1 - y_hat)，隐藏层的是 h * (1 - h)；"
        "权重的梯度是（该层的输入）.T @（该层之后的 delta）。"
    ),
    (
        "delta2 = (y_hat - y) / N * y_hat * (1 - y_hat); dW2 = h.T @ delta2; db2 = delta2.sum(0); "
        "delta1 = (delta2 @ W2.T) * h * (1 - h); dW1 = x.T @ delta1; db1 = delta1.sum(0)."
    ): (
        "依次为：delta2 = (y_hat - y) / N * y_hat * (1 - y_hat)；dW2 = h.T @ delta2；db2 = delta2.sum(0)；"
        "delta1 = (delta2 @ W2.T) * h * (1 - h)；dW1 = x.T @ delta1；db1 = delta1.sum(0)。"
    ),
    (
        "your backward pass equals autograd on {trials} networks of different sizes, and finite differences to "
        "{diff:.1e}."
    ): ("你的反向传播在 {trials} 个不同大小的网络上与 autograd 一致，与有限差分的差距在 {diff:.1e} 以内。"),
    "pass the function itself, e.g. def backward(params, cache, y): ..., not its value.": (
        "请传入函数本身，例如 def backward(params, cache, y): ...，而不是它的返回值。"
    ),
    "dL/dW1 is right, dL/db1 is not: sum the hidden delta over the patterns.": (
        "dL/dW1 对了，dL/db1 还不对：把隐藏层的 delta 对所有样本求和。"
    ),
    "return a dict {{'W1': ..., 'b1': ..., 'W2': ..., 'b2': ...}}, got {kind}.": (
        "请返回一个 dict {{'W1': ..., 'b1': ..., 'W2': ..., 'b2': ...}}，实际得到 {kind}。"
    ),
    "your dict has no gradient for {missing}.": "你的 dict 中缺少 {missing} 的梯度。",
    "every gradient is {n} times too large: the loss averages over the N patterns.": (
        "每个梯度都大了 {n} 倍：损失是对 N 个样本取平均的。"
    ),
    "the output sigmoid's slope is missing: multiply by y_hat * (1 - y_hat) first.": (
        "漏了输出层 sigmoid 的斜率：先乘以 y_hat * (1 - y_hat)。"
    ),
    "dL/dW2 is not right yet: it is h.T times the delta after the output sigmoid.": (
        "dL/dW2 还不对：它是 h.T 乘以经过输出层 sigmoid 之后的 delta。"
    ),
    "dL/dW2 is right, dL/db2 is not: the bias gradient sums that delta over the patterns.": (
        "dL/dW2 对了，dL/db2 还不对：偏置的梯度是把这个 delta 对所有样本求和。"
    ),
    "the output layer is right; the hidden sigmoid's slope h * (1 - h) is missing.": (
        "输出层对了；漏了隐藏层 sigmoid 的斜率 h * (1 - h)。"
    ),
    "W2 and b2 are right; dL/dW1 is not: go back into the hidden layer through W2.T.": (
        "W2 和 b2 对了；dL/dW1 还不对：要经过 W2.T 回到隐藏层。"
    ),
    "dL/d{name} has the shape {got}; it must have {name}'s shape {want} (with {n} patterns).": (
        "dL/d{name} 的形状是 {got}；它必须与 {name} 的形状 {want} 相同（共 {n} 个样本）。"
    ),
    "dL/d{name} has the shape {got}, transposed: a gradient has its parameter's shape {want}.": (
        "dL/d{name} 的形状是 {got}，转置了：梯度的形状与其参数相同，应为 {want}。"
    ),
    # 01.dense_parameters
    (
        "A fully connected layer maps a 16x16 image to 12 maps of 8x8 units, each unit with a bias. How many "
        "parameters does it have?"
    ): ("一个全连接层把 16x16 的图像映射为 12 张 8x8 单元的特征图，每个单元有一个偏置。它有多少个参数？"),
    "Fully connected: every unit has its own weight for every pixel.": "全连接：每个单元对每个像素都有自己的权重。",
    "every one of the 12*8*8 units has a weight for each of the 16*16 pixels, plus its bias.": (
        "12*8*8 个单元中的每一个，对 16*16 个像素中的每一个都有一个权重，另外还有它的偏置。"
    ),
    "you forgot the biases, one per unit.": "你忘了偏置，每个单元一个。",
    "that is the convolutional layer; this one shares nothing.": "那是卷积层的参数数；这一层什么都不共享。",
    # 01.shared_parameters
    ("The same layer as a convolution: one shared 5x5 kernel and one bias per map, 12 maps. How many parameters?"): (
        "同一层改用卷积实现：每张特征图一个共享的 5x5 卷积核和一个偏置，共 12 张特征图。有多少个参数？"
    ),
    "Shared: the units of a map all use the same kernel, so count per map, not per unit.": (
        "共享：同一张特征图的所有单元都使用同一个卷积核，所以按特征图计数，而不是按单元计数。"
    ),
    "12 kernels of 5*5 weights, plus 12 biases.": "12 个各有 5*5 个权重的卷积核，再加 12 个偏置。",
    "you forgot the 12 biases.": "你忘了那 12 个偏置。",
    "that gives every unit its own bias, as the 1989 network did; here each map has one bias.": (
        "这是给每个单元各一个偏置，1989 年的网络就是这样做的；这里每张特征图只有一个偏置。"
    ),
}
