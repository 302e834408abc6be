"""A learner's own folder of lessons: ``lenet-course lessons DIR`` and ``lenet-course lab [DIR]``.

An installed course keeps its lessons inside the package (:func:`lenet_course.paths.lessons_dir`),
where a learner must not work: a notebook run there would write into the installation. These
commands copy the lessons into a folder of the learner's choosing and open JupyterLab there;
runs, snapshots and MNIST (unless ``$LENET_COURSE_DATA`` says otherwise) then go to that folder.

A copy never destroys work. The folder keeps a small manifest (:data:`MANIFEST`) of the SHA-256 of
each notebook as it was copied, so a second copy can tell apart:

- a notebook the learner has not touched (its hash is the one copied): brought up to date;
- a notebook the learner changed or ran (any other hash): kept as it is, and said so; ``--force``
  replaces it with the shipped copy after saving theirs beside it, or a fresh folder can be used.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .paths import lessons_dir, shown

#: The file in a lessons folder recording what was copied there (name -> SHA-256).
MANIFEST = ".lenet-course-lessons.json"
#: The folder ``lenet-course lab`` uses when none is given (and the current one holds no lessons).
DEFAULT_FOLDER = "lenet-course-lessons"
#: The lesson JupyterLab opens first.
FIRST_LESSON = "00_start_here.ipynb"


class LessonFolderError(ValueError):
    """The lessons cannot be copied or opened there (a file in the way, JupyterLab missing...)."""


@dataclass
class CopyReport:
    """What :func:`copy_lessons` did to each lesson, by file name."""

    dest: Path
    copied: list[str] = field(default_factory=list)  # new in the folder
    updated: list[str] = field(default_factory=list)  # untouched by the learner, the course had a newer one
    unchanged: list[str] = field(default_factory=list)  # already the shipped copy
    kept: list[str] = field(default_factory=list)  # changed by the learner: left alone
    replaced: dict[str, str] = field(default_factory=dict)  # --force: name -> where theirs was saved

    def message(self) -> str:
        """A few lines for the learner: what happened, what was kept, how to open the lessons."""
        where = shown(self.dest)
        lines = []
        for verb, names in (("copied", self.copied), ("updated", self.updated)):
            if names:
                listed = f": {', '.join(names)}" if len(names) <= 5 else " (lessons, solutions, results, zh/)"
                lines.append(f"{verb} {len(names)} course file(s) into {where}{listed}")
        if self.unchanged:
            lines.append(f"{len(self.unchanged)} course file(s) already up to date in {where}")
        for name, backup in self.replaced.items():
            lines.append(f"replaced your changed {name} with the course's (yours is saved as {backup})")
        if self.kept:
            lines.append(
                f"kept your changed copies of {', '.join(self.kept)}: the course's version was not copied over them. "
                f"To get it, run again with --force (yours are saved beside them first) or copy into a fresh folder."
            )
        lines.append(f"open them with: lenet-course lab {where}   (or: cd {where} && jupyter lab)")
        return "\n".join(lines)


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex (lessons are small: read at once)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: What a lessons folder holds besides the lessons themselves: the Chinese edition, the worked
#: solutions the learner opens on purpose, and the cached results of the long runs some lessons show.
COURSE_FILES: tuple[str, ...] = ("*.ipynb", "zh/*.ipynb", "solutions/*.py", "solutions/*.md", "results/*.json")


def shipped_lessons() -> list[Path]:
    """The course's lesson notebooks (English edition), in order."""
    found = sorted(lessons_dir().glob("*.ipynb"))  # 00_... to 13_..., then appendices (A1_...)
    if not found:
        raise LessonFolderError(
            f"no lessons found in {lessons_dir()}: the installation is incomplete; "
            "reinstall the course (pip install --force-reinstall --no-deps lenet-course)"
        )
    return found


def shipped_course_files() -> list[str]:
    """Every file a lessons folder gets, as paths relative to the lessons folder (posix), in order."""
    shipped_lessons()  # refuses an incomplete installation
    root = lessons_dir()
    names = {path.relative_to(root).as_posix() for pattern in COURSE_FILES for path in root.glob(pattern)}
    return sorted(names)


