"""The documentation site: its generated pages are current, it builds strictly, `tfdojo docs`.

The site's build (`mkdocs build --strict`, through `tfdojo docs --build-only`) needs the
docs extra: without it those tests skip, unless ``TFDOJO_REQUIRE_DOCS`` is set (CI), where
they fail. Everything else runs without mkdocs.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.test_readme_commands import TESTED_SECTIONS, section_text, without_tested_sections
from tfdojo.cli.main import main
from tfdojo.core.errors import TfdojoError
from tfdojo.teaching import docs_site

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
HAS_MKDOCS = all(importlib.util.find_spec(m) for m in ("mkdocs", "material"))
needs_mkdocs = pytest.mark.skipif(
    not HAS_MKDOCS and not os.environ.get("TFDOJO_REQUIRE_DOCS"),
    reason="the docs extra (mkdocs-material) is not installed: pip install -e '.[docs]'",
)
WAIT = 60  # seconds any wait below may take on a loaded machine


def make_docs():
    spec = importlib.util.spec_from_file_location("make_docs", ROOT / "scripts" / "make_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the generated pages ------------------------------------------------------------------------


def test_the_generated_pages_match_their_sources():
    """A reference page edited by hand, or a command, option or config key changed without
    regenerating, fails here."""
    done = subprocess.run(
        [sys.executable, "scripts/make_docs.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert (done.returncode, done.stderr) == (0, "")


def test_check_names_the_stale_page_and_a_run_rewrites_it(tmp_path, monkeypatch, capsys):
    mk = make_docs()
    page = tmp_path / "docs" / "reference" / "cli.md"
    page.parent.mkdir(parents=True)
    page.write_text("edited by hand\n", encoding="utf-8")
    monkeypatch.setattr(mk, "ROOT", tmp_path)
    monkeypatch.setattr(mk, "targets", lambda: {page: "# Commands\n"})
    assert mk.main(["--check"]) == 1
    err = capsys.readouterr().err
    assert err == (
        "make_docs: out of date: docs/reference/cli.md; run python scripts/make_docs.py\n"
    )
    assert page.read_text(encoding="utf-8") == "edited by hand\n"  # --check writes nothing
    assert mk.main([]) == 0
    assert page.read_text(encoding="utf-8") == "# Commands\n"
    assert mk.main(["--check"]) == 0


def test_the_cli_page_holds_every_command_option_default_and_example():
    page = make_docs().cli_page()
    assert "| [`tfdojo docs`](#tfdojo-docs) | this documentation, offline:" in page
    assert "### `tfdojo data build` {#tfdojo-data-build}" in page
    assert "| `--patch K` | `3` | patch size K x K, 1..1024 (default 3) |" in page
    assert "| `--port PORT` | `8001` | port to listen on (default 8001;" in page
    assert "| `--set KEY=VALUE` |  | override one setting, e.g. lr=0.1 or " in page
    assert "| `RUN` |  | a run folder made by `tfdojo train` |" in page  # a positional
    assert "| `[RUN_B]` |  | a second run, shown beside RUN |" in page
    assert "```text\ntfdojo play [options] RUN [RUN_B]\n```" in page
    assert "```sh\ntfdojo shapes --input 28x28x3 --patch 3 --depth 8 --stride 1" in page
    # %% in a help string reads as % (as --help prints it), and no hidden argument shows
    assert "%%" not in page and "95% Wilson" in page
    assert "`DIR` |" not in page.split("## `tfdojo data info`")[1].split("## ")[0]


def test_help_text_becomes_markdown_safely():
    mk = make_docs()
    assert mk.md_text("a <b> & c|d * e_f `x|<y>*` [z]") == (
        r"a &lt;b&gt; &amp; c\|d \* e\_f `x|<y>*` \[z\]"
    )
    assert mk.md_text(":mod:`~tfdojo.data.styles` and :class:`tfdojo.models.ModelConfig`") == (
        "`styles` and `tfdojo.models.ModelConfig`"
    )
    assert mk.md_text("``x`` then ``lr * 2``") == "`x` then `lr * 2`"


@dataclasses.dataclass
class Documented:
    """A config documented in the ways docstrings here do.

    Attributes:
        lr: the learning rate at the start (> 0).
            Range: (0, 10]; larger diverges.
        valid_fraction, test_fraction: share of the glyphs
            (by whole font families).
        momentum (float): SGD's momentum in [0, 1).
        ``dropout`` (float in [0, 1), default 0.3): the share of units dropped.
        schedule: one of

            - ``constant``;
            - ``cosine``.
        empty:

    Example:
        Documented(lr=0.1)
    """

    lr: float = 0.05


def test_attributes_are_read_from_the_docstring_whatever_their_style():
    assert make_docs().attributes(Documented) == {
        "lr": "the learning rate at the start (> 0). Range: (0, 10]; larger diverges.",
        "valid_fraction": "share of the glyphs (by whole font families).",
        "test_fraction": "share of the glyphs (by whole font families).",
        "momentum": "SGD's momentum in [0, 1).",
        "dropout": "the share of units dropped.",
        "schedule": "one of - ``constant``; - ``cosine``.",
        "empty": "",
    }


@dataclasses.dataclass
class Undocumented:
    """A config with a key its docstring forgets.

    Attributes:
        seed: the seed.
    """

    seed: int = 0
    lr: float = 0.1


def test_an_undocumented_config_key_stops_the_generator_naming_it():
    with pytest.raises(SystemExit) as info:
        make_docs().settings_table(Undocumented, Undocumented())
    assert str(info.value) == (
        "make_docs: Undocumented.lr has no entry in the Attributes section of "
        "Undocumented's docstring; document it there"
    )


def test_the_config_page_has_every_key_with_its_type_and_default():
    page = make_docs().config_page()
    assert "| `lr` | number | `0.05` | the learning rate at the start" in page
    assert "| `precision` | `auto`, `float32` or `bfloat16` | `auto` |" in page
    assert "| `model.conv_padding` | `SAME` or `VALID`, comma-separated | `SAME` |" in page
    assert "| `augment_eval` | `true` or `false` | `false` |" in page
    assert "| `test_fraction` | number | `0.2` | share of the glyphs" in page
    assert "| `mlp` | the course's ReLU network: one hidden layer of 1,024 units | " in page


# -- the pages as written -----------------------------------------------------------------------

MEASURED = re.compile(r'^!!! info "Measured on (\d{4}-\d{2}-\d{2}) · (.+)"\n((?:    .*\n)+)', re.M)


def test_every_results_page_says_on_what_machine_and_when_and_every_benchmark_has_one():
    pages = sorted(p for p in (DOCS / "results").glob("*.md") if p.name != "index.md")
    named = {}
    for page in pages:
        found = MEASURED.search(page.read_text(encoding="utf-8"))
        assert found, f"{page.name}: no 'Measured on DATE · MACHINE' box at its top"
        assert "cores" in found[2], f"{page.name}: the machine's kind says its cores"
        for script in re.findall(r"benchmarks/(\w+\.py)", found[3]):
            named.setdefault(script, []).append(page.name)
    benchmarks = sorted(  # _name.py: a helper the benchmarks share, not a benchmark
        p.name for p in (ROOT / "benchmarks").glob("*.py") if not p.name.startswith("_")
    )
    assert {b: len(named.get(b, [])) for b in benchmarks} == {b: 1 for b in benchmarks}


def test_every_page_is_in_the_nav_and_no_page_shows_an_untested_console_block():
    """A ```console block promises output the test suite checks: tests/test_readme_commands.py
    (and tests/test_kata_cli.py) run the blocks of its sections, in whichever page they are."""
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for page in DOCS.rglob("*.md"):
        name = page.relative_to(DOCS).as_posix()
        assert f": {name}\n" in nav or f"- {name}\n" in nav, name
        assert "```console" not in without_tested_sections(page.read_text(encoding="utf-8")), name
    for name in TESTED_SECTIONS:  # each in exactly one page
        assert section_text(name).count("```console") >= 1, name


