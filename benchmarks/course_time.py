"""How long the course takes: every lesson top to bottom on the full budget, as a learner runs it.

    .venv/bin/python benchmarks/course_time.py            # the English edition
    .venv/bin/python benchmarks/course_time.py zh/        # the Chinese edition
    .venv/bin/python benchmarks/course_time.py 06 09      # some lessons

Prints each lesson's wall time and the total with the machine's CPU model and thread count, and
marks any lesson over the targets (5 minutes each, 25 minutes for the course, on 2 cores). Nothing
is stored: ``scripts/run_lessons.py`` stores outputs and times.
"""

from __future__ import annotations

import argparse
import sys

from lenet_course.lessons.runner import find_lessons, run_lesson, time_table
from lenet_course.runtime import cpu_description


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("prefixes", nargs="*", help="lessons whose path starts so (default: the English edition)")
    args = parser.parse_args(argv)
    lessons = find_lessons(args.prefixes) if args.prefixes else [p for p in find_lessons() if p.parent.name != "zh"]
    if not lessons:
        print(f"no lesson matches {args.prefixes}", file=sys.stderr)
        return 2
    print(cpu_description(), flush=True)
    runs = []
    for path in lessons:
        runs.append(run_lesson(path, budget="full"))
        print(f"{runs[-1].name:<40} {runs[-1].seconds:7.1f} s", flush=True)
    print(time_table(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
