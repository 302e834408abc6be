"""Worked solutions of lesson 03 (the LeNet architecture). Open on purpose, after trying and after the hints."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from lenet_course.models import TutLeNet, count_parameters

# 03.conv_parameters: each of the 64 output maps has a 3x3 kernel for each of the 50 input maps,
# and one bias: out x (in x k x k + 1).
conv_parameters = 64 * (50 * 3 * 3 + 1)


# 03.stable_softmax: subtracting each row's largest logit changes no probability and keeps every
# exp at most 1, so nothing overflows.
def softmax(logits: torch.Tensor) -> torch.Tensor:
    shifted = logits - logits.max(dim=1, keepdim=True).values
    e = shifted.exp()
    return e / e.sum(dim=1, keepdim=True)


# 03.cross_entropy: log-softmax by log-sum-exp (never the log of a probability that underflowed
# to 0), the right class's entry of each row, negated, averaged over the batch.
def cross_entropy(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    m = logits.max(dim=1, keepdim=True).values
    log_probs = logits - m - (logits - m).exp().sum(dim=1, keepdim=True).log()
    return -log_probs[torch.arange(len(labels)), labels].mean()


# 03.avgpool_parameters: pooling holds no parameters, max or average, so the count is TutLeNet's.
avgpool_parameters = count_parameters(TutLeNet())


# 03.tut_avgpool: the notebook's MyTutLeNet with F.avg_pool2d in place of F.max_pool2d.
class TutLeNetAvg(nn.Module):
    def __init__(self, output_dim: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, kernel_size=5)
        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)
        self.fc_1 = nn.Linear(16 * 4 * 4, 120)
        self.fc_2 = nn.Linear(120, 84)
        self.fc_3 = nn.Linear(84, output_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.relu(F.avg_pool2d(self.conv1(x), kernel_size=2))
        x = F.relu(F.avg_pool2d(self.conv2(x), kernel_size=2))
        x = x.view(x.shape[0], -1)
        x = F.relu(self.fc_1(x))
        x = F.relu(self.fc_2(x))
        return self.fc_3(x)


SOLUTIONS: dict[str, object] = {
    "03.conv_parameters": conv_parameters,
    "03.stable_softmax": softmax,
    "03.cross_entropy": cross_entropy,
    "03.avgpool_parameters": avgpool_parameters,
    "03.tut_avgpool": TutLeNetAvg,
}
