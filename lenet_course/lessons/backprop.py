"""Back-propagation written out by hand on a tiny network, to check against autograd.

The network is the 1986 kind: inputs -> sigmoid hidden layer -> sigmoid output, squared error,
learning XOR (the problem the PDP chapter "Learning internal representations by error propagation"
works through; the 1986 Nature paper's own examples are symmetry detection and family trees).
:func:`manual_gradients` applies the chain rule layer by layer, exactly as a learner would on
paper; :func:`autograd_gradients` asks PyTorch; :func:`numerical_gradients` perturbs each weight
(central differences). Three independent routes agreeing is the evidence that
back-propagation computes the true gradient. Everything runs in float64 so the finite
differences are accurate to about 1e-9.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

Params = dict[str, Tensor]
PARAM_NAMES: tuple[str, ...] = ("W1", "b1", "W2", "b2")


def xor_data() -> tuple[Tensor, Tensor]:
    """The four XOR patterns ``x [4, 2]`` and targets ``y [4, 1]`` (float64)."""
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0]], dtype=torch.float64)
    return x, y


def init_params(n_in: int = 2, n_hidden: int = 3, n_out: int = 1, *, seed: int = 0, scale: float = 1.0) -> Params:
    """Weights drawn from N(0, scale^2) with a fixed seed, biases zero (float64).

    Random, not constant, weights: with equal weights every hidden unit would get the same
    gradient and stay identical forever (the symmetry problem).
    """
    if min(n_in, n_hidden, n_out) < 1:
        raise ValueError(f"layer sizes must be >= 1, got {n_in}, {n_hidden}, {n_out}")
    g = torch.Generator().manual_seed(seed)
    return {
        "W1": torch.randn(n_in, n_hidden, generator=g, dtype=torch.float64) * scale,
        "b1": torch.zeros(n_hidden, dtype=torch.float64),
        "W2": torch.randn(n_hidden, n_out, generator=g, dtype=torch.float64) * scale,
        "b2": torch.zeros(n_out, dtype=torch.float64),
    }


def _check_params(params: Params) -> None:
    missing = [k for k in PARAM_NAMES if k not in params]
    if missing:
        raise KeyError(f"params lack {missing}; expected the keys {PARAM_NAMES}")


def forward(params: Params, x: Tensor) -> dict[str, Tensor]:
    """The forward pass, keeping every intermediate value the backward pass needs."""
    _check_params(params)
    z1 = x @ params["W1"] + params["b1"]  # [N, H]
    h = torch.sigmoid(z1)
    z2 = h @ params["W2"] + params["b2"]  # [N, O]
    y_hat = torch.sigmoid(z2)
    return {"x": x, "z1": z1, "h": h, "z2": z2, "y_hat": y_hat}


def loss(params: Params, x: Tensor, y: Tensor) -> Tensor:
    """Squared error ``0.5 * sum((y_hat - y)^2) / N``: the 1986 paper's error, averaged over patterns."""
    y_hat = forward(params, x)["y_hat"]
    if y_hat.shape != y.shape:
        raise ValueError(f"targets have shape {tuple(y.shape)}, the network outputs {tuple(y_hat.shape)}")
    return 0.5 * ((y_hat - y) ** 2).sum() / len(x)


def manual_gradients(params: Params, x: Tensor, y: Tensor) -> Params:
    """dLoss/dparameter for each parameter, by the chain rule, from the output back to the input.

    sigmoid'(z) = s (1 - s), so each step multiplies by a local derivative that the forward pass
    already computed; that reuse is what makes back-propagation cheap.
    """
    c = forward(params, x)
    n = len(x)
    d_yhat = (c["y_hat"] - y) / n  # dL/dy_hat
    d_z2 = d_yhat * c["y_hat"] * (1 - c["y_hat"])  # through the output sigmoid
    d_W2 = c["h"].T @ d_z2  # z2 = h W2 + b2
    d_b2 = d_z2.sum(0)
    d_h = d_z2 @ params["W2"].T  # back into the hidden layer
    d_z1 = d_h * c["h"] * (1 - c["h"])  # through the hidden sigmoid
    d_W1 = x.T @ d_z1
    d_b1 = d_z1.sum(0)
    return {"W1": d_W1, "b1": d_b1, "W2": d_W2, "b2": d_b2}


def autograd_gradients(params: Params, x: Tensor, y: Tensor) -> Params:
    """The same gradients from PyTorch's autograd (on detached copies: ``params`` is untouched).

    An extra entry the loss never reads gets a zero gradient, as :func:`numerical_gradients` finds.
    """
    _check_params(params)
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in params.items()}
    loss(leaves, x, y).backward()
    return {k: _grad_or_zeros(v) for k, v in leaves.items()}


def _grad_or_zeros(leaf: Tensor) -> Tensor:
    """``leaf.grad`` after backward; autograd leaves it None for a leaf the loss does not depend on."""
    return leaf.grad if leaf.grad is not None else torch.zeros_like(leaf)


def numerical_gradients(
    params: Params,
    x: Tensor,
    y: Tensor,
    eps: float = 1e-6,
    loss_fn: Callable[[Params, Tensor, Tensor], Tensor] = loss,
) -> Params:
    """Central differences ``(L(w + eps) - L(w - eps)) / (2 eps)``, one weight at a time.

    Slow (two forward passes per weight) and approximate, but it needs no calculus at all, which
    is why it is the referee for both other methods.
    """
    _check_params(params)
    if eps <= 0:
        raise ValueError(f"eps must be > 0, got {eps}")
    grads = {}
    for name, value in params.items():
        grad = torch.zeros_like(value)
        flat = grad.view(-1)
        for i in range(value.numel()):
            shifted = {k: v.clone() for k, v in params.items()}
            shifted[name].view(-1)[i] += eps
            up = loss_fn(shifted, x, y).item()
            shifted[name].view(-1)[i] -= 2 * eps
            down = loss_fn(shifted, x, y).item()
            flat[i] = (up - down) / (2 * eps)
        grads[name] = grad
    return grads


def max_abs_difference(a: Params, b: Params) -> float:
    """The largest entry-wise difference between two gradient dictionaries with the same keys."""
    if a.keys() != b.keys():
        raise KeyError(f"different parameters: {sorted(a)} vs {sorted(b)}")
    return max((a[k] - b[k]).abs().max().item() for k in a)


def train(params: Params, x: Tensor, y: Tensor, *, lr: float = 2.0, steps: int = 2000) -> tuple[Params, list[float]]:
    """Full-batch gradient descent with :func:`manual_gradients`; returns new params and the losses.

    ``params`` is not modified. The losses list has ``steps + 1`` entries (before each step and after
    the last one).
    """
    if steps < 0 or lr <= 0:
        raise ValueError(f"need steps >= 0 and lr > 0, got steps={steps}, lr={lr}")
    p = {k: v.clone() for k, v in params.items()}
    losses = []
    for _ in range(steps):
        losses.append(loss(p, x, y).item())
        grads = manual_gradients(p, x, y)
        for k in p:
            p[k] -= lr * grads[k]
    losses.append(loss(p, x, y).item())
    return p, losses
