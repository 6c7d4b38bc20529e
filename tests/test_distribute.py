"""Data-parallel training: mirrored replicas and local workers match one device; faults stop,
within the timeout or at once, and leave nothing behind.

The reference is single-device training at the same global batch size, dropout off:
with R replicas each gradient is the sum of R partial sums scaled by the global batch,
so the runs differ only by floating-point rounding. Tolerance: every epoch's train and
valid loss within 1e-3 relative (seen: ~1e-7). Workers run as subprocesses on 127.0.0.1
with free ports, 1 thread each, and every wait is bounded.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tfdojo import runs
from tfdojo.cli import main
from tfdojo.core.errors import TfdojoError
from tfdojo.engines.replicated import (
    StrategyConfig,
    parse_tf_config,
    parse_worker_hosts,
    rendezvous,
    resolve_cluster,
    tempdirs,
)
from tfdojo.engines.replicated.stopping import StopGuard
from tfdojo.training import launcher, train

RTOL = 1e-3
SETS = [
    "batch_size=32",
    "dropout=0",
    "eval_batch_size=64",
    "weight_decay=1e-4",
    "precision=float32",
]
TEXT = dict(capture_output=True, text=True, check=True)
EPOCHS = 2


def cli(args: list[str], timeout: float, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m tfdojo ARGS`` in its own process group; kill the group on timeout."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tfdojo", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"tfdojo {' '.join(args)} took more than {timeout} s")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def train_args(tiny_dataset, out, *extra: str, epochs: int = EPOCHS) -> list[str]:
    args = ["train", "--data", str(tiny_dataset), "--model", "mlp"]
    for s in SETS:
        args += ["--set", s]
    return [*args, "--epochs", str(epochs), "--out", str(out), *extra]


def multiworker(hosts: list[str], index: int, timeout: float) -> list[str]:
    """The strategy options of worker ``index`` of ``hosts``."""
    return [
        *["--strategy", "multiworker", "--worker-hosts", ",".join(hosts)],
        *["--task-index", str(index), "--collective-timeout", f"{timeout:g}"],
    ]


def local_hosts(n: int) -> list[str]:
    return [f"127.0.0.1:{p}" for p in launcher.free_ports(n)]


def listening_on(port: int) -> set[str]:
    """The local addresses with a socket listening on TCP ``port`` (what ``ss -ltn`` shows),
    from /proc/net/tcp and tcp6: ``{"::"}`` is every interface, IPv6 and IPv4."""
    found = set()
    for name, family in (("tcp", socket.AF_INET), ("tcp6", socket.AF_INET6)):
        path = Path("/proc/net") / name
        for line in path.read_text().splitlines()[1:] if path.exists() else []:
            local, state = line.split()[1], line.split()[3]
            address, hexport = local.split(":")
            if state == "0A" and int(hexport, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                # /proc prints each 32-bit word in host (little-endian) order
                raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                found.add(socket.inet_ntop(family, raw))
    return found


def losses(run) -> np.ndarray:
    rows = runs.read_history(run)
    return np.array([[r["train_loss"], r["valid_loss"]] for r in rows])


@pytest.fixture(scope="module")
def single(tiny_dataset, tmp_path_factory):
    """The reference: the same run on one device, in this process."""
    from tfdojo.data import dataset

    run = tmp_path_factory.mktemp("single") / "run"
    cfg = train.make_config("mlp", sets=SETS, epochs=EPOCHS)
    train.train(cfg, dataset.load(tiny_dataset), run, progress=False)
    return run


# -- one-line errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,message",
    [
        ("", r"--worker-hosts: received an empty list \(''\)"),
        (" ", r"--worker-hosts: received an empty list \(' '\)"),
        ("a:1,b", "bad entry 'b'"),
        ("a:0", "ports 1..65535"),
        ("a:99999", "ports 1..65535"),
        ("a:1,a:1", "each worker needs its own host:port"),
    ],
)
def test_malformed_worker_hosts(text, message):
    with pytest.raises(TfdojoError, match=message):
        parse_worker_hosts(text)
    assert parse_worker_hosts("hostA:2222, 10.0.0.2:2222") == ("hostA:2222", "10.0.0.2:2222")


@pytest.mark.parametrize(
    "text,message",
    [
        ("{not json", "TF_CONFIG: not valid JSON"),
        ('{"task": {"type": "worker"}}', 'TF_CONFIG: expected {"cluster"'),
        ('{"cluster": {"ps": ["a:1"]}, "task": {}}', "expected cluster jobs 'worker'"),
        ('{"cluster": {"worker": ["a:1"]}, "task": {"type": "ps"}}', "task.type must be one of"),
        (
            '{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 2}}',
            r"task.index must be in 0..1, received 2",
        ),
    ],
)
def test_bad_tf_config(text, message):
    with pytest.raises(TfdojoError, match=message):
        parse_tf_config(text)


def test_clusters_and_their_chief():
    two = '{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 1}}'
    c = parse_tf_config(two)
    assert (c.num_workers, c.is_chief, c.name) == (2, False, "worker 1")
    with_chief = '{"cluster": {"chief": ["c:1"], "worker": ["a:1"]}, "task": {"type": "worker"}}'
    assert not parse_tf_config(with_chief).is_chief  # worker 0 is not the chief here
    spec = StrategyConfig("multiworker", worker_hosts=("a:1", "b:1"), task_index=0)
    assert resolve_cluster(spec, environ={"TF_CONFIG": two}).is_chief  # the flags win
    assert resolve_cluster(StrategyConfig("mirrored", devices=2)) is None
    with pytest.raises(TfdojoError, match="--task-index: expected 0..1 for 2 worker hosts"):
        resolve_cluster(StrategyConfig("multiworker", worker_hosts=("a:1", "b:1"), task_index=2))
    with pytest.raises(TfdojoError, match="--strategy multiworker: give --worker-hosts"):
        resolve_cluster(StrategyConfig("multiworker"), environ={})
    with pytest.raises(TfdojoError, match="--devices: only with --strategy mirrored"):
        StrategyConfig("none", devices=2)


@pytest.mark.parametrize(
    "extra,env,message",
    [
        (["--worker-hosts", "a:1,b"], {}, "--worker-hosts: expected host:port"),
        (
            ["--worker-hosts", "", "--task-index", "0"],
            {},
            "--worker-hosts: received an empty list (''); expected host:port[,host:port...], "
            "the chief first",
        ),
        (
            ["--worker-hosts", "127.0.0.1:1,127.0.0.1:2", "--task-index", "5"],
            {},
            "--task-index: expected 0..1 for 2 worker hosts, received 5",
        ),
        ([], {"TF_CONFIG": "{oops"}, "TF_CONFIG: not valid JSON"),
        ([], {"TF_CONFIG": ""}, "--strategy multiworker: give --worker-hosts"),
    ],
)
def test_cli_bad_cluster_is_one_line(
    tiny_dataset, tmp_path, capsys, monkeypatch, extra, env, message
):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    args = train_args(tiny_dataset, tmp_path / "run", "--strategy", "multiworker", *extra)
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "run").exists()


def test_launch_refuses_options_it_sets_itself():
    with pytest.raises(TfdojoError, match="expected `-- train"):
        launcher.worker_commands(["evaluate", "runs/x"], 2, 1, [1, 2])
    with pytest.raises(TfdojoError, match="--task-index is set by launch"):
        launcher.worker_commands(["train", "--task-index", "0"], 2, 1, [1, 2])
    with pytest.raises(
        TfdojoError, match="runs --strategy multiworker, received --strategy mirrored"
    ):
        launcher.worker_commands(["train", "--strategy", "mirrored"], 2, 1, [1, 2])
    (argv, env), (_, env1) = launcher.worker_commands(["train"], 2, 3, [1001, 1002])
    assert argv[-5:] == ["--threads", "3", "train", "--strategy", "multiworker"]
    assert json.loads(env1["TF_CONFIG"]) == {
        "cluster": {"worker": ["127.0.0.1:1001", "127.0.0.1:1002"]},
        "task": {"type": "worker", "index": 1},
    }


def test_launch_stops_everyone_when_one_worker_fails(monkeypatch, capsys):
    """Worker 1 exits with 3 while worker 0 would sleep a minute: all stop at once."""
    sleeper = [sys.executable, "-c", "import time; print('up', flush=True); time.sleep(60)"]
    failer = [sys.executable, "-c", "import sys; print('failing', flush=True); sys.exit(3)"]
    monkeypatch.setattr(launcher, "worker_commands", lambda *a: [(sleeper, {}), (failer, {})])
    start = time.monotonic()
    assert launcher.launch(["train"], workers=2, grace=5) == 1
    assert time.monotonic() - start < 30
    captured = capsys.readouterr()
    assert "[w1] failing" in captured.out
    assert captured.err.splitlines()[-1] == (
        "tfdojo: error: launch: worker 1 failed (exit code 3); all 2 workers stopped; "
        "worker 0, which writes the run, ended by signal 15 (SIGTERM): a file it was writing "
        "may be incomplete. Without --out, the run cannot be resumed: start it again"
    )


def test_launch_interrupted_stops_every_worker_before_it_reports(monkeypatch, capsys, tmp_path):
    """SIGTERM to the launcher: worker 0 stops by itself, worker 1 ignores SIGTERM and is
    killed after --grace; the launcher waits for both, removes what the killed one left
    (its checkpoint folder), and only then says so."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    stops = (
        "import signal, sys, time; signal.signal(signal.SIGTERM, lambda *a: sys.exit(143)); "
        "print('up', flush=True); time.sleep(60)"
    )
    ignores = (
        "import signal, time; from tfdojo.engines.replicated import tempdirs; "
        "signal.signal(signal.SIGTERM, signal.SIG_IGN); tempdirs.make(1); "
        "print('up', flush=True); time.sleep(60)"
    )
    workers = [([sys.executable, "-c", code], {}) for code in (stops, ignores)]
    monkeypatch.setattr(launcher, "worker_commands", lambda *a: workers)
    started = []
    real_popen = subprocess.Popen
    monkeypatch.setattr(
        subprocess, "Popen", lambda *a, **k: started.append(real_popen(*a, **k)) or started[-1]
    )
    run = tmp_path / "run"
    killer = threading.Timer(3, os.kill, (os.getpid(), signal.SIGTERM))
    killer.start()
    start = time.monotonic()
    try:
        status = launcher.launch(["train", "--out", str(run)], workers=2, grace=1)
    finally:
        killer.cancel()
    assert status == 128 + signal.SIGTERM
    assert 3 <= time.monotonic() - start < 3 + 1 + 5  # the signal, --grace 1, then at once
    assert [p.returncode for p in started] == [143, -signal.SIGKILL]
    assert not list(tmp.iterdir())  # worker 1's checkpoint folder went with it
    assert capsys.readouterr().err.splitlines()[-1] == (
        "tfdojo: launch: interrupted (SIGTERM); all 2 workers stopped (worker 1 killed after "
        "--grace 1 s), nothing half-written was left behind. "
        f"{run} has no checkpoint yet: run the same command again"
    )


