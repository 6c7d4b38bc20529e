"""``tfdojo play``: the upload guard, the first-layer views against NumPy, the HTTP API of a
real server on 127.0.0.1 (agreement with ``tfdojo predict``, bad uploads, concurrency,
latency), and the page driven in headless Chromium through Selenium."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import os
import re
import select
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from tests.conftest import matplotlib_font_dir
from tests.hostile import MiB
from tests.memory import peak_rss_growth_of
from tfdojo import LETTERS, runs
from tfdojo.cli import main
from tfdojo.core.serving import HEADER_TIMEOUT as HEADERS_SECONDS
from tfdojo.data.frame import frame_image
from tfdojo.models.learner import load_class
from tfdojo.play import Player, PlayError, create_app
from tfdojo.play.player import DECODE_SLOTS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
DOCS = Path(__file__).resolve().parents[1] / "docs"


# --------------------------------------------------------------------------- images


def png_bytes(img: Image.Image, **kwargs) -> bytes:
    out = io.BytesIO()
    img.save(out, "PNG", **kwargs)
    return out.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A valid PNG signature and IHDR claiming ``width`` x ``height`` grey pixels, then a
    tiny IDAT and IEND: a few dozen bytes that decode to gigabytes (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def letter_images(folder: Path, n: int = 100, seed: int = 0) -> list[Path]:
    """``n`` image files of letters as people send them: typed in a font or drawn as
    strokes, any size, dark on light or light on dark, grey, colour or transparent, PNG or
    JPEG, with stray strokes."""
    rng = np.random.default_rng(seed)
    fonts = sorted(matplotlib_font_dir().glob("DejaVu*.ttf")) + [
        matplotlib_font_dir() / "STIXGeneral.ttf"
    ]
    paths = []
    for i in range(n):
        w, h = (int(v) for v in rng.integers(40, 420, size=2))
        dark_ink = bool(rng.integers(2))
        ink, paper = (20, 235) if dark_ink else (240, 10)
        mode = ["L", "RGB", "RGBA"][i % 3]
        colour = (lambda v: v) if mode == "L" else (lambda v: (v, v // 2 + 60, v, 255))
        img = Image.new(mode, (w, h), colour(paper) if mode != "RGBA" else (0, 0, 0, 0))
        draw = ImageDraw.Draw(img)
        if i % 4 == 3:  # drawn: the strokes of a mouse on the page's pad
            points = [tuple(int(v) for v in rng.integers(0, [w, h])) for _ in range(4)]
            draw.line(points, fill=colour(ink), width=int(rng.integers(3, 20)), joint="curve")
        else:
            font = ImageFont.truetype(str(fonts[i % len(fonts)]), int(min(w, h) * 0.7))
            x, y = (int(v) for v in rng.integers(0, [max(1, w // 4), max(1, h // 4)]))
            draw.text((x, y), LETTERS[i % 10], fill=colour(ink), font=font)
        for _ in range(int(rng.integers(0, 3))):  # stray strokes
            a, b = rng.integers(0, [w, h]), rng.integers(0, [w, h])
            draw.line([tuple(map(int, a)), tuple(map(int, b))], fill=colour(ink), width=2)
        if i % 5 == 4:
            path = folder / f"letter{i:03d}.jpg"
            img.convert("RGB").save(path, quality=85)
        else:
            path = folder / f"letter{i:03d}.png"
            img.save(path)
        paths.append(path)
    return paths


# --------------------------------------------------------------------------- the guard


def test_uploads_go_through_the_shared_opener_with_http_statuses(play_runs):
    """The page's uploads are opened by tfdojo.data.frame.open_image (tested with the other
    pictures); here: which refusal becomes which HTTP status."""
    player = Player.open([play_runs["logistic"]])
    cases = [
        (b"", 400, "image: received no bytes; expected a PNG or JPEG file"),
        (b"hello, world", 400, "image: not an image tfdojo reads; expected PNG, JPEG, GIF"),
        (png_header_claiming(5000, 5000), 413, "image: expected an image of at most 16,777,216"),
        (png_header_claiming(50_000, 50_000), 413, "image: expected an image of at most"),
        (png_bytes(Image.new("L", (64, 64), 128))[:60], 400, "image: not a readable image ("),
    ]
    for data, status, message in cases:
        with pytest.raises(PlayError) as caught:
            player.frame(data)
        assert caught.value.status == status and str(caught.value).startswith(message), (
            status,
            str(caught.value),
        )
    assert player.frame(png_bytes(Image.new("L", (64, 64), 128))).shape == (28, 28)


# --------------------------------------------------------------------------- runs


@pytest.fixture(scope="module")
def play_runs(tiny_dataset, tmp_path_factory) -> dict[str, Path]:
    """One run of each kind (the default ``cnn``), 1 epoch on the tiny dataset."""
    from tfdojo.data import dataset
    from tfdojo.training import train

    data = dataset.load(tiny_dataset)
    root = tmp_path_factory.mktemp("play_runs")
    for name in ("cnn", "logistic", "mlp"):
        cfg = train.make_config(name, sets=["epochs=1"])
        train.train(cfg, data, root / name, progress=False, threads=1)
    return {name: root / name for name in ("cnn", "logistic", "mlp")}


@pytest.fixture(scope="module")
def drawn_a() -> bytes:
    """An "A" drawn white on black as on the page's pad: the canvas's PNG."""
    img = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
    draw = ImageDraw.Draw(img)
    white = (255, 255, 255, 255)
    draw.line([(60, 250), (140, 30), (220, 250)], fill=white, width=22, joint="curve")
    draw.line([(95, 170), (185, 170)], fill=white, width=22)
    return png_bytes(img)


def test_first_layer_views_match_numpy(play_runs, drawn_a):
    """Each view recomputed from the weights in NumPy, the way the page explains it."""
    player = Player.open([play_runs["logistic"], play_runs["mlp"]])
    framed = player.frame(drawn_a)
    x = (framed.astype(np.float64) - 127.5) / 255  # (28, 28) in [-0.5, 0.5]
    logistic, mlp = player.play(drawn_a)["runs"]

    W, b = (player.models[0].get_weights()[k] for k in ("logits.w", "logits.b"))
    view = logistic["layer"]
    np.testing.assert_allclose(view["scores"], x.reshape(784) @ W + b, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(view["scores"], logistic["logits"], rtol=1e-5, atol=1e-5)
    contributions = np.asarray(view["contributions"])  # (10, 784), rounded to 4 decimals
    np.testing.assert_allclose(contributions.sum(1) + b, view["scores"], atol=784 * 5e-5)

    W1, b1 = (player.models[1].get_weights()[k] for k in ("dense1.w", "dense1.b"))
    h = np.maximum(x.reshape(784) @ W1 + b1, 0)  # (784,) @ (784, 1024) -> (1024,)
    view = mlp["layer"]
    top = np.argsort(-h, kind="stable")[:8]
    assert [u["unit"] for u in view["units"]] == top.tolist()
    np.testing.assert_allclose([u["activation"] for u in view["units"]], h[top], rtol=1e-4)
    assert view["active"] == int((h > 0).sum()) and view["units_total"] == 1024
    assert view["units"][0]["weights"] == np.round(W1[:, top[0]], 4).tolist()

    cnn = Player.open([play_runs["cnn"]])
    K, bk = (cnn.models[0].get_weights()[k] for k in ("conv1.w", "conv1.b"))  # (3, 3, 1, 16)
    view = cnn.play(drawn_a)["runs"][0]["layer"]
    padded = np.pad(x, 1)  # SAME padding of a 3x3 window, stride 1
    windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3))  # (28, 28, 3, 3)
    maps = np.maximum(np.einsum("hwij,ijd->dhw", windows, K[:, :, 0, :]) + bk[:, None, None], 0)
    np.testing.assert_allclose(view["peak"], maps.max(axis=(1, 2)), rtol=1e-4, atol=1e-6)
    scaled = maps * 255 / np.maximum(maps.max(axis=(1, 2)), 1e-12)[:, None, None]
    assert np.abs(np.asarray(view["maps"]) - scaled).max() <= 1.0
    assert (view["layer"], np.shape(view["maps"])) == ("conv1", (16, 28, 28))


def test_a_learners_first_bias_is_the_one_named_like_its_weights():
    """A learner's variables come sorted by name: W1, W2, b1, b2; conv_b, conv_w, out_b."""
    from tfdojo.models.first_layer import first_layer

    rng = np.random.default_rng(0)
    w1, b1, w2, b2 = (rng.normal(size=s) for s in ((784, 16), (16,), (16, 10), (10,)))
    layer = first_layer({"W1": w1, "W2": w2, "b1": b1, "b2": b2})
    assert layer.kind == "hidden_units" and np.array_equal(layer.b, b1)
    k, kb, out = rng.normal(size=(3, 3, 1, 8)), rng.normal(size=8), rng.normal(size=10)
    layer = first_layer({"conv_b": kb, "conv_w": k, "out_b": out, "out_w": w2})
    assert layer.kind == "filters" and np.array_equal(layer.b, kb)
    assert first_layer({"W1": w1, "W2": w2, "bias_out": b1}).b is None  # no bias of its name
    assert first_layer({"b": b2, "w": rng.normal(size=(28, 28, 10))}) is None


