"""Every ```console block of the README's scratch section is run and must print what it shows.

A block is ``$ tfdojo ARGS`` on its first line and the expected output below. The blocks are
read from README.md between the ``<!-- section:scratch -->`` markers, so the README and this
test cannot drift apart. Numbers printed in scientific notation below 1e-12 (a difference
between by-hand and TensorFlow gradients) match any other such number: they are rounding
noise that another BLAS may change.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tfdojo.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- section:scratch -->", "<!-- /section:scratch -->"


def console_blocks() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(START) + len(START) : text.index(END)]
    blocks = []
    for body in re.findall(r"^```console\n(.*?)^```$", section, re.M | re.S):
        first, _, expected = body.partition("\n")
        assert first.startswith("$ tfdojo "), f"a console block must start with '$ tfdojo': {first}"
        blocks.append((first[2:], expected.rstrip("\n")))
    return blocks


def tiny_numbers_equal(text: str) -> str:
    def repl(m: re.Match) -> str:
        return "<~0>" if float(m.group(0)) < 1e-12 else m.group(0)

    return re.sub(r"\d\.\de[+-]\d\d", repl, text)


def test_the_section_has_the_issues_commands():
    commands = [cmd for cmd, _ in console_blocks()]
    for wanted in (
        "explain softmax",
        "explain cross-entropy",
        "explain backprop",
        "shapes --table",
    ):
        assert any(wanted in cmd for cmd in commands), wanted
    assert any("--model" in cmd for cmd in commands if cmd.startswith("tfdojo shapes"))


@pytest.mark.parametrize("command, expected", console_blocks(), ids=lambda v: v[:40])
def test_readme_command_prints_what_the_readme_shows(capsys, command, expected):
    assert main(shlex.split(command)[1:]) == 0
    out = capsys.readouterr().out.rstrip("\n")
    assert tiny_numbers_equal(out) == tiny_numbers_equal(expected)
