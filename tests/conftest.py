"""Shared test set-up: MNIST from ../shared/data when nothing else is configured, Agg plots."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parent.parent
_SHARED = REPO.parent / "shared" / "data"
if "LENET_COURSE_DATA" not in os.environ and (_SHARED / "MNIST" / "raw").is_dir():
    os.environ["LENET_COURSE_DATA"] = str(_SHARED)


@pytest.fixture(scope="session")
def mnist_root() -> Path:
    """The MNIST root the suite reads (never downloaded in tests)."""
    from lenet_course.data import data_root, ensure_mnist

    return ensure_mnist(data_root(), download=False)


@pytest.fixture(scope="session")
def mnist_train(mnist_root):
    from lenet_course.data import load_mnist

    return load_mnist("train", mnist_root, download=False)


@pytest.fixture(scope="session")
def mnist_test(mnist_root):
    from lenet_course.data import load_mnist

    return load_mnist("test", mnist_root, download=False)


@pytest.fixture(scope="session")
def small_train(mnist_train):
    """The first 2,048 training digits, for tests that train a few iterations."""
    images, labels = mnist_train
    return images[:2048], labels[:2048]


@pytest.fixture(scope="session")
def small_test(mnist_test):
    images, labels = mnist_test
    return images[:500], labels[:500]


@pytest.fixture(scope="module")
def tut2_model(tmp_path_factory):
    """A TutLeNet read back from a tut2-model.pt file, as the course ships it."""
    from widget_support import seeded_model

    from lenet_course.checkpoints import load_model, save_weights

    path = save_weights(seeded_model("tut"), tmp_path_factory.mktemp("weights") / "tut2-model.pt")
    return load_model(path, device="cpu")


@pytest.fixture(params=["caffe", "tut", "lenet5", "tut2-model.pt"])
def any_model(request, tut2_model):
    """Each of the course's models in turn, and the shipped model's file format."""
    from widget_support import seeded_model

    return tut2_model if request.param == "tut2-model.pt" else seeded_model(request.param)


@pytest.fixture(scope="session")
def playwright():
    """One Playwright for the whole run, shared by the browser suite and the site test.

    Playwright's sync API runs its own event loop in the calling thread: a second
    ``sync_playwright()`` started while the first is still open fails ("using Playwright Sync API
    inside the asyncio loop"), so every browser test takes its browser from this one.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p
