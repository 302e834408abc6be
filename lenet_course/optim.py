"""Caffe's six solver update rules as torch optimizers, and the per-parameter multipliers Caffe attaches.

Caffe's ``SGDSolver::ApplyUpdate`` does, once per iteration::

    ClipGradients()                        # prepare_gradients_ (below), over all parameters
    for each parameter:
        Normalize(param)                   #   grad /= iter_size           (prepare_gradients_)
        Regularize(param)                  #   grad += local_decay * w (L2) or * sign(w) (L1)
        ComputeUpdateValue(param, rate)    #   the solver type's own rule
    net.Update()                           # w -= update

with ``local_rate = rate * lr_mult`` and ``local_decay = weight_decay * decay_mult`` (the layer's
``param { lr_mult decay_mult }``). Regularize and ComputeUpdateValue happen inside each optimizer's
``step``; the rules, from Caffe's ``src/caffe/solvers/*.cpp`` (g: the regularised gradient)::

    SGD       v = momentum * v + local_rate * g;               w -= v
    Nesterov  v' = momentum * v + local_rate * g;              w -= (1 + momentum) * v' - momentum * v
    AdaGrad   h += g^2;                                        w -= local_rate * g / (sqrt(h) + delta)
    RMSProp   h = rms_decay * h + (1 - rms_decay) * g^2;       w -= local_rate * g / (sqrt(h) + delta)
    AdaDelta  h = momentum * h + (1 - momentum) * g^2
              u = g * sqrt((d + delta) / (h + delta));  d = momentum * d + (1 - momentum) * u^2
              w -= local_rate * u
    Adam      m = momentum * m + (1 - momentum) * g;  v = momentum2 * v + (1 - momentum2) * g^2
              w -= local_rate * sqrt(1 - momentum2^t) / (1 - momentum^t) * m / (sqrt(v) + delta),
              t = iteration + 1

Caffe's SGD folds the learning rate into the momentum history; ``torch.optim.SGD`` keeps
``v = momentum * v + g`` and steps ``w -= lr * v``. The two agree while ``lr`` is constant; when
the rate changes, Caffe's history remembers the *old* rates.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar

import torch
from torch import Tensor, nn
from torch.optim import Optimizer

from .config import SolverConfig

#: torch >= 2.4 has a one-pass SGD kernel (``torch.optim.SGD(fused=True)`` uses it); it saves
#: ~0.15 ms of a CaffeLeNet step on 2 CPU cores against the four ``_foreach`` passes below.
_HAS_FUSED_SGD = hasattr(torch, "_fused_sgd_")

#: Caffe's ``SolverParameter.regularization_type`` values.
REGULARIZATION_TYPES: tuple[str, ...] = ("L2", "L1")


class OptimizerError(ValueError):
    """A solver type, or a hyperparameter given to an optimizer, that Caffe's update cannot use."""


def _same_layouts(*tensor_lists: list[torch.Tensor]) -> bool:
    """Whether each parameter, its gradient and its history share strides, device and dtype.

    The fused kernel walks the three in memory order: a channels-last parameter with an NCHW
    gradient (set by hand, say) would pair the wrong elements, so such groups take the slow path.
    """
    return all(len({(t.stride(), t.device, t.dtype) for t in trio}) == 1 for trio in zip(*tensor_lists))


def _bare(method: Callable) -> Callable:
    """``method`` without torch's lazy ``_disable_dynamo`` wrapper (itself if it has none)."""
    return getattr(method, "__wrapped__", method)


def _gradients_of(params: Iterable[Tensor]) -> list[Tensor]:
    """The gradients of those of ``params`` that have one."""
    return [p.grad for p in params if p.grad is not None]


def regularized_gradients(
    params: list[Tensor], grads: list[Tensor], local_decay: float, regularization_type: str
) -> list[Tensor]:
    """Caffe's ``Regularize``: ``grad + local_decay * w`` (L2) or ``grad + local_decay * sign(w)`` (L1).

    New tensors: the gradients the caller handed over stay as they were. With ``local_decay`` 0
    the gradients come back unchanged, as Caffe skips the step (``if (local_decay)``).
    """
    if local_decay == 0:
        return grads
    if regularization_type == "L2":
        return list(torch._foreach_add(grads, params, alpha=local_decay))
    if regularization_type == "L1":
        return list(torch._foreach_add(grads, torch._foreach_sign(params), alpha=local_decay))
    raise OptimizerError(_bad_regularization(regularization_type))


