"""Worked solutions of lesson 13 (the capstone). Open on purpose, after designing your own entry.

The reference entry: a LeNet with batch normalisation after each convolution, wider convolutions
(20 and 40 maps) and a narrow fully connected layer (40 units), 46,730 parameters; trained with
AdamW, a learning rate that warms up and then follows a cosine down to 0 over the CPU budget
(the schedule reads the share of the budget spent, so it ends when the budget does), and the
tutorial's random shifts of up to 2 pixels. Validation is measured after every pass over "fit".
"""

from __future__ import annotations

import math

import torch
from torch import nn

from lenet_course.augment import random_crop
from lenet_course.capstone import PARAMETER_LIMIT, CapstoneData, CPUBudget
from lenet_course.generalisation import PixelBatches, evaluation_pairs
from lenet_course.models import count_parameters, input_scale
from lenet_course.training_loop import evaluate_batches, train_epoch


class CompactLeNet(nn.Module):
    """conv 5x5 (20) -> BN -> ReLU -> max pool -> conv 5x5 (40) -> BN -> ReLU -> max pool -> 40 -> 10."""

    input_scale = "meanstd"

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 20, 5),  # [N, 20, 24, 24]
            nn.BatchNorm2d(20),
            nn.ReLU(),
            nn.MaxPool2d(2),  # [N, 20, 12, 12]
            nn.Conv2d(20, 40, 5),  # [N, 40, 8, 8]
            nn.BatchNorm2d(40),
            nn.ReLU(),
            nn.MaxPool2d(2),  # [N, 40, 4, 4]
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(40 * 4 * 4, 40), nn.ReLU(), nn.Linear(40, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def build_model() -> nn.Module:
    return CompactLeNet()


PEAK_LR, WARMUP, BATCH = 3e-3, 0.03, 128


def rate_at(fraction: float) -> float:
    """The learning rate when ``fraction`` of the budget is spent: a short warm-up, then a cosine to 0."""
    warm = min(1.0, fraction / WARMUP)
    return PEAK_LR * warm * 0.5 * (1.0 + math.cos(math.pi * fraction))


def shift_up_to_2(pixels: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    return random_crop(pixels, 2, generator)


def recipe(model: nn.Module, data: CapstoneData, budget: CPUBudget) -> list[tuple[int, float]]:
    scale = input_scale(model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=PEAK_LR, weight_decay=1e-4)
    batches = PixelBatches(
        data.fit_images, data.fit_labels, scale, batch_size=BATCH, augment=shift_up_to_2, stop=budget.exhausted
    )
    val = evaluation_pairs(data.val_images, data.val_labels, scale)
    curve: list[tuple[int, float]] = []
    seen = 0
    while not budget.exhausted():
        stats = train_epoch(model, batches, optimizer, schedule=lambda _: rate_at(budget.fraction()))
        seen += stats.samples
        curve.append((seen, evaluate_batches(model, val).accuracy))
    return curve


# 13.parameter_count: a 5x5 convolution from 20 to 40 maps holds 20 * 40 * 25 weights and 40 biases;
# its batch normalisation a scale and a shift per map.
conv_and_norm = nn.Sequential(nn.Conv2d(20, 40, 5), nn.BatchNorm2d(40))
parameter_count = count_parameters(conv_and_norm)

# 13.choose_split: epochs, rates and architectures are chosen on the validation split.
choose_split = "val"

assert count_parameters(build_model()) < PARAMETER_LIMIT

SOLUTIONS: dict[str, object] = {
    "13.parameter_count": parameter_count,
    "13.choose_split": choose_split,
    "13.capstone": (build_model, recipe),
}
