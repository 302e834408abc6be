"""Caffe's protocol-buffer text format (``.prototxt``), as far as solver files use it.

A solver file is read in two steps: this module turns bytes into a list of ``(name, value, line)``
entries -- values are :class:`Scalar` (a word or a quoted string) or :class:`Block` (a nested
``{ ... }``) -- without knowing what any field means; :mod:`lenet_course.config` then gives the
entries Caffe's meaning. Reading is defensive, because a learner may point the course at any file:
a binary or NUL-filled file, text that is not UTF-8, a folder, or megabytes of data each get one
short sentence (:class:`PrototxtError`), never a traceback or an echo of the content.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: A solver file is a few hundred bytes; anything this large is some other file.
MAX_BYTES = 4 * 1024 * 1024

#: One parsed field: its name, its value (a Scalar, a Block or a list of Scalars) and its line.
Entry = tuple[str, Any, int]


class PrototxtError(ValueError):
    """The text is not a readable prototxt; the message names the line and the problem."""


def show(value: Any, limit: int = 60) -> str:
    """``repr(value)`` cut to ``limit`` characters, so that no message quotes megabytes."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse(text: str) -> list[Entry]:
    """The top-level entries of a prototxt text (raises :class:`PrototxtError`)."""
    return Parser(text).parse()


@dataclass
class Scalar:
    """A single value as written: ``text`` without its quotes, whether it was quoted, its line."""

    text: str
    quoted: bool
    line: int


@dataclass
class Block:
    """A nested ``{ ... }`` (or ``< ... >``) message: its entries and the line it opens on."""

    entries: list[Entry]
    line: int


_TOKEN = re.compile(
    r"""(?P<nl>\n)|(?P<ws>[ \t\r\f\v]+)|(?P<comment>\#[^\n]*)
      |(?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
      |(?P<open_string>["'])
      |(?P<word>[A-Za-z0-9_.+\-]+)
      |(?P<punct>[{}<>:;,\[\]])""",
    re.X,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), body)


class Parser:
    """Protocol-buffer text format, as far as solver files use it: ``field: value``,
    ``field { ... }`` / ``field: { ... }`` / ``field < ... >`` blocks, ``[a, b]`` lists for
    repeated fields, quotes ' and ", ``#`` comments and optional ``;``/``,`` separators."""

    def __init__(self, text: str) -> None:
        self.tokens = list(self._tokenize(text))
        self.pos = 0

    @staticmethod
    def _tokenize(text: str) -> Iterator[tuple[str, str, int]]:
        line, pos = 1, 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise PrototxtError(
                    f"line {line}: unexpected character {show(text[pos])} in {show(line_at(text, pos))}"
                )
            kind = m.lastgroup
            assert kind is not None, "every alternative of _TOKEN is a named group"
            if kind == "nl":
                line += 1
            elif kind == "open_string":
                raise PrototxtError(f"line {line}: unterminated string {show(line_at(text, pos).strip())}")
            elif kind not in ("ws", "comment"):
                yield kind, m.group(), line
            pos = m.end()

    def _peek(self) -> tuple[str, str, int] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _next(self) -> tuple[str, str, int]:
        token = self._peek()
        if token is None:
            last = self.tokens[-1][2] if self.tokens else 1
            raise PrototxtError(f"line {last}: the file ends in the middle of a field")
        self.pos += 1
        return token

    def parse(self) -> list[Entry]:
        entries = self._entries(closing=None)
        if not entries:
            raise PrototxtError(
                "no solver fields (the text is empty or only comments); "
                'a solver needs at least lr_policy, e.g. lr_policy: "fixed"'
            )
        return entries

    def _entries(self, closing: str | None) -> list[Entry]:
        entries: list[Entry] = []
        while True:
            token = self._peek()
            if token is None:
                if closing is not None:
                    raise PrototxtError(f"line {self.tokens[-1][2]}: a {{ ... }} block is never closed")
                return entries
            kind, text, line = token
            if kind == "punct" and text == closing:
                self.pos += 1
                return entries
            if kind == "punct" and text in ";,":
                self.pos += 1
                continue
            if kind != "word" or not re.fullmatch(r"[A-Za-z_]\w*", text):
                raise PrototxtError(f"line {line}: expected a field name, got {show(text)}")
            self.pos += 1
            entries.append((text, self._value(text, line), line))

    def _value(self, name: str, line: int) -> Any:
        kind, text, tline = self._next()
        colon = kind == "punct" and text == ":"
        if colon:
            kind, text, tline = self._next()
        if kind == "punct" and text in "{<":
            return Block(self._entries("}" if text == "{" else ">"), tline)
        if not colon:
            raise PrototxtError(f"line {line}: cannot read {name!r}; expected 'field: value' (a colon is missing)")
        if kind == "punct" and text == "[":
            return self._list(tline)
        if kind == "string":
            parts = [text]
            while (nxt := self._peek()) is not None and nxt[0] == "string":  # "a" "b" is "ab"
                parts.append(self._next()[1])
            return Scalar("".join(_unescape(p[1:-1]) for p in parts), True, tline)
        if kind == "word":
            return Scalar(text, False, tline)
        raise PrototxtError(f"line {tline}: expected a value for {name!r}, got {show(text)}")

    def _list(self, line: int) -> list[Scalar]:
        items: list[Scalar] = []
        while True:
            kind, text, tline = self._next()
            if kind == "punct" and text == "]":
                return items
            if kind == "punct" and text == ",":
                continue
            if kind not in ("word", "string"):
                raise PrototxtError(f"line {tline}: expected a value in the [...] list, got {show(text)}")
            quoted = kind == "string"
            items.append(Scalar(_unescape(text[1:-1]) if quoted else text, quoted, tline))


