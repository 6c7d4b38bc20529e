"""The one way tfdojo reads a file a user named: regular files only, never a wait on a FIFO,
a cap checked before and enforced while reading; and a check that it stays the one way."""

from __future__ import annotations

import ast
import io
import os
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tfdojo
from tfdojo.core import safe_read
from tfdojo.core.errors import TfdojoError

from .hostile import MiB
from .memory import peak_rss_growth


def finishes(call, fifo: Path | None = None, seconds: float = 20.0):
    """``call()``'s result or exception, asserting it returned within ``seconds``; if it did
    not, a writer is opened on ``fifo`` to release it before the test fails."""
    out: list = []

    def target():
        try:
            out.append(call())
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            out.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive() and fifo is not None:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # the reader gets EOF
        thread.join(seconds)
    assert out, f"still blocked after {seconds} s"
    return out[0]


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "config.json"
    os.mkfifo(path)
    return path


def test_a_fifo_is_refused_at_once(fifo):
    for read in (safe_read.read_bytes, safe_read.read_text, safe_read.read_json):
        result = finishes(lambda read=read: read(fifo, MiB), fifo)
        assert isinstance(result, TfdojoError)
        assert str(result) == (
            f"{fifo}: is a named pipe (FIFO), not a regular file; expected "
            + {safe_read.read_bytes: "a file", safe_read.read_text: "a text file"}.get(
                read, "a JSON object"
            )
        )


def test_a_link_to_a_device_is_refused_without_reading(tmp_path):
    link = tmp_path / "metrics.json"
    link.symlink_to("/dev/zero")
    result, growth = peak_rss_growth(lambda: safe_read.read_json(link, 1 << 30))
    assert str(result) == f"{link}: is a device, not a regular file; expected a JSON object"
    assert growth < 8 * MiB


def test_folders_missing_files_and_sizes(tmp_path):
    with pytest.raises(TfdojoError, match=f"^{tmp_path}: is a folder; expected a file$"):
        safe_read.read_bytes(tmp_path, 10)
    with pytest.raises(safe_read.MissingFile, match="nope: no such file; expected a file$"):
        safe_read.read_bytes(tmp_path / "nope", 10)
    big = tmp_path / "big.json"
    big.write_bytes(b" " * 11)
    with pytest.raises(safe_read.TooLarge) as err:
        safe_read.read_bytes(big, 10, "a config")
    assert str(err.value) == f"{big}: 11 bytes; expected a config of at most 10 bytes"
    assert safe_read.read_bytes(big, 11) == b" " * 11


def test_a_file_that_grows_while_read_stops_at_the_cap(tmp_path):
    path = tmp_path / "growing"
    path.write_bytes(b"x" * 10)
    with safe_read.open_regular(path, 20) as f:  # 10 bytes when checked
        with open(path, "ab") as writer:
            writer.write(b"y" * 100)  # then 110
        with pytest.raises(TfdojoError) as err:
            f.read()
    assert str(err.value) == (
        f"{path}: more than 20 bytes once read (it grew after it was checked); refused"
    )
    # /proc files say they hold 0 bytes: the cap holds while reading
    with pytest.raises(TfdojoError, match="more than 100 bytes once read"):
        safe_read.read_bytes("/proc/self/maps", 100)


def test_text_must_be_utf8(tmp_path):
    path = tmp_path / "a.toml"
    path.write_bytes(b'name = "caf\xe9"')
    with pytest.raises(TfdojoError) as err:
        safe_read.read_text(path, MiB, "a TOML config")
    assert str(err.value) == (
        f"{path}: not UTF-8 text (invalid continuation byte at byte 11); expected a TOML config"
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": -Infinity}', "-Infinity is not a JSON number"),
        ('{"a": 1e999}', "number 1e999 is too large for a float"),
        ('{"a": ' + "[" * 33 + "]" * 33 + "}", "nested more than 32 levels deep"),
        ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
        ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
    ],
)
def test_json_that_is_not_plain_data_is_one_line(tmp_path, text, reason):
    path = tmp_path / "x.json"
    path.write_text(text)
    with pytest.raises(TfdojoError) as err:
        safe_read.read_json(path, MiB)
    assert str(err.value) == f"{path}: not valid JSON ({reason})"


