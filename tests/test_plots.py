"""viz.plotdata by value, and every viz.plots function drawn to PNG for each of the three LeNets."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest
import torch
import torch.nn.functional as F

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from lenet_course import features  # noqa: E402
from lenet_course.config import SolverConfig  # noqa: E402
from lenet_course.data import TensorBatches  # noqa: E402
from lenet_course.evaluate import evaluate  # noqa: E402
from lenet_course.models import build_model  # noqa: E402
from lenet_course.schedules import lr_curve  # noqa: E402
from lenet_course.solver import History  # noqa: E402
from lenet_course.viz import axes as viz_axes  # noqa: E402
from lenet_course.viz import plotdata, plots  # noqa: E402

ARCHS = ("caffe", "tut", "lenet5")
PNG = b"\x89PNG\r\n\x1a\n"


def png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=50)
    plt.close(fig)
    data = buffer.getvalue()
    assert data.startswith(PNG) and len(data) > 2000
    return data


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ---- plotdata -----------------------------------------------------------------------------------
def test_to_numpy_takes_tensors_with_gradients_lists_and_arrays():
    w = torch.ones(2, 3, requires_grad=True) * 2
    out = plotdata.to_numpy(w)
    assert isinstance(out, np.ndarray) and out.shape == (2, 3) and (out == 2).all()
    assert plotdata.to_numpy([1, 2]).tolist() == [1, 2]
    a = np.zeros(3)
    assert plotdata.to_numpy(a) is a


def test_as_tiles_keeps_maps_and_wraps_vectors_into_a_nan_padded_square():
    maps = np.arange(2 * 3 * 4, dtype=float).reshape(1, 2, 3, 4)
    np.testing.assert_array_equal(plotdata.as_tiles(maps), maps[0])  # batch dimension dropped
    tiles = plotdata.as_tiles(np.arange(10.0))  # 10 units -> one 3x4 tile, the last 2 NaN
    assert tiles.shape == (1, 3, 4)
    np.testing.assert_array_equal(tiles.ravel()[:10], np.arange(10.0))
    assert np.isnan(tiles.ravel()[10:]).all()
    assert plotdata.as_tiles(np.ones((1, 5, 1, 1))).shape == (1, 2, 3)  # 1x1 maps are a vector: 5 units in 2 rows of 3


def test_new_axes_and_new_figure_reuse_what_they_are_given():
    fig, ax = plt.subplots()
    assert viz_axes.new_axes(ax, (3, 2)) is ax
    made = viz_axes.new_axes(None, (3, 2))
    assert made is not ax and tuple(made.figure.get_size_inches()) == (3, 2)
    fig.add_subplot(2, 1, 2)
    assert viz_axes.new_figure(fig, (3, 2)) is fig and not fig.axes  # cleared before reuse
    assert tuple(viz_axes.new_figure(None, (4, 1)).get_size_inches()) == (4, 1)


def test_smooth_is_a_trailing_mean_that_skips_nan():
    np.testing.assert_allclose(plotdata.smooth(np.array([1.0, 3, 5, 7]), 2), [1, 2, 4, 6])
    np.testing.assert_allclose(plotdata.smooth(np.array([1.0, np.nan, 5]), 2), [1, 1, 5])
    out = plotdata.smooth(np.array([np.nan, np.nan, 2.0]), 1)
    assert np.isnan(out[:2]).all() and out[2] == 2
    with pytest.raises(ValueError, match="window"):
        plotdata.smooth(np.ones(3), 0)
    assert plotdata.default_window(10) == 1 and plotdata.default_window(400) == 20
    assert plotdata.default_window(10**6) == 100


def test_histogram_counts_finite_values():
    counts, edges = plotdata.histogram(np.array([0.0, 1, 1, 2, np.inf]), bins=2)
    np.testing.assert_array_equal(counts, [1, 3])
    np.testing.assert_allclose(edges, [0, 1, 2])
    counts, edges = plotdata.histogram(np.full(5, 3.0), bins=1)
    assert counts.tolist() == [5] and edges.tolist() == [2.5, 3.5]


def test_grid_mosaic_and_kernel_mosaic_shapes():
    assert plotdata.grid_shape(20) == (4, 5)
    assert plotdata.grid_shape(20, 8) == (3, 8)
    assert plotdata.grid_shape(3, 8) == (1, 3)
    tiles = np.arange(2 * 3 * 3, dtype=float).reshape(2, 3, 3)
    m = plotdata.mosaic(tiles, cols=2)
    assert m.shape == (3, 7)
    assert np.isnan(m[:, 3]).all()
    np.testing.assert_array_equal(m[:, 4:], tiles[1])
    assert plotdata.kernel_mosaic(np.zeros((20, 1, 5, 5))).shape == (4 * 6 - 1, 5 * 6 - 1)
    assert plotdata.kernel_mosaic(np.zeros((50, 20, 5, 5)), max_out=10).shape == (10 * 6 - 1, 20 * 6 - 1)


def test_normalisations_and_marks():
    np.testing.assert_allclose(plotdata.normalise_rows(np.array([[1, 3], [0, 0]])), [[0.25, 0.75], [0, 0]])
    maps = np.stack([np.array([[0.0, 2], [4, 4]]), np.full((2, 2), 7.0)])
    np.testing.assert_allclose(plotdata.normalise_each(maps), [[[0, 0.5], [1, 1]], np.zeros((2, 2))])
    np.testing.assert_array_equal(plotdata.marks(500, 2000), [500, 1000, 1500, 2000])
    assert plotdata.marks(0, 2000).size == 0
    assert plotdata.symmetric_limit(np.array([-3.0, 2, np.nan])) == 3.0


# ---- plots that need no model ---------------------------------------------------------------------
def test_lr_schedules_draw_lr_curve_with_marks_and_log_scale():
    cfgs = {"inv": SolverConfig(), "step": SolverConfig().with_policy("step", gamma=0.5, stepsize=2000)}
    ax = plots.plot_lr_schedules(cfgs, log_scale=True)
    lines = [line for line in ax.get_lines() if line.get_label() in cfgs]
    assert [line.get_label() for line in lines] == ["inv", "step"]
    for line, cfg in zip(lines, cfgs.values()):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(10001))
        np.testing.assert_allclose(line.get_ydata(), lr_curve(np.arange(10001), cfg))
    vertical = [
        line for line in ax.get_lines() if len(line.get_xdata()) == 2 and line.get_xdata()[0] == line.get_xdata()[1]
    ]
    assert len(vertical) == 20 + 2  # test every 500, snapshot every 5000
    assert ax.get_yscale() == "log"
    png(ax.figure)


def test_single_schedule_is_labelled_with_its_parameters():
    ax = plots.plot_lr_schedules(SolverConfig(), max_iter=300, show_marks=False)
    assert ax.get_lines()[0].get_label() == "inv (base_lr=0.01, gamma=0.0001, power=0.75)"
    assert len(ax.get_lines()) == 1 and len(ax.get_lines()[0].get_xdata()) == 301


def test_training_curves_draw_history():
    it = np.arange(50)
    h = History(
        it, np.linspace(2.3, 0.3, 50), np.full(50, 0.01), np.array([0, 25]), np.array([2.3, 0.5]), np.array([0.1, 0.8])
    )
    axes = plots.plot_training_curves(h, window=5, show_lr=True)
    raw, smoothed = axes.loss.get_lines()
    np.testing.assert_allclose(raw.get_ydata(), h.loss)
    np.testing.assert_allclose(smoothed.get_ydata(), plotdata.smooth(h.loss, 5))
    np.testing.assert_allclose(axes.accuracy.get_lines()[0].get_ydata(), [0.1, 0.8])
    np.testing.assert_allclose(axes.lr.get_lines()[0].get_ydata(), h.lr)
    assert "80.0%" in axes.loss.get_title()
    png(axes.loss.figure)
    empty = plots.plot_training_curves(History())
    assert empty.lr is None and "no iterations yet" in [t.get_text() for t in empty.loss.texts]
    png(empty.loss.figure)


def test_digit_grid_marks_wrong_predictions_in_red(small_test):
    images, labels = small_test[0][:10].numpy(), small_test[1][:10].numpy()
    predictions = labels.copy()
    predictions[3] = (labels[3] + 1) % 10
    axes = plots.plot_digits(images, labels, predictions, cols=5)
    assert len(axes) == 10
    assert axes[3].get_title() == f"{labels[3]} -> {predictions[3]}"
    assert to_hex(axes[3].title.get_color()) == plots.WRONG
    assert to_hex(axes[0].title.get_color()) == plots.RIGHT
    np.testing.assert_array_equal(axes[0].images[0].get_array(), images[0])
    png(axes[0].figure)


# ---- plots of each model --------------------------------------------------------------------------
@pytest.fixture(scope="module", params=ARCHS)
def inspected(request, small_train, small_test):
    """A seeded model after a few SGD steps, its evaluation on 300 test digits, and its gradients."""
    torch.manual_seed(0)
    model = build_model(request.param)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    train = TensorBatches(data=small_train, scale=model.input_scale, batch_size=64, device="cpu")
    for _ in range(3):
        x, y = train.next_batch()
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    images, labels = small_test[0][:300], small_test[1][:300]
    test = TensorBatches(data=(images, labels), scale=model.input_scale, shuffle=False, device="cpu")
    return model, evaluate(model, test), images.numpy()


def test_filters_of_every_conv_layer(inspected):
    model = inspected[0]
    for layer in features.layer_roles(model).conv:
        w = features.filters(model, layer)
        ax = plots.plot_filters(w, max_out=16)
        shown = ax.images[0].get_array()
        assert shown.shape == plotdata.kernel_mosaic(w, max_out=16).shape
        lo, hi = ax.images[0].get_clim()
        assert lo == -hi and hi == pytest.approx(np.abs(w[:16]).max())
        png(ax.figure)


def test_feature_maps_layer_by_layer(inspected):
    model, _, images = inspected
    maps = features.first_image_maps(features.feature_maps(model, features.model_input(model, images[:1])))
    axes = plots.plot_feature_maps(maps, images[0])
    assert len(axes) == 4
    for ax, (name, m) in zip(axes, maps.items()):
        assert ax.get_title(loc="left") == f"{name}: {m.shape[0]} maps {m.shape[1]}x{m.shape[2]}"
        tiles = ax.images[0].get_array()
        assert np.nanmin(tiles) >= 0 and np.nanmax(tiles) <= 1
    png(axes[0].figure)


def test_evaluation_plots(inspected):
    _, result, images = inspected
    cm = result.confusion_matrix()
    ax = plots.plot_confusion_matrix(cm)
    assert [t.get_text() for t in ax.texts][:10] == [str(v) for v in cm[0]]
    png(ax.figure)
    ax = plots.plot_confusion_matrix(cm, normalise=True)
    np.testing.assert_allclose(ax.images[0].get_array(), plotdata.normalise_rows(cm))
    png(ax.figure)
    ax = plots.plot_per_class_accuracy(result.per_class_accuracy, overall=result.accuracy)
    np.testing.assert_allclose([b.get_height() for b in ax.patches], result.per_class_accuracy)
    png(ax.figure)
    axes = plots.plot_confident_mistakes(result, images, k=8)
    worst = result.confident_mistakes(8)
    assert len(axes) == len(worst)
    if len(worst):
        first = worst[0]
        assert axes[0].get_title().startswith(f"{result.labels[first]}->{result.predictions[first]}")
    png(axes[0].figure)
    ax = plots.plot_probabilities(result.probabilities[0], label=int(result.labels[0]))
    np.testing.assert_allclose([b.get_height() for b in ax.patches], result.probabilities[0], rtol=1e-6)
    png(ax.figure)


def test_weight_and_gradient_histograms(inspected):
    model = inspected[0]
    for kind in ("weight", "grad"):
        values = features.parameter_values(model, kind)
        axes = plots.plot_histograms(values, kind=kind, log=kind == "grad")
        assert [ax.get_title().split()[0] for ax in axes] == list(values)
        counts = axes[0].patches[0].get_data()[0]
        assert counts.sum() == values[next(iter(values))].size
        png(axes[0].figure)


def test_embedding_scatter_coloured_by_class(inspected):
    model, result, images = inspected
    emb = features.embeddings(model, features.model_input(model, images))
    proj = features.pca_2d(emb)
    ax = plots.plot_embedding(proj.points, result.labels, explained=proj.explained_variance_ratio)
    classes = np.unique(result.labels)
    assert len(ax.collections) == len(classes)
    for c, collection in zip(classes, ax.collections):
        np.testing.assert_allclose(collection.get_offsets(), proj.points[result.labels == c])
    assert "of variance" in ax.get_xlabel()
    png(ax.figure)


def test_prediction_panel(inspected):
    model, result, images = inspected
    layer = features.layer_roles(model).visual[0]
    maps = features.first_image_maps(features.feature_maps(model, features.model_input(model, images[:1]), [layer]))
    axes = plots.plot_prediction(images[0], result.probabilities[0], maps[layer], layer, label=int(result.labels[0]))
    assert set(axes) == {"image", "probabilities", "maps"}
    assert axes["maps"].get_title(loc="left").startswith(f"{layer}: {maps[layer].shape[0]} maps")
    png(axes["image"].figure)


def test_single_panel_plots_draw_on_the_axes_they_are_given(inspected):
    model, result, _ = inspected
    fig, axes = plt.subplots(2, 4)
    ax = iter(axes.ravel())
    calls = [
        lambda a: plots.plot_lr_schedules(SolverConfig(), max_iter=100, ax=a),
        lambda a: plots.plot_filters(features.filters(model, features.layer_roles(model).conv[0]), ax=a),
        lambda a: plots.plot_layer_maps(np.random.rand(4, 5, 5), ax=a),
        lambda a: plots.plot_confusion_matrix(result.confusion_matrix(), ax=a),
        lambda a: plots.plot_per_class_accuracy(result.per_class_accuracy, ax=a),
        lambda a: plots.plot_probabilities(result.probabilities[0], ax=a),
        lambda a: plots.plot_embedding(np.random.rand(20, 2), np.arange(20) % 10, ax=a),
        lambda a: plots.plot_training_curves(History(), ax=a).loss,
    ]
    for call in calls:
        given = next(ax)
        assert call(given) is given
    png(fig)


# ---- what the lessons need to read: mistakes visible, accuracy capped, weights legible ---------------


def test_off_diagonal_and_accuracy_floor_by_value():
    m = plotdata.off_diagonal([[5, 1], [2, 7]])
    assert np.isnan(m[0, 0]) and np.isnan(m[1, 1]) and (m[0, 1], m[1, 0]) == (1.0, 2.0)
    with pytest.raises(ValueError, match="square"):
        plotdata.off_diagonal(np.zeros((2, 3)))
    # the worst class is 98.3%: start as far below it again (1.7 points), rounded down to a point
    assert plotdata.accuracy_floor(np.array([0.983, 0.996])) == pytest.approx(0.96)
    assert plotdata.accuracy_floor(np.array([0.999])) == pytest.approx(0.98)  # at least one point of room
    assert plotdata.accuracy_floor(np.array([0.3, 0.9])) == 0.0  # a poor model: the whole axis
    assert plotdata.accuracy_floor(np.array([])) == 0.0


def test_masked_confusion_matrix_puts_the_colour_scale_on_the_mistakes():
    cm = np.array([[980, 2, 7], [1, 1100, 0], [4, 0, 990]])
    ax = plots.plot_confusion_matrix(cm, mask_diagonal=True)
    shown = ax.images[0].get_array()
    assert shown.mask[0, 0] and shown.mask[1, 1] and not shown.mask[0, 2]
    assert ax.images[0].get_clim() == (0, 7)  # the largest mistake, not the 1100 right answers
    assert [t.get_text() for t in ax.texts][:3] == ["980", "2", "7"]  # the diagonal's counts still written
    assert "greyed out" in ax.get_title()
    png(ax.figure)


def test_per_class_accuracy_axis_ends_at_one_with_the_values_inside_the_bars():
    acc = np.array([0.996, 0.983, 1.0])
    ax = plots.plot_per_class_accuracy(acc, overall=0.99)
    assert ax.get_ylim() == pytest.approx((0.96, 1.0))
    labels = [t for t in ax.texts if t.get_text().endswith("%")]
    assert [t.get_text() for t in labels] == ["99.6%", "98.3%", "100.0%"]
    assert all(t.get_position()[1] < 1.0 for t in labels)  # inside the axis, below the cap
    png(ax.figure)


def test_filters_can_write_every_weight_and_number_the_kernels():
    w = np.arange(2 * 1 * 3 * 3, dtype=np.float64).reshape(2, 1, 3, 3) / 20 - 0.4
    ax = plots.plot_filters(w, numbers=True, cols=2)
    texts = [t.get_text() for t in ax.texts]
    assert texts[:3] == ["-.40", "-.35", "-.30"] and len(texts) == 18 + 2  # 18 weights, 2 kernel numbers
    assert texts[-2:] == ["0", "1"]
    png(ax.figure)


def test_milestones_one_row_per_event_in_year_order():
    events = [(1998, "LeNet-5", "x"), (1980, "Neocognitron", "y"), (1989, "ZIP codes", "z")]
    ax = plots.plot_milestones(events)
    xs, rows = ax.lines[0].get_data()
    assert list(xs) == [1980, 1989, 1998] and list(rows) == [0, 1, 2]
    assert [t.get_text() for t in ax.texts][0] == "1980  Neocognitron"
    assert ax.texts[-1].get_text() == "LeNet-5  1998"  # the last one written to the left of its dot
    png(ax.figure)
    with pytest.raises(ValueError, match="no events"):
        plots.plot_milestones([])


def test_a_strip_of_sixteen_digits_stays_ten_inches_wide():
    images = np.random.default_rng(0).integers(0, 256, (16, 28, 28))
    axes = plots.plot_digits(images, np.arange(16) % 10, cols=16)
    assert axes[0].figure.get_size_inches()[0] == pytest.approx(10.0)
    png(axes[0].figure)
