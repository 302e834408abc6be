"""Where the course reads and writes, and how paths are shown to a learner."""

from __future__ import annotations

from pathlib import Path

from lenet_course import paths


def test_the_checkout_is_the_course_folder():
    root = paths.course_root()
    assert root is not None and (root / "pyproject.toml").is_file()
    assert paths.shipped_model_path() == root / "assets" / "tut2-model.pt"
    assert paths.shipped_model_path().is_file()


def test_runs_go_to_the_working_folder_not_the_install(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert paths.work_dir() == tmp_path
    assert paths.runs_dir("lesson06") == tmp_path / "runs" / "lesson06"
    assert paths.PACKAGE_DIR not in paths.runs_dir().parents


def test_data_root_order(tmp_path, monkeypatch):
    monkeypatch.setenv(paths.DATA_ENV_VAR, str(tmp_path / "env"))
    assert paths.data_root(tmp_path / "arg") == tmp_path / "arg"
    assert paths.data_root() == tmp_path / "env"
    monkeypatch.delenv(paths.DATA_ENV_VAR)
    assert paths.data_root() == paths.course_root() / "data"


def test_shown_is_relative_to_the_working_folder_then_the_course(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert paths.shown(tmp_path / "runs" / "a.pt") == "runs/a.pt"
    assert paths.shown("runs/a.pt") == "runs/a.pt"
    assert paths.shown(paths.shipped_model_path()) == "assets/tut2-model.pt"
    assert paths.shown(tmp_path) == "."
    outside = Path("/nonexistent-place/x.pt")
    assert paths.shown(outside) == "/nonexistent-place/x.pt"


def test_tidy_removes_machine_prefixes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    message = f"no checkpoint file at {tmp_path}/runs/x.pt"
    assert paths.tidy(message) == "no checkpoint file at runs/x.pt"
    assert paths.tidy("nothing to change") == "nothing to change"