# -- tfdojo docs --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """`tfdojo docs --build-only` into a new folder: mkdocs build --strict on the real site."""
    if not HAS_MKDOCS:
        pytest.fail("TFDOJO_REQUIRE_DOCS is set but mkdocs-material is not installed")
    site = tmp_path_factory.mktemp("docs") / "site"
    assert main(["docs", "--build-only", "--out", str(site)]) == 0
    return site


@needs_mkdocs
def test_docs_builds_the_whole_site_strictly_and_offline(built_site, capsys):
    for page in ("index.html", "reference/cli.html", "results/real-gap.html", "play.png"):
        assert (built_site / page).is_file(), page
    assert (built_site / "search" / "search_index.json").is_file()
    html = (built_site / "index.html").read_text(encoding="utf-8")
    assert "fonts.googleapis.com" not in html
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?://', html)
    assert '<a href="tutorials/ten-minutes.html">' in html  # links that work from disk


@needs_mkdocs
def test_docs_builds_only_when_the_sources_changed(built_site, capsys):
    capsys.readouterr()
    before = (built_site / "index.html").stat().st_mtime_ns
    assert main(["docs", "--build-only", "--out", str(built_site)]) == 0
    assert capsys.readouterr().out == (
        f"the documentation is up to date: {built_site}\n"
        f"open {built_site / 'index.html'} (no search from disk), or serve it: tfdojo docs\n"
    )
    assert (built_site / "index.html").stat().st_mtime_ns == before


@needs_mkdocs
def test_a_broken_link_fails_the_build_in_one_line_and_keeps_the_old_site(tmp_path):
    root = tmp_path / "repo"
    (root / "docs").mkdir(parents=True)
    (root / "mkdocs.yml").write_text("site_name: t\nstrict: true\n", encoding="utf-8")
    (root / "docs" / "index.md").write_text("# T\n", encoding="utf-8")
    site = tmp_path / "site"
    assert docs_site.build(root, site) is True
    (root / "docs" / "index.md").write_text("# T\n\n[gone](gone.md)\n", encoding="utf-8")
    with pytest.raises(TfdojoError) as info:
        docs_site.build(root, site)
    assert str(info.value) == (
        "docs: mkdocs build --strict failed: Doc file 'index.md' contains a link 'gone.md', "
        "but the target is not found among documentation files."
    )
    assert "gone.md" not in (site / "index.html").read_text(encoding="utf-8")  # the old one
    assert sorted(p.name for p in tmp_path.iterdir()) == ["repo", "site"]  # no temporary left


