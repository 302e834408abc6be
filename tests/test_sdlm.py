"""SDLM (lenet_course.sdlm): a hand-computed step, the exact Gauss-Newton diagonal, the schedule."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lenet_course.runtime import seeded
from lenet_course.sdlm import (
    PAPER_MU,
    SDLM,
    SDLMError,
    estimate_curvature_,
    gauss_newton_diagonal,
    head_curvature_factors,
    paper_rate,
)


def half_squared_error(z, t):
    return 0.5 * (z - t).pow(2).sum(1).mean()


def tiny_linear():
    model = nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.5, -0.5]]))
        model.bias.fill_(0.1)
    return model


def test_one_step_matches_the_hand_computed_step():
    # y = 0.5 x1 - 0.5 x2 + 0.1 on x = (1, 2) and (3, -1), targets 1 and 0, E = mean of (y - t)^2 / 2.
    # y = -0.4 and 2.1, residuals -1.4 and 2.1: dE/dw = ((-1.4)(1, 2) + 2.1 (3, -1)) / 2 = (2.45, -2.45),
    # dE/db = 0.35. The output's curvature is 1, so h_w = mean x^2 = (5, 2.5) and h_b = 1.
    x, t = torch.tensor([[1.0, 2.0], [3.0, -1.0]]), torch.tensor([[1.0], [0.0]])
    model = tiny_linear()
    opt = SDLM(model.parameters(), lr=0.1, mu=0.02)
    h = estimate_curvature_(opt, model, x, t, half_squared_error)
    assert torch.allclose(h["weight"], torch.tensor([[5.0, 2.5]]))
    assert torch.allclose(h["bias"], torch.tensor([1.0]))
    half_squared_error(model(x), t).backward()
    assert torch.allclose(model.weight.grad, torch.tensor([[2.45, -2.45]]))
    opt.step()
    expected_w = torch.tensor([[0.5 - 0.1 / 5.02 * 2.45, -0.5 + 0.1 / 2.52 * 2.45]])
    assert torch.allclose(model.weight, expected_w, atol=1e-6)
    assert torch.allclose(model.bias, torch.tensor([0.1 - 0.1 / 1.02 * 0.35]), atol=1e-6)
    assert torch.allclose(opt.effective_rates()[0], torch.tensor([[0.1 / 5.02, 0.1 / 2.52]]))


def explicit_gauss_newton_diagonal(model, x, t, head):
    """(1/N) sum_n diag(J_n^T H_n J_n) from full Jacobians and Hessians: slow and plain."""
    params = [p for p in model.parameters()]
    total = [torch.zeros_like(p) for p in params]
    for n in range(len(x)):
        z = model(x[n : n + 1])[0]
        rows = [torch.autograd.grad(z[k], params, retain_graph=True) for k in range(len(z))]
        H = torch.autograd.functional.hessian(lambda zz, n=n: head(zz[None], t[n : n + 1]), z.detach())
        for i, p in enumerate(params):
            J = torch.stack([r[i].flatten() for r in rows])  # [K, P]
            total[i] += torch.einsum("ka,kl,la->a", J, H, J).view(p.shape)
    return [h / len(x) for h in total]


def small_net():
    with seeded(0):
        return nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))


def test_the_diagonal_is_the_exact_gauss_newton_one():
    model = small_net()
    g = torch.Generator().manual_seed(2)
    x, t = torch.randn(6, 4, generator=g), torch.tensor([0, 1, 2, 0, 1, 2])
    got = gauss_newton_diagonal(model, x, t, F.cross_entropy, chunk_size=4)
    want = explicit_gauss_newton_diagonal(model, x, t, F.cross_entropy)
    for (name, _), w in zip(model.named_parameters(), want):
        assert torch.allclose(got[name], w, rtol=1e-4, atol=1e-7), name
    assert all(p.grad is None for p in model.parameters())  # only read


def test_random_probes_are_unbiased():
    model = small_net()
    g0 = torch.Generator().manual_seed(3)
    x, t = torch.randn(40, 4, generator=g0), torch.randint(0, 3, (40,), generator=g0)
    exact = gauss_newton_diagonal(model, x, t, F.cross_entropy)
    g = torch.Generator().manual_seed(1)
    probed = gauss_newton_diagonal(model, x, t, F.cross_entropy, probes=400, generator=g)
    for name in exact:
        assert torch.allclose(probed[name], exact[name], rtol=0.15, atol=1e-4), name


def test_the_curvature_factor_gives_the_heads_hessian():
    z = torch.randn(3, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    t = torch.tensor([0, 3, 1])
    L = head_curvature_factors(F.cross_entropy, z, t)
    for n in range(3):
        H = torch.autograd.functional.hessian(lambda zz, n=n: F.cross_entropy(zz[None], t[n : n + 1]), z[n])
        assert torch.allclose(L[n] @ L[n].T, H, atol=1e-10)


def test_the_papers_schedule():
    rates = [paper_rate(i) for i in range(14)]
    assert rates == [0.0005] * 2 + [0.0002] * 3 + [0.0001] * 3 + [0.00005] * 4 + [0.00001] * 2
    assert PAPER_MU == 0.02
    with pytest.raises(SDLMError, match="from 0"):
        paper_rate(-1)


def test_misuse_is_refused_with_a_reason():
    model = tiny_linear()
    opt = SDLM(model.parameters())
    model(torch.ones(1, 2)).sum().backward()
    with pytest.raises(SDLMError, match="no curvature estimate"):
        opt.step()
    with pytest.raises(SDLMError, match="mu must be > 0"):
        SDLM(model.parameters(), mu=0.0)
    with pytest.raises(SDLMError, match="every parameter"):
        opt.set_curvature({model.weight: torch.ones(1, 2)})
    with pytest.raises(SDLMError, match="negative"):
        opt.set_curvature({model.weight: -torch.ones(1, 2), model.bias: torch.ones(1)})