# --------------------------------------------------------------------------- a real server


def http(url: str, data: bytes | None = None, headers: dict | None = None):
    """``(status, JSON body, headers)`` of one request, any status, never through a proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with opener.open(request, timeout=120) as r:
            return r.status, json.loads(r.read()), r.headers
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read()), exc.headers


def multipart(field: str, filename: str, data: bytes) -> tuple[bytes, dict]:
    boundary = "tfdojo-test-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
            f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


class Server:
    """``tfdojo play RUN [RUN_B] --no-browser --port 0`` in a child process."""

    def __init__(self, run_dirs: list[Path], log: Path, options: tuple[str, ...] = ()):
        env = {**os.environ, "TFDOJO_THREADS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
        with open(log, "w") as err:  # the child keeps its own copy of the file
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "tfdojo", "--threads", "1", "play"]
                + [str(d) for d in run_dirs]
                + ["--no-browser", "--port", "0", *options],
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
                env=env,
            )
        self.first_line = self.readline(timeout=120)
        found = re.search(r" on (http://127\.0\.0\.1:\d+/)  \(Ctrl-C stops\)$", self.first_line)
        assert found, f"unexpected first line: {self.first_line!r}; see {log}"
        self.url = found.group(1)

    def readline(self, timeout: float) -> str:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, "tfdojo play printed nothing in time"
        return self.proc.stdout.readline().rstrip("\n")

    def stop(self) -> tuple[int, str]:
        """Ctrl-C: SIGINT, as a terminal sends it; the exit status and the rest of stdout."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        try:
            out, _ = self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        return self.proc.returncode, out


