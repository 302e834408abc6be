"""The two editions' bookkeeping: what counts as drift, and that syncing code keeps the translation."""

from __future__ import annotations

import configparser
import json
import re
from pathlib import Path

import pytest

from lenet_course.lessons import editions

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
ENGLISH_LESSONS = sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.mark.parametrize("lesson", ENGLISH_LESSONS, ids=[p.stem for p in ENGLISH_LESSONS])
def test_every_lesson_has_a_chinese_edition_in_step(lesson):
    chinese = NOTEBOOKS / "zh" / lesson.name
    assert chinese.is_file(), f"no Chinese edition: scripts/zh_edition.py start {lesson.name[:2]}"
    problems = editions.drift(json.loads(lesson.read_text()), json.loads(chinese.read_text()))
    assert not problems, f"{chinese.name}: " + "; ".join(problems)


def test_there_is_no_chinese_lesson_without_an_english_one():
    assert {p.name for p in (NOTEBOOKS / "zh").glob("*.ipynb")} <= {p.name for p in ENGLISH_LESSONS}


def _nb(*cells):
    return {"cells": [dict(c) for c in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


def _md(text, meta=None):
    return {"cell_type": "markdown", "source": text, "metadata": meta or {}}


def _code(text, outputs=()):
    return {"cell_type": "code", "source": text, "metadata": {}, "outputs": list(outputs), "execution_count": 1}


ENGLISH = _nb(
    _md("# 02 · Convolution\n\nThe two operations LeNet is built from."),
    _code('from lenet_course.exercises import use_language\nuse_language("en")'),
    _md("$$y = Wx + b$$"),
    _code("print(1 + 1)"),
)


def _translated():
    zh = editions.start(ENGLISH)
    zh["cells"][0]["source"] = "# 02 · 卷积\n\nLeNet 由这两种运算构成。"
    return zh


def test_a_faithful_translation_is_in_step():
    zh = _translated()
    assert editions.drift(ENGLISH, zh) == []
    assert zh["cells"][1]["source"].endswith('use_language("zh")')
    assert zh["cells"][2]["source"] == "$$y = Wx + b$$"  # a formula needs no translation


def test_drift_names_untranslated_changed_and_mismatched_cells():
    assert editions.drift(ENGLISH, editions.start(ENGLISH)) == ["markdown cell 0 is not translated yet"]
    changed = _nb(*ENGLISH["cells"])
    changed["cells"][0] = _md("# 02 · Convolution and pooling\n\nThe two operations LeNet is built from.")
    assert editions.drift(changed, _translated()) == ["markdown cell 0 translates another version of the English text"]
    code_changed = _nb(*ENGLISH["cells"])
    code_changed["cells"][3] = _code("print(2 + 2)")
    assert editions.drift(code_changed, _translated()) == ["code cell 3 differs from the English one"]
    fewer = _nb(*ENGLISH["cells"][:3])
    assert "differ in kind or number" in editions.drift(fewer, _translated())[0]
    english_line = _translated()
    english_line["cells"][1]["source"] = ENGLISH["cells"][1]["source"]
    problems = editions.drift(ENGLISH, english_line)
    assert "code cell 1 differs from the English one" in problems and any("choose Chinese" in p for p in problems)


def test_sync_carries_code_over_and_keeps_the_chinese_prose():
    code_changed = _nb(*ENGLISH["cells"])
    code_changed["cells"][3] = _code("print(2 + 2)", outputs=[{"output_type": "stream", "text": "4"}])
    synced = editions.sync_code(code_changed, _translated())
    assert synced["cells"][3]["source"] == "print(2 + 2)" and synced["cells"][3]["outputs"] == []
    assert synced["cells"][0]["source"].startswith("# 02 · 卷积") and editions.drift(code_changed, synced) == []
    try:
        editions.sync_code(_nb(*ENGLISH["cells"][:3]), _translated())
    except ValueError as err:
        assert "one to one" in str(err)
    else:
        raise AssertionError("a sync across different cell structures must be refused")


def test_line_breaks_between_chinese_characters_are_joined_and_reported():
    text = "局部\n感受野，\n权值共享。\n- 列表\n\n```\n代码\n行\n```\nEnglish\nwords"
    assert editions.join_cjk_lines(text) == "局部感受野，权值共享。\n- 列表\n\n```\n代码\n行\n```\nEnglish\nwords"
    zh = _translated()
    zh["cells"][0]["source"] = "# 02 · 卷积\n\nLeNet 由这两种\n运算构成。"
    assert editions.drift(ENGLISH, zh) == [
        "markdown cell 0 breaks a line between two Chinese characters (a stray space)"
    ]


# ---- the Chinese edition's stored outputs, held to the English run -------------------------------
#: What nbval ignores when it compares outputs (timings, rates, progress bars, addresses).
_SANITIZE = configparser.RawConfigParser()
_SANITIZE.read(Path(__file__).resolve().parent / "nbval_sanitize.cfg")
_SUBSTITUTIONS = [(re.compile(_SANITIZE[s]["regex"]), _SANITIZE[s]["replace"]) for s in _SANITIZE.sections()]
#: The first words of a checker's answer: "[04.standardise] ...".
_FEEDBACK = re.compile(r"^\[[0-9A-Z][0-9]\.[a-z0-9_]+\] ")


def _compared_text(cell: dict) -> list[str]:
    """A code cell's text outputs as nbval compares them: streams joined, then sanitized, as lines."""
    text = []
    for output in cell.get("outputs", []):
        if output["output_type"] == "stream":
            text.append("".join(output["text"]))
        elif output["output_type"] in ("execute_result", "display_data") and "text/plain" in output["data"]:
            text.append("".join(output["data"]["text/plain"]) + "\n")
        elif output["output_type"] == "error":
            text.append(f"error: {output['ename']}\n")
    joined = "".join(text)
    for pattern, replacement in _SUBSTITUTIONS:
        joined = pattern.sub(replacement, joined)
    return joined.splitlines()


@pytest.mark.parametrize("lesson", ENGLISH_LESSONS, ids=[p.stem for p in ENGLISH_LESSONS])
def test_the_chinese_stored_outputs_are_the_english_runs_in_chinese(lesson):
    """``make test`` replays the English lessons under nbval; the Chinese edition runs the same code
    (the test above), so its stored outputs must be the same, cell by cell, wherever nbval would
    compare them, except the checker's answers, which must name the same exercise in Chinese."""
    english = json.loads(lesson.read_text(encoding="utf-8"))["cells"]
    chinese = json.loads((NOTEBOOKS / "zh" / lesson.name).read_text(encoding="utf-8"))["cells"]
    for index, (en, zh) in enumerate(zip(english, chinese, strict=True)):
        tags = en.get("metadata", {}).get("tags", [])
        if en["cell_type"] != "code" or {"nbval-ignore-output", "nbval-skip"} & set(tags):
            continue
        en_lines, zh_lines = _compared_text(en), _compared_text(zh)
        assert len(en_lines) == len(zh_lines), f"{lesson.name} cell {index}: the editions' outputs differ"
        for en_line, zh_line in zip(en_lines, zh_lines, strict=True):
            answer = _FEEDBACK.match(en_line)
            if answer:
                assert zh_line.startswith(answer.group(0)) and editions._CJK.search(zh_line), (
                    f"{lesson.name} cell {index}: the checker's answer is not the same exercise's, in Chinese"
                )
            else:
                assert zh_line == en_line, f"{lesson.name} cell {index}: {zh_line!r} where English has {en_line!r}"
