"""The course itself as data: the map of lessons and the environment check lesson 00 runs.

Kept in the library so that the map printed in lesson 00, the README table and the tests that
look for the notebooks all read the same list, and so that the environment check never prints a
path that exists only on one machine (it names ``$LENET_COURSE_DATA`` or a path inside the
course folder instead).
"""

from __future__ import annotations

import os
import platform
from importlib import metadata
from pathlib import Path
from typing import NamedTuple

from ..data import MNIST_FILES, MNISTCorruptError, MNISTNotFoundError, ensure_mnist
from ..paths import DATA_ENV_VAR, course_root, data_root
from .budget import current_budget
from .runner import read_times


class Lesson(NamedTuple):
    """One notebook of the course: its file stem, a title and what the learner does there."""

    name: str
    title: str
    what: str


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "00_start_here",
        "Start here",
        "how the course works (you write the key code; check, hint, solutions), the fit/val/test split, your set-up",
    ),
    Lesson(
        "01_backprop_history",
        "Back-propagation and history",
        "from reverse-mode differentiation (1970) to Caffe's LeNet; write the backward pass of a tiny net",
    ),
    Lesson(
        "02_convolution_and_pooling",
        "Convolution and pooling",
        "write the convolution and max-pool loops; edge kernels, output sizes, max vs average pooling",
    ),
    Lesson(
        "03_lenet_architecture",
        "The LeNet architecture",
        "write TutLeNet and CaffeLeNet as nn.Modules; parameter counts, LeNet-5's pieces, softmax and cross-entropy",
    ),
    Lesson(
        "04_mnist_data",
        "The MNIST data",
        "how MNIST was made; the fit/val/test split; 1/256 vs mean/std; write the scaling and an epoch's batches",
    ),
    Lesson(
        "05_learning_rate_policies",
        "Learning-rate policies",
        "Caffe's seven lr policies as code, live sliders, a solver.prototxt's defaults; a schedule for a val target",
    ),
    Lesson(
        "06_training_lenet",
        "Training LeNet",
        "write the training loop and Caffe's SGD step, then Solver; weight decay, curves on val, SGD vs Adam",
    ),
    Lesson(
        "07_inspecting_tut2_model",
        "Inspecting tut2-model.pt",
        "load tut2-model.pt safely; per-class accuracy, mistakes made visible, filters, feature maps, draw a digit",
    ),
    Lesson(
        "08_generalisation",
        "Generalisation",
        "overfit 1,000 digits on purpose; weight decay, augmentation, dropout, early stopping, each measured on val",
    ),
    Lesson(
        "09_comparison_lab",
        "The comparison lab",
        "six models x 3 seeds under one budget: parameters, multiply-adds, time, test error beside the 1998 paper",
    ),
    Lesson(
        "10_robustness_and_explanations",
        "Robustness and explanations",
        "shifts, rotations, calibration, occlusion, saliency and adversarial digits, on your own drawing too",
    ),
    Lesson(
        "11_zipcode_1989",
        "The 1989 ZIP-code network",
        "the 1989 network as published: 1,256 units, 64,660 connections, 9,760 weights counted; MSE, per-pattern SGD",
    ),
    Lesson(
        "12_lenet5_1998",
        "LeNet-5 as in 1998",
        "the paper's LeNet-5: 32x32 input, fixed 7x12 RBF bitmaps, MAP loss and SDLM written; against its 0.95%",
    ),
    Lesson(
        "13_capstone",
        "Capstone",
        "a LeNet under 50,000 parameters, >= 99.3% test in 1,200 CPU-seconds; your recipe sees fit/val only",
    ),
    Lesson(
        "A1_scaling_out",
        "Scaling out (appendix)",
        "data-parallel training with torch.distributed: all-reduce by hand, DDP, large batches, timing",
    ),
)