def test_resume_hint_is_a_command_resume_accepts(tmp_path):
    """Only what `train --resume` accepts is kept (its saved config decides the rest)."""
    run = tmp_path / "run"
    command = [
        *["train", "--data", "d", "--model", "mlp", "--set", "lr=0.1", "--epochs", "5"],
        *[f"--out={run}", "--no-progress", "--collective-timeout", "9", "--seed", "3"],
        *["--dump-weights", "w", "--config", "c.toml"],
    ]
    assert launcher.resume_hint(command, 3, 2, 4.0) == (
        f"{run} has no checkpoint yet: run the same command again"
    )
    run.mkdir()
    (run / "config.json").write_text("{}")
    assert launcher.resume_hint(command, 3, 2, 4.0) == (
        "Continue from the last checkpoint with: tfdojo --threads 2 launch --workers 3 "
        f"--grace 4 -- train --data d --epochs 5 --out={run} --no-progress "
        "--collective-timeout 9 --resume"
    )
    assert launcher.resume_hint(["train", "--out", str(run)], 2, None, 10.0) == (
        f"Continue from the last checkpoint with: tfdojo launch --workers 2 -- train --out {run} "
        "--resume"
    )
    # a learner's model needs its class again; --quiet and --json are kept as --no-progress is
    mine = ["train", "--model", "dojo/13_convnet.py:ConvNet", "--out", str(run), "--quiet"]
    assert launcher.resume_hint([*mine, "--json"], 2, None, 10.0) == (
        "Continue from the last checkpoint with: tfdojo launch --workers 2 -- train "
        f"--model dojo/13_convnet.py:ConvNet --out {run} --quiet --json --resume"
    )


