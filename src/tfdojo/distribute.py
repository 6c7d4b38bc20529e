"""Data-parallel training on ``tf.distribute``: one model, copied on every replica.

Three placements, chosen by ``tfdojo train --strategy``:

- ``none``: today's single-device trainer (:class:`tfdojo.train.Trainer`), unchanged.
- ``mirrored``: :class:`tf.distribute.MirroredStrategy` over this machine's devices
  (every GPU, or ``devices`` logical CPU devices to try it out on a laptop).
- ``multiworker``: :class:`tf.distribute.MultiWorkerMirroredStrategy` across
  processes or machines, from ``TF_CONFIG`` or ``worker_hosts`` + ``task_index``.

One step with ``R`` replicas and the global batch ``B`` (``cfg.batch_size``)::

    every worker draws the same global batch (indices from (seed, epoch), as train.py)
    replica r takes its slice  idx[r*B/R : (r+1)*B/R]          (B/R images each)
    loss_r = sum_i CE_i / B  (+ weight_decay * l2 / R)        scaled by the GLOBAL batch
    g      = sum_r d loss_r / d theta                          (all-reduce, SUM)
           = d (mean over the global batch) / d theta          (what one device computes)
    theta <- optimizer(theta, g)     on every replica, with the same g: copies stay equal

So ``R`` replicas at batch ``B`` follow the single-device run at batch ``B`` up to
floating-point rounding. Each worker holds the whole (small, uint8) training set and
gathers only its replicas' slices of each batch: the data is sharded per step, by index.

Only the chief (worker 0, or the ``chief`` task of ``TF_CONFIG``) writes the run
folder; the other workers checkpoint into a temporary folder they delete at the end,
as TensorFlow's multi-worker guide does. A worker that dies leaves the others waiting
in an all-reduce: after ``timeout`` seconds (``CommunicationOptions(timeout_seconds)``)
or when TensorFlow's health check notices, they stop with a one-line error, and
``--resume`` restarts all of them from the last checkpoint.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import tempfile
import zlib
from pathlib import Path
from typing import Any, Literal

import numpy as np

from tfdojo.errors import TfdojoError
from tfdojo.train import Trainer

STRATEGIES = ("none", "mirrored", "multiworker")
DEFAULT_TIMEOUT = 60.0
_SYMPTOMS = "unhealthy|Socket closed|[Dd]eadline|timed out|Connection reset|refused"
_HOST_PORT = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


@dataclasses.dataclass(frozen=True)
class StrategyConfig:
    """Where a run trains: not a hyperparameter, so never saved in ``config.json``.

    Attributes:
        kind: ``"none"``, ``"mirrored"`` or ``"multiworker"``.
        devices: ``mirrored``: how many devices (0: every GPU, or 1 CPU without GPUs);
            on a machine without GPUs, that many logical CPU devices.
        worker_hosts: ``multiworker``: ``("host:port", ...)``, worker 0 first (the chief);
            empty: read ``TF_CONFIG``.
        task_index: ``multiworker`` with ``worker_hosts``: this worker's position.
        timeout: seconds an all-reduce may wait for the other workers before failing.
        dump_weights: a folder: each worker writes its final weights there as
            ``worker-<i>.npz`` (for checking that all replicas agree).
    """

    kind: Literal["none", "mirrored", "multiworker"] = "none"
    devices: int = 0
    worker_hosts: tuple[str, ...] = ()
    task_index: int | None = None
    timeout: float = DEFAULT_TIMEOUT
    dump_weights: str | None = None

    def __post_init__(self):
        if self.kind not in STRATEGIES:
            raise TfdojoError(
                f"--strategy: expected one of {', '.join(STRATEGIES)}, received {self.kind!r}"
            )
        if self.devices < 0:
            raise TfdojoError(f"--devices: expected a whole number >= 1, received {self.devices}")
        if self.devices and self.kind != "mirrored":
            raise TfdojoError(
                f"--devices: only with --strategy mirrored, received --strategy {self.kind}"
            )
        if (self.worker_hosts or self.task_index is not None) and self.kind != "multiworker":
            raise TfdojoError(
                "--worker-hosts/--task-index: only with --strategy multiworker, "
                f"received --strategy {self.kind}"
            )
        if not self.timeout > 0:
            raise TfdojoError(
                f"--collective-timeout: expected seconds > 0, received {self.timeout}"
            )


@dataclasses.dataclass(frozen=True)
class Cluster:
    """The workers of a multi-worker run and this process's place among them."""

    jobs: dict[str, list[str]]  # {"worker": ["host:port", ...]} (and maybe "chief": [...])
    task_type: str
    task_index: int

    @property
    def is_chief(self) -> bool:
        """Writes the run: the ``chief`` task, or worker 0 when there is none (TF's rule)."""
        return self.task_type == "chief" or (
            self.task_type == "worker" and self.task_index == 0 and "chief" not in self.jobs
        )

    @property
    def num_workers(self) -> int:
        return sum(len(hosts) for hosts in self.jobs.values())

    @property
    def name(self) -> str:
        return f"{self.task_type} {self.task_index}"