def measured_times() -> dict[str, float]:
    """Wall seconds of each English lesson run top to bottom on the full budget, as last measured.

    Written by ``scripts/run_lessons.py`` (:mod:`lenet_course.lessons.runner`) into
    ``notebooks/results/lesson_times.json`` beside the lessons, with the machine it ran on.
    """
    seconds = read_times()["seconds"]
    return {name: float(s) for name, s in seconds.items() if "/" not in name}


def measured_on() -> str:
    """The machine and date of :func:`measured_times`."""
    data = read_times()
    return f"{data.get('machine', 'an unnamed machine')}, {data.get('date', 'undated')}"


def expected_times(device: str) -> str:
    """What the lesson times mean on ``device`` ("cpu", "cuda", "mps"), from :func:`measured_times`."""
    times = measured_times()
    if not times:
        return f"your device is {device}; no lesson times have been measured for this copy of the course."
    total = sum(times.values())
    longest = max(times, key=times.__getitem__)
    measured = (
        f"the whole course ran in {total / 60:.1f} minutes, the longest lesson ({longest}) in "
        f"{times[longest] / 60:.1f}, measured on {measured_on()}"
    )
    if device == "cpu":
        return f"your device is the CPU; {measured}. A CPU with fewer or slower cores takes longer."
    return (
        f"your device is {device}; {measured}. Training runs on {device} here, so the lessons that train "
        "(06, 08, 09, 12 and 13 above all) should take less; the others are about the same."
    )


#: Packages whose versions the environment check reports.
PACKAGES: tuple[str, ...] = ("torch", "torchvision", "numpy", "matplotlib", "ipywidgets", "jupyterlab")


def lesson_map() -> str:
    """The lessons as an aligned text table, one line each."""
    width = max(len(lesson.name) for lesson in LESSONS)
    return "\n".join(f"{lesson.name:<{width}}  {lesson.what}" for lesson in LESSONS)


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed version of each package (``"not installed"`` when missing), plus Python's."""
    versions = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def describe_data_location(root: str | os.PathLike | None = None) -> str:
    """Where MNIST is looked for, written without any machine-specific absolute path.

    A folder named by ``$LENET_COURSE_DATA`` is shown as ``$LENET_COURSE_DATA/MNIST/raw``; the
    default is shown relative to the course folder; anything else only by its last parts.
    """
    base = data_root(root).resolve()
    env = os.environ.get(DATA_ENV_VAR)
    if root is None and env and Path(env).expanduser().resolve() == base:
        return f"${DATA_ENV_VAR}/MNIST/raw"
    course = course_root()
    if course is not None and base.is_relative_to(course.resolve()):
        return (base / "MNIST" / "raw").relative_to(course.resolve()).as_posix()
    return f".../{base.name}/MNIST/raw"


def mnist_status(root: str | os.PathLike | None = None) -> str:
    """``"ok"`` when the four files are present with the right md5, else what is wrong (no download)."""
    try:
        ensure_mnist(root, download=False)
    except MNISTNotFoundError:
        return f"missing: put the {len(MNIST_FILES)} files in {describe_data_location(root)} or set ${DATA_ENV_VAR}"
    except MNISTCorruptError:
        return "corrupt: a file has the wrong md5; delete it and fetch it again"
    return "ok"


def environment_report(root: str | os.PathLike | None = None) -> dict[str, str]:
    """Everything lesson 00 checks, as strings: versions, device, MNIST location and status, budget."""
    import torch

    report = package_versions()
    if torch.cuda.is_available():
        report["device"] = f"cuda ({torch.cuda.get_device_name(0)})"
    else:
        report["device"] = "cpu"
    report["MNIST location"] = describe_data_location(root)
    report["MNIST files"] = mnist_status(root)
    report["budget"] = current_budget()
    return report


def format_report(report: dict[str, str]) -> str:
    """A report dictionary as aligned ``key : value`` lines."""
    width = max(len(k) for k in report)
    return "\n".join(f"{key:<{width}} : {value}" for key, value in report.items())
