"""Build the course as a static website: ``python site/build.py [OUT]`` (``make site``), default build/site/.

Stages a Sphinx source folder under ``build/site-src/`` -- this folder's ``conf.py`` and
``_static/``, the landing page with the lesson map filled in from
:data:`lenet_course.lessons.course.LESSONS`, the three screenshots from ``docs/``, and every lesson
from ``notebooks/`` (and its Chinese edition from ``notebooks/zh/``) with its widgets made static --
then runs Sphinx (myst-nb reads the stored outputs; no notebook is executed).

A widget's output holds the live view (useless without a kernel) and, from panels that have one,
a PNG of the panel as it was drawn. On the site the PNG is shown and followed by a note that the
panel is live in JupyterLab; the widget view and the notebook's widget state are dropped, so no
page needs the widget JavaScript.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SITE_SOURCES = Path(__file__).resolve().parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: The class of the note under a widget's picture (styled in _static/course.css; the site test finds it).
NOTE_CLASS = "live-panel-note"
NOTE = (
    '<div class="{cls}"><strong>Live panel.</strong> {what} In JupyterLab this panel is live: '
    "open the lesson there (<code>lenet-course lab</code>, or <code>make lab</code> in the course "
    "folder) to move its controls and watch it redraw.</div>"
)


def static_widget_outputs(outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A cell's outputs with each widget replaced by its stored PNG (if any) and the live-panel note."""
    result = []
    for output in outputs:
        data = output.get("data", {})
        if WIDGET_VIEW not in data:
            result.append(output)
            continue
        png = data.get("image/png")
        if png is not None:
            picture = {k: v for k, v in output.items() if k not in ("data", "metadata")}
            picture["data"] = {"image/png": png}
            picture["metadata"] = {k: v for k, v in output.get("metadata", {}).items() if k == "image/png"}
            result.append(picture)
            what = "Above: the panel as it was drawn when the lesson was run."
        else:
            what = "This copy of the lesson stores no picture of it."
        note = NOTE.format(cls=NOTE_CLASS, what=what)
        result.append({"output_type": "display_data", "metadata": {}, "data": {"text/html": note}})
    return result


def static_notebook(notebook: dict[str, Any]) -> dict[str, Any]:
    """The notebook as the website shows it: widgets static, no widget state in its metadata."""
    notebook = json.loads(json.dumps(notebook))  # a deep copy: the caller's stays as it was
    notebook.get("metadata", {}).pop("widgets", None)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = static_widget_outputs(cell.get("outputs", []))
    return notebook


def lesson_table(lesson_names: list[str], chinese: set[str] | frozenset[str] = frozenset()) -> str:
    """The lesson map as a Markdown table: one linked row per lesson, with its Chinese edition if any."""
    from lenet_course.lessons.course import LESSONS

    described = {lesson.name: lesson for lesson in LESSONS}
    rows = ["| lesson | what you do | 中文 |", "|---|---|---|"]
    for name in lesson_names:
        lesson = described.get(name)
        title = f"{name[:2]} · {lesson.title}" if lesson else name
        what = lesson.what if lesson else ""
        zh = f"[中文版](lessons/zh/{name}.ipynb)" if name in chinese else ""
        rows.append(f"| [{title}](lessons/{name}.ipynb) | {what} | {zh} |")
    return "\n".join(rows)


def _stage_lessons(folder: Path, dest: Path) -> list[str]:
    """Copy every lesson of ``folder`` into ``dest`` with its widgets made static; their names, in order."""
    dest.mkdir(parents=True)
    names = []
    for path in sorted(folder.glob("*.ipynb")):  # 00_... to 13_..., then appendices
        notebook = static_notebook(json.loads(path.read_text()))
        (dest / path.name).write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
        names.append(path.stem)
    return names


def stage(src: Path) -> Path:
    """Write the Sphinx source folder ``src`` (emptied first) from the checkout."""
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(SITE_SOURCES / "_static", src / "_static")
    shutil.copy2(SITE_SOURCES / "conf.py", src / "conf.py")
    (src / "images").mkdir()
    for shot in sorted((REPO / "docs").glob("*.png")):
        shutil.copy2(shot, src / "images" / shot.name)
    names = _stage_lessons(REPO / "notebooks", src / "lessons")
    chinese = _stage_lessons(REPO / "notebooks" / "zh", src / "lessons" / "zh")
    landing = (SITE_SOURCES / "index.md").read_text()
    for key, value in {
        "{{ lesson_table }}": lesson_table(names, set(chinese)),
        "{{ lesson_toctree }}": "\n".join(f"lessons/{name}" for name in names),
        "{{ lesson_toctree_zh }}": "\n".join(f"lessons/zh/{name}" for name in chinese),
    }.items():
        landing = landing.replace(key, value)
    (src / "index.md").write_text(landing)
    return src


def build(out: Path, src: Path) -> int:
    """Stage, then run Sphinx's HTML builder into ``out`` (warnings shown; exit code returned)."""
    stage(src)
    doctrees = src / ".doctrees"
    return subprocess.call(
        [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-E", "-d", str(doctrees), str(src), str(out)]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", type=Path, default=REPO / "build" / "site", help="the site folder")
    parser.add_argument("--src", type=Path, default=REPO / "build" / "site-src", help="the staged Sphinx sources")
    args = parser.parse_args(argv)
    code = build(args.out, args.src)
    if code == 0:
        print(f"site built: {args.out / 'index.html'} (open it, or: python -m http.server -d {args.out})")
    return code


if __name__ == "__main__":
    sys.exit(main())
