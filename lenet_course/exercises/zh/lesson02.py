"""Chinese texts of lesson 02's exercises (keys: the English texts in exercises/lesson02.py)."""

ZH: dict[str, str] = {
    "a single number": "单个数",
    # 02.output_size
    (
        "A 28x28 digit goes through a 5x5 convolution with stride 1 and zero padding 2, then through Caffe's "
        "3x3 max pooling with stride 2 (Caffe rounds the pooled size up). What is the side length of the result?"
    ): (
        "一张 28x28 的数字图像先经过步幅为 1、零填充为 2 的 5x5 卷积，再经过 Caffe 的步幅为 2 的 3x3 最大池化"
        "（Caffe 把池化后的尺寸向上取整）。结果的边长是多少？"
    ),
    "Two steps: first the size after the convolution, then the size after the pooling.": (
        "分两步：先求卷积之后的尺寸，再求池化之后的尺寸。"
    ),
    "Padding 2 on each side makes the input 4 pixels wider before the 5x5 kernel slides over it.": (
        "每边填充 2，使输入在 5x5 卷积核滑过之前宽了 4 个像素。"
    ),
    (
        "Use out = (n + 2p - k) / s + 1 for both steps; round down for the convolution, and up for Caffe's "
        "pooling (pool_output_size(..., ceil_mode=True) does it)."
    ): (
        "两步都用 out = (n + 2p - k) / s + 1；卷积向下取整，Caffe 的池化向上取整"
        "（pool_output_size(..., ceil_mode=True) 就是这样算的）。"
    ),
    "that is PyTorch's rounding down; Caffe's pooling rounds up.": (
        "这是 PyTorch 的向下取整；Caffe 的池化是向上取整的。"
    ),
    "that is the size after the convolution; the pooling still shrinks it.": "这是卷积之后的尺寸；池化还会把它缩小。",
    "the padding is missing: 2 zeros on each side.": "漏了填充：每边 2 个零。",
    # 02.conv2d_loops
    (
        "Write conv2d(image, kernel, bias=0.0, stride=1, padding=0) with two loops, for a 2-D image [H, W] and a "
        "2-D kernel [kh, kw] (they need not be square): pad the image with zeros, then at each output position "
        "multiply the patch under the kernel by the kernel, sum, and add the bias. The check runs it on its own "
        "inputs and compares with F.conv2d."
    ): (
        "用两层循环写出 conv2d(image, kernel, bias=0.0, stride=1, padding=0)，输入是二维图像 [H, W] 和"
        "二维卷积核 [kh, kw]（二者都不一定是方形的）：先用零填充图像，然后在每个输出位置把卷积核下方的图像块"
        "与卷积核逐元素相乘、求和，再加上偏置。检查会在它自己的输入上运行你的函数，并与 F.conv2d 比较。"
    ),
    (
        "Start from conv2d_loops above: what changes when the kernel moves by stride pixels at a time, and when "
        "the image has padding zeros around it?"
    ): ("从上面的 conv2d_loops 出发：当卷积核每次移动 stride 个像素、图像四周有 padding 个零时，哪些地方要改？"),
    (
        "Pad first (F.pad(image, (padding,) * 4) adds padding zeros on all four sides), then the top left corner "
        "of the patch for output [i, j] is at row i * stride and column j * stride."
    ): (
        "先填充（F.pad(image, (padding,) * 4) 在四边各加 padding 个零），"
        "于是输出 [i, j] 对应的图像块左上角位于第 i * stride 行、第 j * stride 列。"
    ),
    (
        "out_h = (H + 2 * padding - kh) // stride + 1 (the same for the width); in the loops, out[i, j] = "
        "(padded[i*stride : i*stride + kh, j*stride : j*stride + kw] * kernel).sum() + bias."
    ): (
        "out_h = (H + 2 * padding - kh) // stride + 1（宽度同理）；循环里 out[i, j] = "
        "(padded[i*stride : i*stride + kh, j*stride : j*stride + kw] * kernel).sum() + bias。"
    ),
    "a {h}x{w} image, a {kh}x{kw} kernel, bias {bias:g}, stride {stride}, padding {padding}": (
        "{h}x{w} 的图像、{kh}x{kw} 的卷积核、偏置 {bias:g}、步幅 {stride}、填充 {padding}"
    ),
    "the bias is missing: add it to every output value.": "漏了偏置：要把它加到每个输出值上。",
    "the bias is added once per product; add it once per output value, after the sum.": (
        "偏置被加到了每个乘积上；应当在求和之后，每个输出值只加一次。"
    ),
    (
        "this is the kernel flipped (a textbook convolution); F.conv2d, like Caffe, does not flip: "
        "multiply image[i + u, j + v] by kernel[u, v]."
    ): (
        "这是把卷积核翻转后的结果（教科书上的卷积）；F.conv2d 和 Caffe 一样不翻转："
        "应当用 image[i + u, j + v] 乘以 kernel[u, v]。"
    ),
    "rows and columns of the kernel are swapped: kernel[u, v] has u along the image's rows.": (
        "卷积核的行和列弄反了：kernel[u, v] 中的 u 对应图像的行。"
    ),
    "pass your function itself, conv2d, not a value it returned.": "请传入函数 conv2d 本身，而不是它返回的值。",
    "for {case} your function returned {kind}, not a tensor: does it end with return out?": (
        "对于 {case}，你的函数返回了 {kind}，而不是张量：它最后有没有 return out？"
    ),
    (
        "for {case} the output should be {right}, yours is {got}: work the size out with "
        "(n + 2 * padding - k) // stride + 1 along each axis."
    ): ("对于 {case}，输出应为 {right}，你的是 {got}：沿每个轴用 (n + 2 * padding - k) // stride + 1 算出尺寸。"),
    "for {case}, output[{i}, {j}] should be {right:.4f}, yours is {got:.4f}. {slip}": (
        "对于 {case}，output[{i}, {j}] 应为 {right:.4f}，你的是 {got:.4f}。{slip}"
    ),
    "your loops agree with F.conv2d on all {n} inputs: square and not, with a bias, padding and strides.": (
        "你的循环在全部 {n} 个输入上都与 F.conv2d 一致：包括方形和非方形的输入，以及带偏置、填充和步幅的情形。"
    ),
    # 02.avg_pool
    (
        "Write avg_pool(image, size, stride) for a 2-D map [H, W]: the mean of each size x size window, the "
        "windows stride pixels apart, as F.avg_pool2d does (windows that would cross the edge are left out). "
        "The check runs it on maps of its own, square and not, with windows that overlap."
    ): (
        "为二维特征图 [H, W] 写出 avg_pool(image, size, stride)：求每个 size x size 窗口的平均值，"
        "相邻窗口相隔 stride 个像素，与 F.avg_pool2d 的做法相同（会越过边缘的窗口舍去）。"
        "检查会在它自己的特征图上运行你的函数，包括方形的和非方形的，以及相互重叠的窗口。"
    ),
    "Start from max_pool above: which one line changes?": "从上面的 max_pool 出发：只需改哪一行？",
    (
        "The output has (H - size) // stride + 1 rows (and likewise columns); window [i, j] starts at row "
        "i * stride, column j * stride."
    ): ("输出有 (H - size) // stride + 1 行（列数同理）；窗口 [i, j] 从第 i * stride 行、第 j * stride 列开始。"),
    "out[i, j] = image[i*stride : i*stride + size, j*stride : j*stride + size].mean()": (
        "out[i, j] = image[i*stride : i*stride + size, j*stride : j*stride + size].mean()（取窗口的平均值）"
    ),
    "a {h}x{w} map, {size}x{size} windows, stride {stride}": "{h}x{w} 的特征图、{size}x{size} 的窗口、步幅 {stride}",
    "your pooling agrees with F.avg_pool2d on all {n} inputs.": "你的池化在全部 {n} 个输入上都与 F.avg_pool2d 一致。",
    "pass your function itself, avg_pool, not a value it returned.": "请传入函数 avg_pool 本身，而不是它返回的值。",
    "for {case} the values differ from F.avg_pool2d.": "对于 {case}，数值与 F.avg_pool2d 不同。",
    (
        "for {case} the output should be {right}, yours is {got}: windows that do not fit completely are "
        "dropped, (n - size) // stride + 1 along each axis."
    ): ("对于 {case}，输出应为 {right}，你的是 {got}：放不完整的窗口要舍去，沿每个轴是 (n - size) // stride + 1。"),
    "this is max pooling: take the mean of each window instead of its largest value.": (
        "这是最大池化：应取每个窗口的平均值，而不是最大值。"
    ),
    "this is the sum of each window: divide it by the number of pixels in the window.": (
        "这是每个窗口的和：还要除以窗口中的像素数。"
    ),
    # 02.horizontal_kernel
    "Make a 3x3 kernel (a tensor) that responds to horizontal edges but gives 0 on vertical edges and on flat areas.": (
        "构造一个 3x3 卷积核（一个张量），它对水平边缘有响应，而在垂直边缘和平坦区域上输出 0。"
    ),
    "A horizontal edge is a change of brightness from one row to the next: what must the kernel compare?": (
        "水平边缘是亮度从一行到下一行的变化：卷积核必须比较什么？"
    ),
    (
        "Flat areas give the sum of the weights; a vertical edge gives 0 only if each row is the same from left "
        "to right."
    ): ("平坦区域上的输出就是权重之和；只有每一行从左到右都相同，垂直边缘上的输出才是 0。"),
    (
        "Give each row one constant value, with the top and bottom rows of opposite sign, so that all nine "
        "weights sum to 0."
    ): ("让每一行取同一个常数，最上一行与最下一行符号相反，使九个权重之和为 0。"),
    "the kernel must be 3x3, got shape {shape}.": "卷积核必须是 3x3 的，得到的形状却是 {shape}。",
    "it gives 0 on the horizontal edge too.": "它在水平边缘上也输出 0。",
    "on a flat area it gives {total:g} (the sum of its weights); make them sum to 0.": (
        "在平坦区域上它输出 {total:g}（即权重之和）；应让权重之和为 0。"
    ),
    "it also responds to vertical edges: keep each row constant from left to right.": (
        "它对垂直边缘也有响应：让每一行从左到右保持不变。"
    ),
    "it fires on the horizontal edge (|response| up to {peak:g}) and is 0 on the vertical one and on flat areas.": (
        "它在水平边缘上有响应（|响应| 最大为 {peak:g}），在垂直边缘和平坦区域上为 0。"
    ),
}
