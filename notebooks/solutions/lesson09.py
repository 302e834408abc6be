"""Worked solutions of lesson 09 (the comparison lab). Open on purpose, after trying and after the hints."""

from __future__ import annotations

import torch
from torch import nn

from lenet_course.comparison import standard_error


# 09.conv_macs: one image's outputs (out_channels x H_out x W_out), each a dot product over
# in_channels x kh x kw inputs. Running the layer gives the output shape, strides and padding included.
def conv_macs(conv: nn.Conv2d, x: torch.Tensor) -> int:
    with torch.no_grad():
        outputs_per_image = conv(x)[0].numel()
    kh, kw = conv.kernel_size
    return outputs_per_image * (conv.in_channels // conv.groups) * kh * kw


# 09.deeper_mlp: the paper's "3-layer NN, 300+100 hidden units", with ReLUs and cross-entropy.
class DeeperMLP(nn.Module):
    input_scale = "meanstd"

    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 300)
        self.fc2 = nn.Linear(300, 100)
        self.fc3 = nn.Linear(100, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.flatten(x, 1)
        x = torch.relu(self.fc1(x))
        x = torch.relu(self.fc2(x))
        return self.fc3(x)


# 09.standard_error: sqrt(p (1 - p) / n) with p = 1.2% as a fraction and n = 5,000, in percentage points.
validation_standard_error = 100 * standard_error(0.012, 5_000)

# 09.gap_within_noise: the gap 0.07 points against two standard errors of 0.95% on 10,000 images.
gap_within_noise = abs(0.0095 - 0.0088) < 2 * standard_error(0.0095, 10_000)

SOLUTIONS: dict[str, object] = {
    "09.conv_macs": conv_macs,
    "09.deeper_mlp": DeeperMLP,
    "09.standard_error": validation_standard_error,
    "09.gap_within_noise": gap_within_noise,
}