@pytest.fixture(scope="module")
def server(play_runs, tmp_path_factory):
    """A server of the cnn and the logistic run, side by side."""
    server = Server([play_runs["cnn"], play_runs["logistic"]], tmp_path_factory.mktemp("log") / "s")
    yield server
    server.stop()


def test_api_agrees_with_predict_on_100_images(server, play_runs, tmp_path, capsys):
    paths = letter_images(tmp_path)
    for run, name, count in ((0, "cnn", 100), (1, "logistic", 20)):
        expected = []
        for i, path in enumerate(paths[:count]):
            # One file per command: TensorFlow's float rounding depends on the batch, and
            # `tfdojo predict A B` scores A in a batch of two.
            assert main(["predict", "--json", str(play_runs[name]), str(path)]) == 0
            (want,) = json.loads(capsys.readouterr().out)
            expected.append(want)
            data = path.read_bytes()
            if i % 2:  # uploaded as a form field, as a browser's form sends a file
                body, headers = multipart("image", path.name, data)
            else:  # the raw bytes, as the page and curl --data-binary send them
                body, headers = data, {"Content-Type": "image/png"}
            status, got, _ = http(f"{server.url}api/predict?run={run}", body, headers)
            assert status == 200, got
            assert {k: got[k] for k in want if k != "image"} == {  # predict's answer, exactly
                k: v for k, v in want.items() if k != "image"
            }, path
            assert set(got) - set(want) == {"logits", "input"}
            with Image.open(path) as img:
                assert got["input"] == frame_image(img).tolist()
            z = np.asarray(got["logits"])
            p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
            np.testing.assert_allclose(p, list(got["probabilities"].values()), rtol=1e-5)
    letters = {r["letter"] for r in expected}
    assert len(letters) > 1, "every image got the same answer: the images are not varied"


