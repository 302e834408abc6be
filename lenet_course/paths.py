"""Every place the course reads from or writes to, and how a path is shown to a learner.

Four places matter:

- the **course folder**: the git checkout this package was installed from (it holds
  ``assets/`` and ``notebooks/``), or None when the package was installed from a wheel;
- the **shipped files**: the assets (``tut2-model.pt`` and its SHA-256 table) and the lessons
  (``notebooks/*.ipynb``). In a checkout they are its ``assets/`` and ``notebooks/``; a wheel
  carries the same files as package data (``lenet_course/_data/assets`` and
  ``lenet_course/_data/lessons``, mapped from those two folders by ``pyproject.toml``), found
  through :mod:`importlib.resources`;
- the **data root** holding ``MNIST/raw/``: a ``root=`` argument, else ``$LENET_COURSE_DATA``,
  else ``data/`` in the course folder (or in the working folder for a wheel install);
- the **working folder**: the current directory. Runs, snapshots and saved models go there
  (``runs/`` below it), i.e. next to the notebook being run or where the CLI was started --
  never into the folder the library is installed in.

Paths printed for a learner go through :func:`shown`, which writes them relative to the
working folder or the course folder, so a lesson's output does not reveal (or depend on) where
a particular machine keeps its files.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

#: The environment variable that points the course at a copy of MNIST.
DATA_ENV_VAR = "LENET_COURSE_DATA"

PACKAGE_DIR = Path(__file__).resolve().parent


def course_root() -> Path | None:
    """The checkout holding this package (``pyproject.toml`` beside it), or None for a wheel."""
    candidate = PACKAGE_DIR.parent
    if (candidate / "pyproject.toml").is_file() and (candidate / "lenet_course").is_dir():
        return candidate
    return None


#: Where a wheel keeps the checkout's folders, as package data: checkout folder -> name under ``_data``.
PACKAGED = {"assets": "assets", "notebooks": "lessons"}


def packaged_dir(name: str) -> Path:
    """``lenet_course/_data/<name>`` of an installed wheel, through :mod:`importlib.resources`.

    A wheel installed by pip lies on disk, so the resource is a real folder; a zipped install
    (which pip never makes) is refused rather than half-supported.
    """
    folder = resources.files("lenet_course") / "_data" / name
    if not isinstance(folder, Path):
        raise RuntimeError(f"lenet_course is installed as a zip ({folder}); install it with pip to use its files")
    return folder


def _shipped(checkout_folder: str) -> Path:
    """A shipped folder: the checkout's own, else the wheel's copy."""
    root = course_root()
    if root is not None:
        return root / checkout_folder
    return packaged_dir(PACKAGED[checkout_folder])


def assets_dir() -> Path:
    """The folder of shipped files (``tut2-model.pt`` and ``README.md`` with their SHA-256)."""
    return _shipped("assets")


def lessons_dir() -> Path:
    """The folder of the shipped lessons (``NN_name.ipynb``): the checkout's ``notebooks/`` or the wheel's."""
    return _shipped("notebooks")


def shipped_model_path(name: str = "tut2-model.pt") -> Path:
    """A shipped weight file; :func:`lenet_course.checkpoints.verify_shipped` checks its SHA-256."""
    return assets_dir() / name


def work_dir() -> Path:
    """The working folder: where runs, snapshots and saved models are written (the cwd)."""
    return Path.cwd()


def runs_dir(*parts: str) -> Path:
    """``runs/`` in the working folder (or a folder inside it); not created here."""
    return work_dir().joinpath("runs", *parts)


def data_root(root: str | os.PathLike | None = None) -> Path:
    """Where MNIST lives: ``root``, else ``$LENET_COURSE_DATA``, else ``data/`` of the course."""
    if root is not None and str(root) != "":
        return Path(root).expanduser()
    env = os.environ.get(DATA_ENV_VAR)
    if env:
        return Path(env).expanduser()
    base = course_root()
    return (base if base is not None else work_dir()) / "data"


def shown(path: str | os.PathLike) -> str:
    """``path`` as a learner should read it: relative to the working or course folder if inside.

    Outside both, a path under the home folder is written ``~/...``; anything else as it is.
    """
    p = Path(path).expanduser()
    absolute = p if p.is_absolute() else work_dir() / p
    absolute = Path(os.path.normpath(absolute))
    for base in _bases():
        try:
            return absolute.relative_to(base).as_posix() or "."
        except ValueError:
            continue
    home = Path.home().resolve()
    try:
        return "~/" + absolute.relative_to(home).as_posix()
    except ValueError:
        return absolute.as_posix()


def tidy(text: str) -> str:
    """``text`` (an error message, a log line) with the working and course folders' prefixes removed."""
    for base in _bases():
        for form in {str(base), os.path.realpath(base)}:
            text = text.replace(form + os.sep, "")
    return text


def _bases() -> list[Path]:
    """The folders paths are shown relative to, most specific first."""
    bases = [Path(os.path.normpath(work_dir()))]
    root = course_root()
    if root is not None:
        bases.append(root)
    else:  # a wheel: its assets read "assets/tut2-model.pt", as in a checkout
        bases.append(packaged_dir(""))
    unique: list[Path] = []
    for base in sorted(bases, key=lambda b: len(b.parts), reverse=True):
        if base not in unique:
            unique.append(base)
    return unique
