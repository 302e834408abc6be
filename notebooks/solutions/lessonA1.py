"""Worked solutions to appendix A1 (scaling out). Try each exercise and its hints first."""

from __future__ import annotations

import torch.distributed as dist
from torch import nn

from lenet_course.distributed import per_rank_batch

# A1.per_rank_batch: the global batch of 256 shared by every process of both machines
nodes, processes_per_node, global_batch = 2, 4, 256
per_rank = per_rank_batch(global_batch, nodes * processes_per_node)

# A1.linear_scaling: the rate grows with the batch by the same factor k
base_lr, small_batch, large_batch = 0.01, 64, 512
scaled_lr = base_lr * large_batch / small_batch


# A1.average_gradients: sum over the processes, then divide by their number
def average_gradients(model: nn.Module) -> None:
    world = dist.get_world_size()
    for p in model.parameters():
        if p.grad is not None:
            dist.all_reduce(p.grad)
            p.grad /= world


SOLUTIONS: dict[str, object] = {
    "A1.per_rank_batch": per_rank,
    "A1.linear_scaling": scaled_lr,
    "A1.average_gradients": average_gradients,
}
