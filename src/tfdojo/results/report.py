"""A run's report: one self-contained HTML page, and the same figures as PNG files.

:func:`write_report` draws a :class:`Scored` run: one just trained (``tfdojo train`` adds
:class:`WriteReport` to its callbacks: the report takes the test set's answers the run
already has), or a finished run folder (``tfdojo report RUN``: the model rebuilt from
``weights.npz`` scores the test split recorded in ``metrics.json``, or other images). It
writes::

    RUN/report/report.html       every figure embedded as a base64 PNG
    RUN/report/curves.png        training curves
    RUN/report/confusion.png     confusion matrix
    RUN/report/per_class.png     accuracy per letter with intervals
    RUN/report/confused.png      most-confused pairs with example images
    RUN/report/mistakes.png      most confident mistakes with their softmax bars
    RUN/report/weights.png       logistic templates / MLP first-layer units / conv filters

A page written elsewhere (``--out DIR/page.html``) keeps its PNGs in ``DIR/page_files/``
(:mod:`tfdojo.results.output`). :func:`write_compare_report` does the same for two runs
compared by ``tfdojo compare``.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from tfdojo.core import stats
from tfdojo.core.text import plural
from tfdojo.core.typed_config import to_dict
from tfdojo.data.importer import load_labelled
from tfdojo.results import plots
from tfdojo.results.compare import Comparison
from tfdojo.results.output import check_page, write_page
from tfdojo.results.page import card, e, figure_section, page
from tfdojo.results.plots import figure_png
from tfdojo.runs import open_run
from tfdojo.training.loop import Callback


@dataclasses.dataclass
class Section:
    """One figure of the page: ``name`` is its PNG file's stem."""

    name: str
    title: str
    caption: str
    png: bytes


WEIGHT_FIGURES = {
    "templates": (
        "What the logistic model looks for",
        "The logit of letter k is z_k = Σ_p x_p·W[p, k] + b_k: each column of W is a "
        "28×28 template. Ink on a red pixel raises the letter's score, ink on a blue "
        "pixel lowers it.",
        plots.weight_templates,
    ),
    "hidden_units": (
        "What the first hidden units look for",
        "Each hidden unit computes relu(x·W1[:, j] + b1_j): its column of W1 drawn as a "
        "28×28 image (the first units only).",
        plots.unit_templates,
    ),
    "filters": (
        "First convolution's filters",
        "Each filter slides over the image: output = Σ_(i,j) patch[i, j]·K[i, j] + b. "
        "Red weights respond to ink, blue to background; edges and strokes show up as "
        "red-blue pairs.",
        plots.conv_filters,
    ),
}
"""The weights figure of each kind of first layer (:mod:`tfdojo.models.first_layer`)."""


def weights_section(layer) -> Section | None:
    """The logistic templates, the MLP's first units or the convnet's first filters, by what
    the first layer is (``None``: none to draw)."""
    if layer is None:
        return None
    title, caption, draw = WEIGHT_FIGURES[layer.kind]
    return Section("weights", title, caption, figure_png(draw(layer.w)))


def run_sections(history, images, labels, proba, layer, kept=None) -> list[Section]:
    """Every figure of a run's report, in page order; ``kept``: the epoch restored."""
    pred = proba.argmax(axis=1)
    sections = [
        Section(
            "curves",
            "Training curves",
            "Loss and accuracy on the training batches (blue, averaged over the epoch) and on "
            "the validation split (orange, after the epoch); the dashed line marks the epoch "
            "whose weights were kept (the best validation accuracy). Overfitting shows as a "
            "validation accuracy that falls while the training accuracy keeps rising; a "
            "validation loss that rises while its accuracy still rises means the model is "
            "more confidently wrong on the images it misses, not that it got worse.",
            figure_png(plots.training_curves(history, kept)),
        ),
        Section(
            "confusion",
            "Confusion matrix",
            "Row: the true letter; column: the model's answer. The diagonal is right; "
            "red numbers off it are mistakes.",
            figure_png(plots.confusion_matrix(labels, pred)),
        ),
        Section(
            "per_class",
            "Accuracy per letter",
            "Bars: share of each letter's test images classified right, with 95% Wilson "
            "intervals: with few images per letter the intervals are wide.",
            figure_png(plots.per_class_accuracy(labels, pred)),
        ),
        Section(
            "confused",
            "Most-confused pairs",
            "The most frequent mistakes, true letter → answer, with test images of each.",
            figure_png(plots.confused_pairs(images, labels, pred)),
        ),
        Section(
            "mistakes",
            "Most confident mistakes",
            "Wrong answers the model was surest of, with its softmax over the ten letters on "
            "a log scale (a bar at 1 is certainty; the runners-up show even when the answer "
            "has 100%): green is the true letter, red the answer, and the title lists the "
            "top three. Some are label noise or unreadable glyphs; others show what the "
            "model has not learned.",
            figure_png(plots.misclassified_grid(images, labels, proba)),
        ),
    ]
    section = weights_section(layer)
    if section is not None:
        sections.append(section)
    return sections