def _bad_regularization(value: Any) -> str:
    return (
        f"regularization_type must be one of {', '.join(REGULARIZATION_TYPES)} (Caffe's two "
        f"weight-decay kinds), got {value!r}"
    )


def _require(ok: bool, name: str, value: Any, rule: str, solver_type: str) -> None:
    if not ok:
        raise OptimizerError(f"{solver_type}: {name} must be {rule}, got {value!r}")


def _finite_at_least_zero(values: Mapping[str, Any], names: Iterable[str], solver_type: str) -> None:
    for name in names:
        value = values[name]
        _require(
            isinstance(value, (int, float)) and math.isfinite(value) and value >= 0,
            name,
            value,
            "a finite number >= 0",
            solver_type,
        )


def _below_one(values: Mapping[str, Any], names: Iterable[str], why: str, solver_type: str) -> None:
    """Refuse a decay rate of 1 or more (``why``: the rule the rate must follow, in Caffe's words)."""
    for name in names:
        _require(values[name] < 1, name, values[name], f"below 1 ({why})", solver_type)


# ---- the pieces the update rules share (each a line of the rules in the module docstring) ----
def _momentum_history_(histories: list[Tensor], grads: list[Tensor], momentum: float, rate: float) -> None:
    """Caffe's SGD history, in place: ``v = momentum * v + local_rate * g`` (SGD and Nesterov)."""
    torch._foreach_mul_(histories, momentum)
    torch._foreach_add_(histories, grads, alpha=rate)


def _average_squares_(averages: list[Tensor], values: list[Tensor] | tuple[Tensor, ...], decay: float) -> None:
    """A decaying average of squares, in place: ``h = decay * h + (1 - decay) * values^2``.

    RMSProp's and Adam's ``h`` / ``v`` of the gradients; AdaDelta's ``h`` and its ``d`` of the updates.
    """
    torch._foreach_mul_(averages, decay)
    torch._foreach_addcmul_(averages, values, values, value=1.0 - decay)


def _root_plus_delta(squares: list[Tensor], delta: float) -> list[Tensor]:
    """``sqrt(h) + delta`` as new tensors: what AdaGrad, RMSProp and Adam divide the step by."""
    denominators = list(torch._foreach_sqrt(squares))
    torch._foreach_add_(denominators, delta)
    return denominators