def test_bad_uploads_get_one_line_json_errors_and_the_server_goes_on(server, drawn_a):
    predict = f"{server.url}api/predict"
    form, form_headers = multipart("picture", "a.png", drawn_a)
    cases = [
        (predict, b"", {}, 400, "image: received no bytes; expected a PNG or JPEG file"),
        (
            predict,
            b"GIF89a? no",
            {},
            400,
            "image: not an image tfdojo reads; expected PNG, JPEG, GIF, BMP, WebP or TIFF",
        ),
        (
            predict,
            png_header_claiming(50_000, 50_000),
            {},
            413,
            "image: expected an image of at most 16,777,216 pixels, received more than "
            "178,956,970; refused before decoding",
        ),
        (
            predict,
            b"\0" * (20 * 1024 * 1024),
            {},
            413,
            "request: the body is 20,971,520 "
            "bytes, more than the 8,388,608 allowed; send a smaller image",
        ),
        (
            predict,
            form,
            form_headers,
            400,
            "image: expected a form field 'image', received picture",
        ),
        (f"{predict}?run=2", drawn_a, {}, 400, "run: expected 0 or 1, received '2'"),
        (
            f"{server.url}api/mistakes?count=-1",
            None,
            {},
            400,
            "count: expected a whole number in 0..48, received '-1'",
        ),
        (  # "²".isdigit() is True, and int("²") raised: a 500 before
            f"{server.url}api/mistakes?count=%C2%B2",
            None,
            {},
            400,
            "count: expected a whole number in 0..48, received '²'",
        ),
        (
            f"{server.url}api/mistakes?count={'7' * 5000}",
            None,
            {},
            400,
            f"count: expected a whole number in 0..48, received '{'7' * 40}...'",
        ),
        (
            f"{server.url}api/mistakes?count=49",
            None,
            {},
            400,
            "count: expected a whole number in 0..48, received '49'",
        ),
        (f"{predict}?run=%C2%B2", drawn_a, {}, 400, "run: expected 0 or 1, received '²'"),
        (
            f"{server.url}api/mistakes?run={'1' * 5000}",
            None,
            {},
            400,
            f"run: expected 0 or 1, received '{'1' * 40}...'",
        ),
        (f"{server.url}nowhere", None, {}, 404, "GET /nowhere: 404 Not Found"),
        (
            predict,
            drawn_a,
            {"Host": "evil.example:8000"},
            403,
            "host: 'evil.example:8000' is not a name of this machine; open 127.0.0.1",
        ),
    ]
    ok = http(predict, drawn_a)
    for url, body, headers, status, message in cases:
        got_status, got, response_headers = http(url, body, headers)
        assert (got_status, got) == (status, {"error": message})
        assert response_headers["Content-Type"] == "application/json"
        assert http(predict, drawn_a)[:2] == ok[:2]  # still serving, same answer
    assert ok[0] == 200
    for host in ("localhost:8000", "[::1]:8000", "127.0.0.1"):  # this machine's names
        assert http(predict, drawn_a, {"Host": host})[:2] == ok[:2]


def test_concurrent_requests_get_their_own_answers(server, tmp_path):
    images = [p.read_bytes() for p in letter_images(tmp_path, n=12, seed=1)]
    urls = [f"{server.url}api/{'play' if i % 2 else 'predict'}" for i in range(len(images))]
    alone = [http(u, data) for u, data in zip(urls, images)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(http, urls * 2, images * 2))
    assert [r[:2] for r in together] == [r[:2] for r in alone] * 2
    assert all(status == 200 for status, _, _ in together)


def test_play_answers_within_100_ms(server, drawn_a):
    """The page's request after a stroke, for the default cnn and a logistic model."""
    times = []
    for _ in range(30):
        started = time.perf_counter()
        status, _, _ = http(f"{server.url}api/play", drawn_a, {"Content-Type": "image/png"})
        times.append(time.perf_counter() - started)
        assert status == 200
    assert statistics.median(times) < 0.100, f"median {statistics.median(times) * 1000:.0f} ms"


def test_runs_and_mistakes_api(server, play_runs):
    status, info, _ = http(f"{server.url}api/runs")
    assert status == 200
    assert [(r["folder"], r["name"], r["kind"], r["path"]) for r in info] == [
        ("cnn", "cnn", "cnn", str(play_runs["cnn"])),
        ("logistic", "logistic", "logistic", str(play_runs["logistic"])),
    ]
    assert np.shape(info[0]["filters"]) == (16, 3, 3) and np.shape(info[1]["templates"]) == (
        10,
        784,
    )

    run = runs.open_run(play_runs["cnn"])
    images, labels, _ = run.test_set()
    proba = run.predict_proba(images)
    wrong = np.nonzero(proba.argmax(1) != labels)[0]
    status, found, _ = http(f"{server.url}api/mistakes?run=0&count=5")
    assert status == 200
    assert (found["test_n"], found["wrong"]) == (run.metrics["test_n"], len(wrong))
    assert found["wrong"] == run.metrics["test_n"] - run.metrics["test_correct"]
    sure = [max(m["probabilities"]) for m in found["mistakes"]]
    assert sure == sorted(sure, reverse=True) and len(sure) == min(5, len(wrong))
    assert sure[0] == proba[wrong].max()  # the surest mistake first
    for m in found["mistakes"]:
        i = m["index"]
        assert m["image"] == images[i].tolist() and m["label"] == LETTERS[labels[i]]
        assert m["probabilities"] == proba[i].tolist() and m["letter"] != m["label"]


