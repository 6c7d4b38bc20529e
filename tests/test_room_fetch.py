"""``tfdojo data fetch URL``: the room's dataset, byte for byte, or nothing: resumed, and
refused when a file or an array does not match."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import json
import shutil
import threading
import zipfile

import numpy as np
import pytest

from tests.room_server import RoomServer
from tests.room_server import http as room_http
from tfdojo.cli import main
from tfdojo.data.dataset import read_npz
from tfdojo.data.files import file_sha256

FILES = ("manifest.json", "notmnist.npz")


@pytest.fixture(scope="module")
def served(tiny_dataset, tmp_path_factory):
    folder = tmp_path_factory.mktemp("served")
    data = folder / "data"
    shutil.copytree(tiny_dataset, data)
    server = RoomServer(folder / "room.sqlite", extra=("--data", str(data)))
    server.data = data
    yield server
    server.stop()


def test_fetch_reproduces_the_facilitators_dataset_byte_for_byte(served, tmp_path, capsys):
    assert served.lines[3] == f"  dataset:  tfdojo data fetch {served.url}   ({served.data})"
    out = tmp_path / "mine"
    assert main(["data", "fetch", served.url, "--out", str(out), "--quiet"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0] == f"dataset: {out}"
    assert text.endswith(f"\nthe room's dataset is in {out}; every file matches its sha256\n")
    for name in FILES:
        assert (out / name).read_bytes() == (served.data / name).read_bytes()
    assert sorted(p.name for p in out.iterdir()) == list(FILES)  # no staging left behind
    # again: nothing to do, the same answer
    assert main(["data", "fetch", served.url, "--out", str(out), "--quiet"]) == 0
    capsys.readouterr()
    # a folder of anything else is never replaced; another tfdojo dataset needs --overwrite
    other = tmp_path / "other"
    other.mkdir()
    (other / "manifest.json").write_text("{}")
    for extra in ([], ["--overwrite"]):
        assert main(["data", "fetch", served.url, "--out", str(other), *extra, "--quiet"]) == 2
        assert capsys.readouterr().err == (
            f"tfdojo: error: --out: {other} already exists and is not a dataset folder written "
            "by tfdojo; refusing to replace it (name a new path)\n"
        )
    assert (other / "manifest.json").read_text() == "{}"
    mine = tmp_path / "built"
    shutil.copytree(served.data, mine)  # a dataset tfdojo built
    assert main(["data", "fetch", served.url, "--out", str(mine), "--quiet"]) == 0  # the same
    (mine / "notmnist.npz").write_bytes(b"not the room's")
    assert main(["data", "fetch", served.url, "--out", str(mine), "--quiet"]) == 2
    assert "add --overwrite to replace it (or --out DIR for the room's)" in capsys.readouterr().err
    assert main(["data", "fetch", served.url, "--out", str(mine), "--overwrite", "--quiet"]) == 0
    assert (mine / "notmnist.npz").read_bytes() == (served.data / "notmnist.npz").read_bytes()


def test_an_interrupted_fetch_resumes_with_a_range(served, tmp_path, capsys):
    """A .part of the first half, altered: resumed with Range, the whole no longer matches
    the room's sha256, so it is refused and deleted; the next run starts over and succeeds."""
    out = tmp_path / "resumed"
    npz = (served.data / "notmnist.npz").read_bytes()
    staging = out / ".tfdojo-fetch"
    staging.mkdir(parents=True)
    part = staging / "notmnist.npz.part"
    half = bytearray(npz[: len(npz) // 2])
    half[100] ^= 0xFF
    part.write_bytes(bytes(half))
    assert main(["data", "fetch", served.url, "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    source = served.url + "data/notmnist.npz"
    assert err.startswith(f"tfdojo: error: {source}: {len(npz):,} bytes of sha256 ")
    assert err.endswith("(a damaged or tampered file); refused, nothing was kept\n")
    assert not part.exists() and not (out / "notmnist.npz").exists()

    part.write_bytes(npz[: len(npz) // 3])  # an honest interruption: resumed, then whole
    assert main(["data", "fetch", served.url, "--out", str(out), "--quiet"]) == 0
    assert (out / "notmnist.npz").read_bytes() == npz


def test_a_file_changed_on_the_room_is_refused(served, tmp_path, capsys):
    npz = served.data / "notmnist.npz"
    original = npz.read_bytes()
    try:
        npz.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
        out = tmp_path / "refused"
        assert main(["data", "fetch", served.url, "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert err == (
            f"tfdojo: error: {served.url}data/notmnist.npz: {len(original):,} bytes of sha256 "
            f"{file_sha256(npz)[:16]}...; the room lists {len(original):,} bytes of sha256 "
            f"{hashlib.sha256(original).hexdigest()[:16]}... (a damaged or tampered file); "
            "refused, nothing was kept\n"
        )
        assert not (out / "notmnist.npz").exists()
        assert not (out / ".tfdojo-fetch" / "notmnist.npz.part").exists()
    finally:
        npz.write_bytes(original)


def tampered_npz(path) -> bytes:
    """The npz at ``path`` with one pixel of the first training image changed, saved anew."""
    arrays = read_npz(path)
    arrays["train_images"] = arrays["train_images"].copy()
    arrays["train_images"][0, 14, 14] ^= 0xFF
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_arrays_that_do_not_match_the_manifest_are_refused(tiny_dataset, tmp_path, capsys):
    """A room (or a machine in the middle) whose list of files agrees with a changed npz:
    the arrays' sha256s in the manifest still refuse it."""
    root = tmp_path / "www"
    (root / "data").mkdir(parents=True)
    shutil.copy(tiny_dataset / "manifest.json", root / "data" / "manifest.json")
    (root / "data" / "notmnist.npz").write_bytes(tampered_npz(tiny_dataset / "notmnist.npz"))
    assert zipfile.is_zipfile(root / "data" / "notmnist.npz")
    index = {
        "files": {
            n: {
                "size": (root / "data" / n).stat().st_size,
                "sha256": file_sha256(root / "data" / n),
            }
            for n in FILES
        }
    }
    (root / "data" / "index.html").write_text(json.dumps(index))  # what GET /data/ answers
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/"
        out = tmp_path / "out"
        assert main(["data", "fetch", url, "--out", str(out), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert err == (
            f"tfdojo: error: {url}data/: refused, nothing was kept: "
            f"{out / '.tfdojo-fetch' / 'notmnist.npz'}: train_images does not match "
            "manifest.json (interrupted write?); rebuild the dataset\n"
        )
        assert not out.exists() or sorted(p.name for p in out.iterdir()) == []
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


def test_serve_refuses_a_tampered_dataset(tiny_dataset, tmp_path, capsys):
    data = tmp_path / "tampered"
    shutil.copytree(tiny_dataset, data)
    (data / "notmnist.npz").write_bytes(tampered_npz(tiny_dataset / "notmnist.npz"))
    argv = ["dojo", "serve", "--port", "0", "--db", str(tmp_path / "r.sqlite"), "--data", str(data)]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: {data / 'notmnist.npz'}: train_images does not match manifest.json "
        "(interrupted write?); rebuild the dataset\n"
    )
    assert not (tmp_path / "r.sqlite").exists()


def test_serve_hands_out_the_caches_dataset_unless_told_not_to(tiny_dataset, tmp_path):
    shutil.copytree(tiny_dataset, tmp_path / "cache" / "fonts")  # what `data build` makes
    server = RoomServer(tmp_path / "room.sqlite")
    try:
        assert server.lines[3] == (
            f"  dataset:  tfdojo data fetch {server.url}   ({tmp_path / 'cache' / 'fonts'})"
        )
    finally:
        server.stop()
    server = RoomServer(tmp_path / "room.sqlite", extra=("--no-data",))
    try:
        assert server.lines[3] == "  dataset:  none handed out (--data DIR hands one out)"
        status, body = room_http(server.url + "data/")
        assert (status, body) == (
            404,
            {
                "error": "data: this room hands out no dataset; the facilitator starts it with "
                "`tfdojo dojo serve --data DIR`"
            },
        )
    finally:
        server.stop()
