"""Latency of ``tfdojo play``'s API: what the page waits for after each stroke.

Starts ``tfdojo play RUN --no-browser --port 0`` (a real server on 127.0.0.1), then sends
``--requests`` drawings one after the other, each the canvas PNG of an "A" drawn with
jittered strokes (280x280, white on black, as the page sends it), to ``POST /api/play``
(what the page asks: framing, softmax, scores, first layer) and ``POST /api/predict``.
Reports the median, 95th percentile and maximum of the round trip, after 5 warm-up
requests. Stops the server with SIGINT, as Ctrl-C does.

    python benchmarks/play_latency.py runs/demo-cnn
    python benchmarks/play_latency.py runs/demo-cnn --threads 1 --requests 200
"""

from __future__ import annotations

import argparse
import io
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

import numpy as np
from PIL import Image, ImageDraw

WARM_UP = 5


def drawings(n: int, seed: int = 0) -> list[bytes]:
    """``n`` canvas PNGs of an "A": two slopes and a bar, each corner moved a little."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        a, top, b = (
            np.array(p) + rng.integers(-15, 16, 2) for p in ((60, 250), (140, 30), (220, 250))
        )
        bar = 170 + int(rng.integers(-15, 16))
        img = Image.new("RGBA", (280, 280), (0, 0, 0, 255))
        draw = ImageDraw.Draw(img)
        draw.line([tuple(a), tuple(top), tuple(b)], fill=(255, 255, 255, 255), width=22)
        draw.line([(95, bar), (185, bar)], fill=(255, 255, 255, 255), width=22)
        buffer = io.BytesIO()
        img.save(buffer, "PNG")
        out.append(buffer.getvalue())
    return out


def round_trips(url: str, bodies: list[bytes]) -> list[float]:
    """Seconds of each POST of ``bodies`` to ``url``, one after the other."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    times = []
    for body in bodies:
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "image/png"})
        start = time.perf_counter()
        with opener.open(request) as response:
            response.read()
        times.append(time.perf_counter() - start)
    return times


def summary(times: list[float]) -> str:
    ms = np.asarray(times) * 1000
    return (
        f"median {statistics.median(ms):5.1f} ms   p95 {np.percentile(ms, 95):5.1f} ms   "
        f"max {ms.max():5.1f} ms   ({len(ms)} requests)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", nargs="?", default="runs/demo-cnn", help="a run folder")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--threads", default=None, help="tfdojo --threads (default: all cores)")
    args = parser.parse_args()

    threads = ["--threads", args.threads] if args.threads else []
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    server = subprocess.Popen(
        [sys.executable, "-m", "tfdojo", *threads, "play", args.run, "--no-browser", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = server.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
        if not found:
            sys.exit(f"play_latency: tfdojo play did not start: {line!r}")
        url = found.group(1)
        bodies = drawings(WARM_UP + args.requests)
        for route in ("play", "predict"):
            round_trips(f"{url}api/{route}", bodies[:WARM_UP])
            times = round_trips(f"{url}api/{route}", bodies[WARM_UP:])
            print(f"POST /api/{route:<8} {summary(times)}")
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
