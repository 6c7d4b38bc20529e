"""The README's ```console blocks are run and must print what they show.

A block holds one or more ``$ tfdojo ARGS`` lines, each followed by its expected output; an
output ending in ``...`` only has to start with what is shown. The blocks are read from
README.md between section markers (every block of the scratch and train sections; the
``tfdojo stats`` blocks of the stats section: its ``compare`` example needs full training
runs), so the README and this test cannot drift apart. Numbers printed in scientific
notation below 1e-12 (a difference between by-hand and TensorFlow gradients) match any
other such number: they are rounding noise that another BLAS may change.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tfdojo.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
SECTIONS = {"scratch": "tfdojo ", "train": "tfdojo ", "stats": "tfdojo stats "}


def console_blocks(sections: dict[str, str] = SECTIONS) -> list[tuple[str, str]]:
    """``(command, expected output)`` for each ``$ tfdojo`` line of the sections' blocks."""
    text = README.read_text(encoding="utf-8")
    blocks = []
    for name, prefix in sections.items():
        start, end = f"<!-- section:{name} -->", f"<!-- /section:{name} -->"
        section = text[text.index(start) + len(start) : text.index(end)]
        for body in re.findall(r"^```console\n(.*?)^```$", section, re.M | re.S):
            assert body.startswith("$ tfdojo "), (
                f"a console block must start with '$ tfdojo': {body}"
            )
            for chunk in re.split(r"^\$ ", body, flags=re.M)[1:]:
                command, _, expected = chunk.partition("\n")
                if command.startswith(prefix):
                    blocks.append((command, expected.rstrip("\n")))
    return blocks


def tiny_numbers_equal(text: str) -> str:
    def repl(m: re.Match) -> str:
        return "<~0>" if float(m.group(0)) < 1e-12 else m.group(0)

    return re.sub(r"\d\.\de[+-]\d\d", repl, text)


def test_the_sections_show_every_teaching_command():
    commands = [cmd for cmd, _ in console_blocks()]
    for wanted in (
        "explain softmax",
        "explain cross-entropy",
        "explain backprop",
        "shapes --table",
    ):
        assert any(wanted in cmd for cmd in commands), wanted
    assert any("--model" in cmd for cmd in commands if cmd.startswith("tfdojo shapes"))
    assert "tfdojo params --model logistic" in commands
    assert any(cmd.startswith("tfdojo stats test-size") for cmd in commands)


@pytest.mark.parametrize("command, expected", console_blocks(), ids=lambda v: v[:40])
def test_readme_command_prints_what_the_readme_shows(capsys, command, expected):
    assert main(shlex.split(command)[1:]) == 0
    out = tiny_numbers_equal(capsys.readouterr().out.rstrip("\n"))
    expected = tiny_numbers_equal(expected)
    if expected.endswith("\n..."):
        assert out.startswith(expected[: -len("...")])
    else:
        assert out == expected
