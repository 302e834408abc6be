"""The course as a learner installs it: a wheel, used from a folder outside the checkout.

The wheel is built from a copy of the checkout's files (what a clone holds), without network or
build isolation; it is installed into a scratch environment that borrows this environment's
packages (torch & co, never downloaded again) through a folder of links that leaves out the
editable lenet_course, so the only lenet_course there is the wheel's and the checkout is off
``sys.path``. From there ``lenet-course lessons`` copies the lessons and two of them run
through nbval, compared with their stored outputs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from lenet_course import checkpoints, lesson_folder
from lenet_course.lesson_folder import MANIFEST, LessonFolderError, copy_lessons, run_lab

REPO = Path(__file__).resolve().parent.parent
#: The two fastest lessons, run from the copied folder.
LESSONS_RUN = ("00_start_here.ipynb", "02_convolution_and_pooling.ipynb")


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _copy_checkout(dest: Path) -> None:
    """The files a clone would hold (tracked, plus new files git does not ignore)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def _borrowed_packages(dest: Path) -> Path:
    """Links to this environment's installed packages, less lenet_course and every .pth hook."""
    here = Path(sysconfig.get_paths()["purelib"])
    dest.mkdir()
    for entry in here.iterdir():
        name = entry.name.lower()
        if name.startswith(("lenet_course", "__editable__", "lenet-course")) or name.endswith(".pth"):
            continue
        (dest / entry.name).symlink_to(entry)
    return dest


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(scratch python, built wheel): the wheel installed into an environment outside the checkout."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("building the wheel copies the checkout's files as git lists them: no git checkout here")
    tmp = tmp_path_factory.mktemp("wheel")
    _copy_checkout(tmp / "src")
    _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index"]
        + ["-w", str(tmp / "dist"), str(tmp / "src")],
        cwd=tmp,
    )
    (wheel,) = (tmp / "dist").glob("lenet_course-*.whl")
    _run([sys.executable, "-m", "venv", "--without-pip", str(tmp / "env")], cwd=tmp)
    python = tmp / "env" / "bin" / "python"
    site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp).strip())
    (site / "borrowed.pth").write_text(f"{_borrowed_packages(tmp / 'borrowed')}\n")
    _run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], cwd=tmp, env=_clean_env())
    return python, wheel


def test_the_wheel_carries_the_library_the_assets_and_the_lessons(installed):
    _, wheel = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {p.relative_to(REPO).as_posix() for p in (REPO / "lenet_course").rglob("*.py")}
    assert modules <= names, sorted(modules - names)
    assert {"lenet_course/_data/assets/tut2-model.pt", "lenet_course/_data/assets/README.md"} <= names
    lessons = {f"lenet_course/_data/lessons/{p.name}" for p in (REPO / "notebooks").glob("*.ipynb")}
    assert len(lessons) >= 8 and lessons <= names
    assert not [n for n in names if "/runs/" in n or ".ipynb_checkpoints" in n]


PROBE = """
import json, sys
import lenet_course
from lenet_course import checkpoints, paths
model = checkpoints.load_model(paths.shipped_model_path(), device="cpu")  # checks its SHA-256
print(json.dumps({
    "package": lenet_course.__file__, "course_root": str(paths.course_root()), "sys_path": sys.path,
    "assets": str(paths.assets_dir()), "lessons": sorted(p.name for p in paths.lessons_dir().glob("*.ipynb")),
    "model": type(model).__name__, "shown": paths.shown(paths.shipped_model_path()),
    "data": str(paths.data_root()),
}))
"""


def test_the_installed_course_finds_its_files_as_package_data(installed, tmp_path):
    python, _ = installed
    env = _clean_env()
    env.pop("LENET_COURSE_DATA", None)
    found = json.loads(_run([str(python), "-c", PROBE], cwd=tmp_path, env=env))
    site = python.parent.parent
    assert Path(found["package"]).is_relative_to(site)
    assert found["course_root"] == "None"
    assert not [p for p in found["sys_path"] if p and Path(p).resolve().is_relative_to(REPO)]
    assert Path(found["assets"]).is_relative_to(site) and found["assets"].endswith("lenet_course/_data/assets")
    assert found["lessons"] == sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    assert found["model"] == "TutLeNet"
    assert found["shown"] == "assets/tut2-model.pt"  # as the stored lesson outputs print it
    assert found["data"] == str(tmp_path / "data")  # a wheel's MNIST goes to the working folder


