"""Data-parallel training on ``tf.distribute``:

- :mod:`~tfdojo.engines.replicated.cluster`: the ``--strategy`` options and the multi-worker
  cluster (``--worker-hosts`` or ``TF_CONFIG``), parsed and checked without TensorFlow;
- :mod:`~tfdojo.engines.replicated.strategy`: the started strategy and the replicated step
  (imports TensorFlow; :func:`tfdojo.training.train.train` uses it);
- :mod:`~tfdojo.training.launcher`: ``tfdojo launch``, N local worker processes.

and what keeps a multi-worker run bounded and clean: the workers meet before TensorFlow
starts (:mod:`~tfdojo.engines.replicated.rendezvous`), SIGINT/SIGTERM stop a waiting worker
(:mod:`~tfdojo.engines.replicated.stopping`), and the non-chief workers' checkpoint folders go
even when a worker is killed (:mod:`~tfdojo.engines.replicated.tempdirs`).
"""

from tfdojo.engines.replicated.cluster import (
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