def parse_worker_hosts(text: str) -> tuple[str, ...]:
    """``"a:2222,b:2222"`` -> ``("a:2222", "b:2222")``.

    Raises:
        TfdojoError: an empty list, an entry that is not ``host:port`` (port 1..65535),
            or the same address twice.
    """
    hosts = tuple(h.strip() for h in str(text).split(","))
    for h in hosts:
        m = _HOST_PORT.match(h)
        if not m or not 1 <= int(m.group(2)) <= 65535:
            raise TfdojoError(
                "--worker-hosts: expected host:port[,host:port...] with ports 1..65535, "
                f"received {text!r} (bad entry {h!r})"
            )
    if len(set(hosts)) != len(hosts):
        raise TfdojoError(f"--worker-hosts: each worker needs its own host:port, received {text!r}")
    return hosts


def parse_tf_config(text: str) -> Cluster:
    """The cluster of a ``TF_CONFIG`` JSON string::

        {"cluster": {"worker": ["hostA:2222", "hostB:2222"]},
         "task": {"type": "worker", "index": 0}}

    Raises:
        TfdojoError: not JSON, no ``cluster.worker`` list, or a task outside the cluster.
    """
    try:
        obj = json.loads(text)
    except ValueError as exc:
        raise TfdojoError(f"TF_CONFIG: not valid JSON ({exc}), received {text[:100]!r}") from None
    cluster = obj.get("cluster") if isinstance(obj, dict) else None
    task = obj.get("task") if isinstance(obj, dict) else None
    if not isinstance(cluster, dict) or not isinstance(cluster.get("worker", []), list):
        raise TfdojoError(
            'TF_CONFIG: expected {"cluster": {"worker": ["host:port", ...]}, "task": {...}}, '
            f"received {text[:100]!r}"
        )
    jobs = {}
    for job in ("chief", "worker"):
        if cluster.get(job):
            jobs[job] = list(parse_worker_hosts(",".join(map(str, cluster[job]))))
    other = sorted(set(cluster) - {"chief", "worker"})
    if not jobs or other:
        raise TfdojoError(
            "TF_CONFIG: expected cluster jobs 'worker' (and optionally 'chief'), "
            f"received {sorted(cluster)}"
        )
    if not isinstance(task, dict) or task.get("type") not in jobs:
        raise TfdojoError(f"TF_CONFIG: task.type must be one of {sorted(jobs)}, received {task!r}")
    index = task.get("index", 0)
    if not isinstance(index, int) or not 0 <= index < len(jobs[task["type"]]):
        raise TfdojoError(
            f"TF_CONFIG: task.index must be in 0..{len(jobs[task['type']]) - 1}, received {index!r}"
        )
    return Cluster(jobs, task["type"], index)


