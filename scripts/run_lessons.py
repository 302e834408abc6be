"""Run lessons top to bottom, as a learner would, and store their outputs (for maintainers).

    .venv/bin/python scripts/run_lessons.py                 # every lesson (both editions), full budget
    .venv/bin/python scripts/run_lessons.py 05 06 zh/05     # only lessons whose path starts so
    .venv/bin/python scripts/run_lessons.py --check         # run, report times, store nothing
    .venv/bin/python scripts/run_lessons.py 08 --budget ci  # the short run, not stored

Stored runs are full-budget runs only; their times go to notebooks/results/lesson_times.json (see
lenet_course.lessons.runner). Prints each lesson's wall time, the total, and the machine's CPU.
"""

from __future__ import annotations

import argparse
import sys

from lenet_course.lessons.budget import BUDGETS
from lenet_course.lessons.runner import find_lessons, record_times, run_lesson, store, time_table
from lenet_course.runtime import cpu_description


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefixes", nargs="*", help="run only lessons whose path starts with one of these")
    parser.add_argument("--check", action="store_true", help="run and time, but store nothing")
    parser.add_argument("--budget", choices=BUDGETS, default="full", help="full (default, stored) or ci (short)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    lessons = find_lessons(args.prefixes)
    if not lessons:
        print(f"no lesson matches {args.prefixes}", file=sys.stderr)
        return 2
    storing = not args.check and args.budget == "full"
    print(cpu_description(), flush=True)
    runs = []
    for path in lessons:
        run = run_lesson(path, budget=args.budget, timeout=args.timeout)
        runs.append(run)
        if storing:  # stored with its time at once: a later lesson that fails loses nothing
            store(run, path)
            record_times([run])
        print(f"{run.name:<40} {run.seconds:7.1f} s", flush=True)
    print(time_table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