def _kept_epoch(config: dict[str, Any], metrics: dict[str, Any]):
    """The epoch whose weights the run kept (``best_epoch`` under ``restore_best``), or None."""
    return metrics.get("best_epoch") if config.get("restore_best", True) else None


@dataclasses.dataclass
class Scored:
    """A trained run and its answers on test images: everything a report shows.

    Built from a run just trained (:meth:`from_result`: nothing is read or predicted
    again) or from a run folder (:meth:`from_folder`).
    """

    path: Path
    config: dict[str, Any]
    metrics: dict[str, Any]
    history: list[dict[str, Any]]
    kind: str
    images: np.ndarray  # uint8 (N, 28, 28)
    labels: np.ndarray  # (N,)
    proba: np.ndarray  # float32 (N, 10)
    source: Path  # where the images come from
    layer: Any = None  # the model's first layer (tfdojo.models.first_layer)

    @classmethod
    def from_result(cls, result) -> Scored:
        """A :class:`~tfdojo.training.loop.FitResult` whose run folder was written."""
        test = result.data.test
        return cls(
            result.run_dir,
            to_dict(result.cfg),
            result.metrics,
            result.history,
            result.cfg.model.kind,
            test.images,
            test.labels,
            result.test_probabilities,
            Path(result.metrics["data"]),
            result.model.first_layer(),
        )

    @classmethod
    def from_folder(cls, run_dir, data=None, model_class=None) -> Scored:
        """A finished run folder, scored on its test split or on ``data`` (what
        :func:`tfdojo.data.importer.load_labelled` reads)."""
        run = open_run(run_dir, model_class)
        if data is not None:
            images, labels, _ = load_labelled(data)
            source = Path(data)
        else:
            images, labels, source = run.test_set()
        model = run.model()
        proba = model.predict_proba(images)
        return cls(
            run.path,
            run.config,
            run.metrics,
            run.history,
            run.kind,
            images,
            labels,
            proba,
            source,
            model.first_layer(),
        )


def write_report(
    scored: Scored, out: str | os.PathLike | None = None, overwrite: bool = False
) -> tuple[Path, Path]:
    """Write ``report.html`` and its PNG figures; return the page's path and the figures'
    folder.

    Args:
        scored: the run and its answers (:meth:`Scored.from_result`, :meth:`Scored.from_folder`).
        out: the page to write (default ``RUN/report/report.html``, its PNGs beside it);
            ``DIR/page.html`` keeps its PNGs in ``DIR/page_files/``.
        overwrite: replace a page (and its figures) tfdojo wrote at ``out``.

    Raises:
        TfdojoError: ``out`` exists (without ``overwrite``, or not tfdojo's), a link in
            ``RUN/report``, an unwritable destination.
    """
    s = scored
    check_page(out, s.path, overwrite)  # before the figures are drawn
    kept = _kept_epoch(s.config, s.metrics)
    sections = run_sections(s.history, s.images, s.labels, s.proba, s.layer, kept)
    correct = int((s.proba.argmax(axis=1) == np.asarray(s.labels)).sum())
    html = render_run_page(
        s.path, s.config, s.metrics, s.kind, correct, len(s.labels), s.source, sections
    )
    return write_page(html, {x.name: x.png for x in sections}, out, s.path, overwrite)


