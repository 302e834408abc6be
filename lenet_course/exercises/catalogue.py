"""Every sentence the exercises show a learner, found in their source, and its translations.

The checkers write English through :func:`~lenet_course.exercises.core.say`; the English text is
the key of its translation. :func:`learner_texts` finds every such text in a module's source: the
questions and hints given to :func:`~lenet_course.exercises.core.exercise`, the first argument of
each ``say(...)`` call, and the "common slip" messages in the ``mistakes`` dictionaries passed to
``numeric`` / ``rate`` / ``word``. The translations of module ``lessonNN`` live in
``exercises/zh/lessonNN.py`` as ``ZH: dict[str, str]``; :func:`missing` lists what is still
untranslated (``python -m lenet_course.exercises.catalogue`` prints it for every module).
"""

from __future__ import annotations

import ast
import importlib
import re
import string
import sys
from pathlib import Path

#: The modules whose texts a learner reads: the core and one per lesson.
HERE = Path(__file__).resolve().parent
_MISTAKE_CHECKERS = {"numeric": 2, "rate": 2, "word": 2}


def exercise_modules() -> list[str]:
    """The names of the modules holding learner texts (``core``, ``lesson00`` ... ``appendix_scaling``)."""
    return ["core"] + sorted(p.stem for p in HERE.glob("*.py") if p.stem.startswith(("lesson", "appendix")))


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _strings(node: ast.AST | None) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [s for element in node.elts for s in _strings(element)]
    return []


def learner_texts(module: str) -> list[str]:
    """The English texts of one module, in source order, each once."""
    tree = ast.parse((HERE / f"{module}.py").read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name == "say" and node.args:
            found += _strings(node.args[0])
        elif name == "exercise":
            found += [s for arg in node.args[1:3] for s in _strings(arg)]
            found += [s for kw in node.keywords if kw.arg in ("question", "hints") for s in _strings(kw.value)]
        elif name in _MISTAKE_CHECKERS and len(node.args) > _MISTAKE_CHECKERS[name]:
            mistakes = node.args[_MISTAKE_CHECKERS[name]]
            if isinstance(mistakes, ast.Dict):
                found += [s for value in mistakes.values for s in _strings(value)]
    for node in ast.walk(tree):  # the "slips" tables: {"what this wrong answer did": value, ...}
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            if any(isinstance(t, ast.Name) and t.id == SLIPS for t in node.targets):
                found += [s for part in (*node.value.keys, *node.value.values) if part for s in _strings(part)]
    return list(dict.fromkeys(t for t in found if re.search(r"[A-Za-z]", t)))


#: The name a checker gives its table of typical wrong answers and what they did; its texts count as
#: learner texts, and ``say(why)`` for ``why`` taken from ``SLIPS.items()`` is traceable.
SLIPS = "slips"


def _slip_names(tree: ast.AST) -> set[str]:
    """The loop variables bound by ``for ... in slips.items()`` (or ``slips``)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.For):
            source = (
                node.iter.func.value
                if isinstance(node.iter, ast.Call) and isinstance(node.iter.func, ast.Attribute)
                else node.iter
            )
            if isinstance(source, ast.Name) and source.id == SLIPS:
                names |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
    return names


def untraceable_says(module: str) -> list[int]:
    """Lines where ``say`` gets something other than a literal text: its translation cannot be found.

    ``say(mistakes[value])`` inside the shared checkers is fine (those texts are literals at the
    call site); the core is exempt for that reason.
    """
    if module == "core":
        return []
    tree = ast.parse((HERE / f"{module}.py").read_text(encoding="utf-8"))
    slip_names = _slip_names(tree)
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and _name(node.func) == "say"
        and node.args
        and not _strings(node.args[0])
        and not (isinstance(node.args[0], ast.Name) and node.args[0].id in slip_names)
    ]


def translations(module: str, language: str = "zh") -> dict[str, str]:
    """The module's translation table (empty when it has none yet)."""
    try:
        table = importlib.import_module(f"lenet_course.exercises.{language}.{module}")
    except ModuleNotFoundError:
        return {}
    return dict(getattr(table, language.upper(), {}))


def fields(text: str) -> set[str]:
    """The ``{name}`` fields of a template (what a translation must keep)."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def missing(module: str, language: str = "zh") -> list[str]:
    """The module's texts with no translation yet."""
    table = translations(module, language)
    return [text for text in learner_texts(module) if text not in table]


def main() -> int:
    untranslated = {m: missing(m) for m in exercise_modules()}
    for module, texts in untranslated.items():
        print(f"{module}: {len(texts)} untranslated")
        for text in texts:
            print(f"    {text!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
