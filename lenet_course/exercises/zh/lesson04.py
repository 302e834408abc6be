"""Chinese texts of lesson 04's exercises (keys: the English texts in exercises/lesson04.py)."""

ZH: dict[str, str] = {
    # 04.caffe_white
    "A white pixel (255) after Caffe's scale: 0.00390625. Which value does the network see?": (
        "一个白色像素（255）乘上 Caffe 的 scale: 0.00390625 之后，网络看到的是什么值？"
    ),
    "Caffe multiplies every stored byte by the scale, nothing else.": (
        "Caffe 只是把存储的每个字节乘以 scale，别的什么也不做。"
    ),
    "0.00390625 is 1/256, not 1/255: multiply 255 by it.": "0.00390625 是 1/256，不是 1/255：用它乘以 255。",
    "that would be /255; Caffe multiplies by 1/256.": "那相当于除以 255；Caffe 乘的是 1/256。",
    # 04.standardise
    (
        "Write standardise(images, reference): uint8 images [N, 28, 28] -> float [N, 1, 28, 28], each pixel "
        "(x/255 - mean) / std, with the mean and std of the reference images' pixels (x/255)."
    ): (
        "写出 standardise(images, reference)：输入 uint8 图像 [N, 28, 28]，输出浮点数 [N, 1, 28, 28]，"
        "每个像素为 (x/255 - mean) / std，其中 mean 和 std 是参考图像像素（x/255）的均值和标准差。"
    ),
    "The statistics come from the reference images (the fit split), not from the images being scaled.": (
        "统计量来自参考图像（fit 划分），而不是来自被缩放的图像。"
    ),
    "Convert to float and divide by 255 before taking statistics; add the channel dimension at the end.": (
        "先转换为浮点数并除以 255，再求统计量；最后加上通道维度。"
    ),
    "r = reference.float() / 255; x = images.float() / 255; return ((x - r.mean()) / r.std()).unsqueeze(1)": (
        "写成：r = reference.float() / 255；x = images.float() / 255；return ((x - r.mean()) / r.std()).unsqueeze(1)"
    ),
    "your values differ from (x/255 - mean) / std by up to {worst:.4f}.": (
        "你的值与 (x/255 - mean) / std 最多相差 {worst:.4f}。"
    ),
    "pass the function itself, e.g. def standardise(images, reference): ..., not its value.": (
        "请传入函数本身，例如 def standardise(images, reference): ...，而不是它的返回值。"
    ),
    "your function returns None: return the scaled images.": "你的函数返回了 None：请返回缩放后的图像。",
    "return a tensor, got {kind}.": "请返回一个张量，实际得到 {kind}。",
    "the result is still whole numbers ({dtype}): convert to float before scaling.": (
        "结果仍然是整数（{dtype}）：缩放之前先转换为浮点数。"
    ),
    "the values may be right but the shape is {got}: add the channel dimension (unsqueeze(1)).": (
        "数值可能是对的，但形状是 {got}：请加上通道维度（unsqueeze(1)）。"
    ),
    "the result has the shape {got}; a model wants {want}.": "结果的形状是 {got}；模型需要的是 {want}。",
    "standardise matches: statistics from the reference only, applied to any images.": (
        "standardise 正确：统计量只取自参考图像，可用于任何图像。"
    ),
    "you took the mean and std of the images being scaled; take them from the reference.": (
        "你用的是被缩放图像自身的均值和标准差；应该取自参考图像。"
    ),
    "divide the images by 255 too: the mean and std are those of x/255.": (
        "图像也要除以 255：均值和标准差是针对 x/255 的。"
    ),
    # 04.epoch_batches
    (
        "Write epoch_batches(images, labels, batch_size, generator): yield (image batch, label batch) pairs "
        "covering one epoch in a fresh random order drawn with generator, full batches only."
    ): (
        "写出 epoch_batches(images, labels, batch_size, generator)：按用 generator 重新抽取的随机顺序，"
        "逐个 yield 覆盖一个 epoch 的（图像批量, 标签批量）对，只给出完整的批量。"
    ),
    "One random order per epoch, used for images and labels alike; then cut it into slices.": (
        "每个 epoch 一个随机顺序，图像和标签用同一个；然后把它切成若干段。"
    ),
    (
        "torch.randperm(len(labels), generator=generator) gives the order; a last batch shorter than batch_size "
        "is dropped, as in training."
    ): (
        "torch.randperm(len(labels), generator=generator) 给出顺序；和训练时一样，"
        "比 batch_size 短的最后一个批量被丢弃。"
    ),
    (
        "order = torch.randperm(n, generator=generator); for start in range(0, n - batch_size + 1, batch_size): "
        "idx = order[start:start + batch_size]; yield images[idx], labels[idx]"
    ): (
        "写成：order = torch.randperm(n, generator=generator)；"
        "for start in range(0, n - batch_size + 1, batch_size): "
        "idx = order[start:start + batch_size]; yield images[idx], labels[idx]"
    ),
    "epoch_batches gives {k} full batches in a fresh order per generator, images and labels together.": (
        "epoch_batches 给出 {k} 个完整批量，每个 generator 一个新顺序，图像与标签保持对应。"
    ),
    "pass the function itself, e.g. def epoch_batches(images, labels, batch_size, generator).": (
        "请传入函数本身，例如 def epoch_batches(images, labels, batch_size, generator)。"
    ),
    "your function returns None: yield (images, labels) pairs, one per batch.": (
        "你的函数返回了 None：请逐个 yield (images, labels) 对，每个批量一对。"
    ),
    "your function yields no batches.": "你的函数没有给出任何批量。",
    "an image batch and its label batch differ in length.": "某个图像批量与它的标签批量长度不同。",
    "your last batch holds {last} items: drop a batch shorter than batch_size, as training does.": (
        "你的最后一个批量有 {last} 个样本：像训练时那样，丢弃比 batch_size 短的批量。"
    ),
    "{n} items in batches of {bs} make {want} full batches; you yield sizes {sizes}.": (
        "{n} 个样本按每批 {bs} 个，构成 {want} 个完整批量；你给出的批量大小是 {sizes}。"
    ),
    "an item appears twice in one epoch: use a permutation (each item once), not random draws.": (
        "有样本在一个 epoch 中出现了两次：请使用排列（每个样本恰好一次），而不是随机抽取。"
    ),
    "the batches come in file order: shuffle with the generator (torch.randperm).": (
        "批量是按文件顺序给出的：请用 generator 打乱顺序（torch.randperm）。"
    ),
    "the same generator seed gives a different order: draw from generator, not from torch's global one.": (
        "同一个 generator 种子给出了不同的顺序：请从 generator 抽取，而不是从 torch 的全局生成器抽取。"
    ),
    "a different generator gives the same order: draw the order from the generator passed in.": (
        "换一个 generator 却给出相同的顺序：请用传入的 generator 抽取顺序。"
    ),
    "images and labels were put in different orders: index both with the same order.": (
        "图像和标签被排成了不同的顺序：请用同一个顺序索引二者。"
    ),
    # 04.batches_per_epoch
    (
        "How many full batches of 64 does one epoch of the fit split (the images the course trains on while "
        "tuning) give?"
    ): ("fit 划分（课程在调参时用来训练的图像）的一个 epoch 能给出多少个 64 张的完整批量？"),
    "Look up how many images the fit split holds, then count whole batches only.": (
        "查一查 fit 划分有多少张图像，然后只数完整的批量。"
    ),
    "len(load_mnist('fit')[1]) // 64: the last, partial batch is dropped.": (
        "len(load_mnist('fit')[1]) // 64：最后那个不完整的批量被丢弃。"
    ),
    "that counts the last partial batch; training drops it.": "这把最后那个不完整的批量也算进去了；训练时会丢弃它。",
    "only whole batches count: round down.": "只算完整的批量：向下取整。",
    "that is the whole training file; the fit split leaves out the validation images.": (
        "那是整个训练文件；fit 划分不包括验证集的图像。"
    ),
    "that is the number of images, not batches.": "那是图像的数量，不是批量的数量。",
    # 04.test_iter
    (
        "With the LeNet recipe's test batch size (SolverConfig().test_batch_size), how many test iterations "
        "(Caffe's test_iter) cover the whole test split?"
    ): (
        "按 LeNet 配方的测试批量大小（SolverConfig().test_batch_size），需要多少次测试迭代"
        "（Caffe 的 test_iter）才能覆盖整个测试集？"
    ),
    "One test iteration scores one batch.": "一次测试迭代评估一个批量。",
    "test_iter x batch size should be the whole test set.": "test_iter x 批量大小应等于整个测试集。",
}
