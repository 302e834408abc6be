"""Lesson 08 (generalisation): an augmentation, an early-stopping rule and a dropout layer, each run by the checker.

The three exercises are behaviour checks: the learner's code runs on inputs chosen here and is
compared with the library (:mod:`lenet_course.augment`, :mod:`lenet_course.generalisation`,
:class:`lenet_course.models.CaffeLeNet`); each usual slip gets its own message.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from ..augment import shift
from ..generalisation import should_stop
from ..models import CaffeLeNet
from ..runtime import seeded
from .core import Verdict, exercise, say


# ---- 08.random_shift ----------------------------------------------------------------------------
def _probe_images(n: int, seed: int) -> torch.Tensor:
    """Random pixels everywhere (the border too), so that every shift and every fill shows."""
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(seed)) + 0.1


def _which_shift(original: torch.Tensor, moved: torch.Tensor, max_shift: int) -> tuple[int, int] | None:
    """The (dx, dy) of a zero-filled whole-pixel shift that turns ``original`` into ``moved``, or None."""
    for dx in range(-max_shift, max_shift + 1):
        for dy in range(-max_shift, max_shift + 1):
            expected = shift(original[None], torch.tensor([dx]), torch.tensor([dy]))[0]
            if torch.allclose(moved.float(), expected, atol=1e-6):
                return dx, dy
    return None


def _is_a_roll(original: torch.Tensor, moved: torch.Tensor, max_shift: int) -> bool:
    rolls = range(-max_shift, max_shift + 1)
    return any(
        torch.allclose(moved.float(), torch.roll(original, (dy, dx), (-2, -1)), atol=1e-6)
        for dx in rolls
        for dy in rolls
    )


@exercise(
    "08.random_shift",
    "Write random_shift(images, max_shift, generator): move each image of a [N, 1, 28, 28] batch by its "
    "own whole number of pixels, dx and dy drawn independently and uniformly from -max_shift to +max_shift "
    "(both ends included) with the generator given, filling the uncovered border with 0. Return a new "
    "tensor of the same shape; leave the input unchanged.",
    (
        "Draw two integer tensors of N values each from the generator (torch.randint takes generator=), then "
        "move each image by its pair.",
        "torch.randint's upper bound is excluded: to include +max_shift, ask for max_shift + 1. torch.roll "
        "wraps pixels around instead of filling with 0.",
        "Pad every image by max_shift zeros on each side (F.pad), then for image k cut the 28x28 window "
        "whose top-left corner is (max_shift - dy[k], max_shift - dx[k]).",
    ),
)
def _random_shift(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("give the function itself: random_shift, without calling it.")
    images = _probe_images(200, seed=8)
    before = images.clone()
    state = torch.random.get_rng_state()
    out = answer(images, 2, torch.Generator().manual_seed(0))
    if not torch.equal(torch.random.get_rng_state(), state):
        return False, say("it drew from torch's global random stream: pass generator=generator to every draw.")
    if not torch.equal(images, before):
        return False, say("it changed the input batch: work on a copy (or build a new tensor).")
    if not isinstance(out, torch.Tensor) or tuple(out.shape) != tuple(images.shape):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        return False, say("it should return a tensor of shape {want}, got {got}.", want=tuple(images.shape), got=shape)
    shifts = []
    for k in range(len(images)):
        found = _which_shift(images[k], out[k], 2)
        if found is None:
            if _is_a_roll(images[k], out[k], 2):
                return False, say("image {k} wraps around (like torch.roll): the border must be filled with 0.", k=k)
            return False, say(
                "image {k} is not its input moved by whole pixels (at most {m} each way) with a zero border.", k=k, m=2
            )
        shifts.append(found)
    dxs, dys = {dx for dx, _ in shifts}, {dy for _, dy in shifts}
    if dxs != set(range(-2, 3)) or dys != set(range(-2, 3)):
        return False, say(
            "over {n} images the shifts used were dx in {dx}, dy in {dy}; every value from -2 to 2 should "
            "appear (is the upper end included? are negative shifts drawn?).",
            n=len(images),
            dx=sorted(dxs),
            dy=sorted(dys),
        )
    if all(dx == dy for dx, dy in shifts):
        return False, say("dx and dy are always equal: draw them independently.")
    same = answer(images, 0, torch.Generator().manual_seed(0))
    if not torch.allclose(same.float(), images):
        return False, say("with max_shift 0 every image must come back unchanged.")
    again = answer(images, 2, torch.Generator().manual_seed(0))
    if not torch.equal(again, out):
        return False, say("the same generator seed gave different shifts: draw only from the generator given.")
    return True, say("every image moved by a whole-pixel shift from -2 to 2 on each axis, zero filled, reproducibly.")


# ---- 08.early_stopping ----------------------------------------------------------------------------
#: (values, patience, why) with ``why`` a function, so that it is said in the learner's language when shown.
_STOP_CASES: tuple[tuple[tuple[float, ...], int, Callable[[], str]], ...] = (
    ((), 1, lambda: say("with no epochs yet there is nothing to stop.")),
    ((0.90,), 1, lambda: say("after one epoch its value is the best so far, and it is 0 epochs old.")),
    ((0.90, 0.91, 0.92, 0.93), 1, lambda: say("the accuracy improved at every epoch: nothing to stop.")),
    ((0.90, 0.95, 0.94), 1, lambda: say("the best (epoch 2) is 1 epoch old: with patience 1, stop.")),
    ((0.90, 0.95, 0.94), 2, lambda: say("the best is 1 epoch old: with patience 2, go on.")),
    (
        (0.90, 0.95, 0.93, 0.94),
        2,
        lambda: say("compare with the best so far, not with the previous epoch: 0.95 is 2 epochs old."),
    ),
    (
        (0.90, 0.95, 0.94, 0.95),
        2,
        lambda: say("an equal value is not an improvement: the first 0.95 stays the best, 2 epochs old."),
    ),
    ((0.95, 0.90), 2, lambda: say("the best is 1 epoch old; patience 2 waits for a second epoch without improvement.")),
    ((0.95, 0.90, 0.91), 2, lambda: say("the best is 2 epochs old: with patience 2, stop.")),
)


@exercise(
    "08.early_stopping",
    "Write should_stop(val_accuracies, patience): True once the best validation accuracy so far was reached "
    "patience or more epochs ago (a later equal value is no improvement), False otherwise (also for an empty "
    "list). val_accuracies holds one value per epoch, oldest first.",
    (
        "Find the epoch of the best value, then count how many epochs came after it.",
        "The index of the first maximum: a value only replaces the best when it is strictly larger. "
        "Epochs after it: len(val_accuracies) - 1 - that index.",
        "Loop over the values keeping best_index (update when value > val_accuracies[best_index]); "
        "return len(val_accuracies) - 1 - best_index >= patience, and False for an empty list.",
    ),
)
def _early_stopping(answer: Any) -> Verdict:
    if not callable(answer):
        return False, say("give the function itself: should_stop, without calling it.")
    for values, patience, why in _STOP_CASES:
        right = should_stop(list(values), patience)
        got = answer(list(values), patience)
        if bool(got) != right or not isinstance(got, (bool, torch.Tensor)) and got not in (0, 1):
            return False, say(
                "should_stop({values}, patience={patience}) gave {got}, expected {right}: {why}",
                values=list(values),
                patience=patience,
                got=got,
                right=right,
                why=why(),
            )
    g = torch.Generator().manual_seed(8)
    for _ in range(200):
        n = int(torch.randint(1, 15, (1,), generator=g))
        drawn = [round(float(v), 2) for v in torch.rand(n, generator=g) * 0.1 + 0.9]
        patience = int(torch.randint(1, 5, (1,), generator=g))
        if bool(answer(list(drawn), patience)) != should_stop(drawn, patience):
            return False, say(
                "should_stop({values}, patience={patience}) should be {right}.",
                values=drawn,
                patience=patience,
                right=should_stop(drawn, patience),
            )
    return True, say("it agrees with the library's rule on every case tried, ties and empty lists included.")


# ---- 08.dropout_caffe -----------------------------------------------------------------------------
@exercise(
    "08.dropout_caffe",
    "Write a class DropoutCaffeLeNet(nn.Module): Caffe's LeNet (same layer names conv1, pool1, conv2, pool2, "
    "ip1, relu1, ip2, so the same state_dict keys) with nn.Dropout(p=0.5) applied to the output of relu1, "
    "just before ip2. Give the class itself.",
    (
        "Dropout holds no parameters: it adds a module, not a key of the state_dict. Start from CaffeLeNet's "
        "forward in lenet_course/models.py.",
        "Subclass CaffeLeNet, add self.drop = nn.Dropout(0.5) in __init__ after super().__init__(), and "
        "rewrite forward.",
        "forward: conv1, pool1, conv2, pool2, flatten, relu1(ip1(x)), then self.drop(x), then ip2. nn.Dropout "
        "is active in train() mode and does nothing in eval() mode by itself.",
    ),
)
def _dropout_caffe(answer: Any) -> Verdict:
    if not isinstance(answer, type) or not issubclass(answer, nn.Module):
        return False, say("give the class itself (DropoutCaffeLeNet), an nn.Module subclass, not an instance.")
    with seeded(0):
        model = answer()
        reference = CaffeLeNet()
    mine, theirs = model.state_dict(), reference.state_dict()
    if set(mine) != set(theirs) or any(mine[k].shape != theirs[k].shape for k in theirs):
        return False, say(
            "its state_dict keys differ from CaffeLeNet's ({keys}): keep the layer names; dropout adds no parameters.",
            keys=", ".join(theirs),
        )
    drops = [m for m in model.modules() if isinstance(m, nn.Dropout)]
    if not drops:
        return False, say("no nn.Dropout module found: create it in __init__ (self.drop = nn.Dropout(0.5)).")
    if any(abs(m.p - 0.5) > 1e-12 for m in drops):
        return False, say("the dropout rate should be p=0.5, got {p}.", p=[m.p for m in drops])
    biases = torch.Generator().manual_seed(3)
    with torch.no_grad():  # non-zero biases, so that dropout's place shows in the output
        for name, value in reference.named_parameters():
            if name.endswith("bias"):
                value.uniform_(-0.5, 0.5, generator=biases)
    model.load_state_dict(reference.state_dict())
    x = torch.rand(16, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    model.eval()
    reference.eval()
    with torch.no_grad():
        if not torch.allclose(model(x), reference(x), atol=1e-5):
            return False, say(
                "in eval mode it should give exactly CaffeLeNet's outputs (dropout off), and it does not."
            )
        model.train()
        with seeded(2):
            first, second = model(x), model(x)
        if torch.allclose(first, second):
            return False, say("in train mode two passes gave the same output: is dropout applied in forward?")
        silent = copy.deepcopy(model)
        for m in silent.modules():
            if isinstance(m, nn.Dropout):
                m.p = 1.0
        only_bias = silent(x)
    if not torch.allclose(only_bias, reference.ip2.bias.expand_as(only_bias), atol=1e-6):
        return False, say("dropout is in the wrong place: it should act on relu1's output, right before ip2.")
    return True, say("same weights as CaffeLeNet, dropout 0.5 right before ip2, active only in train mode.")
