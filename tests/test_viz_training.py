"""Training curves (lenet_course.viz.training): what each figure draws, read back from the axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from lenet_course.solver import History  # noqa: E402
from lenet_course.training_loop import EpochRecord, EpochStats, Evaluation  # noqa: E402
from lenet_course.viz.training import TrainValCurves, plot_live_run, plot_spread, plot_train_val  # noqa: E402


def history() -> History:
    it = np.arange(100)
    return History(it, 2.3 * np.exp(-it / 30) + 0.05, np.full(100, 0.01), np.array([0, 50, 100]),
                   np.array([2.3, 0.3, 0.1]), np.array([0.1, 0.95, 0.985]))  # fmt: skip


def test_train_and_validation_share_each_axes_and_accuracy_becomes_a_log_error():
    curves = TrainValCurves.from_history(history(), train_accuracy={100: 0.99, 50: 0.96})
    loss_ax, error_ax = plot_train_val(curves, fig=Figure())
    assert error_ax.get_yscale() == "log"
    val, train = error_ax.get_lines()
    np.testing.assert_allclose(val.get_ydata(), [90.0, 5.0, 1.5])  # percent error
    np.testing.assert_allclose(train.get_xdata(), [50, 100])  # sorted by iteration
    np.testing.assert_allclose(train.get_ydata(), [4.0, 1.0])
    np.testing.assert_allclose(loss_ax.get_lines()[-1].get_ydata(), [2.3, 0.3, 0.1])
    assert {t.get_text() for t in loss_ax.get_legend().get_texts()} >= {"validation"}


def test_perfect_accuracy_stays_on_the_log_axis():
    curves = TrainValCurves(np.arange(3), np.ones(3), np.array([2]), np.array([0.0]), np.array([1.0]))
    _, error_ax = plot_train_val(curves, fig=Figure())
    (y,) = error_ax.get_lines()[0].get_ydata()
    assert y > 0 and np.isfinite(y)


def test_records_of_fit_become_curves_over_iterations():
    stats = [EpochStats(1.0, 0.8, 64, (1.2, 0.8)), EpochStats(0.5, 0.9, 64, (0.6, 0.4))]
    records = [EpochRecord(i + 1, s, Evaluation(0.7 - 0.3 * i, 0.85 + 0.05 * i), 1.0) for i, s in enumerate(stats)]
    curves = TrainValCurves.from_records(records)
    np.testing.assert_array_equal(curves.train_x, [1, 2, 3, 4])
    np.testing.assert_array_equal(curves.val_x, [2, 4])
    np.testing.assert_allclose(curves.train_accuracy, [0.8, 0.9])


def test_spread_draws_mean_and_band_per_optimizer_and_refuses_a_ragged_table():
    x = [0, 10, 20]
    runs = {"SGD": [[0.5, 0.2, 0.1], [0.7, 0.3, 0.1]], "Adam": [[0.4, 0.1, 0.05]] * 3}
    ax = plot_spread(x, runs, ax=Figure().subplots())
    means = [line for line in ax.get_lines() if "mean" in str(line.get_label())]
    np.testing.assert_allclose(means[0].get_ydata(), [60.0, 25.0, 10.0])
    assert len(ax.collections) == 2 and ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="seeds x 3"):
        plot_spread(x, {"SGD": [[0.1, 0.2]]}, ax=Figure().subplots())


def test_live_run_names_the_validation_split():
    ax = plot_live_run(history(), ax=Figure().subplots())
    acc_ax = ax.figure.axes[1]
    np.testing.assert_allclose(acc_ax.get_lines()[0].get_ydata(), [0.1, 0.95, 0.985])
    assert "validation accuracy 98.5%" in ax.get_title()
    empty = plot_live_run(History(), ax=Figure().subplots(), show_lr=False)
    assert "press Train" in empty.texts[0].get_text()