def test_without_the_docs_extra_one_line_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "mkdocs" else real(name, *a)
    )
    site = tmp_path / "site"
    assert main(["docs", "--build-only", "--out", str(site)]) == 2
    assert capsys.readouterr().err == (
        "tfdojo: error: docs: building the site needs mkdocs-material (the docs extra), which "
        f"is not installed; install it with pip install -e '.[docs]' in {ROOT}\n"
    )
    assert not site.exists()


def test_without_the_repositorys_docs_one_line_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(docs_site, "ROOT", tmp_path)  # as for an installed wheel
    assert main(["docs", "--build-only", "--out", str(tmp_path / "site")]) == 2
    package = Path(docs_site.tfdojo.__file__).resolve().parent
    assert capsys.readouterr().err == (
        "tfdojo: error: docs: the documentation's sources (mkdocs.yml and docs/) are not beside "
        f"this tfdojo ({package}); they come with a clone of the repository: there, run "
        "pip install -e '.[docs]', then tfdojo docs\n"
    )
    assert sorted(tmp_path.iterdir()) == []


def test_a_folder_of_other_files_or_a_file_is_refused_untouched(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["docs", "--build-only", "--out", str(mine)]) == 2
    assert capsys.readouterr().err == (
        "tfdojo: error: --out: expected a new or empty folder, or a site tfdojo docs built, "
        f"received {mine}, which holds other files (nothing in it was changed)\n"
    )
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert (mine / "notes.txt").read_text(encoding="utf-8") == "keep me"
    a_file = mine / "notes.txt"
    assert main(["docs", "--build-only", "--out", str(a_file)]) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: --out: expected a folder for the site, received a file: {a_file}\n"
    )
    inside = DOCS / "site"
    assert main(["docs", "--build-only", "--out", str(inside)]) == 2
    assert capsys.readouterr().err == (
        "tfdojo: error: --out: the site cannot go inside the documentation's sources "
        f"{DOCS}, received {inside}\n"
    )
    assert not inside.exists()


def fake_current_site(folder: Path) -> Path:
    """A site folder tfdojo would take as built from the sources as they are now."""
    folder.mkdir()
    (folder / "index.html").write_text("<title>tfdojo docs</title>", encoding="utf-8")
    stamp = {"sources": docs_site.fingerprint(ROOT)}
    (folder / docs_site.STAMP).write_text(json.dumps(stamp), encoding="utf-8")
    return folder


def get(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=WAIT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_the_server_serves_the_site_to_this_machine_only(tmp_path):
    site = fake_current_site(tmp_path / "site")
    (tmp_path / "secret.txt").write_text("outside the site", encoding="utf-8")
    server = docs_site.open_server(site, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        assert get(url) == (200, "<title>tfdojo docs</title>")
        assert get(url, host="localhost") == (200, "<title>tfdojo docs</title>")
        assert get(url, host="attacker.example")[0] == 403  # DNS rebinding
        assert get(url + "../secret.txt")[0] == 404
        assert get(url + "%2e%2e/secret.txt")[0] == 404
    finally:
        server.shutdown()
        server.server_close()
        thread.join(WAIT)
    assert not thread.is_alive()


def test_a_busy_or_impossible_port_is_one_line(tmp_path):
    site = fake_current_site(tmp_path / "site")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(TfdojoError) as info:
            docs_site.open_server(site, port)
    assert str(info.value) == (
        f"--port: {port} on 127.0.0.1 cannot be opened (Address already in use); choose "
        f"another, or --port 0 for any free one, received {port}"
    )
    with pytest.raises(TfdojoError, match=r"^--port: expected a port number in 0\.\.65535, "):
        docs_site.open_server(site, 70000)


def test_docs_serves_until_ctrl_c(tmp_path):
    """The command as a learner runs it: up to date, serving, answering, stopped by Ctrl-C."""
    site = fake_current_site(tmp_path / "site")
    argv = ["docs", "--out", str(site), "--port", "0", "--no-browser"]
    code = f"import sys; from tfdojo.cli.main import main; sys.exit(main({argv!r}))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stdout], daemon=True).start()
    try:
        assert lines.get(timeout=WAIT) == f"the documentation is up to date: {site}\n"
        serving = lines.get(timeout=WAIT)
        url = re.fullmatch(
            r"serving the documentation at (http://127\.0\.0\.1:\d+/)  \(Ctrl-C stops it\)\n",
            serving,
        )
        assert url, serving
        assert get(url[1]) == (200, "<title>tfdojo docs</title>")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(WAIT) == 0
        assert lines.get(timeout=WAIT) == "stopped\n"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(WAIT)
    assert proc.stderr.read() == ""
