"""The stochastic diagonal Levenberg-Marquardt method (SDLM) of LeCun et al. 1998, appendix C.

Each parameter w_k gets its own step size

    epsilon_k = eta / (mu + h_kk)

where h_kk estimates the second derivative of the per-sample loss with respect to w_k, eta is a
global rate that follows a schedule, and mu (0.02 in the paper) keeps the step finite where the
curvature is tiny. The paper re-estimates h_kk on 500 training samples before each pass through
the data and keeps it fixed during the pass; its schedule for eta is 0.0005 for 2 passes, 0.0002
for 3, 0.0001 for 3, 0.00005 for 4, then 0.00001 (:data:`PAPER_SCHEDULE`, :func:`paper_rate`).

How h_kk is estimated here, and why. The paper uses the Gauss-Newton approximation (the second
derivatives of the squashing functions dropped, so h_kk >= 0) and computes it by back-propagating
second derivatives layer by layer, a recursion that also drops the off-diagonal terms at every
layer and, for a shared weight, adds up the per-connection terms (Becker & LeCun 1988). It needs a
second-derivative rule for every layer type. :func:`gauss_newton_diagonal` computes instead the
diagonal of the Gauss-Newton matrix itself, which that recursion approximates:

    h = (1/N) sum_n diag(J_n^T H_n J_n)

The network is cut where the trainable parameters end (for the 1998 LeNet-5: F6's 84 outputs
z_n; J_n = dz_n/dparameters); H_n is the exact Hessian, with respect to z_n, of the
parameter-free rest (the fixed RBF layer and the MAP loss), which is positive definite there. (Cut
at the 10 scores instead, the MAP loss is almost linear at the start, every penalty being about
84, and the estimate would be ~0: the RBF layer's own curvature, 2 per unit, is what the paper's
recursion starts from.) With H_n = L_n L_n^T, diag(J^T L L^T J)_k = sum_r (J^T l_r)_k^2: a
backward pass per column of L per sample (exact), or per random +-1 combination v of the columns
(``probes``: E[(J^T L v)_k^2] is exactly the diagonal, so the estimate is unbiased at a fraction of
the cost). Per-sample backward passes are batched with ``torch.func.vmap``; a batched backward of
the summed losses would not do, its cross-sample terms do not vanish when squared.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch
from torch import Tensor, nn
from torch.func import functional_call, hessian, vjp, vmap

#: mu, the damping constant of the paper's step eta / (mu + h_kk).
PAPER_MU = 0.02
#: The samples the paper estimates the diagonal Hessian on before each pass.
PAPER_HESSIAN_SAMPLES = 500
#: The paper's global rate: (passes, eta) in order, then :data:`PAPER_FINAL_RATE` for the rest.
PAPER_SCHEDULE: tuple[tuple[int, float], ...] = ((2, 0.0005), (3, 0.0002), (3, 0.0001), (4, 0.00005))
PAPER_FINAL_RATE = 0.00001


class SDLMError(ValueError):
    """SDLM used in a way that cannot give a step (bad settings, or no curvature estimate yet)."""


def paper_rate(pass_index: int) -> float:
    """The paper's global rate eta for pass ``pass_index`` (0 = the first pass)."""
    if pass_index < 0:
        raise SDLMError(f"pass_index counts passes from 0; got {pass_index}")
    start = 0
    for passes, rate in PAPER_SCHEDULE:
        if pass_index < start + passes:
            return rate
        start += passes
    return PAPER_FINAL_RATE


HeadLoss = Callable[[Tensor, Tensor], Tensor]


class _Method(nn.Module):
    """``model.<name>(x)`` as a module's forward, so ``torch.func.functional_call`` can call it."""

    def __init__(self, model: nn.Module, name: str) -> None:
        super().__init__()
        self.model, self.name = model, name

    def forward(self, x: Tensor) -> Tensor:
        return getattr(self.model, self.name)(x)