class CaffeOptimizer(Optimizer):
    """What Caffe's solvers share: the rate and multipliers per group, and ``Regularize``.

    Each parameter group may carry ``lr_mult`` and ``decay_mult`` (default 1); ``lr`` is the
    policy's current rate (``base_lr`` at iteration 0), ``weight_decay`` the solver's, and
    ``regularization_type`` "L2" or "L1". Subclasses implement ``_update`` (Caffe's
    ``ComputeUpdateValue`` plus ``w -= update``) on regularised gradients.
    """

    #: the ``SolverConfig.type`` this optimizer implements (see :func:`optimizer_type_name`).
    solver_type: ClassVar[str] = ""
    #: config fields, besides the rate and the weight decay, that :func:`set_rate` copies into
    #: every group each iteration (named as in SolverConfig and in the group).
    config_fields: ClassVar[tuple[str, ...]] = ()

    # torch wraps these four so that their first call imports torch._dynamo (about 1 s, for
    # torch.compile's sake only); the bare methods keep a lesson's first cell fast.
    add_param_group = _bare(Optimizer.add_param_group)
    zero_grad = _bare(Optimizer.zero_grad)
    state_dict = _bare(Optimizer.state_dict)
    load_state_dict = _bare(Optimizer.load_state_dict)

    def __init__(
        self,
        params: Iterable,
        lr: float,
        weight_decay: float,
        lr_mult: float,
        decay_mult: float,
        regularization_type: str,
        **rule: float,
    ) -> None:
        """Store the shared hyperparameters and the rule's own (``rule``: momentum, delta...) per group."""
        defaults: dict[str, Any] = {
            "lr": lr,
            "weight_decay": weight_decay,
            "lr_mult": lr_mult,
            "decay_mult": decay_mult,
            "regularization_type": regularization_type,
            **rule,
        }
        self.check_hyperparameters(defaults)
        super().__init__(params, defaults)

    @classmethod
    def check_hyperparameters(cls, values: Mapping[str, Any]) -> None:
        """Raise :class:`OptimizerError` for a value this update rule cannot use."""
        _finite_at_least_zero(values, ("lr", "weight_decay") + cls.config_fields, cls.solver_type)
        if values["regularization_type"] not in REGULARIZATION_TYPES:
            raise OptimizerError(_bad_regularization(values["regularization_type"]))

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            params = [p for p in group["params"] if p.grad is not None]
            if params:
                self._update(group, params)
        return loss

    def _update(self, group: dict, params: list[Tensor]) -> None:
        raise NotImplementedError

    def _histories(self, params: list[Tensor], *names: str) -> list[list[Tensor]]:
        """Per-parameter state tensors ``names``, zero-filled on first use (Caffe's ``history_``)."""
        columns: list[list[Tensor]] = [[] for _ in names]
        for p in params:
            state = self.state[p]
            for name, column in zip(names, columns):
                if name not in state:
                    state[name] = torch.zeros_like(p, memory_format=torch.preserve_format)
                column.append(state[name])
        return columns

    @staticmethod
    def _local_rate(group: dict) -> float:
        return group["lr"] * group["lr_mult"]

    @staticmethod
    def _local_decay(group: dict) -> float:
        return group["weight_decay"] * group["decay_mult"]

    def _gradients(self, group: dict, params: list[Tensor]) -> list[Tensor]:
        """The parameters' gradients after Caffe's ``Regularize``."""
        return regularized_gradients(
            params, _gradients_of(params), self._local_decay(group), group["regularization_type"]
        )


class CaffeSGD(CaffeOptimizer):
    """SGD with momentum, updated exactly as Caffe's ``SGDSolver``: ``v = momentum*v + local_rate*g; w -= v``.

    ``fused`` picks torch's one-pass kernel (None: where torch has it) over four ``_foreach``
    passes; both compute the same update, up to float rounding.
    """

    solver_type = "SGD"
    config_fields = ("momentum",)

    def __init__(
        self,
        params: Iterable,
        lr: float = 0.01,
        momentum: float = 0.9,
        weight_decay: float = 0.0005,
        lr_mult: float = 1.0,
        decay_mult: float = 1.0,
        *,
        regularization_type: str = "L2",
        fused: bool | None = None,
    ) -> None:
        if fused and not _HAS_FUSED_SGD:
            raise RuntimeError(
                f"fused=True needs torch's fused SGD kernel, which torch {torch.__version__} lacks; "
                "pass fused=None (use it where available) or fused=False"
            )
        super().__init__(params, lr, weight_decay, lr_mult, decay_mult, regularization_type, momentum=momentum)
        self.fused = _HAS_FUSED_SGD if fused is None else fused

    def _update(self, group: dict, params: list[Tensor]) -> None:
        (histories,) = self._histories(params, "momentum_buffer")
        momentum, rate, decay = group["momentum"], self._local_rate(group), self._local_decay(group)
        grads = _gradients_of(params)
        use_kernel = self.fused and momentum != 0
        kernel_decay = 0.0
        if use_kernel and group["regularization_type"] == "L2" and _same_layouts(params, grads, histories):
            kernel_decay = decay  # the kernel adds decay * w itself: one pass instead of two
        else:
            grads = regularized_gradients(params, grads, decay, group["regularization_type"])
            use_kernel = use_kernel and _same_layouts(params, grads, histories)
        if use_kernel:
            # torch's one-pass kernel computes v = momentum * v + (1 - dampening) * (grad + decay * w)
            # and w -= lr * v: with dampening = 1 - rate and lr = 1 that is Caffe's update above.
            torch._fused_sgd_(
                params,
                grads,
                histories,
                weight_decay=kernel_decay,
                momentum=momentum,
                lr=1.0,
                dampening=1.0 - rate,
                nesterov=False,
                maximize=False,
                is_first_step=False,
            )
            return
        _momentum_history_(histories, grads, momentum, rate)  # v = momentum * v + local_rate * g
        torch._foreach_sub_(params, histories)  # w = w - v


