"""``tfdojo kata check --strict``: each kata's rules read from the code, and a run under
``tf.function`` with its retrace count.

A kata asks for a recipe, not only a result: kata 3 writes the softmax, so it may not call
``tf.nn.softmax``; kata 4 moves the variables itself, so it may not call an optimizer. The
rules (:data:`RULES`) are read from the learner's file with :mod:`ast`: every call is named
by its dotted path, the imports' aliases resolved (``from tensorflow import nn`` then
``nn.softmax(z)`` is ``tf.nn.softmax``), and matched against the kata's patterns. A broken
rule fails the check with its cause (:mod:`tfdojo.teaching.kata.causes.strict`) and the line.

The check itself draws more cases, at random shapes and batch sizes, when its
``Checker.strict`` is set (its ``rng`` then has a fresh seed, reported in the figures).
:func:`graph_run` runs the learner's last call under ``tf.function`` at the batch size of the
check, again, and at half of it, and reports how many times it was traced.
"""

from __future__ import annotations

import ast
import dataclasses
import fnmatch
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from tfdojo.teaching.kata.causes import Cause
from tfdojo.teaching.kata.causes import strict as causes

GRAPH_SECONDS = 1.0
"""The last call is run under tf.function only if it took less than this (not a training)."""


@dataclasses.dataclass(frozen=True)
class Rule:
    """Calls a kata may not make: fnmatch patterns of dotted names, and the cause named.

    Names are canonical: ``tf.`` for TensorFlow, ``keras.`` for Keras (``tf.keras.`` too),
    ``np.`` for NumPy; ``*.name`` matches a method of any object.
    """

    patterns: tuple[str, ...]
    cause: Cause
    what: str


KERAS_LAYERS = Rule(
    ("keras.layers.*", "keras.Sequential", "keras.Model"),
    causes.KERAS_LAYERS,
    "Keras layers or models",
)
UNSEEDED = Rule(
    (
        "tf.random.normal",
        "tf.random.uniform",
        "tf.random.truncated_normal",
        "tf.random.set_seed",
        "keras.initializers.*",
    ),
    causes.UNSEEDED_RANDOM,
    "random draws without the seed",
)
OPTIMIZERS = Rule(
    (
        "keras.optimizers.*",
        "tf.optimizers.*",
        "tf.compat.v1.train.*",
        "*.apply_gradients",
        "*.minimize",
    ),
    causes.OPTIMIZER,
    "an optimizer",
)
GLOBAL_RNG = Rule(
    tuple(
        f"np.random.{f}"
        for f in (
            "seed",
            "choice",
            "shuffle",
            "permutation",
            "randint",
            "rand",
            "randn",
            "random",
            "normal",
            "uniform",
        )
    ),
    causes.GLOBAL_RNG,
    "NumPy's global random state",
)
BY_HAND = Rule(
    ("tf.*", "keras.*", "scipy.*", "torch.*"), causes.LIBRARY_IN_NUMPY, "a library doing the kata"
)

RULES: dict[str, tuple[Rule, ...]] = {
    "tensors": (Rule(("np.*", "*.numpy"), causes.NUMPY_IN_TF, "NumPy"),),
    "logistic": (KERAS_LAYERS, UNSEEDED),
    "softmax_cross_entropy": (
        Rule(
            (
                "tf.nn.softmax*",
                "tf.math.softmax",
                "tf.nn.log_softmax",
                "tf.math.log_softmax",
                "tf.nn.*cross_entropy*",
                "keras.losses.*",
                "keras.activations.softmax",
                "keras.ops.*softmax*",
            ),
            causes.LIBRARY_SOFTMAX,
            "tf.nn.softmax* or tf.nn.*cross_entropy*",
        ),
    ),
    "training_step": (OPTIMIZERS,),
    "minibatch_loop": (OPTIMIZERS,),
    "gd_vs_sgd": (OPTIMIZERS, GLOBAL_RNG),
    "relu_network": (KERAS_LAYERS, UNSEEDED),
    "l2": (Rule(("keras.regularizers.*",), causes.REGULARIZER, "a Keras regularizer"),),
    "dropout": (
        Rule(
            ("tf.nn.dropout", "tf.nn.experimental.stateless_dropout", "keras.layers.*"),
            causes.LIBRARY_DROPOUT,
            "a library dropout",
        ),
        UNSEEDED,
    ),
    "lr_decay": (
        Rule(
            ("keras.optimizers.schedules.*", "tf.compat.v1.train.*decay*"),
            causes.SCHEDULE,
            "a Keras schedule",
        ),
        OPTIMIZERS,
    ),
    "overfitting": (OPTIMIZERS, KERAS_LAYERS),
    "conv_layer": (KERAS_LAYERS, UNSEEDED),
    "convnet": (KERAS_LAYERS, UNSEEDED),
    "keras": (
        Rule(
            tuple(
                f"keras.optimizers.{o}"
                for o in (
                    "Adam*",
                    "RMSprop",
                    "Adagrad",
                    "Adadelta",
                    "Adamax",
                    "Nadam",
                    "Ftrl",
                    "Lion",
                    "Adafactor",
                    "Lamb",
                )
            ),
            causes.NOT_SGD,
            "an optimiser other than SGD",
        ),
    ),
    **{
        name: (BY_HAND,)
        for name in (
            "np_softmax",
            "np_cross_entropy",
            "np_relu_backward",
            "np_affine_backward",
            "np_dropout",
        )
    },
}
"""Each kata's rules, by kata name."""


