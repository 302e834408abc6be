"""Immediate feedback on the exercises at the end of each lesson.

A lesson's exercise cell reads ``check("02.output_size", answer)``; the result says "right", or
"not yet" with a hint aimed at the usual mistake (a forgotten bias, an off-by-one, /255 instead of
/256). Answers are checked against values the library computes, never against numbers typed in
here, so the exercises stay true if a model changes.

Each exercise is registered with :func:`exercise`; :func:`exercises_for` lists a lesson's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import torch

#: Returned by a checker: (correct?, message).
Verdict = tuple[bool, str]


@dataclass(frozen=True)
class Feedback:
    """The outcome of :func:`check`. Truthy when right; shows as one line of text in a notebook."""

    exercise: str
    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __str__(self) -> str:
        mark = "right" if self.correct else "not yet"
        return f"[{self.exercise}] {mark}: {self.message}"

    __repr__ = __str__


@dataclass(frozen=True)
class Exercise:
    """One exercise: its id (``"<lesson>.<name>"``), the question, and its checker."""

    id: str
    question: str
    hint: str
    checker: Callable[[Any], Verdict]

    @property
    def lesson(self) -> str:
        return self.id.split(".", 1)[0]


_REGISTRY: dict[str, Exercise] = {}


def exercise(exercise_id: str, question: str, hint: str) -> Callable[[Callable[[Any], Verdict]], Callable[[Any], Verdict]]:
    """Decorator registering ``checker(answer) -> (correct, message)`` under ``exercise_id``."""
    if "." not in exercise_id:
        raise ValueError(f"exercise ids look like '02.output_size', got {exercise_id!r}")

    def register(checker: Callable[[Any], Verdict]) -> Callable[[Any], Verdict]:
        if exercise_id in _REGISTRY:
            raise ValueError(f"exercise {exercise_id!r} is registered twice")
        _REGISTRY[exercise_id] = Exercise(exercise_id, question, hint, checker)
        return checker

    return register


def get_exercise(exercise_id: str) -> Exercise:
    try:
        return _REGISTRY[exercise_id]
    except KeyError:
        raise KeyError(f"no exercise {exercise_id!r}; known: {', '.join(sorted(_REGISTRY))}") from None


def exercises_for(lesson: str) -> list[Exercise]:
    """The exercises of one lesson (``"02"`` or ``"02_convolution_and_pooling"``), in lesson order."""
    prefix = lesson.split("_", 1)[0]
    return [e for e in _REGISTRY.values() if e.lesson == prefix]  # in the order the lesson asks them


def question(exercise_id: str) -> str:
    """The question text of an exercise."""
    return get_exercise(exercise_id).question


def check(exercise_id: str, answer: Any) -> Feedback:
    """Check ``answer``; ``None`` (the placeholder in the notebooks) means "not answered yet".

    A checker that raises (an answer of an unexpected kind) is reported as "not yet" with the
    error, so a learner never sees a traceback from the checking code itself.
    """
    ex = get_exercise(exercise_id)
    if answer is None or answer is Ellipsis:
        return Feedback(exercise_id, False, f"replace None with your answer. Hint: {ex.hint}")
    try:
        ok, message = ex.checker(answer)
    except Exception as err:  # a wrong kind of answer, e.g. a string where a function was asked
        ok, message = False, f"could not check this answer ({type(err).__name__}: {err})."
    if not ok:
        message = f"{message} Hint: {ex.hint}"
    return Feedback(exercise_id, bool(ok), message)


# --- helpers ---------------------------------------------------------------------------------

def _as_number(answer: Any) -> float:
    if isinstance(answer, torch.Tensor):
        if answer.numel() != 1:
            raise TypeError(f"expected one number, got a tensor of shape {tuple(answer.shape)}")
        answer = answer.item()
    if isinstance(answer, bool) or not isinstance(answer, (int, float)) and not hasattr(answer, "__float__"):
        raise TypeError(f"expected a number, got {type(answer).__name__} {answer!r}")
    return float(answer)


def _numeric(answer: Any, expected: float, mistakes: dict[float, str], rel: float = 1e-6) -> Verdict:
    """Right when close to ``expected``; a known wrong value gets its own hint."""
    value = _as_number(answer)
    if math.isclose(value, expected, rel_tol=rel, abs_tol=rel):
        return True, f"{value:.10g} is correct."
    for wrong, why in mistakes.items():
        if math.isclose(value, wrong, rel_tol=rel, abs_tol=rel):
            return False, f"{value:.10g} is a common slip: {why}"
    direction = "too large" if value > expected else "too small"
    return False, f"{value:.10g} is {direction}."


def _word(answer: Any, expected: set[str], mistakes: dict[str, str]) -> Verdict:
    if not isinstance(answer, str):
        raise TypeError(f"expected a word (a string), got {type(answer).__name__}")
    value = answer.strip().strip("$").strip().lower()
    if value in {e.lower() for e in expected}:
        return True, f"{answer.strip()!r} is correct."
    if value in mistakes:
        return False, mistakes[value]
    return False, f"{answer!r} is not it."


# --- 00 start here ----------------------------------------------------------------------------

@exercise("00.data_variable", "Which environment variable tells the course where MNIST is?",
          "lesson 00's environment check names it; it starts with LENET_COURSE_.")
def _data_variable(answer: Any) -> Verdict:
    from .data import ENV_VAR

    return _word(answer, {ENV_VAR}, {"lenet_course_budget": "that one chooses the compute budget, not the data."})


@exercise("00.ci_budget", "Which value of LENET_COURSE_BUDGET gives the short runs CI uses?",
          "lenet_course.budget.BUDGETS lists the two budgets.")
def _ci_budget(answer: Any) -> Verdict:
    return _word(answer, {"ci"}, {"full": "'full' is the default a learner gets; CI uses the short one."})


# --- 01 back-propagation ----------------------------------------------------------------------

@exercise("01.sigmoid_derivative", "Write d(z) returning the derivative of the sigmoid at z (a tensor).",
          "with s = torch.sigmoid(z), the derivative is s * (1 - s).")
def _sigmoid_derivative(answer: Any) -> Verdict:
    if not callable(answer):
        return False, "pass a function, e.g. def d(z): return ..., not its value."
    z = torch.linspace(-6, 6, 25, dtype=torch.float64)
    s = torch.sigmoid(z)
    result = answer(z.clone())
    if result is None:
        return False, "your function returns None: write the formula in its return line."
    got = torch.as_tensor(result, dtype=torch.float64)
    if got.shape != z.shape:
        return False, f"d(z) should return one value per entry of z ({tuple(z.shape)}), got {tuple(got.shape)}."
    if torch.allclose(got, s * (1 - s), atol=1e-9):
        return True, "d(z) matches s * (1 - s) everywhere: that is the local factor back-propagation multiplies by."
    if torch.allclose(got, s, atol=1e-9):
        return False, "that is the sigmoid itself, not its slope."
    if torch.allclose(got, z * (1 - z), atol=1e-9):
        return False, "apply the formula to s = sigmoid(z), not to z itself."
    worst = (got - s * (1 - s)).abs().argmax().item()
    return False, f"at z = {z[worst].item():.2f} you return {got[worst].item():.4f}, the slope is {(s * (1 - s))[worst].item():.4f}."


def _zip_counts():
    from .convolution import weight_sharing_counts

    return weight_sharing_counts((1, 16, 16), 12, 5, stride=2, padding=2)


@exercise("01.dense_parameters",
          "A fully connected layer maps a 16x16 image to 12 maps of 8x8 units, each unit with a bias. "
          "How many parameters does it have?",
          "every one of the 12*8*8 units has a weight for each of the 16*16 pixels, plus its bias.")
def _dense_parameters(answer: Any) -> Verdict:
    c = _zip_counts()
    units = 12 * 8 * 8
    return _numeric(answer, c.dense, {c.dense - units: "you forgot the biases, one per unit.",
                                      c.shared: "that is the convolutional layer; this one shares nothing."})


@exercise("01.shared_parameters",
          "The same layer as a convolution: one shared 5x5 kernel and one bias per map, 12 maps. "
          "How many parameters?",
          "12 kernels of 5*5 weights, plus 12 biases.")
def _shared_parameters(answer: Any) -> Verdict:
    c = _zip_counts()
    return _numeric(answer, c.shared, {c.shared - 12: "you forgot the 12 biases.",
                                       c.shared_unit_bias: "that gives every unit its own bias, as the 1989 "
                                                           "network did; here each map has one bias."})


# --- 02 convolution and pooling ---------------------------------------------------------------

@exercise("02.output_size",
          "A 28x28 digit goes through a 5x5 convolution (stride 1, no padding), then 2x2 max pooling "
          "with stride 2. What is the side length of the result?",
          "conv: 28 - 5 + 1; then pooling halves it.")
def _output_size(answer: Any) -> Verdict:
    from .convolution import conv_output_size, pool_output_size

    conv = conv_output_size(28, 5)
    return _numeric(answer, pool_output_size(conv, 2, 2),
                    {conv: "that is after the convolution; the pooling still halves it.",
                     23: "off by one: a 5-wide kernel fits 28 - 5 + 1 = 24 times.",
                     14: "the convolution shrinks 28 first, before the pooling halves it."})


@exercise("02.same_padding", "How much zero padding keeps a 28x28 input at 28x28 through a 5x5 convolution (stride 1)?",
          "the output is 28 + 2p - 5 + 1; solve for p.")
def _same_padding(answer: Any) -> Verdict:
    from .convolution import conv_output_size

    right = next(p for p in range(10) if conv_output_size(28, 5, 1, p) == 28)
    return _numeric(answer, right, {4: "4 in total, but padding is added on each side: half of it.",
                                    5: "padding by the kernel size grows the map; it is (k - 1) / 2."})


def _edge_probe() -> tuple[torch.Tensor, torch.Tensor]:
    """Two 8x8 test images: a horizontal edge (dark top, bright bottom) and a vertical one."""
    horizontal = torch.zeros(8, 8)
    horizontal[4:, :] = 1.0
    return horizontal, horizontal.T.contiguous()


@exercise("02.horizontal_kernel",
          "Make a 3x3 kernel (a tensor) that responds to horizontal edges but gives 0 on vertical edges "
          "and on flat areas.",
          "rows of different sign: e.g. negative on top, zero in the middle, positive at the bottom.")
def _horizontal_kernel(answer: Any) -> Verdict:
    import torch.nn.functional as F

    k = torch.as_tensor(answer, dtype=torch.float32)
    if k.shape != (3, 3):
        return False, f"the kernel must be 3x3, got shape {tuple(k.shape)}."
    horizontal, vertical = _edge_probe()
    on_h = F.conv2d(horizontal[None, None], k[None, None])[0, 0].abs().max().item()
    on_v = F.conv2d(vertical[None, None], k[None, None])[0, 0].abs().max().item()
    flat = abs(k.sum().item())
    if on_h < 1e-6:
        return False, "it gives 0 on the horizontal edge too."
    if flat > 1e-6 * max(1.0, on_h):
        return False, f"on a flat area it gives {k.sum().item():g} (the sum of its weights); make them sum to 0."
    if on_v > 1e-6 * max(1.0, on_h):
        return False, "it also responds to vertical edges: keep each row constant from left to right."
    return True, f"it fires on the horizontal edge (|response| up to {on_h:g}) and is 0 on the vertical one and on flat areas."


@exercise("02.pool_mode", "Which pooling, 'max' or 'avg', keeps a single bright pixel at full strength?",
          "a 2x2 window holding one pixel of 1.0 and three of 0.0: what does each pooling return?")
def _pool_mode(answer: Any) -> Verdict:
    return _word(answer, {"max"}, {"avg": "the average of 1, 0, 0, 0 is 0.25: it dims the pixel.",
                                   "average": "the average of 1, 0, 0, 0 is 0.25: it dims the pixel."})


# --- 03 the LeNet architecture -------------------------------------------------------------------

@exercise("03.conv2_parameters", "How many learnable parameters has CaffeLeNet's conv2 (20 -> 50 maps, 5x5)?",
          "each of the 50 filters has a 5x5 kernel for every one of the 20 input maps, plus a bias.")
def _conv2_parameters(answer: Any) -> Verdict:
    from .models import CaffeLeNet

    conv2 = CaffeLeNet().conv2
    right = sum(p.numel() for p in conv2.parameters())
    return _numeric(answer, right, {right - 50: "you forgot the 50 biases.",
                                    50 * 25 + 50: "each filter sees all 20 input maps, so it has 20 kernels."})


@exercise("03.ip1_inputs", "How many numbers enter CaffeLeNet's ip1 for one image?",
          "pool2 outputs 50 maps; work out their size from 28 through two 5x5 convs and two 2x2 pools.")
def _ip1_inputs(answer: Any) -> Verdict:
    from .models import CaffeLeNet

    right = CaffeLeNet().ip1.in_features
    return _numeric(answer, right, {50 * 5 * 5: "those are 5x5 maps (LeNet-5's padded 32x32 input); from 28 they are 4x4.",
                                    500: "500 is what ip1 outputs, not what it reads."})


@exercise("03.tut_fc1_parameters", "How many parameters has TutLeNet's fc_1 (256 -> 120)?",
          "a weight per (input, output) pair plus a bias per output.")
def _tut_fc1_parameters(answer: Any) -> Verdict:
    from .models import TutLeNet

    right = sum(p.numel() for p in TutLeNet().fc_1.parameters())
    return _numeric(answer, right, {256 * 120: "you forgot the 120 biases.", 256 * 120 + 256: "one bias per output, not per input."})


# --- 04 MNIST data --------------------------------------------------------------------------------

@exercise("04.caffe_white", "A white pixel (255) after Caffe's scale: 0.00390625. Which value does the network see?",
          "0.00390625 is 1/256, not 1/255.")
def _caffe_white(answer: Any) -> Verdict:
    from .data import CAFFE_SCALE

    return _numeric(answer, 255 * CAFFE_SCALE, {1.0: "that would be /255; Caffe multiplies by 1/256."}, rel=1e-9)


@exercise("04.meanstd_black", "A black pixel (0) after mean/std normalisation ((x/255 - 0.1307) / 0.3081): which value?",
          "x/255 is 0, so it is -mean/std.")
def _meanstd_black(answer: Any) -> Verdict:
    from .data import MEAN, STD

    return _numeric(answer, -MEAN / STD, {0.0: "normalisation shifts black below zero: (0 - mean) / std.",
                                          -MEAN: "divide by the std as well."}, rel=1e-3)


@exercise("04.batches_per_epoch", "How many full batches of 64 does one epoch of the 60,000 training images give?",
          "60,000 // 64: the last, partial batch is dropped.")
def _batches_per_epoch(answer: Any) -> Verdict:
    return _numeric(answer, 60_000 // 64, {-(-60_000 // 64): "that counts the last partial batch; training drops it.",
                                           60_000 / 64: "only whole batches count: round down."})


@exercise("04.test_iter", "With a test batch of 100, how many test iterations (Caffe's test_iter) cover the 10,000 test images?",
          "test_iter x batch size should be the whole test set.")
def _test_iter(answer: Any) -> Verdict:
    from .config import SolverConfig

    cfg = SolverConfig()
    return _numeric(answer, 10_000 // cfg.test_batch_size, {10_000: "that is the number of images, not batches."})


# --- 05-07: registered by their own module, imported here so that check() knows them ---------------
from . import exercises_training  # noqa: E402,F401  (it imports from this module, now fully defined)