def resolve_cluster(spec: StrategyConfig, environ: dict[str, str] | None = None) -> Cluster | None:
    """The multi-worker cluster of ``spec`` (``None`` for the single-machine strategies).

    ``worker_hosts`` + ``task_index`` win over ``TF_CONFIG``.

    Raises:
        TfdojoError: no hosts and no ``TF_CONFIG``, a missing or out-of-range task index,
            or a malformed ``TF_CONFIG``.
    """
    if spec.kind != "multiworker":
        return None
    environ = os.environ if environ is None else environ
    if spec.worker_hosts:
        n = len(spec.worker_hosts)
        if spec.task_index is None:
            raise TfdojoError("--task-index: required with --worker-hosts (0 is the chief)")
        if not 0 <= spec.task_index < n:
            raise TfdojoError(
                f"--task-index: expected 0..{n - 1} for {n} worker hosts, "
                f"received {spec.task_index}"
            )
        return Cluster({"worker": list(spec.worker_hosts)}, "worker", spec.task_index)
    if spec.task_index is not None:
        raise TfdojoError("--task-index: only with --worker-hosts (TF_CONFIG has its own task)")
    if not environ.get("TF_CONFIG"):
        raise TfdojoError(
            "--strategy multiworker: give --worker-hosts host:port,... --task-index I, "
            "or set TF_CONFIG (or use `tfdojo launch --workers N -- train ...`)"
        )
    return parse_tf_config(environ["TF_CONFIG"])


# -- the strategy -----------------------------------------------------------------------------


class Distribution:
    """A started strategy and this process's role in it.

    Attributes:
        strategy: the ``tf.distribute.Strategy``, or ``None`` for ``--strategy none``.
        cluster: the multi-worker cluster, or ``None``.
        replicas: replicas in sync over all workers.
        is_chief: whether this process writes the run folder.
    """

    def __init__(self, spec: StrategyConfig, strategy=None, cluster: Cluster | None = None):
        self.spec = spec
        self.strategy = strategy
        self.cluster = cluster
        self.replicas = strategy.num_replicas_in_sync if strategy is not None else 1
        self.is_chief = cluster is None or cluster.is_chief
        self.worker = cluster.name if cluster is not None else "worker 0"
        self.rank = _rank(cluster)
        self._temp: Path | None = None

    def scope(self):
        """The strategy's scope: variables made inside it are copied on every replica."""
        return self.strategy.scope() if self.strategy is not None else contextlib.nullcontext()

    def checkpoint_dir(self, run_dir: Path) -> Path:
        """``RUN/ckpt`` for the chief; a temporary folder (deleted by :meth:`close`) otherwise."""
        if self.is_chief:
            return run_dir / "ckpt"
        if self._temp is None:
            self._temp = Path(tempfile.mkdtemp(prefix=f"tfdojo-worker{self.rank}-"))
        return self._temp / "ckpt"

    def make_trainer(self, cfg, model, images: np.ndarray, labels: np.ndarray) -> Trainer:
        """The single-device :class:`~tfdojo.train.Trainer`, or the replicated one."""
        if self.strategy is None:
            return Trainer(cfg, model, images, labels)
        return DistributedTrainer(cfg, model, images, labels, self)

    def summary(self) -> dict[str, Any]:
        """What ``metrics.json`` records about the placement (nothing for ``none``)."""
        if self.strategy is None:
            return {}
        workers = self.cluster.num_workers if self.cluster is not None else 1
        return {"strategy": self.spec.kind, "workers": workers, "replicas": self.replicas}

    def dump_weights(self, model) -> Path | None:
        """Write ``<dump_weights>/worker-<rank>.npz`` if asked (every worker does)."""
        if not self.spec.dump_weights:
            return None
        folder = Path(self.spec.dump_weights)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"worker-{self.rank}.npz"
        np.savez(path, **model.get_weights())
        return path

    def close(self) -> None:
        """Delete this worker's temporary folder (non-chief workers only have one)."""
        if self._temp is not None:
            shutil.rmtree(self._temp, ignore_errors=True)
            self._temp = None


def _rank(cluster: Cluster | None) -> int:
    """0 for the chief, then the workers in order (the chief job, if any, counts first)."""
    if cluster is None:
        return 0
    return cluster.task_index + (
        len(cluster.jobs.get("chief", [])) if cluster.task_type == "worker" else 0
    )


