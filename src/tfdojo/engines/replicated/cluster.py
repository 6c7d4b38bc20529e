"""Who trains where: the placement options and the multi-worker cluster, without TensorFlow.

``tfdojo train --strategy`` takes one of :data:`STRATEGIES`; ``multiworker`` needs the
cluster, from ``--worker-hosts host:port,... --task-index I`` or ``TF_CONFIG``::

    {"cluster": {"worker": ["hostA:2222", "hostB:2222"]},
     "task": {"type": "worker", "index": 0}}

Everything here is parsing and checking, so a bad host list fails in milliseconds,
before TensorFlow starts.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from typing import Literal

from tfdojo.core import bounds
from tfdojo.core.errors import TfdojoError

STRATEGIES = ("none", "mirrored", "multiworker")
MAX_DEVICES = 64
"""Most logical CPU devices for ``mirrored`` (each a replica of the model, in memory)."""
MAX_TIMEOUT = 86_400.0
"""Longest ``--collective-timeout``: a day."""
DEFAULT_TIMEOUT = 60.0
_HOST_PORT = re.compile(r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(\d{1,5})$")


@dataclasses.dataclass(frozen=True)
class StrategyConfig:
    """Where a run trains: not a hyperparameter, so never saved in ``config.json``.

    Attributes:
        kind: ``"none"``, ``"mirrored"`` or ``"multiworker"``.
        devices: ``mirrored``: how many devices (0: every GPU, or 1 CPU without GPUs);
            on a machine without GPUs, that many logical CPU devices; 0..64.
        worker_hosts: ``multiworker``: ``("host:port", ...)``, worker 0 first (the chief);
            empty: read ``TF_CONFIG``.
        task_index: ``multiworker`` with ``worker_hosts``: this worker's position.
        timeout: seconds a worker waits for the others, at start-up and in each
            all-reduce, before stopping with an error; in (0, 86400].
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
        bounds.whole("--devices", self.devices, 0, MAX_DEVICES)
        if self.devices and self.kind != "mirrored":
            raise TfdojoError(
                f"--devices: only with --strategy mirrored, received --strategy {self.kind}"
            )
        if (self.worker_hosts or self.task_index is not None) and self.kind != "multiworker":
            raise TfdojoError(
                "--worker-hosts/--task-index: only with --strategy multiworker, "
                f"received --strategy {self.kind}"
            )
        bounds.number("--collective-timeout", self.timeout, 0, MAX_TIMEOUT, "seconds", True)


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

    @property
    def me(self) -> tuple[str, int]:
        return self.task_type, self.task_index

    @property
    def leader(self) -> tuple[str, int]:
        """The task that hosts TensorFlow's coordination service: the chief."""
        return ("chief", 0) if "chief" in self.jobs else ("worker", 0)

    def tasks(self) -> list[tuple[str, int]]:
        """Every task, chief first: ``[("worker", 0), ("worker", 1), ...]``."""
        return [(job, i) for job in ("chief", "worker") for i in range(len(self.jobs.get(job, [])))]

    def address(self, task: tuple[str, int] | None = None) -> str:
        """The ``host:port`` of ``task`` (default: this one)."""
        job, i = task or self.me
        return self.jobs[job][i]

    def describe(self, tasks: list[tuple[str, int]]) -> str:
        """``[("worker", 1)]`` -> ``"worker 1 (hostB:2222)"``; several joined with "and"."""
        named = [f"{job} {i} ({self.address((job, i))})" for job, i in tasks]
        return named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]


def parse_worker_hosts(text: str) -> tuple[str, ...]:
    """``"a:2222,b:2222"`` -> ``("a:2222", "b:2222")``.

    Raises:
        TfdojoError: an empty list, an entry that is not ``host:port`` (port 1..65535),
            or the same address twice.
    """
    if not str(text).strip():
        raise TfdojoError(
            f"--worker-hosts: received an empty list ({text!r}); expected "
            "host:port[,host:port...], the chief first"
        )
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
