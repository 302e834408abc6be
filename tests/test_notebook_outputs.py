"""The lessons' stored outputs come from one clean top-to-bottom run on no particular machine.

For every ``notebooks/*.ipynb`` (lessons added later are picked up by the glob) this fails when:
- the notebook has no stored outputs at all (it was saved without running);
- its code cells were not executed top to bottom in one run: execution counts must be exactly
  1, 2, ..., n (an unexecuted cell, a re-run cell or a restarted kernel breaks the sequence);
- a stored output is an error;
- a worked solution is stored in the lesson (solutions live in ``notebooks/solutions/``), or a
  check cell's stored output says "right": a learner would see the answer before trying;
- the self-checks are in the reading path: a visible code cell with a top-level ``assert`` (they
  belong in collapsed cells tagged ``hidden-check``), or prose that talks about CI, nbval, tests
  that replay the lesson, or budgets;
- an output shows an absolute path of this machine: the folder holding the checkout, the home
  folder or the temp folder (outputs must name ``$LENET_COURSE_DATA`` or relative paths instead).
nbval compares outputs but checks none of this, so this test is what keeps the stored run honest.
"""

from __future__ import annotations

import ast
import json
import re
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb")) + sorted((REPO / "notebooks").glob("zh/*.ipynb"))


def machine_paths() -> list[str]:
    """Absolute folders whose appearance in an output would tie it to this machine."""
    candidates = {REPO.parent, Path.home(), Path(tempfile.gettempdir())}
    resolved = {p.resolve() for p in candidates} | candidates
    return sorted({str(p) for p in resolved if str(p) not in ("/", "")})


def _path_pattern(paths: list[str]) -> re.Pattern[str]:
    # "/work" must match "/work" and "/work/main" but not "/workshop"; "C:\\Users\\x" too.
    alternatives = "|".join(re.escape(p) for p in sorted(paths, key=len, reverse=True))
    return re.compile(rf"(?<![\w.~-])(?:{alternatives})(?![\w.-])")


def _output_texts(output: dict) -> list[str]:
    """Every text an output shows: streams, errors, and non-image data (images are binary)."""
    texts = []
    if output.get("output_type") == "stream":
        texts.append(_join(output.get("text", "")))
    if output.get("output_type") == "error":
        texts += [output.get("ename", ""), output.get("evalue", "")] + list(output.get("traceback", []))
    for mime, value in output.get("data", {}).items():
        if not mime.startswith("image/") or mime == "image/svg+xml":
            texts.append(
                value if isinstance(value, str) else _join(value) if isinstance(value, list) else json.dumps(value)
            )
    return texts


def _join(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


#: Words a learner-facing sentence must not use: the harness is not part of the lesson.
HARNESS_WORDS = re.compile(r"\bCI\b|\bnbval\b|replays? this lesson|LENET_COURSE_BUDGET|\bci budget\b", re.I)


def _top_level_asserts(source: str) -> int:
    """How many module-level ``assert`` statements a cell has (IPython magics ignored)."""
    lines = ["" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()]
    try:
        tree = ast.parse("\n".join(lines))
    except SyntaxError:
        return 0
    return sum(isinstance(node, ast.Assert) for node in tree.body)


def reading_path_problems(nb: dict) -> list[str]:
    """Answers shown, or the harness in the learner's way (see the module docstring)."""
    problems = []
    for i, cell in enumerate(nb.get("cells", [])):
        source, meta = _join(cell.get("source", "")), cell.get("metadata", {})
        tags = meta.get("tags", [])
        if cell.get("cell_type") == "markdown":
            m = HARNESS_WORDS.search(source)
            if m:
                problems.append(f"cell {i}: prose talks about the test harness ({m.group(0)!r})")
            continue
        if cell.get("cell_type") != "code":
            continue
        if "solution" in tags or source.lstrip().startswith("# Solution"):
            problems.append(f"cell {i}: a worked solution is stored in the lesson; it belongs in notebooks/solutions/")
        if "hidden-check" in tags:
            if not meta.get("jupyter", {}).get("source_hidden"):
                problems.append(f"cell {i}: a hidden-check cell is not collapsed (jupyter.source_hidden)")
        elif _top_level_asserts(source):
            problems.append(f"cell {i}: asserts in the reading path; move them to a collapsed hidden-check cell")
        if "check(" in source and re.search(r"\bright\s*:|is correct", json.dumps(cell.get("outputs", []))):
            problems.append(f"cell {i}: a check cell's stored output reveals a right answer")
    return problems


def notebook_problems(nb: dict, forbidden_paths: list[str]) -> list[str]:
    """What is wrong with a notebook's stored run (empty when nothing is)."""
    problems: list[str] = []
    all_code = [c for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    if not all_code:
        return ["no code cells"]
    problems += reading_path_problems(nb)
    code_cells = all_code
    if not any(c.get("outputs") for c in code_cells):
        problems.append("no stored outputs: run the notebook top to bottom and save it")
    counts = [c.get("execution_count") for c in code_cells]
    if counts != list(range(1, len(code_cells) + 1)):
        for i, (cell, count) in enumerate(zip(code_cells, counts), start=1):
            if count != i:
                first_line = _join(cell.get("source", "")).strip().splitlines()[:1]
                problems.append(
                    f"code cell {i} has execution count {count}, expected {i} (one top-to-bottom run); "
                    f"it starts {first_line[0][:60]!r}"
                    if first_line
                    else f"code cell {i} is empty"
                )
                break
    pattern = _path_pattern(forbidden_paths) if forbidden_paths else None
    for i, cell in enumerate(code_cells, start=1):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(
                    f"code cell {i} stores an error: {output.get('ename')}: {output.get('evalue', '')[:100]}"
                )
            if pattern is not None:
                for text in _output_texts(output):
                    m = pattern.search(text)
                    if m:
                        start = max(0, m.start() - 30)
                        problems.append(
                            f"code cell {i} shows a machine-specific path: ...{text[start : m.end() + 30]!r}..."
                        )
                        break
    return problems


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks/*.ipynb found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.relative_to(REPO / "notebooks").as_posix() for p in NOTEBOOKS])
def test_stored_outputs_are_one_clean_run(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    problems = notebook_problems(nb, machine_paths())
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


# --- the checker itself, on small synthetic notebooks -----------------------------------------------


def _cell(source="x", count=None, outputs=()):
    return {"cell_type": "code", "source": source, "execution_count": count, "outputs": list(outputs), "metadata": {}}


def _stream(text):
    return {"output_type": "stream", "name": "stdout", "text": text}


GOOD = {
    "cells": [
        {"cell_type": "markdown", "source": "# t"},
        _cell("import x", 1),
        _cell("print(1)", 2, [_stream("1\n")]),
        _cell(
            "f",
            3,
            [
                {
                    "output_type": "display_data",
                    "data": {"text/plain": "<Figure>", "image/png": "iVBOR/work/abc"},
                    "metadata": {},
                }
            ],
        ),
    ]
}


def test_checker_accepts_a_clean_run():
    assert notebook_problems(GOOD, ["/work", "/root", "/tmp"]) == []


def test_checker_rejects_each_problem():
    paths = ["/work", "/root", "/tmp"]
    unrun = {"cells": [_cell("a"), _cell("b")]}
    assert any("no stored outputs" in p for p in notebook_problems(unrun, paths))
    assert any("count None" in p for p in notebook_problems(unrun, paths))
    out_of_order = {"cells": [_cell("a", 1, [_stream("1")]), _cell("b", 3)]}
    assert any("code cell 2 has execution count 3" in p for p in notebook_problems(out_of_order, paths))
    rerun = {"cells": [_cell("a", 2, [_stream("1")]), _cell("b", 3)]}
    assert notebook_problems(rerun, paths)
    error = {
        "cells": [_cell("a", 1, [{"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": []}])]
    }
    assert any("stores an error: ValueError" in p for p in notebook_problems(error, paths))
    for leaked in ("data in /work/main/data", "/tmp/xyz", "home is /root", "C at /work"):
        nb = {"cells": [_cell("a", 1, [_stream(leaked)])]}
        assert any("machine-specific path" in p for p in notebook_problems(nb, paths)), leaked
    html = {
        "cells": [
            _cell(
                "a",
                1,
                [
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {"text/html": ["<b>/root/x</b>"]},
                    }
                ],
            )
        ]
    }
    assert any("machine-specific path" in p for p in notebook_problems(html, paths))


def test_checker_does_not_flag_similar_names_or_images():
    paths = ["/work", "/tmp"]
    fine = {"cells": [_cell("a", 1, [_stream("see /workshop and /tmpfs and data/MNIST/raw and $LENET_COURSE_DATA\n")])]}
    assert notebook_problems(fine, paths) == []
    assert notebook_problems(GOOD, paths) == []  # "/work" inside base64 image data is not text


def test_machine_paths_cover_repo_parent_home_and_temp():
    paths = machine_paths()
    assert str(REPO.parent) in paths
    assert str(Path.home()) in paths or str(Path.home()) == "/"
    assert str(Path(tempfile.gettempdir())) in paths


def test_checker_rejects_answers_and_harness_in_the_reading_path():
    solution = _cell("answer = 3\ncheck('02.x', answer)", 2, [_stream("[02.x] right: 3 is correct")])
    solution["metadata"] = {"tags": ["solution"]}
    nb = {"cells": [_cell("a", 1, [_stream("1")]), solution]}
    problems = notebook_problems(nb, ["/work"])
    assert any("worked solution is stored" in p for p in problems)
    assert any("reveals a right answer" in p for p in problems)
    visible = {"cells": [_cell("x = 1\nassert x == 1", 1, [])], "metadata": {}}
    assert any("asserts in the reading path" in p for p in reading_path_problems(visible))
    hidden = _cell("assert x == 1", 1)
    hidden["metadata"] = {"tags": ["hidden-check"], "jupyter": {"source_hidden": True}}
    assert reading_path_problems({"cells": [hidden]}) == []
    hidden["metadata"] = {"tags": ["hidden-check"]}
    assert any("not collapsed" in p for p in reading_path_problems({"cells": [hidden]}))
    in_function = _cell("def f(x):\n    assert x\n    return x", 1)
    assert reading_path_problems({"cells": [in_function]}) == []  # the learner's own code may assert
    for prose in ("This runs in CI.", "nbval compares outputs", "the test that replays this lesson"):
        assert reading_path_problems({"cells": [{"cell_type": "markdown", "source": prose}]}), prose
    fine = {"cell_type": "markdown", "source": "Circles (CIs) and a city: no harness here."}
    assert reading_path_problems({"cells": [fine]}) == []