def test_the_page_loads_nothing_from_elsewhere(server):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(server.url) as r:
        page = r.read().decode()
        policy = r.headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'self';")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sorted(assets) == ["/static/favicon.svg", "/static/play.css", "/static/play.js"]
    for asset in assets:
        with opener.open(server.url.rstrip("/") + asset) as r:
            text = r.read().decode().replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert r.status == 200 and "http://" not in text and "https://" not in text


# --------------------------------------------------------------------------- limits


def test_slow_clients_are_cut_off_and_the_page_keeps_answering(server):
    """120 connections each trickling a header line every second (so that waitress's idle
    timeout never sees them idle) filled waitress's 100 connections and made the page's
    requests time out for as long as they stayed. Now each is closed HEADERS_SECONDS after
    its first byte, a closed one is opened again at once (120 stay open), and the page's
    requests answer throughout."""
    port = int(server.url.rstrip("/").rsplit(":", 1)[1])
    slow: dict[socket.socket, float] = {}  # each slow connection: when its request began
    cut: list[float] = []  # how long each lasted before the server closed it

    def connect():
        s = socket.create_connection(("127.0.0.1", port), timeout=10)
        began = time.monotonic()  # before the server can see the first byte
        s.sendall(b"GET /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        slow[s] = began

    for _ in range(120):
        connect()
    answered, line = [], 0
    stop = time.monotonic() + 2 * HEADERS_SECONDS + 4
    try:
        while time.monotonic() < stop:
            started = time.perf_counter()
            status, info, _ = http(f"{server.url}api/runs")
            answered.append((status, len(info), time.perf_counter() - started))
            line += 1
            for s in slow:
                with contextlib.suppress(OSError):  # closed by the server: seen below
                    s.sendall(b"X-Slow-%d: 1\r\n" % line)
            readable, _, _ = select.select(list(slow), [], [], 1.0)
            for s in readable:
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                assert data == b"", f"a slow request got an answer: {data[:80]!r}"
                cut.append(time.monotonic() - slow.pop(s))
                s.close()
                connect()
    finally:
        for s in slow:
            s.close()
    assert [(status, n) for status, n, _ in answered] == [(200, 2)] * len(answered)
    assert max(seconds for _, _, seconds in answered) < 3.0, answered
    assert len(cut) >= 120  # every one of the first 120, whatever it trickled
    assert min(cut) >= HEADERS_SECONDS and max(cut) < HEADERS_SECONDS + 10, sorted(cut)


def test_forty_large_pngs_at_once_stay_within_memory(server, drawn_a):
    """40 concurrent 4096 x 4096 RGBA PNGs (100 KB each, ~150 MiB each to decode and frame)
    took 35 s and 1.24 GB. Now at most DECODE_SLOTS are decoded at once, by the player's own
    threads; a request that waits DECODE_WAIT s for one gets a 503. The server's peak
    resident memory grows by less than 400 MiB (two decodes and their arenas)."""
    img = Image.new("RGBA", (4096, 4096), (0, 0, 0, 255))
    ImageDraw.Draw(img).line([(600, 3500), (2048, 500), (3500, 3500)], fill="white", width=300)
    big = png_bytes(img)
    del img
    predict = f"{server.url}api/predict"
    busy = {
        "error": f"image: the server is decoding {DECODE_SLOTS} other images; "
        "send this one again in a moment"
    }

    def flood():
        with ThreadPoolExecutor(max_workers=40) as pool:
            return list(
                pool.map(lambda _: http(predict, big, {"Content-Type": "image/png"}), range(40))
            )

    results, growth = peak_rss_growth_of(server.proc.pid, flood)
    answers = [body for status, body, _ in results if status == 200]
    assert all((status, body) == (503, busy) for status, body, _ in results if status != 200)
    assert len(answers) >= DECODE_SLOTS and len({a["letter"] for a in answers}) == 1
    assert answers[0]["input"] == frame_image(Image.open(io.BytesIO(big))).tolist()
    assert growth < 400 * MiB, f"peak RSS grew by {growth / MiB:.0f} MiB"
    assert http(predict, drawn_a)[0] == 200  # and it goes on serving


def test_an_answer_holding_nan_is_refused_not_sent(play_runs, drawn_a):
    """JSON has no NaN: Python's json wrote ``NaN``, which JSON.parse refuses. A run whose
    weights hold NaN gets one line instead, naming where, with a 4xx status."""
    player = Player.open([play_runs["logistic"]])
    player.models[0].set_weights(
        {k: np.full_like(v, np.nan) for k, v in player.models[0].get_weights().items()}
    )
    client = create_app(player).test_client()
    expected = {
        "/api/predict": "answer.probabilities.A is nan",
        "/api/play": "answer.runs[0].probabilities.A is nan",
    }
    for path, where in expected.items():
        response = client.post(path, data=drawn_a, content_type="image/png")
        assert response.status_code == 422
        body = json.loads(response.get_data(as_text=True), parse_constant=_no_constants)
        assert body == {
            "error": f"{where}, not a number JSON can carry; the run's weights or files hold "
            "NaN or infinity: train it again"
        }


def _no_constants(name: str):
    raise AssertionError(f"{name} in a JSON answer")


# --------------------------------------------------------------------------- a learner's model

LEARNER_MODELS = '''
import numpy as np
import tensorflow as tf


class ConvNet(tf.Module):
    """conv 3x3 (8) -> max-pool -> 10 logits: its first layer is drawn (conv_w, conv_b)."""

    def __init__(self, seed=0):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.conv_w = tf.Variable(rng.normal(0, 0.4, (3, 3, 1, 8)).astype("float32"))
        self.conv_b = tf.Variable(np.zeros(8, "float32"))
        self.out_w = tf.Variable(rng.normal(0, 0.05, (14 * 14 * 8, 10)).astype("float32"))
        self.out_b = tf.Variable(np.zeros(10, "float32"))

    def __call__(self, x, dropout_rate=0.0, seed=None):
        h = tf.reshape(x, [-1, 28, 28, 1])
        h = tf.nn.relu(tf.nn.conv2d(h, self.conv_w, 1, "SAME") + self.conv_b)
        h = tf.reshape(tf.nn.max_pool2d(h, 2, 2, "SAME"), [-1, 14 * 14 * 8])
        return h @ self.out_w + self.out_b


class Grid(tf.Module):
    """Ten 28x28 templates held as one (28, 28, 10) tensor: no first layer tfdojo draws."""

    def __init__(self, seed=0):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.w = tf.Variable(rng.normal(0, 0.01, (28, 28, 10)).astype("float32"))
        self.b = tf.Variable(np.zeros(10, "float32"))

    def __call__(self, x, dropout_rate=0.0, seed=None):
        return tf.einsum("nhw,hwk->nk", x, self.w) + self.b
'''


@pytest.fixture(scope="module")
def learner_runs(tiny_dataset, tmp_path_factory) -> dict[str, tuple[Path, str]]:
    """A run of each of LEARNER_MODELS, 1 epoch on the tiny dataset: {name: (run, code)}."""
    root = tmp_path_factory.mktemp("learner_play")
    (root / "mine.py").write_text(LEARNER_MODELS)
    found = {}
    for name in ("ConvNet", "Grid"):
        code = f"{root / 'mine.py'}:{name}"
        argv = ["train", "--data", str(tiny_dataset), "--model", code, "--out", str(root / name)]
        assert main([*argv, "--epochs", "1", "--precision", "float32", "--no-progress"]) == 0
        found[name] = (root / name, code)
    return found


@pytest.fixture(scope="module")
def learner_server(learner_runs, tmp_path_factory):
    """A server of the two learner runs, side by side, each class named by --model-code."""
    (conv, conv_code), (grid, grid_code) = learner_runs["ConvNet"], learner_runs["Grid"]
    options = ("--model-code", conv_code, "--model-code", grid_code)
    server = Server([conv, grid], tmp_path_factory.mktemp("log") / "learner", options)
    yield server
    assert server.stop()[0] == 0


def test_a_learners_run_is_refused_without_its_code(learner_runs, capsys):
    run, code = learner_runs["Grid"]
    assert main(["play", str(run), "--no-browser", "--port", "0"]) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: RUN: {run} was trained from {code}: add --model-code {code} to play it\n"
    )


