"""Data-parallel training: mirrored replicas and local workers match one device; faults stop.

The reference is single-device training at the same global batch size, dropout off:
with R replicas each gradient is the sum of R partial sums scaled by the global batch,
so the runs differ only by floating-point rounding. Tolerance: every epoch's train and
valid loss within 1e-3 relative (seen: ~1e-7). Workers run as subprocesses on 127.0.0.1
with free ports, 1 thread each, and every wait is bounded.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from tfdojo import runs, train
from tfdojo.cli import main
from tfdojo.distribute import (
    StrategyConfig,
    launcher,
    parse_tf_config,
    parse_worker_hosts,
    resolve_cluster,
)
from tfdojo.errors import TfdojoError

RTOL = 1e-3
SETS = ["batch_size=32", "dropout=0", "eval_batch_size=64", "weight_decay=1e-4"]
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


def train_args(tiny_dataset, out, *extra: str) -> list[str]:
    args = ["train", "--data", str(tiny_dataset), "--model", "mlp"]
    for s in SETS:
        args += ["--set", s]
    return [*args, "--epochs", str(EPOCHS), "--out", str(out), *extra]


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
    assert "launch: worker 1 failed (exit code 3); all workers stopped" in captured.err


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


def start_workers(args_of, logs) -> list[subprocess.Popen]:
    """Start one ``python -m tfdojo`` per entry of ``args_of``, output to ``logs``."""
    procs = []
    for args, path in zip(args_of, logs):
        with open(path, "w") as log:
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "tfdojo", *args],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    return procs


def stop(procs) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def test_workers_with_different_settings_refuse_to_train(tiny_dataset, tmp_path):
    """Each worker gathers from its own copy of the data: a mismatch must not train."""
    hosts = ",".join(f"127.0.0.1:{p}" for p in launcher.free_ports(2))
    logs = [tmp_path / "w0.log", tmp_path / "w1.log"]
    args_of = [
        [
            "--threads",
            "1",
            *train_args(tiny_dataset, tmp_path / "run", "--set", f"lr={lr}"),
            *["--strategy", "multiworker", "--worker-hosts", hosts, "--task-index", str(i)],
            *["--collective-timeout", "60"],
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
        last = log.read_text().strip().splitlines()[-1]
        assert p.returncode == 2, log.read_text()
        assert last == (
            f"tfdojo: error: worker {i}: the workers differ in their config or training data; "
            "run the same command on every worker, with the same dataset (same --data)"
        )
    assert not (tmp_path / "run" / "history.json").exists()


def test_a_dead_worker_stops_the_other_and_resume_finishes(tiny_dataset, tmp_path):
    epochs = 10
    run, logs = tmp_path / "run", [tmp_path / "w0.log", tmp_path / "w1.log"]
    ports = launcher.free_ports(2)
    hosts = ",".join(f"127.0.0.1:{p}" for p in ports)
    base = ["--threads", "1", *train_args(tiny_dataset, run), "--epochs", str(epochs)]
    base += ["--strategy", "multiworker", "--worker-hosts", hosts, "--collective-timeout", "30"]
    procs = start_workers([[*base, "--task-index", str(i)] for i in range(2)], logs)
    try:
        deadline = time.monotonic() + 180
        while not (run / "ckpt" / "ckpt-1.index").exists():
            assert time.monotonic() < deadline, "no checkpoint within 180 s"
            assert procs[0].poll() is None, logs[0].read_text()
            time.sleep(0.05)
        procs[1].kill()  # worker 1 dies after epoch 1's checkpoint
        killed = time.monotonic()
        procs[0].wait(timeout=60)  # the survivor must stop on its own
        assert time.monotonic() - killed < 60
    finally:
        stop(procs)
    err = logs[0].read_text()
    assert procs[0].returncode == 2, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("tfdojo: error: worker 0: a collective all-reduce failed"), last
    assert "--resume" in last
    assert not (run / "metrics.json").exists()
    done_before = len(runs.read_history(run))
    assert 1 <= done_before < epochs

    relaunch = ["launch", "--workers", "2", "--", "train", "--data", str(tiny_dataset)]
    done = cli([*relaunch, "--out", str(run), "--resume", "--no-progress"], timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["epochs"] == epochs and metrics["workers"] == 2
    assert [r["epoch"] for r in runs.read_history(run)] == list(range(1, epochs + 1))