def _read_manifest(dest: Path) -> dict[str, str]:
    try:
        data = json.loads((dest / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_manifest(dest: Path, manifest: dict[str, str]) -> None:
    (dest / MANIFEST).write_text(json.dumps(dict(sorted(manifest.items())), indent=1) + "\n")


def _free_backup_name(path: Path) -> Path:
    """``NAME.mine.SUFFIX`` beside ``path`` (``NAME.mine-2.SUFFIX``... when taken)."""
    candidate = path.with_name(f"{path.stem}.mine{path.suffix}")
    n = 2
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}.mine-{n}{path.suffix}")
        n += 1
    return candidate


def _prepare_folder(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise LessonFolderError(f"{shown(dest)} is a file, not a folder: choose another place for the lessons")
    dest.mkdir(parents=True, exist_ok=True)


def copy_lessons(dest: str | os.PathLike, force: bool = False) -> CopyReport:
    """Copy the course's lessons (and :data:`COURSE_FILES`) into ``dest`` without losing a learner's changes.

    A notebook (or other course file) that is missing is copied; one still as it was copied (or equal to the course's)
    is brought up to date; one the learner changed is kept, unless ``force``, which saves it as
    ``NAME.mine.ipynb`` (``NAME.mine.py``...) and then copies the course's over it.
    """
    dest = Path(dest).expanduser()
    _prepare_folder(dest)
    manifest = _read_manifest(dest)
    report = CopyReport(dest=dest)
    for name in shipped_course_files():
        source, target = lessons_dir() / name, dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shipped = sha256_file(source)
        if not target.exists():
            report.copied.append(name)
        else:
            current = sha256_file(target)
            if current == shipped:
                report.unchanged.append(name)
                manifest[name] = shipped
                continue
            if current != manifest.get(name):  # the learner's own version
                if not force:
                    report.kept.append(name)
                    continue
                backup = _free_backup_name(target)
                shutil.copy2(target, backup)
                report.replaced[name] = backup.name
            else:
                report.updated.append(name)
        shutil.copyfile(source, target)
        manifest[name] = shipped
    _write_manifest(dest, manifest)
    return report


def is_lessons_folder(path: Path) -> bool:
    """Whether ``path`` already holds lessons copied by :func:`copy_lessons`."""
    return (path / MANIFEST).is_file()


def default_lab_folder() -> Path:
    """The current folder if it holds lessons, else ``lenet-course-lessons`` in it."""
    here = Path.cwd()
    return here if is_lessons_folder(here) else here / DEFAULT_FOLDER


def lab_command(dest: Path) -> list[str]:
    """The command that opens JupyterLab on the first lesson, to be run in ``dest``."""
    return [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={dest}", FIRST_LESSON]


def _launch(command: Sequence[str], cwd: Path) -> int:
    """Run JupyterLab in the foreground until the learner stops it (Ctrl-C, or File > Shut Down)."""
    return subprocess.call(list(command), cwd=cwd)


def run_lab(
    dest: str | os.PathLike | None = None,
    launcher: Callable[[Sequence[str], Path], int] = _launch,
    print_fn: Callable[[str], None] = print,
) -> int:
    """Copy the lessons into ``dest`` if needed (never over the learner's changes), then open JupyterLab.

    ``launcher(command, cwd)`` runs the command and returns its exit code; tests pass a fake one.
    """
    if importlib.util.find_spec("jupyterlab") is None:
        raise LessonFolderError(
            "JupyterLab is not installed in this environment: install the course with its lab extra, "
            "pip install 'lenet-course[lab]', then run lenet-course lab again"
        )
    folder = (Path(dest).expanduser() if dest is not None else default_lab_folder()).absolute()
    report = copy_lessons(folder)
    if report.copied or report.updated or report.kept:
        print_fn(report.message())
    return launcher(lab_command(folder), folder)


# ---- the two subcommands, added to lenet_course.cli's parser -------------------------------------
def _lessons_command(args: argparse.Namespace) -> int:
    print(copy_lessons(args.dir, force=args.force).message())
    return 0


def _lab_command(args: argparse.Namespace) -> int:
    return run_lab(args.dir)


def add_subcommands(subparsers: argparse._SubParsersAction) -> None:
    """``lessons DIR [--force]`` and ``lab [DIR]``, each with ``run=`` set as the CLI dispatches."""
    lessons = subparsers.add_parser("lessons", help="copy the lessons into a folder of yours (your changes are kept)")
    lessons.add_argument("dir", type=Path, help="the folder to copy the lessons into (created if needed)")
    lessons.add_argument(
        "--force",
        action="store_true",
        help="replace lessons you changed with the course's (yours are saved as NAME.mine.ipynb first)",
    )
    lessons.set_defaults(run=_lessons_command)

    lab = subparsers.add_parser("lab", help="copy the lessons if needed and open them in JupyterLab")
    lab.add_argument(
        "dir",
        type=Path,
        nargs="?",
        default=None,
        help=f"the lessons folder (default: the current folder if it holds lessons, else ./{DEFAULT_FOLDER})",
    )
    lab.set_defaults(run=_lab_command)