def head_curvature_factors(head_loss: HeadLoss, outputs: Tensor, targets: Tensor) -> Tensor:
    """L_n [N, K, K] with L_n L_n^T = the Hessian of ``head_loss`` with respect to sample n's K outputs.

    The Hessian is computed exactly (``torch.func.hessian``, per sample); negative eigenvalues (none
    for a convex head such as cross-entropy or the paper's RBF + MAP) are clipped to 0, which is the
    Gauss-Newton matrix's guarantee that h_kk >= 0.
    """

    def one(z: Tensor, t: Tensor) -> Tensor:
        return head_loss(z.unsqueeze(0), t.unsqueeze(0))

    hessians = vmap(hessian(one))(outputs.detach().double(), targets)  # [N, K, K]
    hessians = 0.5 * (hessians + hessians.transpose(1, 2))
    values, vectors = torch.linalg.eigh(hessians)
    return (vectors * values.clamp(min=0).sqrt().unsqueeze(1)).to(outputs.dtype)


def _without_torch_jit_deprecation(function: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``function`` with torch.func's internal "torch.jit.script is deprecated" warning hidden.

    The warning comes from inside torch (its first vmap/hessian call), says nothing about the
    learner's code, and would otherwise print a path of the installation in the lesson's output.
    """

    @functools.wraps(function)
    def quiet(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"`torch\.jit\.script` is deprecated", category=FutureWarning)
            return function(*args, **kwargs)

    return quiet


@_without_torch_jit_deprecation
def gauss_newton_diagonal(
    model: nn.Module,
    inputs: Tensor,
    targets: Tensor,
    head_loss: HeadLoss,
    *,
    split_at: str = "forward",
    probes: int | None = None,
    generator: torch.Generator | None = None,
    chunk_size: int = 100,
) -> dict[str, Tensor]:
    """The diagonal of the Gauss-Newton matrix, averaged over the samples: {parameter name: h >= 0}.

    The network is cut in two: the part with trainable parameters, ``model.<split_at>(x)`` (its
    outputs z_n; the whole ``forward`` by default), and a parameter-free ``head_loss(z, targets)``
    (per-sample mean) whose exact Hessian H_n = L_n L_n^T is kept. Then
    h = (1/N) sum_n diag(J_n^T H_n J_n), J_n = dz_n / dparameters; the second derivatives inside
    the cut (the squashing functions') are the ones Gauss-Newton leaves out.

    ``probes=None``: exact, one backward per column of L_n per sample. ``probes=k``: k random
    +-1 vectors v per sample (drawn from ``generator``) and the squares of J_n^T L_n v / sqrt(k),
    whose expectation is exactly the diagonal: an unbiased estimate at k backward passes a sample.
    The model is only read (no gradients are left on it).
    """
    if len(inputs) == 0 or len(inputs) != len(targets):
        raise SDLMError(
            f"gauss_newton_diagonal needs as many targets as inputs (>= 1); got {len(inputs)} and {len(targets)}"
        )
    if probes is not None and probes < 1:
        raise SDLMError(f"probes must be None (exact) or >= 1, got {probes!r}")
    body = model if split_at == "forward" else _Method(model, split_at)
    prefix = "" if split_at == "forward" else "model."
    params = {prefix + n: p.detach() for n, p in model.named_parameters() if p.requires_grad}
    frozen = {prefix + n: p.detach() for n, p in model.named_parameters() if not p.requires_grad}
    buffers = {prefix + n: b for n, b in model.named_buffers()}
    total = {n: torch.zeros_like(p) for n, p in params.items()}

    def output_of(ps: dict[str, Tensor], x: Tensor) -> Tensor:
        return functional_call(body, ({**ps, **frozen}, buffers), (x.unsqueeze(0),)).squeeze(0)

    def squared_pullbacks(x: Tensor, cotangents: Tensor) -> dict[str, Tensor]:
        out = vjp(lambda ps: output_of(ps, x), params)
        pull = out[1]
        (columns,) = vmap(pull)(cotangents)  # one backward per cotangent: [R, ...]
        return {n: g.pow(2).sum(0) for n, g in columns.items()}

    per_chunk = vmap(squared_pullbacks)
    for start in range(0, len(inputs), chunk_size):
        x, t = inputs[start : start + chunk_size], targets[start : start + chunk_size]
        with torch.no_grad():
            factor = head_curvature_factors(head_loss, body(x), t)  # [n, K, K]
        if probes is None:
            cotangents = factor.transpose(1, 2)  # [n, K columns, K]
        else:
            signs = torch.randint(0, 2, (len(x), factor.shape[2], probes), generator=generator)
            v = (signs.to(factor.dtype) * 2 - 1).to(factor.device) / probes**0.5
            cotangents = (factor @ v).transpose(1, 2)  # [n, probes, K]
        for n, h in per_chunk(x, cotangents).items():
            total[n] += h.sum(0)
    return {n[len(prefix) :]: h / len(inputs) for n, h in total.items()}


class SDLM(torch.optim.Optimizer):
    """w_k <- w_k - lr / (mu + h_kk) * dE/dw_k, with h_kk set by :meth:`set_curvature`.

    ``lr`` is the paper's global rate eta (change it per pass, e.g. with :func:`paper_rate`);
    ``mu`` the damping (:data:`PAPER_MU`). The curvature is held in each parameter's state as
    ``"hessian"`` and stays fixed until the next :meth:`set_curvature`; a step before the first one
    raises :class:`SDLMError`.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 0.0005, mu: float = PAPER_MU) -> None:
        if not lr > 0:
            raise SDLMError(f"lr (the global rate eta) must be > 0, got {lr!r}")
        if not mu > 0:
            raise SDLMError(f"mu must be > 0 (it keeps eta / (mu + h) finite where h is 0), got {mu!r}")
        super().__init__(params, {"lr": lr, "mu": mu})

    def set_curvature(self, hessians: Mapping[Tensor, Tensor]) -> None:
        """Set h for each parameter from ``{parameter: h}`` (every parameter of the optimizer)."""
        by_id = {id(p): h for p, h in hessians.items()}
        for group in self.param_groups:
            for p in group["params"]:
                if id(p) not in by_id:
                    raise SDLMError("set_curvature needs an estimate for every parameter the optimizer updates")
                h = by_id[id(p)]
                if h.shape != p.shape:
                    raise SDLMError(
                        f"a curvature estimate of shape {tuple(h.shape)} for a parameter of {tuple(p.shape)}"
                    )
                if bool((h < 0).any()):
                    raise SDLMError("a Gauss-Newton curvature estimate cannot be negative")
                self.state[p]["hessian"] = h.detach().to(p.device, p.dtype).clone()

    def effective_rates(self) -> list[Tensor]:
        """lr / (mu + h) for each parameter, in the optimizer's order (the paper quotes their range)."""
        rates = []
        for group in self.param_groups:
            for p in group["params"]:
                rates.append(group["lr"] / (group["mu"] + self._hessian(p)))
        return rates

    def _hessian(self, p: Tensor) -> Tensor:
        if "hessian" not in self.state[p]:
            raise SDLMError(
                "SDLM has no curvature estimate yet: call set_curvature (e.g. with estimate_curvature_) "
                "before the first step, as the paper estimates h_kk before each pass"
            )
        return self.state[p]["hessian"]

    @torch.no_grad()
    def step(self, closure: Callable[[], float] | None = None) -> float | None:  # type: ignore[override]
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                p.addcdiv_(p.grad, self._hessian(p) + group["mu"], value=-group["lr"])
        return loss


def estimate_curvature_(
    optimizer: SDLM,
    model: nn.Module,
    inputs: Tensor,
    targets: Tensor,
    head_loss: HeadLoss,
    **options,
) -> dict[str, Tensor]:
    """:func:`gauss_newton_diagonal` (``options`` go to it) handed to ``optimizer``: the paper's
    re-estimate of h_kk before a pass. Returns the estimate by parameter name."""
    hessians = gauss_newton_diagonal(model, inputs, targets, head_loss, **options)
    named = dict(model.named_parameters())
    optimizer.set_curvature({named[n]: h for n, h in hessians.items()})
    return hessians