def line_at(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start : end if end >= 0 else len(text)]


def read_source(source: str | bytes | Path) -> tuple[str, str, Path | None]:
    """(text, label for messages, path or None) for a path or a prototxt text."""
    if isinstance(source, bytes):
        return _decode(source, "solver.prototxt text"), "solver.prototxt", None
    if isinstance(source, str) and looks_like_text(source):
        if "\x00" in source:
            raise PrototxtError("solver.prototxt text contains NUL characters: that is binary data, not a solver file")
        return source.removeprefix("\ufeff"), "solver.prototxt", None
    if not isinstance(source, (str, Path)):
        try:
            source = Path(source)  # any os.PathLike
        except TypeError:
            raise PrototxtError(
                f"from_prototxt needs a path or the prototxt text, got {type(source).__name__}"
            ) from None
    path = Path(source)
    return _decode(_read_bytes(path), str(path)), str(path), path


def looks_like_text(source: str) -> bool:
    """A string is prototxt text (not a path) if it has a newline, a NUL, a ':' or '{' after a
    field name, or is too long to be a path; an existing file always wins."""
    if "\n" in source or "\x00" in source or len(source) > 1024 or source.strip()[:1] in ("", "#"):
        return True
    try:
        if Path(source).exists():
            return False
    except (OSError, ValueError):
        return True
    return bool(re.match(r"\s*\ufeff?[A-Za-z_]\w*\s*(:|\{)", source)) and not source.endswith((".prototxt", ".txt"))


def _read_bytes(path: Path) -> bytes:
    try:
        if path.is_dir():
            raise PrototxtError(f"{path} is a folder, not a solver.prototxt file")
        if not path.exists():
            raise PrototxtError(f"no solver.prototxt at {path}")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise PrototxtError(
                f"{path} is {size / 2**20:.0f} MB: far too large for a solver.prototxt (a weights or solverstate file?)"
            )
        return path.read_bytes()
    except PermissionError:
        raise PrototxtError(f"cannot read {path}: permission denied; check the file's permissions") from None
    except OSError as err:
        raise PrototxtError(f"cannot read {path}: {err.strerror or err}") from None


def _decode(data: bytes, label: str) -> str:
    if b"\x00" in data:
        raise PrototxtError(f"{label} contains NUL bytes: it is a binary file, not a solver.prototxt text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise PrototxtError(
            f"{label} is not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "save it as UTF-8 (a binary file, or text in another encoding such as latin-1?)"
        ) from None
