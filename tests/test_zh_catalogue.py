"""The exercises answer in Chinese when a lesson asks for it: every learner text has a translation.

The texts are found in the exercise modules' source (:mod:`lenet_course.exercises.catalogue`), so a
new hint or message without its Chinese version fails here, not in front of a learner.
"""

from __future__ import annotations

import re

import pytest

from lenet_course.exercises import catalogue, check, current_language, hint, use_language
from lenet_course.exercises.core import say

MODULES = catalogue.exercise_modules()
_CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("module", MODULES)
def test_every_learner_text_has_a_chinese_translation_with_the_same_fields(module):
    assert catalogue.untraceable_says(module) == [], "say() needs the English text itself as its first argument"
    table = catalogue.translations(module)
    assert catalogue.missing(module) == [], f"translate these in lenet_course/exercises/zh/{module}.py"
    for english in catalogue.learner_texts(module):
        chinese = table[english]
        assert catalogue.fields(chinese) == catalogue.fields(english), (english, chinese)
        assert _CJK.search(chinese) or not re.search(r"[A-Za-z]{4,}", english.format_map(_Blank())), chinese
    stale = set(table) - set(catalogue.learner_texts(module))
    assert not stale, f"translations of texts no longer used: {sorted(stale)[:3]}"


class _Blank(dict):
    def __missing__(self, key):
        return ""


def test_the_language_switch_changes_what_the_checker_says():
    assert current_language() == "en"
    try:
        use_language("zh")
        assert "还不对" in str(check("02.output_size", None)) and "提示 1/" in str(hint("02.output_size"))
        assert say("{value:.10g} is too large.", value=3) == "3 太大了。"
    finally:
        use_language("en")
    assert "not yet" in str(check("02.output_size", None))
    with pytest.raises(ValueError, match="unknown language"):
        use_language("fr")


def test_the_catalogue_finds_questions_hints_messages_and_slips():
    texts = catalogue.learner_texts("appendix_scaling")
    assert any("torchrun --nnodes 2" in t for t in texts)  # a question
    assert any(t.startswith("Go through model.parameters()") for t in texts)  # a hint
    assert "each process still holds its own gradient: nothing was exchanged." in texts  # a say(...)
    assert any(t.startswith("that is the square-root rule") for t in texts)  # a common slip