class CaffeNesterov(CaffeOptimizer):
    """Caffe's ``NesterovSolver``: the SGD history, stepped back once and over-stepped.

    ``v' = momentum * v + local_rate * g``; ``w -= (1 + momentum) * v' - momentum * v``.
    """

    solver_type = "Nesterov"
    config_fields = ("momentum",)

    def __init__(
        self,
        params: Iterable,
        lr: float = 0.01,
        momentum: float = 0.95,
        weight_decay: float = 0.0005,
        lr_mult: float = 1.0,
        decay_mult: float = 1.0,
        *,
        regularization_type: str = "L2",
    ) -> None:
        super().__init__(params, lr, weight_decay, lr_mult, decay_mult, regularization_type, momentum=momentum)

    def _update(self, group: dict, params: list[Tensor]) -> None:
        (histories,) = self._histories(params, "momentum_buffer")
        grads = self._gradients(group, params)
        momentum = group["momentum"]
        stepped_back = torch._foreach_mul(histories, momentum)  # momentum * v (the old history)
        _momentum_history_(histories, grads, momentum, self._local_rate(group))  # v' = momentum * v + local_rate * g
        update = torch._foreach_mul(histories, 1.0 + momentum)  # (1 + momentum) * v'
        torch._foreach_sub_(update, stepped_back)  #                   - momentum * v
        torch._foreach_sub_(params, update)


class CaffeAdaGrad(CaffeOptimizer):
    """Caffe's ``AdaGradSolver``: ``h += g^2``; ``w -= local_rate * g / (sqrt(h) + delta)``.

    Caffe refuses momentum with AdaGrad ("Momentum cannot be used with AdaGrad"); so does
    :func:`make_optimizer`.
    """

    solver_type = "AdaGrad"
    config_fields = ("delta",)

    def __init__(
        self,
        params: Iterable,
        lr: float = 0.01,
        delta: float = 1e-8,
        weight_decay: float = 0.0005,
        lr_mult: float = 1.0,
        decay_mult: float = 1.0,
        *,
        regularization_type: str = "L2",
    ) -> None:
        super().__init__(params, lr, weight_decay, lr_mult, decay_mult, regularization_type, delta=delta)

    def _update(self, group: dict, params: list[Tensor]) -> None:
        (square_sums,) = self._histories(params, "square_sum")
        grads = self._gradients(group, params)
        torch._foreach_addcmul_(square_sums, grads, grads)  # h += g^2
        denominators = _root_plus_delta(square_sums, group["delta"])  # sqrt(h) + delta
        torch._foreach_addcdiv_(params, grads, denominators, value=-self._local_rate(group))  # w -= rate * g / ...


class CaffeRMSProp(CaffeOptimizer):
    """Caffe's ``RMSPropSolver``: ``h = rms_decay*h + (1-rms_decay)*g^2``; ``w -= local_rate*g/(sqrt(h)+delta)``.

    Caffe refuses momentum with RMSProp and needs ``0 <= rms_decay < 1``.
    """

    solver_type = "RMSProp"
    config_fields = ("rms_decay", "delta")

    def __init__(
        self,
        params: Iterable,
        lr: float = 0.01,
        rms_decay: float = 0.99,
        delta: float = 1e-8,
        weight_decay: float = 0.0005,
        lr_mult: float = 1.0,
        decay_mult: float = 1.0,
        *,
        regularization_type: str = "L2",
    ) -> None:
        super().__init__(
            params, lr, weight_decay, lr_mult, decay_mult, regularization_type, rms_decay=rms_decay, delta=delta
        )

    @classmethod
    def check_hyperparameters(cls, values: Mapping[str, Any]) -> None:
        super().check_hyperparameters(values)
        _below_one(values, ("rms_decay",), "Caffe: 0 <= rms_decay < 1", cls.solver_type)

    def _update(self, group: dict, params: list[Tensor]) -> None:
        (square_avgs,) = self._histories(params, "square_avg")
        grads = self._gradients(group, params)
        _average_squares_(square_avgs, grads, group["rms_decay"])  # h = rms_decay * h + (1 - rms_decay) * g^2
        denominators = _root_plus_delta(square_avgs, group["delta"])  # sqrt(h) + delta
        torch._foreach_addcdiv_(params, grads, denominators, value=-self._local_rate(group))  # w -= rate * g / ...


