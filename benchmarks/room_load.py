"""Load on a workshop room: N simulated learners each sending a verdict every 2 seconds.

Drives a running ``tfdojo dojo serve`` on this machine (loopback only): each learner joins,
then works through the katas, sending a verdict every ``--interval`` seconds (a few
failing ones with the causes learners really meet, then a pass, then the next kata), for
``--seconds``. Every request is timed from the connection to the last byte of the answer.
Prints the median, 99th percentile and maximum latency, the errors (any answer but 201),
the server's peak resident memory (``GET /api/health``), the CPU and the load average
before and after (the machine may be shared).

    tfdojo dojo serve --port 8765 --db /tmp/load.sqlite &     # a fresh room
    python benchmarks/room_load.py --url http://127.0.0.1:8765/ --token ROOM_TOKEN \\
        --learners 100 --seconds 60

Bounded: at most 200 learners (a room's limit) and 600 seconds; each run joins its own
learners, so a room takes two runs of 100.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import statistics
import time
import urllib.parse

from _machine import cpu_kind

KATAS = [
    ("tensors", ["tensors/float64-not-float32", "tensors/reshape-order"]),
    ("logistic", ["logistic/bias-shape", "logistic/weights-not-variables"]),
    (
        "softmax_cross_entropy",
        ["softmax_cross_entropy/integer-labels", "softmax_cross_entropy/log-of-zero"],
    ),
    ("training_step", ["training_step/assign-not-assign_sub", "training_step/loss-outside-tape"]),
    ("minibatch_loop", ["minibatch_loop/same-batch", "minibatch_loop/no-shuffle"]),
]
TEXTS = {
    "tensors/float64-not-float32": ("dtypes", "the tensor is float64: TensorFlow wants float32"),
    "tensors/reshape-order": ("shapes", "reshape keeps the order of the elements, not the axes"),
    "logistic/bias-shape": ("shapes", "the bias has shape (784,); expected (10,)"),
    "logistic/weights-not-variables": ("variables", "the weights are tensors, not tf.Variable"),
    "softmax_cross_entropy/integer-labels": ("labels", "integer labels where one-hot was expected"),
    "softmax_cross_entropy/log-of-zero": ("stability", "log(softmax) of 0 gives -inf: use logits"),
    "training_step/assign-not-assign_sub": (
        "tape",
        "v.assign(...) replaces the weights: v.assign_sub(lr * g) moves them",
    ),
    "training_step/loss-outside-tape": ("tape", "the loss was computed outside the GradientTape"),
    "minibatch_loop/same-batch": ("batches", "every step trains on the first batch"),
    "minibatch_loop/no-shuffle": ("batches", "the batches come in the same order every epoch"),
}


async def request(host: str, port: int, method: str, path: str, headers: dict, body=None):
    """One HTTP/1.1 request on a new connection: ``(status, answer bytes)``."""
    data = json.dumps(body).encode() if body is not None else b""
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    head += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        head += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
        await writer.drain()
        answer = await reader.read()
    finally:
        writer.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/") else 0
    return status, answer.split(b"\r\n\r\n", 1)[-1]


class Learner:
    """One simulated learner: joins, then a verdict every ``interval`` seconds."""

    def __init__(self, index: int, run: str, rng: random.Random):
        self.name = f"load-{run}-{index:03d}"
        self.rng = rng
        self.kata = 0
        self.tries = 0
        self.key = None

    def next_verdict(self) -> dict:
        kata, causes = KATAS[self.kata % len(KATAS)]
        self.tries += 1
        passed = self.tries > self.rng.randint(1, 6)
        cause = None if passed else self.rng.choice(causes)
        if passed:
            self.kata, self.tries = self.kata + 1, 0
        concept, text = TEXTS[cause] if cause else (None, None)
        return {
            "kata": kata,
            "track": "tensorflow",
            "status": "pass" if passed else "failing",
            "cause": cause,
            "cause_text": text,
            "concept": concept,
            "seconds": round(self.rng.uniform(0.5, 20), 2),
            "hints": self.rng.randint(0, 2),
            "source": self.rng.choice(["cli", "watch", "notebook"]),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }


async def learner_loop(learner, host, port, token, interval, until, times, errors):
    auth = {"Authorization": f"Bearer {token}"}
    status, answer = await request(host, port, "POST", "/api/join", auth, {"name": learner.name})
    if status != 201:
        raise SystemExit(f"room_load: join refused ({status}): {answer[:200]!r}")
    learner.key = json.loads(answer)["key"]
    headers = {**auth, "X-Tfdojo-Learner": learner.key}
    next_at = time.monotonic() + learner.rng.uniform(0, interval)
    while next_at < until:
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        start = time.perf_counter()
        try:
            status, answer = await request(
                host, port, "POST", "/api/verdict", headers, learner.next_verdict()
            )
        except OSError as exc:
            status, answer = 0, str(exc).encode()
        times.append(time.perf_counter() - start)
        if status != 201:
            errors.append((status, answer[:120]))
        next_at += interval


async def health(host, port, token) -> dict:
    status, answer = await request(
        host, port, "GET", "/api/health", {"Authorization": f"Bearer {token}"}
    )
    if status != 200:
        raise SystemExit(f"room_load: GET /api/health answered {status}: {answer[:200]!r}")
    return json.loads(answer)


async def main_async(args) -> dict:
    parts = urllib.parse.urlsplit(args.url)
    host, port = parts.hostname, parts.port or 80
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"room_load: --url: expected a room on this machine, received {args.url}")
    before = await health(host, port, args.token)
    run = secrets.token_hex(3)
    rng = random.Random(args.seed)
    learners = [Learner(i, run, random.Random(rng.random())) for i in range(args.learners)]
    times: list[float] = []
    errors: list = []
    load_before = os.getloadavg()
    started = time.monotonic()
    until = started + args.seconds
    await asyncio.gather(
        *(
            learner_loop(x, host, port, args.token, args.interval, until, times, errors)
            for x in learners
        )
    )
    elapsed = time.monotonic() - started
    after = await health(host, port, args.token)
    ms = sorted(t * 1000 for t in times)
    return {
        "learners": args.learners,
        "seconds": round(elapsed, 1),
        "verdicts": len(times),
        "per_second": round(len(times) / elapsed, 1),
        "errors": len(errors),
        "p50_ms": round(statistics.median(ms), 1),
        "p99_ms": round(ms[min(len(ms) - 1, int(0.99 * len(ms)))], 1),
        "max_ms": round(ms[-1], 1),
        "server_peak_rss_mb": round(after["peak_rss_bytes"] / 2**20, 1),
        "server_verdicts": after["verdicts"] - before["verdicts"],
        "cpu": cpu_kind(),
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "first_errors": [f"{s}: {a!r}" for s, a in errors[:3]],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the room, on this machine")
    parser.add_argument("--token", required=True, help="the room token")
    parser.add_argument("--learners", type=int, default=100, help="1 to 200 (default 100)")
    parser.add_argument("--seconds", type=float, default=60, help="1 to 600 (default 60)")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between verdicts")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if not 1 <= args.learners <= 200 or not 1 <= args.seconds <= 600 or args.interval < 0.1:
        parser.error("--learners 1-200, --seconds 1-600, --interval >= 0.1")
    r = asyncio.run(main_async(args))
    if args.json:
        print(json.dumps(r, indent=1))
        return
    print(
        f"{r['learners']} learners, {r['verdicts']} verdicts in {r['seconds']} s "
        f"({r['per_second']}/s), {r['errors']} errors; stored {r['server_verdicts']}\n"
        f"latency: p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, max {r['max_ms']} ms\n"
        f"server peak RSS: {r['server_peak_rss_mb']} MB\n"
        f"CPU: {r['cpu']}; load average {r['load_before']} before, {r['load_after']} after"
    )
    for line in r["first_errors"]:
        print(f"  error {line}")


if __name__ == "__main__":
    main()
