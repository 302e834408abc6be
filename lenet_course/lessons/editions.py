"""The Chinese edition of each lesson, kept in step with the English one.

A Chinese lesson ``notebooks/zh/NN_name.ipynb`` is the English ``notebooks/NN_name.ipynb`` with its
markdown translated and one line changed: the first code cell's ``use_language("en")`` becomes
``use_language("zh")``, so the exercise checker answers in Chinese. Every other code cell is the
same, byte for byte, in the same order.

Each translated markdown cell records the SHA-256 of the English cell it translates
(``metadata["lenet_course"]["en_sha256"]``). When the English text changes, that record no longer
matches and :func:`drift` reports the cell, so a translation can never silently describe an old
version of a lesson. :func:`sync_code` carries English code changes over; :func:`start` makes the
first draft of a new translation (English markdown with the records set, to be translated).
"""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

#: The one code line the editions differ in, as (English, Chinese).
LANGUAGE_LINES: tuple[str, str] = ('use_language("en")', 'use_language("zh")')
#: Where a translated markdown cell keeps the hash of its English original.
META_KEY = "lenet_course"
_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORDS = re.compile(r"[A-Za-z]{3,}")


def sha256_text(text: str) -> str:
    """The SHA-256 of a cell's source text, as hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _source(cell: Any) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def as_chinese_code(source: str) -> str:
    """An English code cell as the Chinese edition has it (only the language line differs)."""
    return source.replace(LANGUAGE_LINES[0], LANGUAGE_LINES[1])


def needs_translation(markdown: str) -> bool:
    """True for prose; False for a cell of formulas, code or names only (kept as it is)."""
    text = re.sub(r"`[^`]*`|\$\$.*?\$\$|\$[^$]*\$|https?://\S+", " ", markdown, flags=re.S)
    return len(_WORDS.findall(text)) >= 3


#: A Chinese character or Chinese punctuation: a line break between two of them shows as a space.
_CJK_EDGE = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_BROKEN_CJK = re.compile(rf"(?<=[{_CJK_EDGE}])\n(?=[{_CJK_EDGE}])")


def join_cjk_lines(markdown: str) -> str:
    """``markdown`` with each line break between two Chinese characters removed.

    Markdown turns a line break inside a paragraph into a space, which is right between English
    words and wrong between Chinese characters ("局部 感受野"). A break before a new list item,
    heading or table row is never between two Chinese characters, so it stays; code blocks are
    left as they are.
    """
    parts = re.split(r"(```.*?```)", markdown, flags=re.S)
    return "".join(part if part.startswith("```") else _BROKEN_CJK.sub("", part) for part in parts)


def drift(english: dict, chinese: dict) -> list[str]:
    """Every way the Chinese notebook is out of step with the English one (empty: in step)."""
    en_cells, zh_cells = english["cells"], chinese["cells"]
    kinds = [c["cell_type"] for c in en_cells], [c["cell_type"] for c in zh_cells]
    if kinds[0] != kinds[1]:
        return [
            f"the cells differ in kind or number: English has {len(en_cells)} "
            f"({kinds[0].count('markdown')} markdown), Chinese {len(zh_cells)} ({kinds[1].count('markdown')} markdown)"
        ]
    problems = []
    first_code = True
    for index, (en, zh) in enumerate(zip(en_cells, zh_cells, strict=True)):
        en_source, zh_source = _source(en), _source(zh)
        if en["cell_type"] == "code":
            expected = as_chinese_code(en_source)
            if zh_source != expected:
                problems.append(f"code cell {index} differs from the English one")
            if first_code and LANGUAGE_LINES[1] not in zh_source:
                problems.append(f"the first code cell ({index}) does not choose Chinese with {LANGUAGE_LINES[1]}")
            first_code = False
        elif en["cell_type"] == "markdown":
            recorded = zh.get("metadata", {}).get(META_KEY, {}).get("en_sha256")
            if recorded != sha256_text(en_source):
                problems.append(f"markdown cell {index} translates another version of the English text")
            if needs_translation(en_source) and not _CJK.search(zh_source):
                problems.append(f"markdown cell {index} is not translated yet")
            if join_cjk_lines(zh_source) != zh_source:
                problems.append(f"markdown cell {index} breaks a line between two Chinese characters (a stray space)")
    return problems


def start(english: dict) -> dict:
    """A first draft of the Chinese notebook: English markdown (to translate), Chinese code cells."""
    draft = copy.deepcopy(english)
    for cell in draft["cells"]:
        if cell["cell_type"] == "markdown":
            cell.setdefault("metadata", {})[META_KEY] = {"en_sha256": sha256_text(_source(cell))}
        elif cell["cell_type"] == "code":
            cell["source"] = as_chinese_code(_source(cell))
    return draft


def sync_code(english: dict, chinese: dict) -> dict:
    """The Chinese notebook with every code cell (and its outputs) taken from the English one.

    The markdown stays Chinese. Refused (``ValueError``) when the cells do not correspond one to
    one: then the translation needs a person, not a copy.
    """
    en_kinds = [c["cell_type"] for c in english["cells"]]
    if en_kinds != [c["cell_type"] for c in chinese["cells"]]:
        raise ValueError("the English and Chinese cells do not correspond one to one; edit the translation by hand")
    synced = copy.deepcopy(chinese)
    for en, zh in zip(english["cells"], synced["cells"], strict=True):
        if en["cell_type"] == "code":
            zh["source"] = as_chinese_code(_source(en))
            zh["outputs"], zh["execution_count"] = [], None  # to be run again in Chinese
    return synced
