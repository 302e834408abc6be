"""Worked solutions to lesson 06 (training LeNet). Try each exercise and its hints first."""

from __future__ import annotations

import torch.nn.functional as F

from lenet_course.config import SolverConfig


# 06.train_one_epoch: the loop of section 1, returning the mean batch loss
def train_one_epoch(model, batches, optimizer, device):
    model.train()
    losses = []
    for x, y in batches:
        x, y = x.to(device), y.to(device)
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


# 06.caffe_sgd_step: the L2 term into the gradient, the rate into the history, then w -= v
def caffe_sgd_step(w, grad, v, lr, momentum, weight_decay):
    g = grad + weight_decay * w
    v = momentum * v + lr * g
    return w - v, v


# 06.decay_factor: w -= lr * (weight_decay * w), so w is multiplied by 1 - lr * weight_decay
lr, weight_decay = 0.01, 0.0005
decay_factor = 1 - lr * weight_decay

# 06.epochs: images seen over the images in the training set
recipe = SolverConfig()
epochs = recipe.max_iter * recipe.train_batch_size / 60_000

SOLUTIONS: dict[str, object] = {
    "06.train_one_epoch": train_one_epoch,
    "06.caffe_sgd_step": caffe_sgd_step,
    "06.decay_factor": decay_factor,
    "06.epochs": epochs,
}