class CaffeAdaDelta(CaffeOptimizer):
    """Caffe's ``AdaDeltaSolver``: two histories, of squared gradients and of squared updates.

    ``h = momentum*h + (1-momentum)*g^2``; ``u = g * sqrt((d + delta) / (h + delta))``;
    ``d = momentum*d + (1-momentum)*u^2``; ``w -= local_rate * u``. Note that ``d`` records the
    update *before* the learning rate scales it, as Caffe's code does (Caffe's example uses
    base_lr 1.0, where the two readings agree).
    """

    solver_type = "AdaDelta"
    config_fields = ("momentum", "delta")

    def __init__(
        self,
        params: Iterable,
        lr: float = 1.0,
        momentum: float = 0.95,
        delta: float = 1e-6,
        weight_decay: float = 0.0005,
        lr_mult: float = 1.0,
        decay_mult: float = 1.0,
        *,
        regularization_type: str = "L2",
    ) -> None:
        super().__init__(
            params, lr, weight_decay, lr_mult, decay_mult, regularization_type, momentum=momentum, delta=delta
        )

    def _update(self, group: dict, params: list[Tensor]) -> None:
        square_avgs, delta_avgs = self._histories(params, "square_avg", "delta_avg")
        grads = self._gradients(group, params)
        momentum, delta = group["momentum"], group["delta"]
        _average_squares_(square_avgs, grads, momentum)  # h = momentum * h + (1 - momentum) * g^2
        numerators = torch._foreach_add(delta_avgs, delta)  # d + delta
        denominators = torch._foreach_add(square_avgs, delta)  # h + delta
        torch._foreach_div_(numerators, denominators)
        torch._foreach_sqrt_(numerators)
        updates = torch._foreach_mul(grads, numerators)  # u = g * sqrt((d + delta) / (h + delta))
        _average_squares_(delta_avgs, updates, momentum)  # d = momentum * d + (1 - momentum) * u^2
        torch._foreach_add_(params, updates, alpha=-self._local_rate(group))  # w -= local_rate * u


class CaffeAdam(CaffeOptimizer):
    """Caffe's ``AdamSolver`` (``momentum`` is beta1, ``momentum2`` beta2, ``delta`` epsilon).

    ``m = momentum*m + (1-momentum)*g``; ``v = momentum2*v + (1-momentum2)*g^2``;
    ``w -= local_rate * sqrt(1 - momentum2^t) / (1 - momentum^t) * m / (sqrt(v) + delta)``.
    Caffe folds the bias correction into the rate and adds ``delta`` to ``sqrt(v)`` *uncorrected*;
    ``torch.optim.Adam`` adds ``eps`` to ``sqrt(v / (1 - beta2^t))``, so the two differ while
    ``sqrt(v)`` is not large against ``delta`` (early steps, small gradients). ``t`` is Caffe's
    iteration + 1; here it is each parameter's step count (``state["step"]``), which
    ``state_dict()`` carries, so a resumed run continues the same sequence.
    """

    solver_type = "Adam"
    config_fields = ("momentum", "momentum2", "delta")

    def __init__(
        self,
        params: Iterable,
        lr: float = 0.001,
        momentum: float = 0.9,
        momentum2: float = 0.999,
        delta: float = 1e-8,
        weight_decay: float = 0.0,
        lr_mult: float = 1.0,
        decay_mult: float = 1.0,
        *,
        regularization_type: str = "L2",
    ) -> None:
        super().__init__(
            params,
            lr,
            weight_decay,
            lr_mult,
            decay_mult,
            regularization_type,
            momentum=momentum,
            momentum2=momentum2,
            delta=delta,
        )

    @classmethod
    def check_hyperparameters(cls, values: Mapping[str, Any]) -> None:
        super().check_hyperparameters(values)
        # at 1 the bias correction divides by zero
        _below_one(values, ("momentum", "momentum2"), "Adam's decay rates lie in [0, 1)", cls.solver_type)

    def _update(self, group: dict, params: list[Tensor]) -> None:
        means, square_avgs = self._histories(params, "exp_avg", "exp_avg_sq")
        grads = self._gradients(group, params)
        beta1, beta2, rate = group["momentum"], group["momentum2"], self._local_rate(group)
        steps = []
        for p in params:
            state = self.state[p]
            state["step"] = state.get("step", 0) + 1
            steps.append(state["step"])
        torch._foreach_mul_(means, beta1)  # m = beta1 * m
        torch._foreach_add_(means, grads, alpha=1.0 - beta1)  # + (1 - beta1) * g
        _average_squares_(square_avgs, grads, beta2)  # v = beta2 * v + (1 - beta2) * g^2
        denominators = _root_plus_delta(square_avgs, group["delta"])  # sqrt(v) + delta
        step_sizes = [-rate * math.sqrt(1.0 - beta2**t) / (1.0 - beta1**t) for t in steps]
        torch._foreach_addcdiv_(params, means, denominators, step_sizes)