@dataclasses.dataclass(frozen=True)
class Broken:
    """A rule broken at a line: the call as written, and its canonical name."""

    rule: Rule
    line: int
    called: str
    canonical: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.called}(...)"


# ------------------------------------------------------------------------- reading calls


def canonical(name: str) -> str:
    """``tensorflow.nn.softmax`` -> ``tf.nn.softmax``; ``tf.keras.layers.Dense`` ->
    ``keras.layers.Dense``; ``numpy.exp`` -> ``np.exp``."""
    for long, short in (("tensorflow.", "tf."), ("numpy.", "np."), ("tf_keras.", "keras.")):
        if name.startswith(long) or name + "." == long:
            name = short + name[len(long) :]
    if name.startswith("tf.keras."):
        name = name[len("tf.") :]
    return name


def aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> what it imports: ``import tensorflow as tf`` gives ``tf: tensorflow``."""
    found: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                found[a.asname or a.name.split(".")[0]] = (
                    a.name if a.asname else a.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                found[a.asname or a.name] = f"{node.module}.{a.name}"
    return found


def dotted(node: ast.AST) -> str | None:
    """``tf.nn.softmax`` for that attribute chain; ``*.apply_gradients`` on any other object."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    elif parts:
        parts.append("*")
    else:
        return None
    return ".".join(reversed(parts))


def calls(source: str) -> list[tuple[int, str, str, ast.Call]]:
    """Every call of ``source``: ``(line, as written, canonical name, node)``."""
    tree = ast.parse(source)
    names = aliases(tree)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            written = dotted(node.func)
            if written is None:
                continue
            head, _, rest = written.partition(".")
            full = names.get(head, head) + ("." + rest if rest else "")
            out.append((node.lineno, written, canonical(full), node))
    return sorted(out, key=lambda c: c[0])


def broken_rules(kata_name: str, source: str) -> list[Broken]:
    """The rules of kata ``kata_name`` that ``source`` breaks, in line order."""
    found = []
    rules = RULES.get(kata_name, ())
    for line, written, name, node in calls(source):
        for rule in rules:
            if any(fnmatch.fnmatchcase(name, p) for p in rule.patterns):
                found.append(Broken(rule, line, written, name))
        if kata_name == "keras" and name.endswith(".compile"):
            found += _optimizer_by_name(node, line, written)
    return found


def _optimizer_by_name(node: ast.Call, line: int, written: str) -> list[Broken]:
    """``model.compile(optimizer="adam")``: an optimiser named by a string other than sgd."""
    for keyword in node.keywords:
        value = keyword.value
        named = isinstance(value, ast.Constant) and isinstance(value.value, str)
        if keyword.arg == "optimizer" and named and value.value.lower() != "sgd":
            rule = RULES["keras"][0]
            return [Broken(rule, line, f"{written}(optimizer={value.value!r})", "")]
    return []


def rules_failure(kata_name: str, source: str) -> dict[str, Any] | None:
    """The verdict's fields when ``source`` breaks a rule of its kata, else ``None``."""
    broken = broken_rules(kata_name, source)
    if not broken:
        return None
    first = broken[0]
    where = "; ".join(str(b) for b in broken[:3]) + ("; ..." if len(broken) > 3 else "")
    case = "the kata's rules (--strict), read from your code"
    return _fields(case, f"no call of {first.rule.what}", where, first.rule.cause)


# -------------------------------------------------------------------- under tf.function