def test_workers_meet_within_the_timeout_or_name_who_is_missing():
    """The rendezvous, in this process: a peer listening is met at once; a missing one is
    named after the timeout, not later; a busy port is refused at once."""
    hosts = local_hosts(3)
    chief = parse_tf_config(json.dumps({"cluster": {"worker": hosts}, "task": {"type": "worker"}}))
    with socket.create_server(("127.0.0.1", int(hosts[1].rsplit(":")[1]))):
        start = time.monotonic()
        with pytest.raises(TfdojoError) as error:
            rendezvous.wait_for_workers(chief, timeout=1.5)
        assert 1.5 <= time.monotonic() - start < 1.5 + 1
        assert str(error.value) == (
            f"worker 0: worker 2 ({hosts[2]}) not reached within --collective-timeout 1.5 s; "
            "start every worker, with the same command, within that time"
        )
        with socket.create_server(("127.0.0.1", int(hosts[2].rsplit(":")[1]))):
            start = time.monotonic()
            rendezvous.wait_for_workers(chief, timeout=1.5)  # both listen: met
            assert time.monotonic() - start < 0.5
        worker1 = parse_tf_config(
            json.dumps({"cluster": {"worker": hosts}, "task": {"type": "worker", "index": 1}})
        )
        with pytest.raises(TfdojoError) as error:
            rendezvous.wait_for_workers(worker1, timeout=1.5)
        assert str(error.value) == (
            f"worker 1: port {hosts[1].rsplit(':')[1]} on 127.0.0.1 is in use; choose another "
            "(--worker-hosts or TF_CONFIG)"
        )