def test_json_must_be_an_object_and_may_nest_32_deep(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("[1, 2]")
    with pytest.raises(TfdojoError, match=r"x\.json: expected a JSON object, received a list$"):
        safe_read.read_json(path, MiB)
    path.write_text('{"a": ' + "[" * 31 + "1" + "]" * 31 + ', "b": 1.5}')
    assert safe_read.read_json(path, MiB)["b"] == 1.5


# -- npz: every header before any array ---------------------------------------------------------


def npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.array([{"x": 1}], dtype=object), "holds pickled Python objects (dtype object); "),
        (np.array(["abc"]), "expected a numeric array, received dtype <U3"),
        (np.zeros(2, "u1,f4"), "expected a numeric array, received dtype [('f0', 'u1'), "),
        (np.zeros(2, np.complex64), "expected a numeric array, received dtype complex64"),
        (np.zeros(2, "M8[s]"), "expected a numeric array, received dtype datetime64[s]"),
        (np.zeros(2, "m8[s]"), "expected a numeric array, received dtype timedelta64[s]"),
        (np.zeros((2, 2), ">f4"), None),
    ],
)
def test_npz_dtypes(tmp_path, array, message):
    path = tmp_path / "w.npz"
    buf = io.BytesIO()
    np.savez(buf, a=array)
    path.write_bytes(buf.getvalue())
    if message is None:
        assert safe_read.load_npz(path, MiB)["a"].dtype == np.dtype(">f4")
        return
    with pytest.raises(TfdojoError) as err:
        safe_read.load_npz(path, MiB)
    assert str(err.value).startswith(f"{path}: a: {message}")


def test_npz_headers_are_checked_before_any_array_is_read(tmp_path):
    path = tmp_path / "w.npz"
    path.write_bytes(npz_bytes(a=np.zeros((200, 1 << 20), np.uint8), b=np.ones(3, np.int16)))
    assert path.stat().st_size < 2 * MiB  # 200 MiB of zeros, deflated
    seen = {}

    def refuse(headers):
        seen.update(headers)
        raise TfdojoError("not the model's")

    result, growth = peak_rss_growth(lambda: safe_read.load_npz(path, 1 << 30, check=refuse))
    assert str(result) == "not the model's"
    assert seen == {"a": ((200, 1 << 20), np.dtype("u1")), "b": ((3,), np.dtype("<i2"))}
    assert growth < 16 * MiB
    with pytest.raises(TfdojoError) as err:
        safe_read.load_npz(path, 100 * MiB)
    assert 200 * MiB + 6 + 2 * 128 == 209_715_462  # the arrays and their .npy headers
    assert str(err.value) == (
        f"{path}: arrays of 209,715,462 bytes once unzipped; expected at most 104,857,600"
    )
    arrays = safe_read.load_npz(path, 1 << 30, check=lambda headers: None)
    assert arrays["b"].tolist() == [1, 1, 1] and arrays["a"].shape == (200, 1 << 20)


def test_npz_with_a_large_zip_directory_is_refused_before_zipfile_reads_it(tmp_path, monkeypatch):
    path = tmp_path / "w.npz"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i in range(40):
            zf.writestr(f"a{i}.npy", b"")
    path.write_bytes(buf.getvalue())
    monkeypatch.setattr(safe_read, "MAX_ZIP_DIRECTORY_BYTES", 1000)
    with pytest.raises(TfdojoError) as err:
        safe_read.load_npz(path, MiB)
    assert 10 * (46 + len("a0.npy")) + 30 * (46 + len("a10.npy")) == 2110  # 46 bytes an entry
    assert str(err.value) == (
        f"{path}: a zip directory of 2,110 bytes; expected at most 1,000 (an npz holds a few "
        "arrays)"
    )


def test_npz_that_is_not_a_zip_says_what_it_is(tmp_path):
    path = tmp_path / "w.npz"
    path.write_bytes(b"\x80\x04pickle")
    with pytest.raises(TfdojoError, match=r"w\.npz: expected an npz \(zip\) file, received a "):
        safe_read.load_npz(path, MiB)
    assert safe_read.describe_head(b"\x80\x04pickle") == "a Python pickle"


# -- the one way stays the one way --------------------------------------------------------------

SRC = Path(tfdojo.__file__).parent

READERS = {"open", "read_text", "read_bytes", "truetype", "TTFont", "ZipFile", "GzipFile"}
READERS |= {"BZ2File", "LZMAFile", "memmap", "fromfile", "loadtxt", "genfromtxt", "fdopen"}
"""Calls that open or read a file: ``open(``, ``Path.read_text(``, ``Image.open(``, FreeType's
``truetype(``, ... (by attribute or name; ``read_text``/``read_bytes`` by name are
:mod:`tfdojo.core.safe_read`'s, where the module imports them from it)."""

LOADERS = {"np", "numpy", "json", "pickle", "tomllib", "marshal", "torch", "yaml"}
"""Modules whose ``load(`` reads a file: ``np.load(``, ``json.load(``, ``tomllib.load(``."""