class WriteReport(Callback):
    """At the end of a run, its report in ``RUN/report/`` from what the run holds in memory
    (the test set is not predicted again)."""

    def __init__(self):
        self.path: Path | None = None

    def on_train_end(self, training, result) -> None:
        self.path, _ = write_report(Scored.from_result(result))


def _flatten(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """``{"model": {"hidden": [64]}}`` -> ``[("model.hidden", "64")]``: a config as rows."""
    if isinstance(obj, dict):
        out: list[tuple[str, Any]] = []
        for k, v in obj.items():
            out += _flatten(v, f"{prefix}{k}.")
        return out
    if isinstance(obj, list):
        obj = ", ".join(v if isinstance(v, str) else json.dumps(v) for v in obj) or "[]"
    elif not isinstance(obj, str):
        obj = json.dumps(obj)
    return [(prefix[:-1], obj)]


def _relevant_model_keys(model: Any) -> Any:
    """The model section without the keys of layers it does not have (a logistic model
    has no convolution keys to show) and without an empty source."""
    if not isinstance(model, dict):
        return model
    shown = dict(model)
    if not shown.get("conv_depths"):
        for key in ("conv_depths", "conv_patches", "conv_strides", "conv_padding", "pools"):
            shown.pop(key, None)
    for key in ("hidden", "source"):
        if not shown.get(key):
            shown.pop(key, None)
    return shown


def _seconds(value: Any) -> str:
    try:
        s = float(value)
    except (TypeError, ValueError):
        return "–"
    return f"{s:.1f} s" if s < 120 else f"{s / 60:.1f} min"


def render_run_page(
    run_dir: Path,
    config: dict[str, Any],
    metrics: dict[str, Any],
    kind: str,
    correct: int,
    n: int,
    source: Path,
    sections: list[Section],
) -> str:
    """The HTML of a run's report."""
    acc = correct / n
    lo, hi = stats.wilson_interval(correct, n)
    resolves = stats.rule_of_30_min_change(n)
    model = metrics.get("model") or config.get("model", {}).get("name", kind)
    params = metrics.get("params")
    valid = metrics.get("valid_accuracy")
    eps = metrics.get("examples_per_second")
    cards = [
        card(
            "test accuracy",
            f"{acc:.2%}",
            f"95% interval {lo:.2%} – {hi:.2%}<br>{correct:,} of {n:,} test images",
            hero=True,
        ),
        card(
            "the test set resolves",
            f"{resolves:.2%}",
            f"rule of 30: 30 of {n:,} images; smaller changes are not trustworthy",
        ),
        card(
            "valid accuracy",
            "–" if valid is None else f"{float(valid):.2%}",
            f"{int(metrics['valid_n']):,} images" if metrics.get("valid_n") else "",
        ),
        card(
            "model",
            e(model),
            f"{kind}, {int(params):,} parameters" if params is not None else e(kind),
        ),
        card(
            "training",
            _seconds(metrics.get("train_seconds")),
            e(plural(metrics.get("epochs", "–"), "epoch"))
            + (f", {float(eps):,.0f} images/s" if eps else "")
            + (f", {e(plural(metrics['threads'], 'thread'))}" if metrics.get("threads") else ""),
        ),
    ]
    best, epochs = _kept_epoch(config, metrics), metrics.get("epochs")
    if best and epochs:
        kept = "the last" if best == epochs else "restored"
        cards.append(
            card(
                "weights kept",
                f"epoch {int(best)}",
                f"best validation accuracy of {plural(int(epochs), 'epoch')}; {kept}",
            )
        )
    settings = {k: v for k, v in config.items() if k != "data"}  # data: the source below
    settings["model"] = _relevant_model_keys(config.get("model", {}))
    config_rows = "".join(
        f'<div><span class="k">{e(k)}</span><code>{e(v)}</code></div>'
        for k, v in _flatten(settings)
    )
    body = (
        f'<div class="cards">{"".join(cards)}</div>'
        + "".join(figure_section(s.name, s.title, s.caption, s.png) for s in sections)
        + '<section id="config"><h2>Resolved config</h2>'
        f'<p class="caption">As saved in <code>{e(run_dir / "config.json")}</code>; '
        f"test images from <code>{e(source)}</code>.</p>"
        f'<div class="config">{config_rows}</div></section>'
    )
    subtitle = f"{e(run_dir)} · {e(kind)} · {n:,} test images"
    return page(f"tfdojo report: {model}", subtitle, body)


# --------------------------------------------------------------------------- two runs


def write_compare_report(
    comparison: Comparison,
    context: dict[str, Any],
    out: str | os.PathLike,
    overwrite: bool = False,
) -> tuple[Path, Path]:
    """Write the HTML page of a two-run comparison and its PNGs (in ``<page>_files/``);
    return the page's path and the figures' folder (``--report``, ``--overwrite``)."""
    c = comparison
    check_page(out, overwrite=overwrite, option="--report")  # before the figures are drawn
    sections = [
        Section(
            "compare_accuracy",
            "Accuracies and disagreements",
            "Left: each model's test accuracy with its 95% Wilson interval. Right: the "
            "images exactly one model gets right; the accuracy gap is their difference, and "
            "McNemar's test asks whether their split could be chance.",
            figure_png(
                plots.compare_accuracies(
                    (c.a_name, c.b_name),
                    (c.a_accuracy, c.b_accuracy),
                    (c.a_interval, c.b_interval),
                    c.a_only,
                    c.b_only,
                )
            ),
        ),
        Section(
            "compare_examples",
            "Where they disagree",
            "Test images only one model gets right: the true letter, and in brackets the "
            "other model's answer.",
            figure_png(
                plots.disagreement_examples(
                    context["images"], context["labels"], context["proba_a"], context["proba_b"]
                )
            ),
        ),
    ]
    deck, statistical, relation = c.verdicts()
    mark = '<span class="ok">yes</span>', '<span class="ko">no</span>'
    both_right = c.a_correct - c.a_only
    both_wrong = c.n - c.a_correct - c.b_only
    table = (
        "<table><tr><th></th><th>B right</th><th>B wrong</th></tr>"
        f'<tr><th>A right</th><td class="num">{both_right:,}</td>'
        f'<td class="num">{c.a_only:,}</td></tr>'
        f'<tr><th>A wrong</th><td class="num">{c.b_only:,}</td>'
        f'<td class="num">{both_wrong:,}</td></tr></table>'
    )
    cards = [
        card(
            "A",
            f"{c.a_accuracy:.2%}",
            f"{e(c.a_name)}<br>95% {c.a_interval[0]:.2%} – {c.a_interval[1]:.2%}",
        ),
        card(
            "B",
            f"{c.b_accuracy:.2%}",
            f"{e(c.b_name)}<br>95% {c.b_interval[0]:.2%} – {c.b_interval[1]:.2%}",
        ),
        card(
            "rule of 30",
            mark[0] if c.rule_of_30 else mark[1],
            f"net {c.moved:+d} examples of {c.n:,}",
        ),
        card(
            "McNemar, exact",
            mark[0] if c.significant else mark[1],
            f"p = {c.p_value:.3g} (alpha {c.alpha:g})",
        ),
    ]
    body = (
        f'<div class="cards">{"".join(cards)}</div>'
        '<section id="verdict"><h2>Verdict</h2>'
        f'<p class="verdict">{e(deck)}</p><p class="verdict">{e(statistical)}</p>'
        f'<p class="verdict"><b>{e(relation)}</b></p>{table}</section>'
        + "".join(figure_section(s.name, s.title, s.caption, s.png) for s in sections)
    )
    subtitle = f"{c.n:,} test images from {e(context.get('data', ''))}"
    html = page("tfdojo compare: A vs B", subtitle, body)
    figures = {s.name: s.png for s in sections}
    return write_page(html, figures, out, overwrite=overwrite, option="--report")