def test_a_learners_model_answers_as_predict_does(
    learner_server, learner_runs, drawn_a, tmp_path, capsys
):
    image = tmp_path / "a.png"
    image.write_bytes(drawn_a)
    status, played, _ = http(
        f"{learner_server.url}api/play", drawn_a, {"Content-Type": "image/png"}
    )
    assert status == 200, played
    for i, name in enumerate(("ConvNet", "Grid")):
        run, code = learner_runs[name]
        assert main(["predict", "--json", str(run), str(image), "--model-code", code]) == 0
        (want,) = json.loads(capsys.readouterr().out)
        del want["image"]
        got = played["runs"][i]
        assert {k: got[k] for k in want} == want  # predict's answer, exactly
        assert sum(got["probabilities"].values()) == pytest.approx(1, abs=1e-5)
        status, api, _ = http(f"{learner_server.url}api/predict?run={i}", drawn_a)
        assert status == 200 and {k: api[k] for k in want} == want
    conv, grid = played["runs"]
    assert conv["layer"]["kind"] == "cnn" and np.shape(conv["layer"]["maps"]) == (8, 28, 28)
    assert grid["layer"] is None  # (28, 28, 10) weights: no first layer to draw
    status, info, _ = http(f"{learner_server.url}api/runs")
    assert status == 200 and [r["name"] for r in info] == ["ConvNet", "Grid"]
    assert np.shape(info[0]["filters"]) == (8, 3, 3) and "filters" not in info[1]


