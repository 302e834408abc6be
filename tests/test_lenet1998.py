"""The 1998 LeNet-5 (lenet_course.lenet1998): the paper's counts, input, init, RBF head and MAP loss."""

import math

import pytest
import torch
import torch.nn.functional as F

from lenet_course.config import SolverConfig
from lenet_course.data import TensorBatches, load_mnist
from lenet_course.lenet1998 import (
    BACKGROUND,
    DIGIT_BITMAPS,
    INK,
    PaperInputError,
    PaperLeNet5,
    bitmap_codes,
    build_paper_lenet5,
    layer_counts,
    map_loss,
    paper_input,
)
from lenet_course.models import C3_TABLE, count_parameters
from lenet_course.solver import Solver


def test_the_papers_parameter_and_connection_counts():
    model = build_paper_lenet5(seed=0)
    assert count_parameters(model) == 60_000
    counts = {r.name: (r.parameters, r.connections) for r in layer_counts(model)}
    assert counts == {
        "C1": (156, 122_304),
        "S2": (12, 5_880),
        "C3": (1_516, 151_600),
        "S4": (32, 2_000),
        "C5": (48_120, 48_120),
        "F6": (10_164, 10_164),
    }
    assert "output.centers" in dict(model.named_buffers())  # the bitmaps are fixed, not trained
    assert all("output" not in name for name, _ in model.named_parameters())


def test_paper_input_levels_and_padding():
    images = torch.zeros(2, 28, 28, dtype=torch.uint8)
    images[0, 10, 12] = 255
    x = paper_input(images)
    assert x.shape == (2, 1, 32, 32)
    assert torch.allclose(x[0, 0, 12, 14], torch.tensor(INK))
    assert torch.allclose(x[1], torch.full((1, 32, 32), BACKGROUND))
    assert torch.allclose(x[0, 0, :2], torch.full((2, 32), BACKGROUND))  # the 2-pixel border is background
    # the model's first module does the same from a course batch (pixels / 256)
    model = PaperLeNet5()
    assert torch.allclose(model.input(images.unsqueeze(1).float() / 256), x, atol=1e-6)
    assert torch.equal(model.input(x), x)  # a paper input passes unchanged
    with pytest.raises(PaperInputError, match="28, 28"):
        model(torch.zeros(1, 1, 20, 20))


def test_weights_start_within_the_papers_bounds():
    model = build_paper_lenet5(seed=3)
    assert torch.equal(model.c1.weight, build_paper_lenet5(seed=3).c1.weight)  # the seed decides
    bounds = {"c1": 2.4 / 25, "s2": 2.4 / 4, "s4": 2.4 / 4, "c5": 2.4 / 400, "f6": 2.4 / 120}
    for name, bound in bounds.items():
        values = torch.cat([p.detach().flatten() for p in getattr(model, name).parameters()]).abs()
        assert float(values.max()) <= bound and float(values.max()) > 0.8 * bound, name
    fan = torch.tensor([len(t) * 25 for t in C3_TABLE for _ in t], dtype=torch.float).view(-1, 1, 1)
    assert bool((model.c3.weight.abs() <= 2.4 / fan).all())


def test_bitmaps_are_distinct_plus_minus_one_codes():
    codes = bitmap_codes()
    assert codes.shape == (10, 84) and set(codes.unique().tolist()) == {-1.0, 1.0}
    hamming = (codes.unsqueeze(0) != codes.unsqueeze(1)).sum(-1) + torch.eye(10, dtype=torch.long) * 84
    assert int(hamming.min()) == 7 and int(hamming[3, 8]) == 7  # the closest pair, 3 and 8, differs in 7 pixels
    with pytest.raises(ValueError, match="12 rows of 7"):
        bitmap_codes((DIGIT_BITMAPS[0][:11],))


def test_penalties_scores_and_prediction():
    model = build_paper_lenet5(seed=0)
    x = paper_input(load_mnist("test")[0][:8])
    y = model.penalties(x)
    f = model.features(x)
    assert torch.allclose(y, ((f.unsqueeze(1) - bitmap_codes().unsqueeze(0)) ** 2).sum(-1), atol=1e-4)
    assert torch.allclose(model(x), -y)
    assert torch.equal(model.predict(x), y.argmin(1))
    # an F6 output equal to digit 3's bitmap has penalty 0 for 3 and is predicted as 3
    assert int(model.output(bitmap_codes()[3:4]).argmin()) == 3


def test_map_loss_is_the_papers_formula():
    penalties = torch.tensor([[1.0, 2.0, 3.0], [0.5, 4.0, 0.1]])
    targets = torch.tensor([0, 2])
    j = 1.5
    by_hand = [
        1.0 + math.log(math.exp(-j) + math.exp(-1.0) + math.exp(-2.0) + math.exp(-3.0)),
        0.1 + math.log(math.exp(-j) + math.exp(-0.5) + math.exp(-4.0) + math.exp(-0.1)),
    ]
    assert math.isclose(float(map_loss(-penalties, targets, j=j)), sum(by_hand) / 2, rel_tol=1e-6)
    assert math.isclose(float(map_loss(-penalties, targets, j=j, reduction="sum")), sum(by_hand), rel_tol=1e-6)
    big = map_loss(-torch.full((1, 10), 1000.0), torch.tensor([0]), j=900.0)  # no underflow to log(0)
    assert math.isclose(float(big), 1000.0 - 900.0 + math.log1p(10 * math.exp(-100.0)), rel_tol=1e-6)
    # with e^{-j} -> 0 it becomes softmax cross-entropy on -y
    assert torch.allclose(map_loss(-penalties, targets, j=200.0), F.cross_entropy(-penalties, targets))
    with pytest.raises(ValueError, match="positive"):
        map_loss(-penalties, targets, j=0.0)


def test_the_solver_trains_it_with_the_map_loss(tmp_path):
    images, labels = load_mnist("train")
    train = TensorBatches(scale="caffe", batch_size=16, seed=0, data=(images[:512], labels[:512]))
    test = TensorBatches(scale="caffe", batch_size=100, shuffle=False, data=(images[:200], labels[:200]))
    cfg = SolverConfig(
        base_lr=0.001,
        momentum=0.9,
        lr_policy="fixed",
        max_iter=40,
        test_interval=40,
        test_iter=2,
        display=0,
        snapshot=0,
        snapshot_after_train=False,
        snapshot_prefix=str(tmp_path / "s"),
        random_seed=0,
    )
    model = build_paper_lenet5(seed=0)
    solver = Solver(model, cfg, train, test, loss_fn=map_loss, log=None, progress=False)
    before = solver.test()
    history = solver.solve()
    x, y = images[:200].unsqueeze(1).float() / 256, labels[:200]
    with torch.no_grad():
        assert math.isclose(history.test_loss[-1], float(map_loss(model(x), y)), rel_tol=1e-4)
    assert history.test_loss[-1] < before.loss  # it learns
