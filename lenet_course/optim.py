"""Caffe's SGD update as a torch optimizer, and the per-parameter multipliers Caffe attaches.

Caffe folds the learning rate into the momentum history::

    g = grad + weight_decay * decay_mult * w
    v = momentum * v + lr * lr_mult * g
    w = w - v

``torch.optim.SGD`` keeps ``v = momentum * v + g`` and steps ``w -= lr * v``. The two agree while
``lr`` is constant; when the rate changes, Caffe's history remembers the *old* rates.
"""

from __future__ import annotations

from typing import Callable, Iterable

import torch
from torch import nn
from torch.optim import Optimizer

from .config import SolverConfig


#: torch >= 2.4 has a one-pass SGD kernel (``torch.optim.SGD(fused=True)`` uses it); it saves
#: ~0.15 ms of a CaffeLeNet step on 2 CPU cores against the four ``_foreach`` passes below.
_HAS_FUSED_SGD = hasattr(torch, "_fused_sgd_")


def _same_layouts(*tensor_lists: list[torch.Tensor]) -> bool:
    """Whether each parameter, its gradient and its history share strides, device and dtype.

    The fused kernel walks the three in memory order: a channels-last parameter with an NCHW
    gradient (set by hand, say) would pair the wrong elements, so such groups take the slow path.
    """
    return all(len({(t.stride(), t.device, t.dtype) for t in trio}) == 1 for trio in zip(*tensor_lists))


def _bare(method: Callable) -> Callable:
    """``method`` without torch's lazy ``_disable_dynamo`` wrapper (itself if it has none)."""
    return getattr(method, "__wrapped__", method)


class CaffeSGD(Optimizer):
    """SGD with momentum and L2 weight decay, updated exactly as Caffe's ``SGDSolver``.

    Each parameter group may carry ``lr_mult`` and ``decay_mult`` (default 1), Caffe's
    per-parameter multipliers; ``lr`` is the policy's current rate (``base_lr`` at iteration 0).
    ``fused`` picks torch's one-pass kernel (None: where torch has it) over four ``_foreach``
    passes; both compute the same update, up to float rounding.
    """

    # torch wraps these four so that their first call imports torch._dynamo (about 1 s, for
    # torch.compile's sake only); the bare methods keep a lesson's first cell fast.
    add_param_group = _bare(Optimizer.add_param_group)
    zero_grad = _bare(Optimizer.zero_grad)
    state_dict = _bare(Optimizer.state_dict)
    load_state_dict = _bare(Optimizer.load_state_dict)

    def __init__(
        self,
        params: Iterable,
        lr: float = 0.01,
        momentum: float = 0.9,
        weight_decay: float = 0.0005,
        lr_mult: float = 1.0,
        decay_mult: float = 1.0,
        *,
        fused: bool | None = None,
    ) -> None:
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(f"lr, momentum and weight_decay must be >= 0 (got {lr}, {momentum}, {weight_decay})")
        if fused and not _HAS_FUSED_SGD:
            raise RuntimeError(f"fused=True needs torch's fused SGD kernel, which torch {torch.__version__} lacks; "
                               "pass fused=None (use it where available) or fused=False")
        defaults = dict(lr=lr, momentum=momentum, weight_decay=weight_decay, lr_mult=lr_mult, decay_mult=decay_mult)
        super().__init__(params, defaults)
        self.fused = _HAS_FUSED_SGD if fused is None else fused

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if not params:
                continue
            grads = [p.grad for p in params]
            histories = []
            for p in params:
                state = self.state[p]
                if "momentum_buffer" not in state:
                    state["momentum_buffer"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                histories.append(state["momentum_buffer"])
            decay = group["weight_decay"] * group["decay_mult"]
            rate = group["lr"] * group["lr_mult"]
            if self.fused and group["momentum"] != 0 and _same_layouts(params, grads, histories):
                # torch's one-pass kernel computes v = momentum * v + (1 - dampening) * (grad + decay * w)
                # and w -= lr * v: with dampening = 1 - rate and lr = 1 that is Caffe's update above.
                torch._fused_sgd_(params, grads, histories, weight_decay=decay, momentum=group["momentum"],
                                  lr=1.0, dampening=1.0 - rate, nesterov=False, maximize=False,
                                  is_first_step=False)
                continue
            if decay != 0:
                grads = torch._foreach_add(grads, params, alpha=decay)  # g = grad + decay * w
            torch._foreach_mul_(histories, group["momentum"])  # v = momentum * v
            torch._foreach_add_(histories, grads, alpha=rate)  #     + rate * g
            torch._foreach_sub_(params, histories)  # w = w - v
        return loss


def caffe_param_groups(
    model: nn.Module,
    weight_lr_mult: float = 1.0,
    bias_lr_mult: float = 2.0,
    weight_decay_mult: float = 1.0,
    bias_decay_mult: float = 1.0,
) -> list[dict]:
    """Weights and biases as two groups with Caffe's multipliers (LeNet prototxt: lr_mult 1 and 2)."""
    weights, biases = [], []
    for name, param in model.named_parameters():
        if param.requires_grad:
            (biases if name.endswith("bias") else weights).append(param)
    return [
        {"params": weights, "lr_mult": weight_lr_mult, "decay_mult": weight_decay_mult, "name": "weights"},
        {"params": biases, "lr_mult": bias_lr_mult, "decay_mult": bias_decay_mult, "name": "biases"},
    ]


def make_optimizer(model: nn.Module, cfg: SolverConfig, *, fused: bool | None = None) -> Optimizer:
    """The optimizer ``cfg.type`` names, over Caffe's weight/bias groups.

    'SGD' is :class:`CaffeSGD`; 'TorchSGD' and 'Adam' are torch's own, given the same multipliers
    (their group ``lr`` is set to ``rate * lr_mult`` by :func:`set_rate`). ``fused`` is passed
    to :class:`CaffeSGD`.
    """
    groups = caffe_param_groups(model)
    if cfg.type == "SGD":
        return CaffeSGD(groups, lr=cfg.base_lr, momentum=cfg.momentum, weight_decay=cfg.weight_decay, fused=fused)
    for g in groups:
        g["weight_decay"] = cfg.weight_decay * g["decay_mult"]
        g["lr"] = cfg.base_lr * g["lr_mult"]
    if cfg.type == "TorchSGD":
        return torch.optim.SGD(groups, lr=cfg.base_lr, momentum=cfg.momentum)
    if cfg.type == "Adam":
        return torch.optim.Adam(groups, lr=cfg.base_lr, betas=(cfg.momentum, cfg.momentum2), eps=cfg.delta)
    raise ValueError(f"unknown solver type {cfg.type!r}; valid types are: SGD, TorchSGD, Adam")


def set_rate(optimizer: Optimizer, rate: float, cfg: SolverConfig) -> None:
    """Apply this iteration's rate (and the current momentum / decay) to every group."""
    for g in optimizer.param_groups:
        if isinstance(optimizer, CaffeSGD):
            g["lr"], g["momentum"], g["weight_decay"] = rate, cfg.momentum, cfg.weight_decay
        else:
            g["lr"] = rate * g.get("lr_mult", 1.0)
            g["weight_decay"] = cfg.weight_decay * g.get("decay_mult", 1.0)
            if "momentum" in g:
                g["momentum"] = cfg.momentum
            if "betas" in g:
                g["betas"] = (cfg.momentum, cfg.momentum2)
