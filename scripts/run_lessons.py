"""Run lessons top to bottom, as a learner would, and store their outputs (for maintainers).

    .venv/bin/python scripts/run_lessons.py                 # every lesson, full budget
    .venv/bin/python scripts/run_lessons.py 05 06           # only lessons whose name starts so
    .venv/bin/python scripts/run_lessons.py --check         # run, report times, store nothing

Each notebook runs in a fresh kernel whose working folder is the notebook's own (as in JupyterLab),
with ``LENET_COURSE_BUDGET=full``. Before a notebook is written back:

- the outputs of solution cells (cells tagged ``solution``, or starting ``# Solution``) are removed,
  so no stored lesson shows an answer; they keep their execution count, since they did run. They
  are also tagged ``nbval-skip`` (their checks are tested in tests/);
- ``metadata.widgets`` (the saved widget state) is dropped, so a notebook read on GitHub or on a
  static site shows each panel's stored PNG instead of an empty widget placeholder.

Prints each lesson's wall time, the total, and the machine's CPU, so the lesson budget (5 minutes
each on 2 cores) can be checked.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
SOLUTION_TAG, SKIP_TAG = "solution", "nbval-skip"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def is_solution(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "code" and (
        SOLUTION_TAG in cell.metadata.get("tags", []) or cell.source.lstrip().startswith("# Solution")
    )


def tidy_for_storage(nb: nbformat.NotebookNode) -> int:
    """Hide solution outputs and drop widget state; returns the number of solution cells."""
    solutions = 0
    for cell in nb.cells:
        if is_solution(cell):
            solutions += 1
            tags = cell.metadata.setdefault("tags", [])
            for tag in (SOLUTION_TAG, SKIP_TAG):
                if tag not in tags:
                    tags.append(tag)
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
            cell.outputs = []  # it ran (its execution count stays), but its answer is not stored
    nb.metadata.pop("widgets", None)
    return solutions


def run(path: Path, timeout: int) -> tuple[float, nbformat.NotebookNode]:
    """Execute one lesson in a fresh kernel, every cell in order as "Run All" does (solution cells
    included); (wall seconds, the executed notebook ready to store)."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    started = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - started
    tidy_for_storage(nb)
    return elapsed, nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefixes", nargs="*", help="run only lessons whose file name starts with one of these")
    parser.add_argument("--check", action="store_true", help="run and time, but store nothing")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    os.environ["LENET_COURSE_BUDGET"] = "full"
    lessons = sorted(
        p for p in NOTEBOOKS.glob("*.ipynb") if not args.prefixes or any(p.name.startswith(x) for x in args.prefixes)
    )
    if not lessons:
        print(f"no lesson matches {args.prefixes}", file=sys.stderr)
        return 2
    print(f"CPU: {cpu_model()}, {os.cpu_count()} threads; torch threads as the kernel picks them")
    total = 0.0
    for path in lessons:
        elapsed, nb = run(path, args.timeout)
        total += elapsed
        if not args.check:
            nbformat.write(nb, path)
        print(f"{path.stem:<36} {elapsed:7.1f} s", flush=True)
    print(f"{'total':<36} {total:7.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