def test_the_stop_guard_interrupts_python_and_gives_signals_back():
    """Outside a wait, SIGTERM becomes a KeyboardInterrupt in the main thread (taken by the
    guard's thread even though the main thread blocks it); closing restores the handlers,
    the signal mask and the wakeup fd. Off the main thread it does nothing."""

    class Unguarded(Exception):
        pass

    def unguarded(signum, frame):
        raise Unguarded

    old_term = signal.signal(signal.SIGTERM, unguarded)  # never the default: it would kill pytest
    try:
        before = (signal.getsignal(signal.SIGINT), signal.pthread_sigmask(signal.SIG_BLOCK, []))
        before_wakeup = signal.set_wakeup_fd(-1)
        signal.set_wakeup_fd(before_wakeup)
        guard = StopGuard("worker 9")
        try:
            assert signal.SIGTERM in signal.pthread_sigmask(signal.SIG_BLOCK, [])
            start = time.monotonic()
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(100):
                    time.sleep(0.02)
            assert time.monotonic() - start < 1
        finally:
            guard.close()
        assert signal.getsignal(signal.SIGTERM) is unguarded
        assert (signal.getsignal(signal.SIGINT), signal.pthread_sigmask(signal.SIG_BLOCK, [])) == (
            before
        )
        wakeup = signal.set_wakeup_fd(-1)
        signal.set_wakeup_fd(wakeup)
        assert wakeup == before_wakeup
    finally:
        signal.signal(signal.SIGTERM, old_term)
    elsewhere = []
    thread = threading.Thread(target=lambda: elsewhere.append(StopGuard("worker 9")))
    thread.start()
    thread.join()
    with elsewhere[0].waiting("anything"):
        assert signal.getsignal(signal.SIGTERM) is old_term  # nothing installed
    elsewhere[0].close()