#: SolverConfig.type -> the optimizer class with Caffe's update rule for it.
CAFFE_OPTIMIZERS: dict[str, type[CaffeOptimizer]] = {
    cls.solver_type: cls for cls in (CaffeSGD, CaffeNesterov, CaffeAdaGrad, CaffeRMSProp, CaffeAdaDelta, CaffeAdam)
}
#: the solver types whose Caffe solver refuses a nonzero momentum.
_NO_MOMENTUM = ("AdaGrad", "RMSProp")


def caffe_param_groups(
    model: nn.Module,
    weight_lr_mult: float = 1.0,
    bias_lr_mult: float = 2.0,
    weight_decay_mult: float = 1.0,
    bias_decay_mult: float = 1.0,
) -> list[dict]:
    """Weights and biases as two groups with Caffe's multipliers (LeNet prototxt: lr_mult 1 and 2)."""
    weights: list[nn.Parameter] = []
    biases: list[nn.Parameter] = []
    for name, param in model.named_parameters():
        if param.requires_grad:
            (biases if name.endswith("bias") else weights).append(param)
    return [
        {"params": weights, "lr_mult": weight_lr_mult, "decay_mult": weight_decay_mult, "name": "weights"},
        {"params": biases, "lr_mult": bias_lr_mult, "decay_mult": bias_decay_mult, "name": "biases"},
    ]


def _caffe_values(cls: type[CaffeOptimizer], rate: float, cfg: SolverConfig) -> dict[str, Any]:
    """The group hyperparameters ``cfg`` gives ``cls`` at ``rate``, checked as Caffe checks them."""
    if cfg.type in _NO_MOMENTUM and cfg.momentum != 0:
        raise OptimizerError(
            f'{cfg.type} cannot use momentum (Caffe: "Momentum cannot be used with '
            f'{cfg.type}"), got momentum={cfg.momentum!r}; set momentum to 0'
        )
    values = {"lr": rate, "weight_decay": cfg.weight_decay, "regularization_type": cfg.regularization_type}
    values.update({name: getattr(cfg, name) for name in cls.config_fields})
    cls.check_hyperparameters(values)
    return values


def _check_torch_sgd(cfg: SolverConfig) -> None:
    if cfg.regularization_type != "L2":
        raise OptimizerError(
            f"TorchSGD (torch.optim.SGD) supports only L2 weight decay, got regularization_type="
            f"{cfg.regularization_type!r}; use type SGD for Caffe's update with L1"
        )


