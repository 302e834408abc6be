"""The Chinese edition's bookkeeping (for maintainers and translators).

    .venv/bin/python scripts/zh_edition.py start 02      # draft notebooks/zh/02_*.ipynb from the English
    .venv/bin/python scripts/zh_edition.py check [02]    # what is out of step (untranslated, changed...)
    .venv/bin/python scripts/zh_edition.py sync 02       # carry English code changes over (clears outputs)

A draft keeps the English markdown, each cell marked with the hash of the English text it will
translate; translate the markdown cells in place (never add or remove cells), then store the lesson's
outputs with ``scripts/run_lessons.py zh/02``. See lenet_course/lessons/editions.py for the rules.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lenet_course.checkpoints import atomic_write_text
from lenet_course.lessons import editions

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


def english_lessons(prefixes: list[str]) -> list[Path]:
    every = sorted(NOTEBOOKS.glob("*.ipynb"))
    return [p for p in every if not prefixes or any(p.name.startswith(x) for x in prefixes)]


def write(nb: dict, path: Path) -> None:
    atomic_write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("start", "check", "sync"))
    parser.add_argument("prefixes", nargs="*", help="lessons whose file name starts so (default: all)")
    args = parser.parse_args(argv)
    lessons = english_lessons(args.prefixes)
    if not lessons:
        print(f"no lesson matches {args.prefixes}", file=sys.stderr)
        return 2
    status = 0
    for path in lessons:
        zh_path = NOTEBOOKS / "zh" / path.name
        english = json.loads(path.read_text(encoding="utf-8"))
        if args.action == "start":
            if zh_path.exists():
                print(f"{zh_path.relative_to(NOTEBOOKS)} exists already: not overwritten", file=sys.stderr)
                status = 2
                continue
            zh_path.parent.mkdir(exist_ok=True)
            write(editions.start(english), zh_path)
            print(f"drafted {zh_path.relative_to(NOTEBOOKS)}")
            continue
        if not zh_path.exists():
            print(f"{path.stem}: no Chinese edition yet (scripts/zh_edition.py start {path.name[:2]})")
            status = 1
            continue
        chinese = json.loads(zh_path.read_text(encoding="utf-8"))
        if args.action == "sync":
            try:
                write(editions.sync_code(english, chinese), zh_path)
            except ValueError as err:
                print(f"{path.stem}: {err}", file=sys.stderr)
                status = 2
                continue
            print(f"synced the code of {zh_path.relative_to(NOTEBOOKS)}; run it again to store its outputs")
            continue
        problems = editions.drift(english, chinese)
        print(f"{path.stem}: " + ("in step" if not problems else "; ".join(problems)))
        status = status or int(bool(problems))
    return status


if __name__ == "__main__":
    sys.exit(main())
