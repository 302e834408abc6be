"""Worked solutions of lesson 08 (generalisation). Open on purpose, after trying and after the hints."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lenet_course.models import CaffeLeNet


# 08.random_shift: pad by max_shift zeros, then cut each image's 28x28 window at its own offset.
def random_shift(images: torch.Tensor, max_shift: int, generator: torch.Generator) -> torch.Tensor:
    n, _, h, w = images.shape
    dx = torch.randint(-max_shift, max_shift + 1, (n,), generator=generator)
    dy = torch.randint(-max_shift, max_shift + 1, (n,), generator=generator)
    padded = F.pad(images, (max_shift, max_shift, max_shift, max_shift))
    out = torch.empty_like(images)
    for k in range(n):
        top, left = max_shift - int(dy[k]), max_shift - int(dx[k])
        out[k] = padded[k, :, top : top + h, left : left + w]
    return out


# 08.early_stopping: the first maximum is the best; stop when it is `patience` epochs old.
def should_stop(val_accuracies: list[float], patience: int) -> bool:
    if not val_accuracies:
        return False
    best_index = 0
    for i, value in enumerate(val_accuracies):
        if value > val_accuracies[best_index]:
            best_index = i
    return len(val_accuracies) - 1 - best_index >= patience


# 08.dropout_caffe: a module with no parameters in __init__, applied in forward before ip2.
class DropoutCaffeLeNet(CaffeLeNet):
    def __init__(self) -> None:
        super().__init__()
        self.drop = nn.Dropout(0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool2(self.conv2(self.pool1(self.conv1(x))))
        x = self.relu1(self.ip1(torch.flatten(x, 1)))
        return self.ip2(self.drop(x))


SOLUTIONS: dict[str, object] = {
    "08.random_shift": random_shift,
    "08.early_stopping": should_stop,
    "08.dropout_caffe": DropoutCaffeLeNet,
}
