"""Every lesson figure renders to PNG (Agg) and draws the data it was given."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest
import torch
from matplotlib import pyplot as plt

from lenet_course.lessons import backprop as bp
from lenet_course.lessons import figures as lp
from lenet_course.lessons.course import LESSONS
from lenet_course.lessons.history import EVENTS
from lenet_course.lessons.initialization import SCHEMES, ActivationStats, activation_stats, init_weights_
from lenet_course.models import C3_TABLE, CaffeLeNet


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    plt.close(fig)
    data = buf.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 1000
    return data


def test_lesson_map_draws_every_lesson_and_highlights_the_current_one():
    ax = lp.plot_lesson_map(LESSONS, current="03")
    texts = [t.get_text() for t in ax.texts]
    assert [lesson.name[:2] for lesson in LESSONS] == [t for t in texts if len(t) == 2]
    colours = [p.get_facecolor() for p in ax.patches]
    assert len(colours) == len(LESSONS) and sum(c != colours[0] for c in colours) == 1
    assert colours[3] != colours[0]
    _png(ax.figure)
    with pytest.raises(ValueError, match="no lessons"):
        lp.plot_lesson_map([])


def test_timeline_places_events_at_their_years():
    fig, ax = plt.subplots()
    assert lp.plot_timeline(EVENTS, ax=ax) is ax
    xs = sorted(t.get_position()[0] for t in ax.texts)
    assert xs == sorted(e.year for e in EVENTS) and len(xs) == len(EVENTS)
    assert any("LeNet-5" in t.get_text() for t in ax.texts)
    _png(fig)
    with pytest.raises(ValueError, match="no events"):
        lp.plot_timeline([])


def test_draw_timeline_places_every_event_with_its_detail():
    events = [(1998, "LeNet-5", "0.95% test error"), (1986, "Back-propagation", "Nature"), (1989, "ZIP codes", "")]
    ax = lp.draw_timeline(events)
    texts = [t.get_text() for t in ax.texts]
    assert [t.split("\n")[0] for t in texts] == ["1986", "1989", "1998"]
    assert "0.95% test error" in texts[2] and texts[1] == "1989\nZIP codes"
    np.testing.assert_array_equal(sorted(ax.collections[i].get_offsets()[0][0] for i in range(3)), [1986, 1989, 1998])
    _png(ax.figure)
    with pytest.raises(ValueError, match="at least one"):
        lp.draw_timeline([])


def test_plot_images_grid_titles_and_signed_colours():
    images = [torch.full((5, 5), float(i)) - 2 for i in range(5)]
    axes = lp.plot_images(images, [f"t{i}" for i in range(5)], ncols=3, signed=True)
    assert len(axes) == 5 and [a.get_title() for a in axes] == ["t0", "t1", "t2", "t3", "t4"]
    im = axes[0].images[0]
    assert im.get_clim() == (-2.0, 2.0) and im.get_cmap().name == "RdBu_r"
    assert len(axes[0].figure.axes) == 6 and not axes[0].figure.axes[5].axison  # the spare cell is blank
    _png(axes[0].figure)
    with pytest.raises(ValueError, match="2-D"):
        lp.plot_images([torch.zeros(2, 3, 3)])
    with pytest.raises(ValueError, match="titles"):
        lp.plot_images([torch.zeros(3, 3)], ["a", "b"])


def test_shared_colour_scale_spans_every_image_and_values_are_written_legibly():
    weak, strong = torch.full((4, 4), 0.25), torch.eye(4) * 4.0
    axes = lp.plot_images([weak, strong], ["weak", "strong"], shared=True, colorbar=True)
    assert axes[0].images[0].get_clim() == axes[1].images[0].get_clim() == (0.0, 4.0)
    assert len(axes[0].figure.axes) == 3  # two panels and one colour bar for both
    own = lp.plot_images([weak, strong])
    assert own[0].images[0].get_clim() != own[1].images[0].get_clim()  # each its own scale by default
    kernel = torch.tensor([[-2.0, 0.0], [0.5, 2.0]])
    (ax,) = lp.plot_images([kernel], signed=True, values=True)
    texts = {t.get_text(): t.get_color() for t in ax.texts}
    assert texts == {"-2": "white", "0": "black", "0.5": "black", "2": "white"}  # white on dark ends
    assert not lp.plot_images([torch.zeros(8, 8)], values=True)[0].texts  # too many cells to write
    _png(ax.figure)


def test_kernel_and_image_writes_the_weights():
    k = torch.tensor([[-1.0, 0.0, 1.0]] * 3)
    axes = lp.plot_kernel_and_image(torch.rand(8, 8), k, torch.rand(6, 6))
    assert len(axes) == 3
    assert sorted(t.get_text() for t in axes[1].texts) == sorted(["-1", "0", "1"] * 3)
    _png(axes[0].figure)


def test_gradient_check_plots_every_entry():
    x, y = bp.xor_data()
    p = bp.init_params(seed=0)
    manual = bp.manual_gradients(p, x, y)
    ax = lp.plot_gradient_check(manual, {"autograd": bp.autograd_gradients(p, x, y)})
    offsets = ax.collections[0].get_offsets()
    assert len(offsets) == 13
    assert np.allclose(offsets[:, 0], offsets[:, 1])  # on the diagonal
    assert "max diff" in ax.get_legend().get_texts()[0].get_text()
    _png(ax.figure)
    with pytest.raises(KeyError):
        lp.plot_gradient_check(manual, {"bad": {"W1": manual["W1"]}})


def test_parameter_counts_bars_and_labels():
    ax = lp.plot_parameter_counts({"dense": 197_376, "conv": 312})
    widths = sorted(b.get_width() for b in ax.patches)
    assert widths == [312, 197_376] and ax.get_xscale() == "log"
    assert {t.get_text().strip() for t in ax.texts} == {"197,376", "312"}
    _png(ax.figure)


def test_activation_stats_plot_lines_follow_the_data():
    x = torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    stats = {s: activation_stats(init_weights_(CaffeLeNet(), s, value=0.01), x) for s in SCHEMES}
    fig, axes = plt.subplots(1, 2)
    lp.plot_activation_stats(stats, ax=axes[0])
    assert len(axes[0].lines) == len(SCHEMES)
    assert np.allclose(axes[0].lines[0].get_ydata(), [r.std for r in stats[SCHEMES[0]]])
    assert axes[0].get_yscale() == "log"
    # an exact zero (no spread at all) cannot go on a log axis: the plot switches to symlog
    zero = {
        "a": [ActivationStats("conv1", "Conv2d", (1,), 0.0, 1.0, 0.0, 0.0)],
        "b": [ActivationStats("conv1", "Conv2d", (1,), 0.0, 1.0, 0.0, 0.5)],
    }
    lp.plot_activation_stats(zero, ax=axes[1], field="unit_spread")
    assert axes[1].get_yscale() == "symlog" and axes[1].get_ylim()[0] == 0
    _png(fig)
    with pytest.raises(ValueError, match="reports layers"):
        lp.plot_activation_stats({"a": zero["a"], "b": stats["xavier"]})


def test_class_balance_counts():
    labels = torch.tensor([0, 1, 1, 2, 2, 2])
    ax = lp.plot_class_balance(labels, classes=3)
    assert [b.get_height() for b in ax.patches] == [1, 2, 3]
    assert ax.lines[0].get_ydata()[0] == pytest.approx(2.0)
    _png(ax.figure)


def test_value_histograms_share_bins():
    ax = lp.plot_value_histograms({"a": torch.rand(500), "b": torch.rand(500) * 3 - 1})
    assert len(ax.get_legend().get_texts()) == 2
    _png(ax.figure)


def test_losses_and_connection_table():
    ax = lp.plot_losses([1.0, 0.5, 0.1])
    assert list(ax.lines[0].get_ydata()) == [1.0, 0.5, 0.1]
    _png(ax.figure)
    ax = lp.plot_connection_table(C3_TABLE, 6, groups=lp.C3_GROUPS)
    grid = ax.images[0].get_array()
    assert grid.shape == (6, 16) and grid.sum() == 60
    assert [int(grid[:, c].sum()) for c in range(16)] == [len(t) for t in C3_TABLE]
    labels = [t.get_text() for t in ax.texts if t.get_text()]  # the brackets are empty annotations
    assert len(labels) == 4 and labels[-1] == "all\n6"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["connected: a 5x5 kernel", "not connected"]
    _png(ax.figure)
    with pytest.raises(ValueError, match="inputs"):
        lp.plot_connection_table([(0, 7)], 6)
    with pytest.raises(ValueError, match="columns"):
        lp.plot_connection_table([(0,)], 6, groups=[("too far", 0, 3)])