def graph_run(call: tuple[Callable, tuple, dict]) -> dict[str, Any]:
    """Run the learner's call under ``tf.function``: at the check's batch size, again, and at
    half of it (every array or tensor argument whose first axis is that batch, cut).

    Returns:
        ``{"retraces": traces, "graph_calls": calls, "batch_sizes": [...]}``, or
        ``{"graph_error": "ValueError: ..."}`` when it cannot run as a graph.
    """
    import tensorflow as tf  # imported here: the rules need no TensorFlow

    fn, args, kwargs = call
    batch = max((_leading(a) for a in args), default=0)
    sizes = [batch, batch] + ([batch // 2] if batch >= 2 else [])
    graph = tf.function(fn)
    try:
        for size in sizes:
            cut = tuple(a[:size] if _leading(a) == batch and batch else a for a in args)
            graph(*cut, **kwargs)
    except Exception as exc:  # the learner's code may raise anything in a graph
        return {"graph_error": error_line(exc)}
    return {
        "retraces": int(graph.experimental_get_tracing_count()),
        "graph_calls": len(sizes),
        "batch_sizes": sizes,
    }


def rows_failure(call: tuple[Callable, tuple, dict]) -> dict[str, Any] | None:
    """The verdict's fields when the learner's call breaks the batch's property, else None.

    The property: run on the first half of the batch, a function of one image per row gives
    the first half of its rows (``f(x[:h]) == f(x)[:h]``). It is tested only where it can
    hold: the call gives the same tensor twice (no step that moves variables, no dropout),
    with the batch as its first axis. It fails when the half batch raises (a batch size
    written in the code) or gives other rows (a reduction along axis 0).
    """
    fn, args, kwargs = call
    batch = max((_leading(a) for a in args), default=0)
    if batch < 2:
        return None
    half = tuple(a[: batch // 2] if _leading(a) == batch else a for a in args)
    try:
        full, again = _array(fn(*args, **kwargs)), _array(fn(*args, **kwargs))
    except Exception:  # the learner's code may raise anything; the check passed it once
        return None
    if full is None or again is None or full.shape != again.shape:
        return None
    if not np.allclose(full, again, equal_nan=True) or full.ndim == 0 or len(full) != batch:
        return None
    case = f"your function on the first {batch // 2} of the check's {batch} images (--strict)"
    try:
        part = _array(fn(*half, **kwargs))
    except Exception as exc:  # the learner's code may raise anything
        received = error_line(exc)
        return _fields(
            case, f"the first {batch // 2} rows of its answer", received, causes.FIXED_BATCH
        )
    want = full[: batch // 2]
    if part is not None and part.shape == want.shape and np.allclose(part, want, 1e-4, 1e-4):
        return None
    got = "nothing" if part is None else f"other values, shape {part.shape}"
    return _fields(
        case,
        f"the first {batch // 2} rows of its answer, shape {want.shape}",
        got,
        causes.ROWS_MIXED,
    )


def error_line(exc: BaseException, limit: int = 200) -> str:
    """``"ValueError: Dimensions must be equal, ..."``: TensorFlow's node names left out, and
    of a graph's "in user code:" report, the line that says what went wrong."""
    text = re.sub(r"\{\{function_node [^}]*\}\}\s*", "", str(exc))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    said = [line for line in lines if re.match(r"^\w+(Error|Exception): ", line)]
    line = said[-1] if said else f"{type(exc).__name__}: {lines[0] if lines else ''}"
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _array(value: Any) -> np.ndarray | None:
    """A tensor or an array as a float64 NumPy array; None for anything else."""
    if not hasattr(value, "shape") or not hasattr(value, "dtype"):
        return None
    try:
        a = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
        return a.astype(np.float64) if a.dtype.kind in "biuf" else None
    except (TypeError, ValueError):
        return None


def _fields(case: str, expected: str, received: str, cause: Cause) -> dict[str, Any]:
    return {
        "case": case,
        "expected": expected,
        "received": received,
        "cause": cause.id,
        "cause_text": cause.text,
        "concept": cause.concept,
    }


def failure_message(fields: dict[str, Any]) -> str:
    """The message of a strict failure, as a check's: case, expected, received, cause."""
    lines = [f"case:     {fields['case']}", f"expected: {fields['expected']}"]
    lines += [f"received: {fields['received']}", f"cause:    {fields['cause_text']}"]
    return "\n".join(lines)


def _leading(value: Any) -> int:
    """The first axis of an array, a tensor or a variable, 0 for anything else."""
    shape = getattr(value, "shape", None)
    if shape is None:
        return 0
    try:
        return int(shape[0]) if len(shape) else 0
    except (TypeError, ValueError, IndexError):
        return 0


def graph_note(figures: dict[str, Any]) -> str:
    """One line for the verdict: what :func:`graph_run` found."""
    if "graph_error" in figures:
        return f"under tf.function it does not run: {figures['graph_error']}"
    if "retraces" not in figures:
        return ""
    sizes = ", ".join(str(s) for s in figures["batch_sizes"])
    return (
        f"under tf.function: traced {figures['retraces']} times in {figures['graph_calls']} "
        f"calls at batch sizes {sizes} (one trace per new batch size is expected; more means "
        "Python values in the traced code)"
    )