def start(spec: StrategyConfig | None, tf) -> Distribution:
    """Create the strategy of ``spec``; call before TensorFlow runs any op.

    Raises:
        TfdojoError: the strategy cannot start in this process (TensorFlow already
            running, with logical devices or collectives to configure), or a bad cluster.
    """
    spec = spec or StrategyConfig()
    if spec.kind == "none":
        return Distribution(spec)
    options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=spec.timeout)
    if spec.kind == "mirrored":
        return Distribution(spec, mirrored_strategy(spec, tf, options))
    cluster = resolve_cluster(spec)
    resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
        tf.train.ClusterSpec(cluster.jobs),
        task_type=cluster.task_type,
        task_id=cluster.task_index,
        rpc_layer="grpc",
    )
    try:
        strategy = tf.distribute.MultiWorkerMirroredStrategy(
            cluster_resolver=resolver, communication_options=options
        )
    except (RuntimeError, ValueError, tf.errors.OpError) as exc:
        raise TfdojoError(
            f"--strategy multiworker: could not start {cluster.name} "
            f"({_first_line(exc)}); start it in a fresh process, e.g. `tfdojo train`"
        ) from None
    return Distribution(spec, strategy, cluster)


def mirrored_strategy(spec: StrategyConfig, tf, options):
    """MirroredStrategy over the GPUs, else over ``spec.devices`` logical CPU devices."""
    gpus = tf.config.list_physical_devices("GPU")
    if gpus:
        n = spec.devices or len(gpus)
        if n > len(gpus):
            raise TfdojoError(f"--devices: this machine has {len(gpus)} GPUs, received {n}")
        devices = [f"/gpu:{i}" for i in range(n)]
    else:
        n = spec.devices or 1
        cpu = tf.config.list_physical_devices("CPU")[0]
        try:
            tf.config.set_logical_device_configuration(
                cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(n)]
            )
        except RuntimeError:
            if len(tf.config.list_logical_devices("CPU")) < n:
                raise TfdojoError(
                    f"--devices {n}: TensorFlow is already running in this process, so it "
                    "cannot be split into logical CPU devices; start a fresh process"
                ) from None
        devices = [f"/cpu:{i}" for i in range(n)]
    return tf.distribute.MirroredStrategy(
        devices=devices, cross_device_ops=tf.distribute.ReductionToOneDevice()
    )


def _reason(exc: BaseException) -> str:
    """The line of a collective's error that says what happened, else its status or first line.

    E.g. ``Socket closed`` (a peer died) or ``The following tasks are unhealthy (stopped
    sending heartbeats)`` (a peer hangs), rather than TensorFlow's ``Graph execution error:``.
    """
    text = str(exc)
    m = re.search(r"([^\n:]*(" + _SYMPTOMS + r")[^\n\[]*)", text)
    if m:
        return m.group(1).strip().rstrip(":")[:200]
    m = re.search(r"\b([A-Z][A-Z_]{4,}): ([^\n\[]+)", text)
    return f"{m.group(1)}: {m.group(2).strip()}"[:200] if m else _first_line(exc)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:200]


# -- the replicated training step -------------------------------------------------------------