def test_only_the_folders_of_ended_workers_are_removed(tmp_path):
    """A killed worker's checkpoint folder goes; a running one's, or another host's, stays."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], **TEXT)
    dead_pid = int(ended.stdout)
    host = tempdirs._host()
    dead = tmp_path / f"tfdojo-worker1-{host}-{dead_pid}-abc_1234"
    alive = tmp_path / f"tfdojo-worker2-{host}-{os.getpid()}-abc_1234"
    elsewhere = tmp_path / f"tfdojo-worker1-other.host-{dead_pid}-abc_1234"
    for folder in (dead, alive, elsewhere):
        (folder / "ckpt").mkdir(parents=True)
    assert tempdirs.remove_stale(pids=[os.getpid()], parent=tmp_path) == []
    assert tempdirs.remove_stale(parent=tmp_path) == [dead]
    assert sorted(tmp_path.iterdir()) == sorted([alive, elsewhere])


# -- the same results on several replicas ----------------------------------------------------


def test_mirrored_on_two_logical_cpus_matches_one_device(single, tiny_dataset, tmp_path):
    run, dump = tmp_path / "run", tmp_path / "weights"
    extra = ["--strategy", "mirrored", "--devices", "2", "--dump-weights", str(dump)]
    done = cli(["--threads", "1", *train_args(tiny_dataset, run, *extra)], timeout=300)
    assert done.returncode == 0, done.stderr
    assert "strategy mirrored: 2 replicas on 1 worker(s), global batch 32" in done.stdout
    np.testing.assert_allclose(losses(run), losses(single), rtol=RTOL)
    metrics = json.loads((run / "metrics.json").read_text())
    assert (metrics["strategy"], metrics["replicas"], metrics["workers"]) == ("mirrored", 2, 1)
    assert json.loads((run / "config.json").read_text()) == json.loads(
        (single / "config.json").read_text()
    )  # where a run trains is not part of its config
    from tfdojo.data import dataset

    images = dataset.load(tiny_dataset).test.images
    a = runs.load_model(run).predict_proba(images)
    np.testing.assert_allclose(a, runs.load_model(single).predict_proba(images), atol=1e-4)


def test_mirrored_replicas_jitter_their_own_slices(single, tiny_dataset, tmp_path):
    run = tmp_path / "run"
    extra = ["--strategy", "mirrored", "--devices", "2", "--set", "jitter=1"]
    done = cli(["--threads", "1", *train_args(tiny_dataset, run, *extra)], timeout=300)
    assert done.returncode == 0, done.stderr
    assert json.loads((run / "config.json").read_text())["jitter"] == 1.0
    jittered = losses(run)
    assert np.isfinite(jittered).all()
    assert not np.allclose(jittered, losses(single))  # the images were not the plain ones


def test_two_workers_end_equal_and_follow_one_device(single, tiny_dataset, tmp_path):
    run, dump = tmp_path / "run", tmp_path / "weights"
    args = ["launch", "--workers", "2", "--", *train_args(tiny_dataset, run)]
    done = cli([*args, "--dump-weights", str(dump)], timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "[w0] epoch 2/2: train loss" in done.stdout and "[w1] worker 1: trained 2" in done.stdout
    assert "[w0] strategy multiworker: 2 replicas on 2 worker(s)" in done.stdout
    w0, w1 = np.load(dump / "worker-0.npz"), np.load(dump / "worker-1.npz")
    assert sorted(w0) == sorted(w1) and all(np.array_equal(w0[k], w1[k]) for k in w0)
    np.testing.assert_allclose(losses(run), losses(single), rtol=RTOL)
    # The chief's exported SavedModel holds exactly the weights both workers ended with.
    from tfdojo import models
    from tfdojo.data import dataset

    model = models.build(train.make_config("mlp").model)
    model.set_weights(dict(w1))
    images = dataset.load(tiny_dataset).test.images
    np.testing.assert_array_equal(
        runs.load_model(run).predict_proba(images), model.predict_proba(images)
    )
    assert sorted(p.name for p in run.iterdir() if p.name.startswith("ckpt")) == ["ckpt"]


# -- faults ----------------------------------------------------------------------------------


def start_workers(args_of, logs, env: dict | None = None) -> list[subprocess.Popen]:
    """Start one ``python -m tfdojo`` per entry of ``args_of``: stdout to ``<log>``, stderr
    to ``<log>.err`` (``None``: both to ``<log>``)."""
    procs = []
    for args, path in zip(args_of, logs):
        with open(path, "w") as out, open(f"{path}.err", "w") as err:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tfdojo", *args],
                    stdout=out,
                    stderr=err,
                    env={**os.environ, **(env or {})},
                    start_new_session=True,
                )
            )
    return procs


def stop(procs) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def wait_until(condition, timeout: float, what: str, procs=()) -> float:
    """Poll ``condition`` every 50 ms; its time; fail after ``timeout`` s or if a process ends."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        assert all(p.poll() is None for p in procs), f"{what}: a worker ended first"
        time.sleep(0.05)
    return time.monotonic()