# --------------------------------------------------------------------------- the page


def pad_png(driver) -> bytes:
    url = driver.execute_script("return document.getElementById('pad').toDataURL('image/png')")
    return base64.b64decode(url.split(",", 1)[1])


def shown(driver, run: int) -> tuple[str, list[str]]:
    """The top letter and the ten probabilities the page shows for a run."""
    from selenium.webdriver.common.by import By

    panel = driver.find_element(By.CSS_SELECTOR, f'.panel[data-run="{run}"]')
    values = [v.text for v in panel.find_elements(By.CSS_SELECTOR, ".bars .value")]
    return panel.find_element(By.CSS_SELECTOR, ".top-letter").text, values


def wait_for_answer(driver, after: int) -> int:
    """Wait until the page has shown an answer beyond ``after`` and asks nothing more."""
    from selenium.webdriver.support.ui import WebDriverWait

    def done(d):
        answers = int(d.execute_script("return document.body.dataset.answers"))
        return answers > after and d.execute_script("return document.body.dataset.busy") == "0"

    WebDriverWait(driver, 30).until(done)
    return int(driver.execute_script("return document.body.dataset.answers"))


def predicted(run_dir: Path, png: bytes, folder: Path, code: str = "") -> tuple[str, list[str]]:
    """``tfdojo predict``'s letter and probabilities (as the page rounds them) for a PNG;
    ``code``: the ``--model-code`` of a learner's run."""
    path = folder / f"pad-{hashlib.sha256(png).hexdigest()[:12]}.png"
    path.write_bytes(png)
    cls = load_class(code, "--model-code") if code else None
    (result,) = runs.predict_files(run_dir, [path], cls)
    return result["letter"], [f"{p:.3f}" for p in result["probabilities"].values()]


