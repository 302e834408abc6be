"""Chinese texts of appendix A1's exercises (keys: the English texts in exercises/appendix_scaling.py)."""

ZH: dict[str, str] = {
    (
        "torchrun --nnodes 2 --nproc_per_node 4 runs lenet-course train --batch-size 256. How many images does "
        "each process train on per iteration?"
    ): (
        "torchrun --nnodes 2 --nproc_per_node 4 运行 lenet-course train --batch-size 256。每个进程每次迭代在多少"
        "张图像上训练？"
    ),
    "Which number does train_batch_size describe: one process's batch, or the batch of the whole job?": (
        "train_batch_size 描述的是哪个数：一个进程的批量，还是整个作业的批量？"
    ),
    "Count the processes of the job: machines times processes per machine. That is WORLD_SIZE.": (
        "数一数作业中的进程：机器数乘以每台机器上的进程数。这就是 WORLD_SIZE。"
    ),
    "Each process trains on an equal share of the global batch: divide it by WORLD_SIZE.": (
        "每个进程在全局批量中相等的一份上训练：把全局批量除以 WORLD_SIZE。"
    ),
    (
        "A recipe trains with base_lr 0.01 at a global batch of 64. By the linear scaling rule, which base_lr "
        "goes with a global batch of 512?"
    ): ("一个配方在全局批量为 64 时用 base_lr 0.01 训练。按照线性缩放规则，全局批量为 512 时应该配哪个 base_lr？"),
    "By what factor k did the batch grow?": "批量增大到了原来的多少倍（k）？",
    "Section 3: the rule multiplies the rate by the same k as the batch (not by its square root).": (
        "第 3 节：这条规则把学习率乘以与批量相同的 k（而不是 k 的平方根）。"
    ),
    "k = 512 / 64; the new base_lr is the old one times k.": "k = 512 / 64；新的 base_lr 是旧的乘以 k。",
    (
        "Write average_gradients(model): after it, every parameter's .grad holds the mean of that gradient over "
        "all the processes (what DistributedDataParallel does after backward())."
    ): (
        "写出 average_gradients(model)：运行它之后，每个参数的 .grad 保存该梯度在所有进程上的平均值（这就是 "
        "DistributedDataParallel 在 backward() 之后所做的事）。"
    ),
    "Go through model.parameters(); each parameter p has its gradient in p.grad.": (
        "遍历 model.parameters()；每个参数 p 的梯度在 p.grad 中。"
    ),
    "dist.all_reduce(t) turns t, in place, into the sum over the processes. A sum is not yet a mean.": (
        "dist.all_reduce(t) 原地把 t 变成所有进程上的总和。总和还不是平均值。"
    ),
    "dist.get_world_size() is the number of processes; divide in place (/=) so that p.grad itself changes.": (
        "dist.get_world_size() 是进程的数量；原地做除法（/=），让 p.grad 本身发生改变。"
    ),
    "that shares the batch over one machine's processes only; WORLD_SIZE counts the processes of every machine.": (
        "这只是把批量分给一台机器上的进程；WORLD_SIZE 统计的是所有机器上的进程。"
    ),
    "that shares it over the machines; every process takes a share.": (
        "这是把批量分给各台机器；但每个进程都要分得一份。"
    ),
    "that is the global batch; each process trains on its own share of it.": (
        "这是全局批量；每个进程在其中属于自己的那一份上训练。"
    ),
    "the batch is not multiplied: train_batch_size is already the global one.": (
        "批量不会被成倍放大：train_batch_size 本身就是全局批量。"
    ),
    "that keeps the rate: with k times fewer steps per epoch, each step must go k times further.": (
        "这保持了学习率不变：每个 epoch 的步数少了 k 倍，每一步就必须走 k 倍远。"
    ),
    "that is the square-root rule, another proposal; the linear rule multiplies by k.": (
        "这是平方根规则，另一种提法；线性规则是乘以 k。"
    ),
    "that divides by k; a larger batch averages away noise, so it allows a larger rate.": (
        "这是除以 k；更大的批量会把噪声平均掉，所以允许更大的学习率。"
    ),
    "both hold {held}, not the mean of {gradients}.": "两个进程都持有 {held}，而不是 {gradients} 的平均值。",
    "expected your function average_gradients (a def), got {kind}": (
        "应传入你的函数 average_gradients（一个 def），得到的却是 {kind}"
    ),
    "it stopped with {error} in one of the processes; run it in a cell of its own to see where and why.": (
        "它在其中一个进程中因 {error} 而停止；把它放在单独的单元格中运行，看看在哪里出错、为什么出错。"
    ),
    "both processes now hold {mean:g}, the mean of their gradients {gradients}.": (
        "两个进程现在都持有 {mean:g}，即它们的梯度 {gradients} 的平均值。"
    ),
    "each process still holds its own gradient: nothing was exchanged.": "每个进程仍然持有自己的梯度：什么也没有交换。",
    "both hold the sum, not the mean: all_reduce adds; divide by the number of processes.": (
        "两个进程持有的是总和，而不是平均值：all_reduce 做的是加法；还要除以进程的数量。"
    ),
    "the processes disagree ({values}): every one must end with the same value.": (
        "各进程的值不一致（{values}）：每个进程最后都必须得到相同的值。"
    ),
    "your function did not return within {seconds:.0f} s (waiting for the other process?)": (
        "你的函数没有在 {seconds:.0f} s 内返回（在等待另一个进程？）"
    ),
}