def err_of(log: Path) -> str:
    return Path(f"{log}.err").read_text()


def test_start_up_waits_are_bounded_and_interruptible(tiny_dataset, tmp_path):
    """Five lone workers, at once: a chief and a worker whose peer never starts stop after
    --collective-timeout with one line naming it; a worker whose port is taken stops at
    once; SIGINT and SIGTERM (with --threads 2: OpenBLAS's own thread) stop a waiting
    worker at once. Exit status 2, 2, 2, 130, 130; nothing left behind, not even the
    folder an earlier, killed worker left."""
    tmp = tmp_path / "tmp"
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], **TEXT)
    leftover = tmp / f"tfdojo-worker1-{tempdirs._host()}-{int(ended.stdout)}-abcd1234"
    (leftover / "ckpt").mkdir(parents=True)  # what a killed worker left: swept at start
    clusters = [local_hosts(2) for _ in range(5)]
    roles = [(0, 5, "1"), (1, 5, "1"), (1, 60, "1"), (1, 60, "1"), (1, 60, "2")]
    args_of = [
        ["--threads", threads, *train_args(tiny_dataset, tmp_path / f"run{k}", "--no-progress")]
        + multiworker(hosts, index, timeout)
        for k, (hosts, (index, timeout, threads)) in enumerate(zip(clusters, roles))
    ]
    logs = [tmp_path / f"w{k}.log" for k in range(5)]
    busy_port = int(clusters[2][1].rsplit(":")[1])
    with socket.create_server(("127.0.0.1", busy_port)):
        procs = start_workers(args_of, logs, env={"TMPDIR": str(tmp)})
        try:
            up = {
                k: wait_until(
                    lambda k=k: rendezvous.accepts(clusters[k][1]), 120, f"w{k} waiting", procs
                )
                for k in (1, 3, 4)
            }
            for k, signum in ((3, signal.SIGINT), (4, signal.SIGTERM)):
                procs[k].send_signal(signum)
            ended = {}
            while len(ended) < 5:
                for k, proc in enumerate(procs):
                    if k not in ended and proc.poll() is not None:
                        ended[k] = time.monotonic()
                assert time.monotonic() - min(up.values()) < 120, "a lone worker never stopped"
                time.sleep(0.05)
        finally:
            stop(procs)
    assert [p.returncode for p in procs] == [2, 2, 2, 130, 130], [err_of(g) for g in logs]
    missing = "not reached within --collective-timeout 5 s; start every worker, with the same "
    assert [err_of(g) for g in logs] == [
        f"tfdojo: error: worker 0: worker 1 ({clusters[0][1]}) {missing}command, within that "
        "time\n",
        f"tfdojo: error: worker 1: worker 0 ({clusters[1][0]}) {missing}command, within that "
        "time\n",
        f"tfdojo: error: worker 1: port {busy_port} on 127.0.0.1 is in use; choose another "
        "(--worker-hosts or TF_CONFIG)\n",
        "tfdojo: interrupted; nothing half-written was left behind\n",
        "tfdojo: interrupted; nothing half-written was left behind\n",
    ]
    assert 5 <= ended[1] - up[1] < 5 + 5  # waited the timeout, then stopped
    assert ended[3] - up[3] < 5 and ended[4] - up[4] < 5  # the signals: at once
    assert not (tmp_path / "run0").exists() or not any((tmp_path / "run0").iterdir())
    assert not any((tmp_path / f"run{k}").exists() for k in range(1, 5))
    assert not any(tmp.iterdir())


