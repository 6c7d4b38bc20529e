"""Data-parallel training on ``tf.distribute``, in three modules:

- :mod:`~tfdojo.distribute.cluster`: the ``--strategy`` options and the multi-worker
  cluster (``--worker-hosts`` or ``TF_CONFIG``), parsed and checked without TensorFlow;
- :mod:`~tfdojo.distribute.strategy`: the started strategy and the replicated step
  (imports TensorFlow; :func:`tfdojo.train.train` uses it);
- :mod:`~tfdojo.distribute.launcher`: ``tfdojo launch``, N local worker processes.
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
