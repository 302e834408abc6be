"""Helpers shared by the widget tests (tests/test_widgets.py, tests/test_widgets_drawing.py)."""

from __future__ import annotations

import base64

from torch import nn

from lenet_course.data import TensorBatches
from lenet_course.models import build_model
from lenet_course.runtime import seeded

PNG = b"\x89PNG\r\n\x1a\n"


def seeded_model(arch: str) -> nn.Module:
    """A fresh model whose weights depend on nothing but the architecture (seed 0)."""
    with seeded(0):
        return build_model(arch)


def small_batches(model, small_train, small_test, test_count: int = 100) -> tuple[TensorBatches, TensorBatches]:
    """Small batches of the session's MNIST subsets: the CPU is shared, the tests must stay quick."""
    scale = model.input_scale
    train = TensorBatches(data=small_train, scale=scale, batch_size=16, seed=1, device="cpu")
    test = TensorBatches(
        data=(small_test[0][:test_count], small_test[1][:test_count]),
        scale=scale,
        batch_size=100,
        shuffle=False,
        device="cpu",
    )
    return train, test


def first_line(panel):
    """The y values of the first curve a panel has drawn."""
    return panel.ax.get_lines()[0].get_ydata()


def static_png(panel) -> bytes:
    """The PNG a panel offers a viewer without a kernel, checked to be the panel's own picture."""
    bundle = panel._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "live panel" in bundle["text/plain"] and "VBox" not in bundle["text/plain"]
    png = base64.b64decode(bundle["image/png"])
    assert png.startswith(PNG) and png == panel.view.png
    return png
