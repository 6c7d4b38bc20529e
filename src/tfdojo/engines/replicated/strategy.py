"""Where a run trains: one device, or a ``tf.distribute`` strategy started for it.

Three placements, chosen by ``tfdojo train --strategy``:

- ``none``: one device, the plain
  :class:`~tfdojo.engines.tensorflow_engine.TensorFlowEngine`.
- ``mirrored``: :class:`tf.distribute.MirroredStrategy` over this machine's devices
  (every GPU, or ``devices`` logical CPU devices to try it out on a laptop).
- ``multiworker``: :class:`tf.distribute.MultiWorkerMirroredStrategy` across
  processes or machines, from ``TF_CONFIG`` or ``worker_hosts`` + ``task_index``.

One step with ``R`` replicas and the global batch ``B`` (``cfg.batch_size``)::

    every worker draws the same global batch (indices from (seed, epoch), as one device)
    replica r takes its slice  idx[r*B/R : (r+1)*B/R]          (B/R images each)
    loss_r = sum_i CE_i / B  (+ weight_decay * l2 / R)        scaled by the GLOBAL batch
    g      = sum_r d loss_r / d theta                          (all-reduce, SUM)
           = d (mean over the global batch) / d theta          (what one device computes)
    theta <- optimizer(theta, g)     on every replica, with the same g: copies stay equal

So ``R`` replicas at batch ``B`` follow the single-device run at batch ``B`` up to
floating-point rounding (:mod:`~tfdojo.engines.replicated.engine` is that step). Each
worker holds the whole (small, uint8) training set and gathers only its replicas' slices
of each batch: the data is sharded per step, by index.

Only the chief (worker 0, or the ``chief`` task of ``TF_CONFIG``) writes the run
folder; the other workers checkpoint into a temporary folder they delete at the end
(:mod:`~tfdojo.engines.replicated.tempdirs`), as TensorFlow's multi-worker guide does.

Every wait is bounded by ``timeout`` (``--collective-timeout``): at start-up, the
coordination service's registration barrier (``cluster_register_timeout_in_ms``) names
the workers that never came; in each all-reduce, ``CommunicationOptions(timeout_seconds)``
or TensorFlow's heartbeats stop a worker whose peer died, and ``--resume`` restarts all of
them from the last checkpoint. SIGINT and SIGTERM stop a waiting worker at once
(:mod:`~tfdojo.engines.replicated.stopping`).
"""

from __future__ import annotations

import contextlib
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf
from tensorflow.compiler.xla.tsl.protobuf import coordination_config_pb2
from tensorflow.python.distribute import multi_worker_util
from tensorflow.python.eager import context

from tfdojo.core.errors import TfdojoError, first_line
from tfdojo.core.tf_setup import CapturedFd2
from tfdojo.engines.replicated import rendezvous, tempdirs
from tfdojo.engines.replicated.cluster import Cluster, StrategyConfig, resolve_cluster
from tfdojo.engines.replicated.stopping import StopGuard

# -- the strategy -----------------------------------------------------------------------------


class Distribution:
    """A started strategy and this process's role in it.

    Attributes:
        strategy: the ``tf.distribute.Strategy``, or ``None`` for ``--strategy none``.
        cluster: the multi-worker cluster, or ``None``.
        replicas: replicas in sync over all workers.
        is_chief: whether this process writes the run folder.
    """

    def __init__(
        self,
        spec: StrategyConfig,
        strategy=None,
        cluster: Cluster | None = None,
        guard: StopGuard | None = None,
    ):
        self.spec = spec
        self.strategy = strategy
        self.cluster = cluster
        self.replicas = strategy.num_replicas_in_sync if strategy is not None else 1
        self.is_chief = cluster is None or cluster.is_chief
        self.worker = cluster.name if cluster is not None else "worker 0"
        self.rank = _rank(cluster)
        self.guard = guard
        self._temp: Path | None = None
        if guard is not None:
            guard.on_stop = self._remove_temp

    def waiting(self, what: str):
        """Around a TensorFlow call that waits for the other workers: SIGINT/SIGTERM end
        the process at once (see :class:`~tfdojo.engines.replicated.stopping.StopGuard`)."""
        return self.guard.waiting(what) if self.guard is not None else contextlib.nullcontext()

    def scope(self):
        """The strategy's scope: variables made inside it are copied on every replica."""
        return self.strategy.scope() if self.strategy is not None else contextlib.nullcontext()

    def checkpoint_dir(self, run_dir: Path) -> Path:
        """``RUN/ckpt`` for the chief; a temporary folder (deleted by :meth:`close`) otherwise."""
        if self.is_chief:
            return run_dir / "ckpt"
        if self._temp is None:
            self._temp = tempdirs.make(self.rank)
        return self._temp / "ckpt"

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
        """Delete this worker's temporary folder (non-chief workers only have one) and give
        SIGINT/SIGTERM back their usual handling."""
        self._remove_temp()
        if self.guard is not None:
            self.guard.close()
            self.guard = None

    def _remove_temp(self) -> None:
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


