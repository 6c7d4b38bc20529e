"""Train a model on notMNIST into a run folder, or continue one: what ``tfdojo train`` does.

::

    from tfdojo.training import train
    cfg = train.make_config("mlp", sets=["epochs=3"])
    result = train.run(cfg, out="runs/mlp")          # builds the data if missing
    result.metrics["test_accuracy"], result.run_dir
    result = train.resume("runs/mlp", epochs=5)      # two more epochs

:func:`train` puts the pieces together: the precision, the placement (one device or a
``tf.distribute`` strategy), the engine (:func:`tfdojo.engines.make`), and the callbacks
around the loop (:func:`tfdojo.training.loop.fit`): the progress bar, early stopping, the
run folder, TensorBoard and checkpoints, then any the caller adds (the report:
:class:`tfdojo.results.report.WriteReport`). It returns the loop's
:class:`~tfdojo.training.loop.FitResult`.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

from tfdojo import engines, runs
from tfdojo.core.errors import TfdojoError
from tfdojo.core.paths import default_data_dir
from tfdojo.core.precision import resolve_precision
from tfdojo.core.safe_write import check_name
from tfdojo.core.text import plural
from tfdojo.core.tf_setup import configure_tensorflow
from tfdojo.core.threads import threads as threads_in_force
from tfdojo.core.typed_config import replace, to_dict
from tfdojo.data import dataset
from tfdojo.data.build import build
from tfdojo.data.build_config import BuildConfig
from tfdojo.engines.replicated.cluster import resolve_cluster
from tfdojo.training.callbacks import Checkpoints, EarlyStopping, ProgressBar, RunFolder
from tfdojo.training.loop import Callback, FitResult, fit
from tfdojo.training.settings import TrainConfig, default_config, from_saved, make_config
from tfdojo.training.tensorboard import TensorBoard

__all__ = ["TrainConfig", "default_config", "make_config", "resume", "run", "train"]


def train(
    cfg: TrainConfig,
    data,
    run_dir: str | Path,
    resume: bool = False,
    progress: bool = True,
    strategy=None,
    threads: int | None = None,
    model_class=None,
    callbacks: list[Callback] | tuple[Callback, ...] = (),
    checkpoints: bool = True,
) -> FitResult:
    """Train ``cfg`` on ``data.train`` into ``run_dir``, validating each epoch; test, save.

    Writes ``run_dir/config.json`` (resolved ``cfg``), ``history.json`` (each epoch),
    ``ckpt/`` (each epoch), ``tensorboard/``, ``weights.npz`` and ``metrics.json``
    (:mod:`tfdojo.runs`); no report, no SavedModel: ``callbacks`` may add the report
    (:class:`tfdojo.results.report.WriteReport`), ``tfdojo export`` makes a SavedModel.

    Args:
        cfg: the config; ``cfg.engine`` picks the engine.
        data: a :class:`tfdojo.data.Dataset`.
        run_dir: the run folder; must be new (or empty) unless ``resume``.
        resume: continue from the last checkpoint of ``run_dir`` with its saved config.
        progress: a progress bar on a terminal, and one line per epoch.
        strategy: where to train (:class:`tfdojo.engines.replicated.StrategyConfig`);
            ``None`` is one device. With several replicas ``cfg.batch_size`` is the global
            batch. Only the chief writes ``run_dir``; the other workers' result holds a
            short summary.
        threads: TensorFlow's intra- and inter-op threads (default: ``--threads``, every core).
        model_class: for a learner's model (``cfg.model.source``), its class, loaded from
            the path the user gave (:func:`tfdojo.models.learner.load_class`).
        callbacks: more callbacks, after the run folder's (the chief's only).
        checkpoints: a checkpoint after each epoch, for ``--resume`` (each costs 15 ms:
            a lesson's 200 tiny epochs spent a quarter of their time on them; a lesson
            trains its variants afresh, and passes False).

    Raises:
        TfdojoError: the loss became NaN/inf (the message names the learning rate),
            a corrupt checkpoint, a ``run_dir`` that does not fit ``resume``, or a
            worker lost in a multi-worker run.
    """
    threads = threads or threads_in_force()
    tf = configure_tensorflow(threads)  # before anything runs TensorFlow
    run_dir = Path(run_dir)
    engines.check(cfg, strategy.kind if strategy is not None else "none")
    precision, why = resolve_precision(cfg.precision, cfg.engine, cfg.model.kind)
    cfg = replace(cfg, {"precision": precision}, where="precision")  # saved: what auto chose
    if progress:
        line = f"{cfg.model.name}: training in {precision} ({why}), {plural(threads, 'thread')}"
        print(line, flush=True)
    from tfdojo.engines.replicated import strategy as placement  # TensorFlow, its pools set

    dist = placement.start(strategy)  # before any op: it may configure the devices
    with contextlib.ExitStack() as held:
        held.callback(dist.close)  # on every path: a worker's signal guard and temporary folder
        if cfg.deterministic:
            tf.config.experimental.enable_op_determinism()
        if dist.is_chief:
            runs.prepare(run_dir, resume=resume)  # new or empty (or the run resumed): no links
            held.enter_context(runs.lock(run_dir))  # no other process writes it meanwhile
        engine = engines.make(cfg, data.train.images, data.train.labels, dist, model_class)
        state, history = None, []
        if resume:  # every worker restores the chief's checkpoint
            state = engine.restore(run_dir / "ckpt")
            if state is not None:
                history = runs.read_history(run_dir)[: state.epoch]
        around: list[Callback] = [EarlyStopping()]
        if dist.is_chief:
            board = TensorBoard(run_dir / "tensorboard")
            held.callback(board.close)
            around += [RunFolder(run_dir, to_dict(cfg), resume), board]
        if checkpoints:
            around.append(Checkpoints(dist.checkpoint_dir(run_dir)))  # the chief's in run_dir
        if progress:
            around.append(ProgressBar())
        if dist.is_chief:
            around += callbacks
        record = {"threads": threads}
        result = fit(cfg, data, engine, around, state, history, dist.is_chief, record)
        result.run_dir = run_dir
        dist.dump_weights(result.model)
        if not dist.is_chief:
            result.metrics = {
                "chief": False,
                "worker": dist.worker,
                "model": cfg.model.name,
                **result.metrics,
            }
        return result


# -- the run, from the command line or a notebook ---------------------------------------------


def run(
    cfg: TrainConfig,
    data=None,
    out: str | Path | None = None,
    overwrite: bool = False,
    log=print,
    **options: Any,
) -> FitResult:
    """Train ``cfg`` into a new run folder; the result names it (``result.run_dir``).

    Args:
        data: a dataset folder or :class:`~tfdojo.data.Dataset`; ``None``: the default
            dataset, built from this machine's fonts if missing.
        out: the run folder (default ``runs/<model>-<date>-<time>``).
        overwrite: replace ``out`` if it holds an earlier run (never another folder).
        log: where the "building the data" message goes.
        options: how it trains, as :func:`train` takes them (``progress``, ``strategy``,
            ``threads``, ``model_class``, ``callbacks``).
    """
    strategy = options.get("strategy")
    cluster = resolve_cluster(strategy) if strategy is not None else None  # checked first
    out = Path(out) if out is not None else default_run_dir(cfg)
    if cluster is None or cluster.is_chief:  # the other workers never write the run folder
        runs.prepare(out, overwrite=overwrite)
    data = load_data(data, log, options.get("threads"))
    return train(cfg, data, out, resume=False, **options)


def resume(
    run_dir: str | Path,
    data=None,
    epochs: int | None = None,
    patience: int | None = None,
    log=print,
    **options: Any,
) -> FitResult:
    """Continue a run from its last checkpoint, with its saved config.

    Args:
        run_dir: the run folder.
        data: as :func:`run`; ``None``: the dataset the run started on.
        epochs, patience: new values of the settings ``--resume`` may change
            (:data:`tfdojo.runs.RESUMABLE_KEYS`); ``None`` keeps the saved one.
        log, options: as :func:`run`.

    Raises:
        TfdojoError: not a run folder, or its ``config.json`` records no sha256 of the data
            it trained on (:func:`tfdojo.runs.recorded_data`).
    """
    run_dir = Path(run_dir)
    strategy = options.get("strategy")
    cluster = resolve_cluster(strategy) if strategy is not None else None
    if cluster is not None and not cluster.is_chief and not (run_dir / "config.json").exists():
        raise TfdojoError(
            f"--resume: {run_dir}/config.json not found on {cluster.name}; every worker "
            "reads the chief's run folder to resume (a shared folder, or a copy)"
        )
    runs.prepare(run_dir, resume=True)
    saved = runs.read_json(run_dir / "config.json", "config")
    cfg = from_saved(saved)
    recorded = runs.recorded_data(run_dir / "config.json", saved)  # refused if none
    if data is None:  # the dataset it started on, not the default
        if recorded.get("path") is None:
            raise TfdojoError(
                f"--resume: {run_dir} was trained on data held in memory; pass the same data "
                "(train.train(cfg, data, run_dir, resume=True))"
            )
        data = recorded["path"]
    changes = {k: v for k, v in (("epochs", epochs), ("patience", patience)) if v is not None}
    if changes:
        cfg = replace(cfg, changes, where="--resume")
    data = load_data(data, log, options.get("threads"))
    return train(cfg, data, run_dir, resume=True, **options)


def default_run_dir(cfg: TrainConfig) -> Path:
    """``runs/<model>-<YYYYmmdd-HHMMSS>``; the model's name is checked to be one name.

    Raises:
        TfdojoError: a model name that is not one path component (``../x``, ``/tmp/x``).
    """
    name = check_name(cfg.model.name, "model.name")
    return Path("runs") / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"


def load_data(data=None, log=print, threads: int | None = None):
    """A :class:`~tfdojo.data.Dataset` from ``data`` (a folder, or one already loaded);
    ``None``: the default dataset, built from this machine's fonts first (with ``threads``
    processes) if missing."""
    if data is not None and not isinstance(data, str | Path):
        return data
    if data is None and not dataset.exists():
        log(f"no dataset in {default_data_dir()} yet: building it from this machine's fonts")
        build(default_data_dir(), BuildConfig(), processes=threads, overwrite=True)  # the cache's
    return dataset.load(data)
