"""Chinese texts of lesson 05's exercises (keys: the English texts in exercises/lesson05.py)."""

ZH: dict[str, str] = {
    # 05.multistep_policy
    (
        "Write multistep(it, cfg): Caffe's multistep rate at iteration it, read from cfg.base_lr, cfg.gamma and "
        "cfg.stepvalue (a tuple of iterations, in increasing order)."
    ): (
        "写出 multistep(it, cfg)：Caffe 的 multistep 策略在第 it 次迭代时的学习率，由 cfg.base_lr、cfg.gamma 和 "
        "cfg.stepvalue（一个按递增顺序排列的迭代次数元组）得出。"
    ),
    (
        "multistep is step with uneven steps: the rate drops by the factor gamma each time the iteration "
        "passes one of the step values."
    ): "multistep 就是台阶不等宽的 step：迭代每到达一个 step value，学习率就乘以因子 gamma 下降一次。",
    "Count how many step values the iteration has reached (it >= value counts), then raise gamma to that count.": (
        "数一数这次迭代已经到达了几个 step value（it >= value 就算到达），再求 gamma 的这么多次幂。"
    ),
    (
        "return cfg.base_lr * cfg.gamma ** (the number of v in cfg.stepvalue with it >= v); sum(...) over a "
        "generator counts them."
    ): (
        "return cfg.base_lr * cfg.gamma ** (cfg.stepvalue 中满足 it >= v 的 v 的个数)；对一个生成器表达式用 "
        "sum(...) 就能数出个数。"
    ),
    (
        "at iteration {it} (base_lr {base_lr:g}, gamma {gamma:g}, stepvalue {steps}) your function gives "
        "{got:.6g}; Caffe's rate is {right:.6g}."
    ): (
        "在第 {it} 次迭代（base_lr {base_lr:g}，gamma {gamma:g}，stepvalue {steps}），你的函数给出 {got:.6g}；"
        "Caffe 的学习率是 {right:.6g}。"
    ),
    (
        "at iteration {it}, a step value itself, your rate has not dropped yet: Caffe lowers the rate "
        "at the iteration equal to the step value (iter >= stepvalue)."
    ): (
        "第 {it} 次迭代本身就是一个 step value，你的学习率却还没有下降：Caffe 在迭代次数等于 step value 的那一次"
        "就降低学习率（iter >= stepvalue）。"
    ),
    "your multistep agrees with lr_at at {tried} iterations of {configs} configurations.": (
        "你的 multistep 在 {configs} 组配置的 {tried} 个迭代点上都与 lr_at 一致。"
    ),
    "pass your function itself (multistep, without brackets).": "请传入函数本身（multistep，不带括号）。",
    "your function returns None: end it with return and the rate.": (
        "你的函数返回了 None：请在最后用 return 返回学习率。"
    ),
    "at iteration {it} your function gives {got:.6g}; Caffe's rate is {right:.6g}.": (
        "在第 {it} 次迭代，你的函数给出 {got:.6g}；Caffe 的学习率是 {right:.6g}。"
    ),
    # 05.prototxt_defaults
    (
        "Caffe reads the short solver file printed above. Give a dict with the values it uses for momentum, "
        "weight_decay, display and random_seed."
    ): (
        "Caffe 读取上面打印出的这个简短的 solver 文件。请给出一个 dict，写明它对 momentum、weight_decay、display "
        "和 random_seed 实际使用的值。"
    ),
    (
        "None of the four is in the file: each takes a default. Whose default, the LeNet recipe's or "
        "Caffe's own SolverParameter's?"
    ): (
        "这四个字段文件里一个也没有：每个都取默认值。是谁的默认值，LeNet 配方的，还是 Caffe 自己的 SolverParameter 的？"
    ),
    (
        "SolverParameter's defaults: no momentum, no weight decay, no display lines, and a seed that means "
        "'not seeded'."
    ): ("SolverParameter 的默认值：没有动量，没有权重衰减，不打印 display 行，种子取表示“不设种子”的那个值。"),
    (
        "read the file with SolverConfig.from_prototxt(SHORT_SOLVER) and look at the four fields, or see "
        "caffe.proto's SolverParameter."
    ): (
        "用 SolverConfig.from_prototxt(SHORT_SOLVER) 读取这个文件，再看这四个字段；或者查看 caffe.proto 中的 "
        "SolverParameter。"
    ),
    "those are SolverParameter's defaults, as Caffe reads the file.": (
        "正是 SolverParameter 的默认值，Caffe 读取这个文件时用的就是它们。"
    ),
    "give a dict, e.g. {{'momentum': ..., 'weight_decay': ..., ...}}.": (
        "请给出一个 dict，例如 {{'momentum': ..., 'weight_decay': ..., ...}}。"
    ),
    "the dict lacks {names}.": "这个 dict 缺少 {names}。",
    "{name} {value!r} is not it.": "{name} 不是 {value!r}。",
    (
        "random_seed {seed} is the course's fixed seed (it is also the seed of Caffe's unit tests), "
        "not what Caffe uses when a file leaves the seed out."
    ): (
        "random_seed {seed} 是课程固定使用的种子（也是 Caffe 单元测试所用的种子），"
        "而不是文件没写种子时 Caffe 所用的值。"
    ),
    "{name} {value} is the LeNet recipe's value; a field missing from a file does not take it.": (
        "{name} {value} 是 LeNet 配方中的值；文件里缺少的字段不会取这个值。"
    ),
    # 05.schedule_for_target
    (
        "Give a schedule (a SolverConfig, or a function it -> lr) with which Caffe's LeNet reaches 94.5% "
        "validation accuracy after only 100 iterations of 64 images (the LeNet recipe's own schedule does not)."
    ): (
        "给出一个学习率调度（一个 SolverConfig，或一个函数 it -> lr），使 Caffe 的 LeNet 只经过 100 次迭代"
        "（每次 64 张图像）就在验证集上达到 94.5% 的准确率（LeNet 配方自己的调度做不到）。"
    ),
    "In 100 iterations the recipe's rate hardly moves from 0.01: is 0.01 the best rate for such a short run?": (
        "在 100 次迭代里，配方的学习率几乎停留在 0.01：对这么短的训练，0.01 是最好的学习率吗？"
    ),
    (
        "Try a few base_lr values with short_run_accuracy and watch for divergence; a schedule that starts high "
        "and comes down by the end helps."
    ): ("用 short_run_accuracy 试几个 base_lr 值，并留意是否发散；一个起点高、到结束时降下来的调度会有帮助。"),
    (
        "SolverConfig().replace(max_iter=100, base_lr=...).with_policy('poly', power=1.0) lowers a rate to 0 over "
        "the run; search base_lr between 0.01 and 0.1."
    ): (
        "SolverConfig().replace(max_iter=100, base_lr=...).with_policy('poly', power=1.0) 会在训练过程中把学习率"
        "降到 0；在 0.01 到 0.1 之间搜索 base_lr。"
    ),
    "expected a SolverConfig or a function it -> lr": "需要一个 SolverConfig 或一个函数 it -> lr",
    "your schedule starts at a rate of 0: the weights would not move at first.": (
        "你的调度起始学习率为 0：一开始权重根本不会动。"
    ),
    "at iteration {it} your schedule gives {lr}: a rate must be a finite number >= 0.": (
        "在第 {it} 次迭代，你的调度给出 {lr}：学习率必须是一个 >= 0 的有限数。"
    ),
    "training diverged (the loss became NaN or inf): your rate is too large somewhere.": (
        "训练发散了（损失变成了 NaN 或 inf）：你的学习率在某处太大了。"
    ),
    "validation accuracy {accuracy:.1%} after {iters} iterations; the target is {target:.1%}.": (
        "{iters} 次迭代后验证集准确率为 {accuracy:.1%}；目标是 {target:.1%}。"
    ),
    "validation accuracy {accuracy:.1%} after {iters} iterations (the target was {target:.1%}).": (
        "{iters} 次迭代后验证集准确率为 {accuracy:.1%}（目标是 {target:.1%}）。"
    ),
}