class DistributedTrainer(Trainer):
    """:class:`~tfdojo.train.Trainer` whose ``train_steps`` run on every replica.

    Built inside ``strategy.scope()`` so the model's, the optimizer's and the step's
    variables are mirrored. Evaluation is the single-device one (each worker evaluates
    the whole validation set with its copy of the weights, which all replicas share).
    """

    def __init__(self, cfg, model, images: np.ndarray, labels: np.ndarray, dist: Distribution):
        import tensorflow as tf

        from tfdojo.models.layers import normalize

        replicas = dist.replicas
        if cfg.batch_size % replicas:
            raise TfdojoError(
                f"batch_size: the global batch is split evenly over {replicas} replicas, so it "
                f"must be a multiple of {replicas}; received {cfg.batch_size}"
            )
        with dist.scope():
            super().__init__(cfg, model, images, labels)
        strategy = dist.strategy
        self.dist = dist
        per_replica = cfg.batch_size // replicas
        options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=dist.spec.timeout)
        seed = tf.constant(cfg.seed, tf.int64)

        def replica_step(batch):
            """One replica's share of a step: its slice of the global batch ``batch`` (B,)."""
            ctx = tf.distribute.get_replica_context()
            r = tf.cast(ctx.replica_id_in_sync_group, tf.int32)
            idx = batch[r * per_replica : (r + 1) * per_replica]  # (B/R,)
            X = normalize(tf.gather(self.images, idx))  # (B/R, 28, 28) float32
            y = tf.gather(self.labels, idx)  # (B/R,)
            step_seed = tf.random.experimental.stateless_fold_in(
                tf.stack([seed, self.step.read_value()]), r
            )  # each replica its own dropout masks
            with tf.GradientTape() as tape:
                logits = model(X, cfg.dropout, step_seed)  # (B/R, 10)
                ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
                ce_sum = tf.reduce_sum(ce)
                loss = ce_sum / cfg.batch_size  # scaled by the GLOBAL batch
                if cfg.weight_decay:
                    loss += cfg.weight_decay * model.l2_loss() / replicas
            grads = tape.gradient(loss, self.variables)
            hits = tf.reduce_sum(
                tf.cast(tf.equal(tf.argmax(logits, 1, output_type=tf.int32), y), tf.float32)
            )
            # One batched all-reduce: gradients, summed losses and hit counts of all replicas.
            return ctx.all_reduce(
                tf.distribute.ReduceOp.SUM, (grads, ce_sum, hits), options=options
            )

        @tf.function(
            input_signature=[
                tf.TensorSpec([None, None], tf.int32),  # (k, B) global batch indices
                tf.TensorSpec([None], tf.float32),  # (k,) learning rates
            ]
        )
        def train_steps(batches, rates):
            loss_sum = tf.constant(0.0)
            correct = tf.constant(0, tf.int64)
            for i in tf.range(tf.shape(batches)[0]):
                summed = strategy.run(replica_step, args=(batches[i],))
                # Every replica holds the same sums now: apply them once, to every copy.
                grads, ce_sum, hits = tf.nest.map_structure(
                    lambda v: strategy.experimental_local_results(v)[0], summed
                )
                self.optimizer.apply(grads, rates[i])
                self.step.assign_add(1)
                loss_sum += ce_sum
                correct += tf.cast(hits, tf.int64)
            return loss_sum, correct

        self._replicated_steps = train_steps
        self.train_steps = self._run_steps  # in place of the single-device steps
        if dist.cluster is not None:
            self._check_same_run(cfg, images, labels, options)

    def _check_same_run(self, cfg, images: np.ndarray, labels: np.ndarray, options) -> None:
        """Refuse to train unless every worker has the same config and training data.

        Each worker gathers its slices from its own copy of the data by index, so a
        different dataset or setting on one machine would silently train on garbage.
        The fingerprint is a CRC-32 of both (24 bits, exact in float32), gathered from
        every replica (``all_gather``): they must all be equal.
        """
        import tensorflow as tf

        from tfdojo.config import to_dict

        crc = zlib.crc32(json.dumps(to_dict(cfg), sort_keys=True).encode())
        crc = zlib.crc32(np.ascontiguousarray(labels).tobytes(), zlib.crc32(images.tobytes(), crc))
        mine = tf.constant([float(crc % (1 << 24))])  # (1,)
        strategy = self.dist.strategy

        def gather_one():
            ctx = tf.distribute.get_replica_context()
            return ctx.all_gather(mine, axis=0, options=options)  # (R,): every replica's

        @tf.function
        def gather():
            return strategy.run(gather_one)

        try:
            every = strategy.experimental_local_results(gather())[0].numpy()
        except (tf.errors.OpError, RuntimeError) as exc:
            raise TfdojoError(
                f"{self.dist.worker}: could not reach the other workers ({_reason(exc)}); "
                "start every worker, with the same command, within the collective timeout"
            ) from None
        if len(set(every.tolist())) != 1:
            raise TfdojoError(
                f"{self.dist.worker}: the workers differ in their config or training data; "
                "run the same command on every worker, with the same dataset (same --data)"
            )

    def _run_steps(self, batches: np.ndarray, rates: np.ndarray):
        """Run ``len(batches)`` replicated steps; a lost worker becomes a one-line error."""
        import tensorflow as tf

        try:
            loss_sum, correct = self._replicated_steps(batches, rates)
            return loss_sum.numpy(), correct.numpy()  # waits for the steps to finish
        except (tf.errors.OpError, RuntimeError) as exc:
            raise TfdojoError(
                f"{self.dist.worker}: a collective all-reduce failed "
                f"({type(exc).__name__}: {_reason(exc)}); another worker stopped or is "
                "unreachable. Start all workers again with --resume to continue from the "
                "last checkpoint"
            ) from None
