"""Run lessons top to bottom as a learner would, time them, and store their outputs (for maintainers).

Used by ``scripts/run_lessons.py`` (``make lessons``: run and store) and by
``benchmarks/course_time.py`` (run and time only). Each notebook runs in a fresh kernel whose working
folder is the notebook's own (as in JupyterLab), with the budget asked for (``full`` unless told).

Before a notebook is stored, ``metadata.widgets`` (the saved widget state) is dropped, so that a
lesson read on GitHub or on the website shows each panel's stored PNG instead of an empty widget
placeholder. The measured full-budget times are kept in ``notebooks/results/lesson_times.json``,
which lesson 00 reads to tell a learner what to expect on their device.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from ..checkpoints import atomic_write_text
from ..paths import lessons_dir
from ..runtime import cpu_description
from .budget import ENV_VAR

#: Where the measured lesson times are kept, relative to the lessons folder.
TIMES_FILE = Path("results") / "lesson_times.json"


@dataclass(frozen=True)
class LessonRun:
    """One lesson run: which notebook (relative to the lessons folder), its wall time, the notebook run."""

    name: str
    seconds: float
    notebook: Any  # nbformat.NotebookNode, executed


def find_lessons(prefixes: Sequence[str] = (), folder: Path | None = None) -> list[Path]:
    """The lessons (``NN_*.ipynb``, and ``zh/NN_*.ipynb`` for the Chinese edition) matching ``prefixes``.

    A prefix matches the path relative to the lessons folder: ``"06"`` is the English lesson 06,
    ``"zh/06"`` its Chinese edition, ``"zh/"`` every Chinese lesson; no prefix means every lesson.
    """
    root = folder or lessons_dir()
    every = sorted(root.glob("*.ipynb")) + sorted(root.glob("zh/*.ipynb"))
    return [p for p in every if not prefixes or any(p.relative_to(root).as_posix().startswith(x) for x in prefixes)]


def tidy_for_storage(nb: Any) -> None:
    """Drop the saved widget state: the stored PNG beneath each panel is what a reader sees."""
    nb.metadata.pop("widgets", None)


def run_lesson(path: Path, budget: str = "full", timeout: int = 900) -> LessonRun:
    """Execute one lesson in a fresh kernel, every cell in order as "Run All" does."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    previous = os.environ.get(ENV_VAR)
    os.environ[ENV_VAR] = budget  # the kernel inherits it
    try:
        client = NotebookClient(
            nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
        )
        started = time.perf_counter()
        client.execute()
        elapsed = time.perf_counter() - started
    finally:
        if previous is None:
            os.environ.pop(ENV_VAR, None)
        else:
            os.environ[ENV_VAR] = previous
    tidy_for_storage(nb)
    name = path.relative_to(path.parent.parent if path.parent.name == "zh" else path.parent)
    return LessonRun(name.with_suffix("").as_posix(), elapsed, nb)


def store(run: LessonRun, path: Path) -> None:
    """Write the executed notebook back over its source."""
    import nbformat

    atomic_write_text(nbformat.writes(run.notebook), path)


def read_times(folder: Path | None = None) -> dict[str, Any]:
    """The stored measurements: ``{"machine": ..., "date": ..., "seconds": {lesson: s}}`` (empty if none)."""
    path = (folder or lessons_dir()) / TIMES_FILE
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {"machine": "", "date": "", "seconds": {}}
    return data if isinstance(data, dict) and isinstance(data.get("seconds"), dict) else {"seconds": {}}


def record_times(runs: Sequence[LessonRun], folder: Path | None = None) -> Path:
    """Merge full-budget times into :data:`TIMES_FILE`, naming this machine and today's date."""
    root = folder or lessons_dir()
    data = read_times(root)
    data["seconds"] = {**data.get("seconds", {}), **{r.name: round(r.seconds, 1) for r in runs}}
    data["seconds"] = dict(sorted(data["seconds"].items()))
    data["machine"] = cpu_description()
    data["date"] = date.today().isoformat()
    return atomic_write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", root / TIMES_FILE)


def time_table(runs: Sequence[LessonRun], limit_each: float = 300.0, limit_total: float = 1500.0) -> str:
    """The runs as an aligned table with the total, marking any lesson over ``limit_each`` seconds."""
    width = max([len(r.name) for r in runs] + [5])
    lines = [
        f"{r.name:<{width}} {r.seconds:7.1f} s" + ("   over the 5-minute target" if r.seconds > limit_each else "")
        for r in runs
    ]
    total = sum(r.seconds for r in runs)
    over = "   over the 25-minute target" if total > limit_total else ""
    lines.append(f"{'total':<{width}} {total:7.1f} s ({total / 60:.1f} min){over}")
    return "\n".join(lines)
