"""Chinese texts of lesson 06's exercises (keys: the English texts in exercises/lesson06.py)."""

ZH: dict[str, str] = {
    # 06.train_one_epoch
    (
        "Write train_one_epoch(model, batches, optimizer, device): one pass over batches (pairs of images and "
        "labels) that trains model with cross-entropy, and returns the mean of the batch losses."
    ): (
        "写出 train_one_epoch(model, batches, optimizer, device)：对 batches（由图像和标签组成的对）遍历一遍，"
        "用交叉熵训练 model，并返回各批量损失的平均值。"
    ),
    (
        "The loop of section 1: the model in training mode, then for every batch the five lines from the batch "
        "to the optimizer's step."
    ): "就是第 1 节的循环：先把模型切换到训练模式，然后对每个批量执行从取批量到优化器更新那五行。",
    (
        "Per batch: move x and y to device, logits = model(x), loss = F.cross_entropy(logits, y), clear the old "
        "gradients, backward, step. Collect loss.item() to average at the end."
    ): (
        "每个批量：把 x 和 y 移到 device 上，logits = model(x)，loss = F.cross_entropy(logits, y)，清零旧的梯度，"
        "反向传播，更新一步。收集 loss.item()，最后求平均。"
    ),
    (
        "model.train(); for x, y in batches: ... optimizer.zero_grad(); loss.backward(); optimizer.step(); "
        "losses.append(loss.item()); then return sum(losses) / len(losses)."
    ): (
        "model.train(); for x, y in batches: ... optimizer.zero_grad(); loss.backward(); optimizer.step(); "
        "losses.append(loss.item())；最后 return sum(losses) / len(losses)。"
    ),
    (
        "one step per batch, fresh gradients each time, in training mode: the loss fell from {before:.3f} to "
        "{after:.3f}."
    ): ("每个批量更新一步，每次都用新的梯度，并处于训练模式：损失从 {before:.3f} 降到了 {after:.3f}。"),
    "pass your function itself (train_one_epoch, without brackets).": "请传入函数本身（train_one_epoch，不带括号）。",
    "your loop never ran the model on a batch.": "你的循环从未在任何批量上运行模型。",
    "the model ran in eval mode: call model.train() before the loop.": (
        "模型是在评估模式下运行的：请在循环之前调用 model.train()。"
    ),
    "the optimizer stepped {steps} times for {batches} batches: one step per batch.": (
        "{batches} 个批量，优化器却更新了 {steps} 次：应当每个批量更新一次。"
    ),
    "the weights after your epoch differ from those of the loop in the lesson.": (
        "你的一轮训练之后的权重与本课中那个循环得到的不同。"
    ),
    "the weights are right, but the function returns None: return the mean batch loss.": (
        "权重是对的，但函数返回了 None：请返回批量损失的平均值。"
    ),
    "the weights are right, but the returned {got:.4g} is not the mean batch loss ({right:.4g}).": (
        "权重是对的，但返回的 {got:.4g} 不是批量损失的平均值（{right:.4g}）。"
    ),
    "the gradients piled up from batch to batch: call optimizer.zero_grad() before each loss.backward().": (
        "梯度在批量之间不断累加：请在每次 loss.backward() 之前调用 optimizer.zero_grad()。"
    ),
    "the weights did not change: are the gradients cleared between backward() and step()?": (
        "权重没有变化：是不是在 backward() 和 step() 之间把梯度清零了？"
    ),
    "that is the last batch's loss; return the mean over all batches.": (
        "那是最后一个批量的损失；请返回所有批量的平均值。"
    ),
    # 06.caffe_sgd_step
    (
        "Write caffe_sgd_step(w, grad, v, lr, momentum, weight_decay) -> (new_w, new_v): one update of Caffe's "
        "SGD on tensors, where v is the momentum history."
    ): (
        "写出 caffe_sgd_step(w, grad, v, lr, momentum, weight_decay) -> (new_w, new_v)：在张量上执行一次 Caffe 的 "
        "SGD 更新，其中 v 是动量的历史。"
    ),
    "Three lines, in the order of the lesson's table: the regularised gradient, the new history, the new weight.": (
        "三行，按本课表格的顺序：正则化后的梯度、新的历史、新的权重。"
    ),
    (
        "Caffe adds the L2 term to the gradient first, and multiplies by the rate before the gradient enters the "
        "history (torch.optim.SGD multiplies the whole history by the rate instead)."
    ): ("Caffe 先把 L2 项加到梯度上，并在梯度进入历史之前乘以学习率（而 torch.optim.SGD 是把整个历史乘以学习率）。"),
    "g = grad + weight_decay * w; v = momentum * v + lr * g; return w - v, v.": (
        "写成：g = grad + weight_decay * w; v = momentum * v + lr * g; return w - v, v。"
    ),
    "after the first step your w differs from CaffeSGD's.": "第一步之后，你的 w 就与 CaffeSGD 的不同了。",
    "pass your function itself (caffe_sgd_step, without brackets).": "请传入函数本身（caffe_sgd_step，不带括号）。",
    "your update matches CaffeSGD over {steps} steps, the rate changing between them.": (
        "在学习率不断变化的 {steps} 步中，你的更新都与 CaffeSGD 一致。"
    ),
    (
        "that is torch.optim.SGD's update (v = momentum * v + g, w = w - lr * v); Caffe puts lr inside the history."
    ): "这是 torch.optim.SGD 的更新（v = momentum * v + g，w = w - lr * v）；Caffe 把 lr 放在历史之内。",
    "the weight decay is missing: add weight_decay * w to the gradient first.": (
        "缺少权重衰减：请先把 weight_decay * w 加到梯度上。"
    ),
    "right while the rate is constant, wrong once it changes: use the lr passed in at each step.": (
        "学习率不变时是对的，一旦它变化就错了：每一步都要用传入的 lr。"
    ),
    "caffe_sgd_step must return a pair (new w, new v)": "caffe_sgd_step 必须返回一个二元组 (new w, new v)",
    "the weights are right, but the v you return is not Caffe's history: return (w, v).": (
        "权重是对的，但你返回的 v 不是 Caffe 的历史：请返回 (w, v)。"
    ),
    # 06.decay_factor
    (
        "With Caffe's SGD at lr 0.01, weight_decay 0.0005, no momentum, and a loss whose gradient is 0 for this "
        "weight, each step multiplies the weight by a factor. Which factor?"
    ): (
        "使用 Caffe 的 SGD，lr 0.01，weight_decay 0.0005，不用动量，且损失对这个权重的梯度为 0，"
        "则每一步都把这个权重乘以一个因子。是哪个因子？"
    ),
    "With no loss gradient the regularised gradient is only the L2 term.": (
        "没有损失的梯度时，正则化后的梯度就只剩 L2 项。"
    ),
    "g = weight_decay * w, and the step takes lr * g away from w: factor out w.": (
        "g = weight_decay * w，而这一步从 w 中减去 lr * g：把 w 提出来。"
    ),
    "the decay is multiplied by the rate too: w -= lr * weight_decay * w.": (
        "衰减也要乘以学习率：w -= lr * weight_decay * w。"
    ),
    "that is the weight decay itself; the question asks what the weight is multiplied by.": (
        "那是权重衰减系数本身；题目问的是权重被乘以多少。"
    ),
    "that is how much is taken away (as a fraction); the weight keeps the rest.": (
        "那是被减去的比例；权重保留的是剩下的部分。"
    ),
    # 06.epochs
    (
        "The Caffe recipe runs 10,000 iterations with batches of 64. About how many passes (epochs) over the "
        "60,000 training images is that?"
    ): "Caffe 的配方以 64 张一批运行 10,000 次迭代。这大约相当于在 60,000 张训练图像上遍历多少遍（多少个 epoch）？",
    "How many images does the solver see in total?": "solver 一共看到了多少张图像？",
    "images seen = iterations x batch size; divide by the size of the training set.": (
        "看到的图像数 = 迭代次数 x 批量大小；再除以训练集的大小。"
    ),
    "that divides the iterations by the batch size; multiply instead.": "那是用迭代次数除以批量大小；应该相乘。",
    "that is the number of iterations, not of passes over the data.": "那是迭代次数，而不是遍历数据的遍数。",
}