def test_workers_with_different_settings_refuse_to_train(tiny_dataset, tmp_path):
    """Each worker gathers from its own copy of the data: a mismatch must not train."""
    hosts = local_hosts(2)
    logs = [tmp_path / "w0.log", tmp_path / "w1.log"]
    args_of = [
        [
            *["--threads", "1"],
            *train_args(tiny_dataset, tmp_path / "run", "--set", f"lr={lr}"),
            *multiworker(hosts, i, 60),
        ]
        for i, lr in enumerate((0.05, 0.1))
    ]
    procs = start_workers(args_of, logs)
    try:
        for p in procs:
            p.wait(timeout=120)
    finally:
        stop(procs)
    for i, (p, log) in enumerate(zip(procs, logs)):
        assert p.returncode == 2, err_of(log)
        assert err_of(log) == (
            f"tfdojo: error: worker {i}: the workers differ in their config or training data; "
            "run the same command on every worker, with the same dataset (same --data)\n"
        )
    assert not (tmp_path / "run" / "history.json").exists()


def test_stopped_workers_stop_at_once_or_on_their_own_and_resume_finishes(tiny_dataset, tmp_path):
    """Two workers train; worker 0 hangs (SIGSTOP), so worker 1 waits in an all-reduce:
    SIGTERM stops it at once, removing its checkpoint folder. Worker 0, resumed, finds its
    peer gone and stops on its own with one line. The launcher's resume command then
    finishes the run. While they train, each listens on every interface (TensorFlow 2.21
    cannot bind one address)."""
    epochs, tmp = 10, tmp_path / "tmp"
    tmp.mkdir()
    run, logs = tmp_path / "run", [tmp_path / "w0.log", tmp_path / "w1.log"]
    hosts = local_hosts(2)
    command = train_args(tiny_dataset, run, "--no-progress", epochs=epochs)
    args_of = [["--threads", "1", *command, *multiworker(hosts, i, 30)] for i in range(2)]
    procs = start_workers(args_of, logs, env={"TMPDIR": str(tmp)})
    try:
        wait_until(lambda: (run / "ckpt" / "ckpt-1.index").exists(), 180, "checkpoint 1", procs)
        wait_until(lambda: any(tmp.glob("tfdojo-worker1-*/ckpt/ckpt-1.index")), 30, "w1's", procs)
        for host in hosts:  # every interface (*:PORT in ss -ltn), not 127.0.0.1 alone
            assert listening_on(int(host.rsplit(":")[1])) in ({"::"}, {"0.0.0.0"})
        procs[0].send_signal(signal.SIGSTOP)
        time.sleep(1)  # worker 1 reaches the next all-reduce and waits there
        sent = time.monotonic()
        procs[1].send_signal(signal.SIGTERM)
        procs[1].wait(timeout=30)
        assert time.monotonic() - sent < 3
        procs[0].send_signal(signal.SIGCONT)
        procs[0].wait(timeout=60)  # the survivor must stop on its own
    finally:
        stop(procs)
    assert procs[1].returncode == 128 + signal.SIGTERM
    assert err_of(logs[1]) == (
        "tfdojo: worker 1: interrupted (SIGTERM) during a training step; "
        "nothing half-written was left behind\n"
    )
    assert not any(tmp.iterdir())  # worker 1's checkpoint folder is gone
    assert procs[0].returncode == 2, err_of(logs[0])
    last = err_of(logs[0]).strip().splitlines()[-1]
    assert last.startswith("tfdojo: error: worker 0: a collective all-reduce failed"), last
    assert "--resume" in last
    assert not (run / "metrics.json").exists()
    assert 1 <= len(runs.read_history(run)) < epochs

    hint = launcher.resume_hint([*command, *multiworker(hosts, 0, 30)], 2, 1, 10.0)
    assert hint == (
        "Continue from the last checkpoint with: tfdojo --threads 1 launch --workers 2 -- "
        f"train --data {tiny_dataset} --epochs {epochs} --out {run} --no-progress "
        "--collective-timeout 30 --resume"
    )
    resume = shlex.split(hint.split(": ", 1)[1])[1:]  # without "tfdojo"
    done = cli(resume, timeout=300, env={"TMPDIR": str(tmp)})
    assert done.returncode == 0, done.stdout + done.stderr
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["epochs"] == epochs and metrics["workers"] == 2
    assert [r["epoch"] for r in runs.read_history(run)] == list(range(1, epochs + 1))
    assert not any(tmp.iterdir())