def start(spec: StrategyConfig | None) -> Distribution:
    """Create the strategy of ``spec``; call before TensorFlow runs any op.

    ``multiworker`` waits here until the other workers have started, at most
    ``spec.timeout`` seconds (:mod:`~tfdojo.engines.replicated.rendezvous`).

    Raises:
        TfdojoError: a bad cluster, this worker's port in use, workers not reached within
            ``spec.timeout`` (named), or a strategy that cannot start in this process
            (TensorFlow already running, with logical devices or collectives to configure).
    """
    spec = spec or StrategyConfig()
    if spec.kind == "none":
        return Distribution(spec)
    if spec.kind == "mirrored":
        return Distribution(spec, mirrored_strategy(spec))
    cluster = resolve_cluster(spec)
    tempdirs.remove_stale()  # what killed workers of earlier runs left on this machine
    guard = StopGuard(cluster.name)
    try:
        rendezvous.wait_for_workers(cluster, spec.timeout)  # in Python: Ctrl-C works
        with guard.waiting("while the workers connect"):  # TensorFlow holds the GIL here
            strategy = multiworker_strategy(cluster, spec.timeout)
        guard.take_signals()  # TensorFlow's coordination service took SIGTERM as it started
    except BaseException:
        guard.close()
        raise
    return Distribution(spec, strategy, cluster, guard)


def multiworker_strategy(cluster: Cluster, timeout: float):
    """MultiWorkerMirroredStrategy for ``cluster``, every worker reached within ``timeout`` s.

    The strategy configures TensorFlow's coordination service itself unless it is
    configured already (``collective_all_reduce_strategy.py``), and its default waits an
    hour for the workers to register. So it is configured here first, the same way plus
    a registration barrier of ``timeout`` seconds (``cluster_register_with_barrier``):
    the leader (the chief) then fails naming the workers that never came. A worker
    waiting for the leader itself retries for the register timeout + 5 s
    (``coordination_service_agent.cc``, ``Connect``), hence the 5 s taken off for them.
    """
    spec = tf.train.ClusterSpec(cluster.jobs)
    leader = multi_worker_util.coordination_leader(spec)
    register = timeout if cluster.is_chief else max(timeout - 5, 1)
    ctx = context.context()
    ctx.configure_coordination_service(
        service_type="standalone",
        service_leader=leader,
        coordinated_jobs=[
            coordination_config_pb2.CoordinatedJob(name=job, num_tasks=len(cluster.jobs[job]))
            for job in ("chief", "worker")
            if job in cluster.jobs
        ],
        cluster_register_timeout_in_ms=int(register * 1000),
    )
    ctx.coordination_service.cluster_register_with_barrier = True
    resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
        spec, task_type=cluster.task_type, task_id=cluster.task_index, rpc_layer="grpc"
    )
    options = tf.distribute.experimental.CommunicationOptions(timeout_seconds=timeout)
    failure = None
    with CapturedFd2() as log:  # TensorFlow logs a failed start three times to fd 2
        try:
            return tf.distribute.MultiWorkerMirroredStrategy(
                cluster_resolver=resolver, communication_options=options
            )
        except tf.errors.OpError as exc:
            failure = (type(exc).__name__, _missing_tasks(str(exc)) or [cluster.leader])
            log.drop()
        except (RuntimeError, ValueError) as exc:  # "must be configured at program startup"
            log.drop()
            raise TfdojoError(
                f"--strategy multiworker: could not start {cluster.name} ({first_line(exc)}); "
                "start it in a process where TensorFlow has not run yet, e.g. `tfdojo train`"
            ) from None
    # Raised out here, once TensorFlow's error is freed: freeing it shuts the coordination
    # agent down, which logs once more (captured above, rather than after our message).
    kind, missing = failure
    raise rendezvous.not_reached(cluster, missing, timeout, kind)


def _missing_tasks(text: str) -> list[tuple[str, int]]:
    """The tasks a registration barrier's error lists as timed out (one per line)::

    ... Some timed out task names:
    /job:worker/replica:0/task:1
    """
    _, _, after = text.partition("timed out task names:")
    tasks = []
    for line in after.strip().splitlines():
        if not re.fullmatch(r"/job:\w+/replica:\d+/task:\d+", line.strip()):
            break
        tasks.append(_task_of(line))
    return tasks


def _task_of(name: str) -> tuple[str, int]:
    """``"/job:worker/replica:0/task:1"`` -> ``("worker", 1)``."""
    m = re.search(r"/job:(\w+)/replica:\d+/task:(\d+)", name)
    return m.group(1), int(m.group(2))


def mirrored_strategy(spec: StrategyConfig):
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
