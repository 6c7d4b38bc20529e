"""The README and the documentation: ```console blocks are run and must print what they show.

A block holds one or more ``$ tfdojo ARGS`` lines, each followed by its expected output; an
output ending in ``...`` only has to start with what is shown. The blocks are read between
section markers, ``<!-- section:NAME -->`` and ``<!-- /section:NAME -->``, wherever the
section is: README.md or a page of docs/ (every block of the scratch section, in
docs/explanation/concepts.md, and of the train section, in docs/how-to/train.md; the
``tfdojo stats`` blocks of the stats section, in docs/how-to/compare-runs.md: its
``compare`` example needs full training runs; tests/test_kata_cli.py runs the practise
section's), so the pages and this test cannot drift apart. Numbers printed in scientific
notation below 1e-12 (a difference between by-hand and TensorFlow gradients) match any
other such number: they are rounding noise that another BLAS may change.

The README itself stays short: at most :data:`README_LINES` lines.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tfdojo.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
README_LINES = 250
SECTIONS = {"scratch": "tfdojo ", "train": "tfdojo ", "stats": "tfdojo stats "}
TESTED_SECTIONS = (*SECTIONS, "practise")  # practise: run by tests/test_kata_cli.py


def pages() -> list[Path]:
    """The README and every page of the documentation site."""
    return [README, *sorted((ROOT / "docs").rglob("*.md"))]


def section_text(name: str) -> str:
    """The text between a section's markers, in the one page that holds it."""
    start, end = f"<!-- section:{name} -->", f"<!-- /section:{name} -->"
    found = [p for p in pages() if start in p.read_text(encoding="utf-8")]
    assert len(found) == 1, f"section {name}: expected in one page, found in {found}"
    text = found[0].read_text(encoding="utf-8")
    return text[text.index(start) + len(start) : text.index(end)]


def without_tested_sections(text: str) -> str:
    """A page's text with the sections this test (or test_kata_cli) runs cut out."""
    for name in TESTED_SECTIONS:
        text = re.sub(rf"<!-- section:{name} -->.*?<!-- /section:{name} -->", "", text, flags=re.S)
    return text


def console_blocks(sections: dict[str, str] = SECTIONS) -> list[tuple[str, str]]:
    """``(command, expected output)`` for each ``$ tfdojo`` line of the sections' blocks."""
    blocks = []
    for name, prefix in sections.items():
        section = section_text(name)
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


def test_the_readme_is_short():
    """A first look, not the manual: the rest lives in the documentation site."""
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_LINES, f"README.md has {len(lines)} lines"


def test_every_console_block_is_run_by_a_test():
    """A ```console block promises output a test checks: only inside a tested section."""
    for page in pages():
        rest = without_tested_sections(page.read_text(encoding="utf-8"))
        assert "```console" not in rest, page.relative_to(ROOT)


def test_the_readmes_links_lead_to_files_of_the_repository():
    """The README is read on GitHub, outside the site's strict build: its links checked here."""
    text = README.read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    assert targets
    for target in targets:
        if not re.match(r"^[a-z]+:", target):
            assert (ROOT / target).is_file(), target
