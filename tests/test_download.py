"""Download against a real HTTP server on 127.0.0.1 serving an archive the test makes.

The handler implements ``Range`` itself and can misbehave on demand: ignore
``Range``, cut the transfer short, answer an HTML page, a short file or a 404.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import io
import socket
import tarfile
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tfdojo import LETTERS
from tfdojo.cli import main
from tfdojo.core.errors import TfdojoError
from tfdojo.data import dataset, download

NAME = "notMNIST_small.tar.gz"
HTML = b"<!DOCTYPE html>\n<html><head><title>403 Forbidden</title></head><body>nope</body></html>"


def make_archive() -> bytes:
    """A small notMNIST-like tar.gz: 12 fonts x 10 letters of random-stroke PNGs."""
    buf = io.BytesIO()
    rng = np.random.default_rng(0)
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for f in range(12):
            font = base64.b64encode(f"Font{chr(65 + f)}x.ttf".encode()).decode()
            for letter in LETTERS:
                a = (rng.random((28, 28)) > 0.7).astype(np.uint8) * 255
                png = io.BytesIO()
                Image.fromarray(a).save(png, format="PNG")
                info = tarfile.TarInfo(f"notMNIST_small/{letter}/{font}.png")
                info.size = png.tell()
                tar.addfile(info, io.BytesIO(png.getvalue()))
    return buf.getvalue()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def do_GET(self):
        cfg = self.server.cfg
        cfg["requests"].append(self.headers.get("Range"))
        if self.path != "/files/" + NAME or cfg["mode"] == "404":
            self.send_error(404, "Not Found")
            return
        body, ctype = cfg["body"], "application/octet-stream"
        if cfg["mode"] == "html":
            body, ctype = HTML, "text/html; charset=utf-8"
        elif cfg["mode"] == "html-as-binary":
            body = HTML
        elif cfg["mode"] == "short":
            body = body[:1000]
        start = 0
        rng = self.headers.get("Range")
        if rng and cfg["mode"] != "ignore-range":
            start = int(rng.removeprefix("bytes=").split("-")[0])
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        payload = body[start:]
        if cfg["mode"] == "cut":  # promise everything, send half, hang up
            payload = payload[: len(body) // 2 - start]
            cfg["mode"] = "ok"  # the next request succeeds
        self.wfile.write(payload)


@pytest.fixture(scope="module")
def archive_bytes() -> bytes:
    return make_archive()


@pytest.fixture
def server(archive_bytes):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.cfg = {"mode": "ok", "body": archive_bytes, "requests": []}
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/files/", httpd.cfg
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def fetch(url, out, archive: bytes):
    """Download ``archive``, checked against its size and sha256."""
    return download.download(
        "small",
        url,
        out,
        progress=False,
        expected_size=len(archive),
        expected_sha256=hashlib.sha256(archive).hexdigest(),
    )


def test_download_whole_file_then_nothing_more(server, archive_bytes, tmp_path):
    url, cfg = server
    path = fetch(url, tmp_path, archive_bytes)
    assert path == tmp_path / NAME
    assert path.read_bytes() == archive_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == [NAME]  # no .part left
    assert fetch(url, tmp_path, archive_bytes) == path
    assert cfg["requests"] == [None]  # the second call found the file complete


def test_resume_from_a_partial_file(server, archive_bytes, tmp_path):
    url, cfg = server
    (tmp_path / (NAME + ".part")).write_bytes(archive_bytes[:1000])
    path = fetch(url, tmp_path, archive_bytes)
    assert cfg["requests"] == ["bytes=1000-"]
    assert path.read_bytes() == archive_bytes


def test_server_ignoring_range_restarts_from_zero(server, archive_bytes, tmp_path):
    url, cfg = server
    cfg["mode"] = "ignore-range"
    (tmp_path / (NAME + ".part")).write_bytes(archive_bytes[:1000])
    path = fetch(url, tmp_path, archive_bytes)
    assert cfg["requests"] == ["bytes=1000-"]
    assert path.read_bytes() == archive_bytes  # not 1000 bytes twice


def test_interrupted_transfer_keeps_part_and_resumes(server, archive_bytes, tmp_path):
    url, cfg = server
    cfg["mode"] = "cut"
    with pytest.raises(TfdojoError, match="interrupted after .* run the same command again"):
        fetch(url, tmp_path, archive_bytes)
    part = tmp_path / (NAME + ".part")
    assert part.read_bytes() == archive_bytes[: len(archive_bytes) // 2]
    assert not (tmp_path / NAME).exists()
    path = fetch(url, tmp_path, archive_bytes)
    assert cfg["requests"][-1] == f"bytes={len(archive_bytes) // 2}-"
    assert path.read_bytes() == archive_bytes


@pytest.mark.parametrize("mode", ["html", "html-as-binary"])
def test_html_page_is_refused_and_not_saved(server, archive_bytes, tmp_path, mode):
    url, cfg = server
    cfg["mode"] = mode
    with pytest.raises(TfdojoError, match="answered an HTML page"):
        fetch(url, tmp_path, archive_bytes)
    assert list(tmp_path.iterdir()) == []


def test_short_file_is_refused(server, archive_bytes, tmp_path):
    url, cfg = server
    cfg["mode"] = "short"
    message = f"expected {len(archive_bytes):,} bytes, received 1,000"
    with pytest.raises(TfdojoError, match=message):
        fetch(url, tmp_path, archive_bytes)
    assert list(tmp_path.iterdir()) == []


def test_real_size_is_checked_by_default(server, archive_bytes, tmp_path):
    url, _ = server
    with pytest.raises(TfdojoError, match="expected 8,458,043 bytes"):
        download.download("small", url, tmp_path, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_404_and_unreachable_server(server, tmp_path):
    url, cfg = server
    cfg["mode"] = "404"
    with pytest.raises(TfdojoError, match=f"{url}{NAME}: the server answered HTTP 404"):
        fetch(url, tmp_path, bytes(10))
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(TfdojoError, match="could not connect"):
        fetch(f"http://127.0.0.1:{port}/", tmp_path, bytes(10))
    assert list(tmp_path.iterdir()) == []


def test_base_url_from_environment(monkeypatch):
    monkeypatch.delenv("TFDOJO_BASE_URL", raising=False)
    assert download.base_url() == download.DEFAULT_BASE_URL
    monkeypatch.setenv("TFDOJO_BASE_URL", "http://mirror.example/nm")
    assert download.base_url() == "http://mirror.example/nm/"
    assert download.base_url("http://other/") == "http://other/"


# -- CLI -------------------------------------------------------------------------------------


def test_cli_download_and_import(server, archive_bytes, tmp_path, capsys, monkeypatch):
    url, _ = server
    sha256 = hashlib.sha256(archive_bytes).hexdigest()
    monkeypatch.setitem(download.ARCHIVES, "small", (NAME, len(archive_bytes), sha256))
    monkeypatch.setenv("TFDOJO_BASE_URL", url)
    data = tmp_path / "real"
    code = main(["data", "download", "--quiet", "--out", str(tmp_path), "--import", str(data)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"notMNIST small: {tmp_path / NAME} ({len(archive_bytes):,} bytes)" in out
    ds = dataset.load(data)
    assert ds.manifest["import"]["images"] == 120
    assert ds.manifest["source"] == str(tmp_path / NAME)


def test_cli_download_errors_are_one_line(server, tmp_path, capsys, monkeypatch):
    url, cfg = server
    cfg["mode"] = "html"
    monkeypatch.setitem(download.ARCHIVES, "small", (NAME, 5000, "0" * 64))
    code = main(["data", "download", "--quiet", "--base-url", url, "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("tfdojo: error: ")
    assert "HTML page" in err and "Traceback" not in err
    assert list(Path(tmp_path).iterdir()) == []


def test_default_folder_is_the_cache_downloads(server, archive_bytes, tmp_path, monkeypatch):
    from tfdojo.core import paths

    url, _ = server
    monkeypatch.setenv("TFDOJO_DATA", str(tmp_path / "cache"))
    path = fetch(url, None, archive_bytes)
    assert path == paths.downloads_dir() / NAME == tmp_path / "cache" / "downloads" / NAME


# -- sha256 --------------------------------------------------------------------------------------


def test_right_size_wrong_sha256_is_refused_and_not_kept(server, archive_bytes, tmp_path):
    url, cfg = server
    damaged = bytearray(archive_bytes)
    damaged[len(damaged) // 2] ^= 0xFF  # same size, still starts like gzip
    cfg["body"] = bytes(damaged)
    good = hashlib.sha256(archive_bytes).hexdigest()
    bad = hashlib.sha256(damaged).hexdigest()
    with pytest.raises(TfdojoError) as err:
        fetch(url, tmp_path, archive_bytes)
    assert str(err.value) == (
        f"{url}{NAME}: sha256 {bad} does not match the archive's {good} (a damaged or "
        "different file of the right size); nothing was kept"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_archive_already_there_is_downloaded_again(server, archive_bytes, tmp_path):
    url, cfg = server
    (tmp_path / NAME).write_bytes(archive_bytes[:-1] + b"x")  # right size and magic
    path = fetch(url, tmp_path, archive_bytes)
    assert cfg["requests"] == [None]
    assert path.read_bytes() == archive_bytes


def test_cli_sha256_option(server, archive_bytes, tmp_path, capsys, monkeypatch):
    url, _ = server
    monkeypatch.setitem(download.ARCHIVES, "small", (NAME, len(archive_bytes), "0" * 64))
    argv = ["data", "download", "--quiet", "--base-url", url, "--out", str(tmp_path)]
    assert main([*argv, "--sha256", "xyz"]) == 2
    assert capsys.readouterr().err == (
        "tfdojo: error: --sha256: expected 64 hexadecimal digits, received 'xyz'\n"
    )
    assert main(argv) == 2
    assert "does not match the archive's 0000" in capsys.readouterr().err
    sha256 = hashlib.sha256(archive_bytes).hexdigest().upper()
    assert main([*argv, "--sha256", sha256]) == 0, capsys.readouterr().err
    assert (tmp_path / NAME).read_bytes() == archive_bytes
