"""Worked solutions to lesson 11 (the 1989 ZIP-code network). Try each exercise and its hints first."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from lenet_course.zipcode1989 import BACKGROUND, H1_MAPS, TARGET_OFF, TARGET_ON, ZipcodeNet, count_network

# 11.h2_all_maps: count H2 of a network whose table rows list all 12 H1 maps
every_map = [list(range(H1_MAPS)) for _ in range(12)]
h2_all_maps = count_network(ZipcodeNet(table=every_map)).layers[1].free_parameters


# 11.paper_mse: targets +1 / -1, the mean over the patterns and the output units
def mse(outputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    targets = torch.full_like(outputs, TARGET_OFF)
    targets[torch.arange(outputs.shape[0]), labels] = TARGET_ON
    return (outputs - targets).pow(2).mean()


# 11.h2_layer: one ordinary convolution per H2 map, over the H1 maps its row of the table names
def h2_layer(h1: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, table) -> torch.Tensor:
    padded = F.pad(h1, (2, 1, 2, 1), value=BACKGROUND)  # the background plane: 2 before, 1 after
    maps = [F.conv2d(padded[:, list(row)], weight[j : j + 1], stride=2)[:, 0] for j, row in enumerate(table)]
    return torch.stack(maps, dim=1) + bias


SOLUTIONS: dict[str, object] = {
    "11.h2_all_maps": h2_all_maps,
    "11.paper_mse": mse,
    "11.h2_layer": h2_layer,
}