def make_optimizer(model: nn.Module, cfg: SolverConfig, *, fused: bool | None = None) -> Optimizer:
    """The optimizer ``cfg.type`` names, over Caffe's weight/bias groups (biases at lr_mult 2).

    The six Caffe types (SGD, Nesterov, AdaGrad, RMSProp, AdaDelta, Adam) get the classes above,
    with Caffe's own update rules. "Adam" is :class:`CaffeAdam`, not ``torch.optim.Adam``: Caffe
    adds ``delta`` to ``sqrt(v)`` before the bias correction, which it folds into the rate; torch
    adds ``eps`` after correcting ``v``. "TorchSGD" is ``torch.optim.SGD`` (L2 decay only), whose
    group ``lr`` is ``rate * lr_mult`` (set by :func:`set_rate`). ``fused`` is passed to
    :class:`CaffeSGD` (the other types have no fused kernel).
    """
    groups = caffe_param_groups(model)
    if cfg.type == "TorchSGD":
        _check_torch_sgd(cfg)
        for g in groups:
            g["weight_decay"] = cfg.weight_decay * g["decay_mult"]
            g["lr"] = cfg.base_lr * g["lr_mult"]
        return torch.optim.SGD(groups, lr=cfg.base_lr, momentum=cfg.momentum or 0.0)  # None only before __post_init__
    if cfg.type not in CAFFE_OPTIMIZERS:
        raise OptimizerError(
            f"unknown solver type {cfg.type!r}; valid types are: {', '.join(CAFFE_OPTIMIZERS)}, TorchSGD"
        )
    cls = CAFFE_OPTIMIZERS[cfg.type]
    kwargs: dict[str, Any] = _caffe_values(cls, cfg.base_lr, cfg)
    if cls is CaffeSGD:
        kwargs["fused"] = fused
    return cls(groups, **kwargs)


def set_rate(optimizer: Optimizer, rate: float, cfg: SolverConfig) -> None:
    """Apply this iteration's rate, and ``cfg``'s current hyperparameters, to every group.

    The solver calls it before each ``step`` and may change ``cfg`` between iterations: momentum,
    weight_decay, regularization_type, and each rule's own fields (momentum2, delta, rms_decay)
    are taken from ``cfg`` every time. Values the rule cannot use raise :class:`OptimizerError`.
    """
    if isinstance(optimizer, CaffeOptimizer):
        values = _caffe_values(type(optimizer), rate, cfg)
        for g in optimizer.param_groups:
            g.update(values)
        return
    _check_torch_sgd(cfg)
    for g in optimizer.param_groups:
        g["lr"] = rate * g.get("lr_mult", 1.0)
        g["weight_decay"] = cfg.weight_decay * g.get("decay_mult", 1.0)
        if "momentum" in g:
            g["momentum"] = cfg.momentum


def optimizer_type_name(optimizer: Optimizer) -> str:
    """The ``SolverConfig.type`` that :func:`make_optimizer` built ``optimizer`` for."""
    if isinstance(optimizer, CaffeOptimizer):
        return optimizer.solver_type
    if type(optimizer) is torch.optim.SGD:
        return "TorchSGD"
    raise OptimizerError(
        f"{type(optimizer).__name__} is not one of the solver types; build the optimizer with "
        "make_optimizer(model, cfg)"
    )


@torch.no_grad()
def prepare_gradients_(params: Iterable[Tensor], cfg: SolverConfig) -> float | None:
    """Caffe's ``ClipGradients`` then ``Normalize``, in place, on the accumulated gradients.

    Call it after the ``iter_size`` backward passes of the *un-divided* loss and before
    ``optimizer.step()``. Clipping sees the summed gradient, as in Caffe's ``ApplyUpdate``: if
    ``cfg.clip_gradients >= 0`` and the global L2 norm of all gradients exceeds it, every gradient
    is scaled by ``clip_gradients / norm``. Then every gradient is multiplied by ``1 / iter_size``.
    Returns the norm before clipping (a float; the solver logs it when it clipped), or None when
    clipping is off.
    """
    grads = _gradients_of(params)
    if not grads:
        return None
    norm = None
    if cfg.clip_gradients >= 0:
        norms = torch._foreach_norm(grads)
        norm = float(torch.linalg.vector_norm(torch.stack([n.to(torch.float64) for n in norms])))
        if norm > cfg.clip_gradients:
            torch._foreach_mul_(grads, cfg.clip_gradients / norm)
    if cfg.iter_size != 1:
        torch._foreach_mul_(grads, 1.0 / cfg.iter_size)
    return norm