@pytest.mark.browser
def test_draw_an_a_in_the_browser(
    server, browser, play_runs, learner_server, learner_runs, tmp_path
):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver = browser
    driver.get(server.url)
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.body.dataset.ready")
    )
    pad = driver.find_element(By.ID, "pad")
    assert shown(driver, 0)[0] == "?"

    def stroke(*corners, steps: int = 8):
        """Press at the first corner (pad pixels), move through the others in small steps,
        release. Each move names its point on the pad (relative moves add up errors)."""
        actions = ActionChains(driver, duration=15)
        (x, y), rest = corners[0], corners[1:]
        actions.move_to_element_with_offset(pad, x - 140, y - 140).click_and_hold()
        for tx, ty in rest:
            for i in range(1, steps + 1):
                px, py = x + (tx - x) * i / steps, y + (ty - y) * i / steps
                actions.move_to_element_with_offset(pad, round(px) - 140, round(py) - 140)
            x, y = tx, ty
        actions.release().perform()

    stroke((60, 250), (140, 30))  # an "A": two slopes and a bar
    stroke((140, 30), (220, 250))
    stroke((90, 170), (190, 170))
    answers = wait_for_answer(driver, 0)
    drawn = pad_png(driver)
    for run, name in enumerate(("cnn", "logistic")):
        assert shown(driver, run) == predicted(play_runs[name], drawn, tmp_path)
    assert driver.find_element(By.ID, "error").text == ""

    png = driver.get_screenshot_as_png()
    with Image.open(io.BytesIO(png)) as img:
        pixels = np.asarray(img.convert("L"), dtype=np.float64)
    assert pixels.shape[1] == 1400
    assert pixels.std() > 20 and len(np.unique(pixels)) > 50
    assert (pixels[:40] < 80).mean() > 0.5  # the dark header band
    if os.environ.get("TFDOJO_WRITE_DOCS"):
        (DOCS / "play.png").write_bytes(png)

    # Mistakes: the surest one goes into the pad, and the page answers for it.
    driver.find_element(By.CSS_SELECTOR, '.tab[data-tab="mistakes"]').click()
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".mistake"))
    driver.find_elements(By.CSS_SELECTOR, ".mistake")[0].click()
    answers = wait_for_answer(driver, answers)
    loaded = pad_png(driver)
    assert shown(driver, 0) == predicted(play_runs["cnn"], loaded, tmp_path)

    # Undo brings the "A" back; Clear empties the pad and the answer.
    driver.find_element(By.ID, "undo").click()
    answers = wait_for_answer(driver, answers)
    assert np.array_equal(
        np.asarray(Image.open(io.BytesIO(pad_png(driver)))),
        np.asarray(Image.open(io.BytesIO(drawn))),
    )
    assert shown(driver, 0) == predicted(play_runs["cnn"], drawn, tmp_path)
    driver.find_element(By.ID, "clear").click()
    WebDriverWait(driver, 10).until(lambda d: shown(d, 0)[0] == "?")

    # An uploaded file: answered like `tfdojo predict FILE`; a bad one: the API's error.
    upload = driver.find_element(By.ID, "upload")
    photo = letter_images(tmp_path, n=1, seed=3)[0]
    upload.send_keys(str(photo))
    answers = wait_for_answer(driver, answers)
    (want,) = runs.predict_files(play_runs["cnn"], [photo])
    assert shown(driver, 0) == (
        want["letter"],
        [f"{p:.3f}" for p in want["probabilities"].values()],
    )
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"not a picture")
    upload.send_keys(str(junk))
    WebDriverWait(driver, 30).until(lambda d: d.find_element(By.ID, "error").text)
    assert driver.find_element(By.ID, "error").text == (
        "image: not an image tfdojo reads; expected PNG, JPEG, GIF, BMP, WebP or TIFF"
    )

    # A learner's models (--model-code): the answer as `tfdojo predict --model-code` gives
    # it; the first layer drawn for the one whose first weights tfdojo knows, and a note
    # (no error) for the other.
    driver.get(learner_server.url)
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.body.dataset.ready")
    )
    pad = driver.find_element(By.ID, "pad")
    stroke((60, 250), (140, 30))
    stroke((140, 30), (220, 250))
    stroke((90, 170), (190, 170))
    wait_for_answer(driver, 0)
    drawn = pad_png(driver)
    for run, name in enumerate(("ConvNet", "Grid")):
        run_dir, code = learner_runs[name]
        letter, values = shown(driver, run)
        assert (letter, values) == predicted(run_dir, drawn, tmp_path, code)
        assert sum(map(float, values)) == pytest.approx(1, abs=0.006)  # 10 rounded to 3
    assert driver.find_element(By.ID, "error").text == ""
    conv, grid = driver.find_elements(By.CSS_SELECTOR, ".panel")
    assert conv.find_element(By.CSS_SELECTOR, ".layer-title").text == (
        "First layer: 8 feature maps (first layer)"
    )
    assert len(conv.find_elements(By.CSS_SELECTOR, ".layer canvas")) == 16  # filter + map
    assert grid.find_element(By.CSS_SELECTOR, ".layer-title").text == (
        "First layer: not available for this model"
    )
    assert grid.find_elements(By.CSS_SELECTOR, ".layer canvas") == []


# --------------------------------------------------------------------------- the command


def test_play_refuses_bad_arguments_in_one_line(play_runs, tmp_path, capsys):
    assert main(["play", str(tmp_path), "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"tfdojo: error: RUN: {tmp_path} has no tfdojo config.json; "
        "expected a run made by `tfdojo train`\n"
    )
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["play", str(play_runs["logistic"]), "--no-browser", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"tfdojo: error: --port: cannot listen on 127.0.0.1:{port} (Address already in use); "
        "choose another with --port N (0 picks a free one)\n"
    )
    hint = "expected an address of this machine, such as 127.0.0.1 (the default), localhost or ::1"
    cases = [
        (  # listened on 4464 (70000 mod 65536) before
            ["--port", "70000"],
            "--port: expected a port number in 0..65535 (0 picks a free one), received 70000",
        ),
        (
            ["--port", "-1"],
            "--port: expected a port number in 0..65535 (0 picks a free one), received -1",
        ),
        (
            ["--host", "nonexistent.invalid"],
            f"--host: cannot listen on 'nonexistent.invalid' (Name or service not known); {hint}",
        ),
    ]
    for option, message in cases:
        assert main(["play", str(play_runs["logistic"]), "--no-browser", *option]) == 2
        assert capsys.readouterr().err == f"tfdojo: error: {message}\n"


def test_no_browser_is_started_without_a_desktop(monkeypatch):
    from tfdojo.play.server import open_page

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    said = []
    open_page("http://127.0.0.1:8000/", said.append)
    assert said == ["tfdojo play: open http://127.0.0.1:8000/ in your browser"]


def test_ctrl_c_stops_the_server_cleanly(server):
    """Last test of the module: it stops the shared server."""
    status, out = server.stop()
    assert (status, out) == (0, "tfdojo play: stopped\n")