DAMAGE_PROBE = """
import sys
from pathlib import Path
from lenet_course import checkpoints, paths
checkpoints.verify_shipped(paths.shipped_model_path())  # the installed one passes
copy = Path(sys.argv[1])  # the same file, listed with another SHA-256
try:
    checkpoints.verify_shipped(copy / "tut2-model.pt", assets_dir=copy)
except checkpoints.CheckpointError as err:
    print(err)
"""


def test_a_damaged_shipped_model_is_refused_with_the_reinstall_fix(installed, tmp_path):
    python, _ = installed
    shutil.copy2(REPO / "assets" / "tut2-model.pt", tmp_path / "tut2-model.pt")
    listed = (REPO / "assets" / "README.md").read_text()
    (tmp_path / "README.md").write_text(listed.replace(checkpoints.sha256_of(tmp_path / "tut2-model.pt"), "0" * 64))
    message = _run([str(python), "-c", DAMAGE_PROBE, str(tmp_path)], cwd=tmp_path, env=_clean_env())
    assert "does not match the SHA-256" in message and "pip install --force-reinstall" in message


def test_lessons_copied_by_the_cli_run_from_their_folder(installed, tmp_path, mnist_root):
    python, _ = installed
    course = tmp_path / "my course"
    env = _clean_env(LENET_COURSE_DATA=str(mnist_root), LENET_COURSE_BUDGET="ci")
    said = _run([str(python.parent / "lenet-course"), "lessons", str(course)], cwd=tmp_path, env=env)
    shipped = sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    files = sorted(
        p.relative_to(REPO / "notebooks").as_posix()
        for pattern in lesson_folder.COURSE_FILES
        for p in (REPO / "notebooks").glob(pattern)
    )
    assert f"copied {len(files)} course file(s)" in said and "lenet-course lab" in said
    assert sorted(p.name for p in course.glob("*.ipynb")) == shipped
    copied = sorted(p.relative_to(course).as_posix() for p in course.rglob("*") if p.is_file())
    assert set(files) <= set(copied) and "solutions/README.md" in copied  # the wheel carries them all
    package_data = python.parent.parent / "lib"
    before = sorted(p.relative_to(package_data) for p in package_data.rglob("_data/**/*"))
    _run(
        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(course)]
        + ["--nbval", "--nbval-current-env", "--nbval-sanitize-with", str(REPO / "tests" / "nbval_sanitize.cfg")]
        + list(LESSONS_RUN),
        cwd=course,
        env=env,
        timeout=240,
    )
    assert sorted(p.relative_to(package_data) for p in package_data.rglob("_data/**/*")) == before


# ---- lenet-course lessons / lab, in this process ---------------------------------------------------


@pytest.fixture
def course(tmp_path, monkeypatch):
    """A shipped-lessons folder of two small notebooks the test can change (as a course update would)."""
    shipped = tmp_path / "shipped"
    shipped.mkdir()
    for name in ("00_start_here.ipynb", "01_next.ipynb"):
        (shipped / name).write_text(json.dumps({"cells": [], "name": name}))
    monkeypatch.setattr(lesson_folder, "lessons_dir", lambda: shipped)
    return shipped


def test_the_real_lessons_are_copied_whole_into_a_new_folder(tmp_path):
    report = copy_lessons(tmp_path / "new" / "place")
    names = lesson_folder.shipped_course_files()  # the lessons, zh/, solutions/ and results/
    assert {p.name for p in (REPO / "notebooks").glob("*.ipynb")} <= set(names)
    assert {"zh/00_start_here.ipynb", "solutions/lesson02.py", "results/lesson_times.json"} <= set(names)
    assert report.copied == names and not (report.kept or report.updated or report.unchanged)
    for name in names:
        assert (tmp_path / "new" / "place" / name).read_bytes() == (REPO / "notebooks" / name).read_bytes()
    assert "lenet-course lab" in report.message()


def test_a_second_copy_changes_nothing_and_says_so(course, tmp_path):
    copy_lessons(tmp_path / "mine")
    again = copy_lessons(tmp_path / "mine")
    assert again.unchanged == ["00_start_here.ipynb", "01_next.ipynb"] and not again.copied
    assert "2 course file(s) already up to date" in again.message()