ALLOWED = {
    ("core/safe_write.py", "os.open"): "peeks at a path it may replace: O_NOFOLLOW, O_NONBLOCK, "
    "then fstat: regular files only, never a link",
    ("core/safe_write.py", "os.fdopen"): "that descriptor",
    ("core/safe_write.py", "zipfile.ZipFile"): "is_keras_file, after _regular (lstat: a regular "
    "file, not a link)",
    ("core/safe_write.py", "open"): "writes the marker into a new temporary folder of its own",
    ("runs/writing.py", "os.open"): "the run folder's .lock, O_NOFOLLOW and O_NONBLOCK, for flock",
    ("runs/writing.py", "os.fdopen"): "that descriptor",
    ("room/client.py", "open"): "the outbox's lock file, for flock",
    ("room/room.py", "open"): "/proc/self/status, a file of the kernel's (the peak memory)",
    ("room/client.py", "opener.open"): "an HTTP request to the room, not a file",
    ("data/fetch.py", "opener.open"): "an HTTP request to the room, not a file",
    ("teaching/docs_site.py", "webbrowser.open"): "opens the site in a browser, not a file",
    ("training/export.py", "(Path(aside) / 'model.keras').read_bytes"): "the file Keras just "
    "wrote in a temporary folder of tfdojo's",
    ("core/safe_read.py", "os.open"): "the one way itself",
    ("core/safe_read.py", "read_bytes"): "the one way, calling itself",
    ("core/safe_read.py", "read_text"): "the one way, calling itself",
    ("core/safe_read.py", "zipfile.ZipFile"): "on the file open_regular opened",
    ("core/safe_read.py", "zf.open"): "a member of that zip",
    ("core/atomic.py", "os.fdopen"): "writes: the temporary file it just made",
    ("core/atomic.py", "os.open"): "append_line writes (O_WRONLY | O_APPEND): a log's line, "
    "O_NOFOLLOW and O_NONBLOCK, then fstat: regular files only",
    ("core/precision.py", "open"): "/proc/cpuinfo, the kernel's, not a user's",
    ("data/frame.py", "Image.open"): "on a file open_regular opened, or on bytes",
    ("data/render.py", "ImageFont.truetype"): "on the bytes read_font read",
    ("data/fonts.py", "TTFont"): "on the bytes read_font read",
    ("data/idx.py", "gzip.GzipFile"): "on the file open_regular opened",
    ("data/archive.py", "gzip.GzipFile"): "on the file open_regular opened",
    ("data/archive.py", "bz2.BZ2File"): "on the file open_regular opened",
    ("data/archive.py", "lzma.LZMAFile"): "on the file open_regular opened",
    ("data/download.py", "open"): "its own download (.part), in the folder it writes (21b)",
    ("data/download.py", "part.read_bytes"): "its own download (.part) (21b)",
    ("runs/writing.py", "open"): "the run's .lock, opened to write into --out (21b)",
    ("cli/commands/play.py", "Player.open"): "run folders: through open_run",
    ("play/server.py", "webbrowser.open"): "a URL, not a file",
    (
        "teaching/kata/sources/__init__.py",
        "resources.files(__package__).joinpath(f'{stem}.py').read_text",
    ): "tfdojo's own package data",
}
"""Every other call that opens or reads a file, and why it is not a user's path."""


def file_reads() -> set[tuple[str, str]]:
    """``(module, call)`` for every call in ``src/tfdojo`` that opens or reads a file."""
    found = set()
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        from_safe_read = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "tfdojo.core.safe_read"
            for alias in node.names
        }
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute):
                receiver = func.value.id if isinstance(func.value, ast.Name) else ""
                reads = func.attr in READERS and receiver != "safe_read"
                reads |= func.attr == "load" and receiver in LOADERS
            else:
                name = getattr(func, "id", "")
                reads = name in READERS and name not in from_safe_read
            if reads:
                found.add((path.relative_to(SRC).as_posix(), ast.unparse(func)))
    return found


def test_user_files_are_read_only_through_safe_read():
    """``open(``, ``.read_text(``, ``np.load(``, ``json.load(``... outside safe_read only
    where :data:`ALLOWED` says why; a new one must go through safe_read or be listed."""
    found = file_reads()
    assert sorted(found - set(ALLOWED)) == []
    assert sorted(set(ALLOWED) - found) == []  # the list holds nothing stale


def test_the_grep_finds_what_it_looks_for(tmp_path, monkeypatch):
    module = tmp_path / "tfdojo" / "data" / "sneaky.py"
    module.parent.mkdir(parents=True)
    module.write_text(
        "import json, numpy as np\n"
        "def f(p):\n"
        "    return json.load(open(p)), np.load(p), p.read_text(), json.loads(p.read_bytes())\n"
    )
    monkeypatch.setitem(globals(), "SRC", tmp_path / "tfdojo")
    assert file_reads() == {
        ("data/sneaky.py", "json.load"),
        ("data/sneaky.py", "open"),
        ("data/sneaky.py", "np.load"),
        ("data/sneaky.py", "p.read_text"),
        ("data/sneaky.py", "p.read_bytes"),
    }
