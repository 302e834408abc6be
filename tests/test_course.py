"""The lesson map, the environment check, the compute budget, and Caffe's net prototxt."""

from __future__ import annotations

import pytest

from lenet_course.lessons import budget
from lenet_course.lessons.caffe_net import (
    LENET_TRAIN_TEST_PROTOTXT,
    PrototxtError,
    format_layer_mapping,
    map_layers,
    net_layers,
    parse_prototxt,
)
from lenet_course.lessons.course import LESSONS, describe_data_location, environment_report, lesson_map, mnist_status
from lenet_course.models import CaffeLeNet, TutLeNet
from lenet_course.paths import course_root


def test_lessons_are_the_notebooks_in_order():
    assert [lesson.name for lesson in LESSONS] == [
        "00_start_here",
        "01_backprop_history",
        "02_convolution_and_pooling",
        "03_lenet_architecture",
        "04_mnist_data",
        "05_learning_rate_policies",
        "06_training_lenet",
        "07_inspecting_tut2_model",
        "08_generalisation",
        "09_comparison_lab",
        "10_robustness_and_explanations",
        "11_zipcode_1989",
        "12_lenet5_1998",
        "13_capstone",
        "A1_scaling_out",
    ]
    assert lesson_map().count("\n") == len(LESSONS) - 1
    shipped = sorted(p.stem for p in (course_root() / "notebooks").glob("*.ipynb"))
    assert shipped == [lesson.name for lesson in LESSONS]  # and every notebook is on the map
    for lesson in LESSONS:  # every lesson on the map is a notebook
        assert (course_root() / "notebooks" / f"{lesson.name}.ipynb").is_file()


def test_budget_default_values_and_errors(monkeypatch):
    monkeypatch.delenv(budget.ENV_VAR, raising=False)
    assert budget.current_budget() == "full" and not budget.is_ci_budget()
    assert budget.by_budget(full=10_000, ci=200) == 10_000
    monkeypatch.setenv(budget.ENV_VAR, " CI ")
    assert budget.current_budget() == "ci" and budget.by_budget(full=10_000, ci=200) == 200
    monkeypatch.setenv(budget.ENV_VAR, "")
    assert budget.current_budget() == "full"
    monkeypatch.setenv(budget.ENV_VAR, "quick")
    with pytest.raises(budget.BudgetError, match="full, ci"):
        budget.current_budget()


def test_data_location_never_shows_an_absolute_path(monkeypatch, tmp_path, mnist_root):
    monkeypatch.setenv("LENET_COURSE_DATA", str(mnist_root))
    assert describe_data_location() == "$LENET_COURSE_DATA/MNIST/raw"
    assert mnist_status() == "ok"
    monkeypatch.delenv("LENET_COURSE_DATA")
    assert describe_data_location() == "data/MNIST/raw"
    assert describe_data_location(tmp_path) == f".../{tmp_path.name}/MNIST/raw"
    status = mnist_status(tmp_path)
    assert status.startswith("missing") and str(tmp_path) not in status


def test_environment_report_has_every_check(monkeypatch, mnist_root):
    monkeypatch.setenv("LENET_COURSE_DATA", str(mnist_root))
    monkeypatch.setenv(budget.ENV_VAR, "ci")
    report = environment_report()
    for key in ("python", "torch", "torchvision", "numpy", "matplotlib", "ipywidgets", "device"):
        assert report[key] and report[key] != "not installed"
    assert report["MNIST files"] == "ok" and report["budget"] == "ci"
    assert "/" not in report["MNIST location"].split("$LENET_COURSE_DATA")[0]


def test_prototxt_layers_of_caffe_lenet():
    layers = net_layers()
    assert [layer.name for layer in layers] == [
        "mnist",
        "mnist",
        "conv1",
        "pool1",
        "conv2",
        "pool2",
        "ip1",
        "relu1",
        "ip2",
        "accuracy",
        "loss",
    ]
    data_train, data_test = layers[0], layers[1]
    assert (data_train.phase, data_train.params["batch_size"], data_train.params["backend"]) == ("TRAIN", 64, "LMDB")
    assert (data_test.phase, data_test.params["batch_size"]) == ("TEST", 100)
    assert data_train.params["scale"] == 0.00390625
    conv1 = layers[2]
    assert conv1.params == {
        "num_output": 20,
        "kernel_size": 5,
        "stride": 1,
        "weight_filler": "xavier",
        "bias_filler": "constant",
    }
    assert conv1.lr_mult == (1.0, 2.0) and conv1.bottom == ("data",) and conv1.top == ("conv1",)
    assert layers[7].top == layers[7].bottom == ("ip1",)


def test_map_layers_agrees_for_caffe_lenet_only():
    rows = map_layers(CaffeLeNet())
    assert len(rows) == 11 and all(r.agrees for r in rows)
    assert "800->500" in format_layer_mapping(rows)
    tut = map_layers(TutLeNet())
    assert not all(r.agrees for r in tut)  # 6 filters, not 20
    assert any(r.caffe == "ip1" and r.note == "no module of this name" for r in tut)


def test_parse_prototxt_general_and_errors():
    parsed = parse_prototxt('a: 1  b: "x # not a comment"  # comment\nc { d: 2.5 d: MAX }')
    assert parsed == {"a": [1], "b": ["x # not a comment"], "c": [{"d": [2.5, "MAX"]}]}
    with pytest.raises(PrototxtError, match="never closed"):
        parse_prototxt("a { b: 1")
    with pytest.raises(PrototxtError, match="unbalanced"):
        parse_prototxt("a: 1 }")
    with pytest.raises(PrototxtError, match="no value"):
        parse_prototxt("a:")
    with pytest.raises(PrototxtError, match="solver"):
        net_layers("base_lr: 0.01")
    assert LENET_TRAIN_TEST_PROTOTXT.startswith('name: "LeNet"')


def test_expected_times_cover_every_lesson_and_name_the_device():
    from lenet_course.lessons.course import expected_times, measured_times

    # Every lesson has a measured time; whether they meet the targets (5 minutes each, 25 in all, on
    # 2 cores) is what benchmarks/course_time.py and scripts/run_lessons.py report, not a timed test.
    times = measured_times()
    assert set(times) == {lesson.name for lesson in LESSONS}, "run scripts/run_lessons.py for the missing ones"
    assert all(seconds > 0 for seconds in times.values())
    cpu = expected_times("cpu")
    assert "CPU" in cpu and f"{sum(times.values()) / 60:.1f} minutes" in cpu
    assert max(times, key=times.__getitem__) in cpu
    assert "cuda" in expected_times("cuda") and "less" in expected_times("cuda")


def test_lesson_times_are_recorded_beside_the_lessons_with_the_machine(tmp_path):
    from lenet_course.lessons.runner import LessonRun, read_times, record_times, time_table

    assert read_times(tmp_path) == {"machine": "", "date": "", "seconds": {}}
    record_times([LessonRun("00_a", 5.04, None), LessonRun("zh/00_a", 6.0, None)], tmp_path)
    record_times([LessonRun("01_b", 400.0, None)], tmp_path)  # merged with what was there
    data = read_times(tmp_path)
    assert data["seconds"] == {"00_a": 5.0, "01_b": 400.0, "zh/00_a": 6.0} and "CPU" in data["machine"]
    table = time_table([LessonRun("00_a", 5.0, None), LessonRun("01_b", 400.0, None)])
    assert "01_b" in table and table.count("over the 5-minute target") == 1 and "405.0 s" in table