def test_a_lesson_the_learner_changed_is_kept_and_the_message_offers_force(course, tmp_path):
    dest = tmp_path / "mine"
    copy_lessons(dest)
    (dest / "01_next.ipynb").write_text("my notes")
    (course / "01_next.ipynb").write_text('{"cells": [], "v": 2}')  # the course moved on too
    report = copy_lessons(dest)
    assert report.kept == ["01_next.ipynb"] and report.unchanged == ["00_start_here.ipynb"]
    assert (dest / "01_next.ipynb").read_text() == "my notes"
    assert "kept your changed copies of 01_next.ipynb" in report.message() and "--force" in report.message()
    assert "fresh folder" in report.message()


def test_force_saves_the_learners_copy_beside_the_course_one(course, tmp_path):
    dest = tmp_path / "mine"
    copy_lessons(dest)
    (dest / "01_next.ipynb").write_text("my notes")
    report = copy_lessons(dest, force=True)
    assert report.replaced == {"01_next.ipynb": "01_next.mine.ipynb"}
    assert (dest / "01_next.mine.ipynb").read_text() == "my notes"
    assert (dest / "01_next.ipynb").read_bytes() == (course / "01_next.ipynb").read_bytes()
    (dest / "01_next.ipynb").write_text("more notes")
    assert copy_lessons(dest, force=True).replaced == {"01_next.ipynb": "01_next.mine-2.ipynb"}


def test_an_untouched_lesson_is_brought_up_to_date(course, tmp_path):
    dest = tmp_path / "mine"
    copy_lessons(dest)
    (course / "00_start_here.ipynb").write_text('{"cells": [], "v": 2}')
    report = copy_lessons(dest)
    assert report.updated == ["00_start_here.ipynb"]
    assert (dest / "00_start_here.ipynb").read_text() == '{"cells": [], "v": 2}'
    assert json.loads((dest / MANIFEST).read_text())["00_start_here.ipynb"] == lesson_folder.sha256_file(
        course / "00_start_here.ipynb"
    )


def test_a_file_of_the_same_name_not_copied_by_us_is_kept(course, tmp_path):
    dest = tmp_path / "mine"
    dest.mkdir()
    (dest / "00_start_here.ipynb").write_text("someone else's")
    report = copy_lessons(dest)
    assert report.kept == ["00_start_here.ipynb"] and report.copied == ["01_next.ipynb"]
    assert (dest / "00_start_here.ipynb").read_text() == "someone else's"


def test_a_file_in_place_of_the_folder_is_a_clear_error(course, tmp_path):
    (tmp_path / "taken").write_text("")
    with pytest.raises(LessonFolderError, match="is a file, not a folder"):
        copy_lessons(tmp_path / "taken")


class FakeLauncher:
    """Records the command ``run_lab`` would run, instead of starting JupyterLab."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], Path]] = []

    def __call__(self, command, cwd: Path) -> int:
        self.calls.append((list(command), cwd))
        return 0


def _quiet(line: str) -> None:
    pass


def test_lab_copies_then_opens_jupyterlab_in_the_folder(course, tmp_path):
    launcher = FakeLauncher()
    code = run_lab(tmp_path / "mine", launcher=launcher, print_fn=_quiet)
    dest = (tmp_path / "mine").absolute()
    assert code == 0 and (dest / "01_next.ipynb").is_file()
    assert launcher.calls == [
        ([sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={dest}", "00_start_here.ipynb"], dest)
    ]


def test_lab_without_a_folder_uses_the_current_one_when_it_holds_lessons(course, tmp_path, monkeypatch):
    launcher = FakeLauncher()
    monkeypatch.chdir(tmp_path)
    run_lab(launcher=launcher, print_fn=_quiet)
    monkeypatch.chdir(tmp_path / lesson_folder.DEFAULT_FOLDER)
    run_lab(launcher=launcher, print_fn=_quiet)
    assert [cwd for _, cwd in launcher.calls] == [tmp_path / lesson_folder.DEFAULT_FOLDER] * 2


def test_lab_without_jupyterlab_says_which_extra_to_install(course, tmp_path, monkeypatch):
    monkeypatch.setattr(lesson_folder.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(LessonFolderError, match=r"lenet-course\[lab\]"):
        run_lab(tmp_path / "mine", launcher=FakeLauncher())
    assert not (tmp_path / "mine").exists()


def test_the_subcommands_parse_as_the_cli_dispatches_them():
    import argparse

    parser = argparse.ArgumentParser()
    lesson_folder.add_subcommands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["lessons", "somewhere", "--force"])
    assert args.run.__name__ == "_lessons_command" and args.force and args.dir == Path("somewhere")
    args = parser.parse_args(["lab"])
    assert args.run.__name__ == "_lab_command" and args.dir is None
