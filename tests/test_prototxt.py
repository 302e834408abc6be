"""Caffe's text format, read without knowing what the fields mean (config gives them meaning)."""

from __future__ import annotations

import pytest

from lenet_course.prototxt import Block, PrototxtError, Scalar, parse, read_source


def test_fields_blocks_lists_and_quotes():
    entries = parse(
        "base_lr: 0.01  # a comment\n"
        "net_param { name: \"LeNet\" layer < type: 'Data' > }\n"
        "test_state: { stage: 'test-on-test' }\n"
        "stepvalue: [5000, 7000]; display: 100,\n"
    )
    names = [name for name, _, _ in entries]
    assert names == ["base_lr", "net_param", "test_state", "stepvalue", "display"]
    base_lr, net_param, test_state, stepvalue, display = (value for _, value, _ in entries)
    assert base_lr == Scalar("0.01", False, 1)
    assert isinstance(net_param, Block) and net_param.entries[0][1] == Scalar("LeNet", True, 2)
    assert isinstance(net_param.entries[1][1], Block)
    assert isinstance(test_state, Block) and test_state.entries[0][1].text == "test-on-test"
    assert [s.text for s in stepvalue] == ["5000", "7000"]
    assert display.line == 4


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no solver fields"),
        ("# only a comment\n", "no solver fields"),
        ("base_lr 0.01", "a colon is missing"),
        ('lr_policy: "inv', "unterminated string"),
        ("net_param { name: 'x'", "never closed"),
        ("base_lr: 0.01 @", "unexpected character"),
    ],
)
def test_malformed_text_names_the_problem(text, message):
    with pytest.raises(PrototxtError, match=message):
        parse(text)


def test_files_that_are_not_prototxt_text(tmp_path):
    binary = tmp_path / "weights.prototxt"
    binary.write_bytes(b"\x80PK\x00\x01" * 100)
    with pytest.raises(PrototxtError, match="NUL bytes") as err:
        read_source(binary)
    assert len(str(err.value)) < 200  # never an echo of the content
    latin = tmp_path / "latin.prototxt"
    latin.write_bytes('net: "caf\xe9"\n'.encode("latin-1"))
    with pytest.raises(PrototxtError, match="not UTF-8"):
        read_source(latin)
    with pytest.raises(PrototxtError, match="is a folder"):
        read_source(tmp_path)
    bom = tmp_path / "bom.prototxt"
    bom.write_bytes("\ufeffbase_lr: 0.5\n".encode())
    text, label, path = read_source(bom)
    assert text == "base_lr: 0.5\n" and path == bom and label == str(bom)
