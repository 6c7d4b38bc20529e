"""Data-parallel training on ``tf.distribute``:

- :mod:`~tfdojo.distribute.cluster`: the ``--strategy`` options and the multi-worker
  cluster (``--worker-hosts`` or ``TF_CONFIG``), parsed and checked without TensorFlow;
- :mod:`~tfdojo.distribute.strategy`: the started strategy and the replicated step
  (imports TensorFlow; :func:`tfdojo.train.train` uses it);
- :mod:`~tfdojo.distribute.launcher`: ``tfdojo launch``, N local worker processes.

and what keeps a multi-worker run bounded and clean: the workers meet before TensorFlow
starts (:mod:`~tfdojo.distribute.rendezvous`), SIGINT/SIGTERM stop a waiting worker
(:mod:`~tfdojo.distribute.stopping`), and the non-chief workers' checkpoint folders go
even when a worker is killed (:mod:`~tfdojo.distribute.scratch`).
"""

from tfdojo.distribute.cluster import (
    DEFAULT_TIMEOUT,
    STRATEGIES,
    Cluster,
    StrategyConfig,
    parse_tf_config,
    parse_worker_hosts,
    resolve_cluster,
)

__all__ = [
    "DEFAULT_TIMEOUT",
    "STRATEGIES",
    "Cluster",
    "StrategyConfig",
    "parse_tf_config",
    "parse_worker_hosts",
    "resolve_cluster",
]
