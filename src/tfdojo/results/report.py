"""A run's report: one self-contained HTML page, and the same figures as PNG files beside it.

:func:`write_report` works from a finished run folder alone (``tfdojo train`` calls it at
the end of every run): it reads ``config.json``, ``history.json`` and ``metrics.json``,
opens ``model/``, scores it on the test split of the dataset recorded in
``metrics.json`` (or on ``data``), and writes::

    RUN/report/report.html       every figure embedded as a base64 PNG
    RUN/report/curves.png        training curves
    RUN/report/confusion.png     confusion matrix
    RUN/report/per_class.png     accuracy per letter with intervals
    RUN/report/confused.png      most-confused pairs with example images
    RUN/report/mistakes.png      most confident mistakes with their softmax bars
    RUN/report/weights.png       logistic templates / MLP first-layer units / conv filters

:func:`write_compare_report` does the same for two runs compared by ``tfdojo compare``.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import os
from pathlib import Path
from typing import Any

from tfdojo.core import stats
from tfdojo.core.atomic import write_bytes, write_text
from tfdojo.core.text import plural
from tfdojo.results import plots
from tfdojo.results.compare import Comparison
from tfdojo.results.plots import figure_png, first_layer_weights
from tfdojo.runs import open_run

REPORT_DIR = "report"
REPORT_NAME = "report.html"


@dataclasses.dataclass
class Section:
    """One figure of the page: ``name`` is its PNG file's stem."""

    name: str
    title: str
    caption: str
    png: bytes


def weights_section(weights) -> Section | None:
    """The logistic templates, the MLP's first units or the convnet's first filters,
    chosen by the weights' shape (a learner's model gets the same figures)."""
    if weights is None:
        return None
    if weights.shape == (784, 10):
        fig = plots.weight_templates(weights)
        caption = (
            "The logit of letter k is z_k = Σ_p x_p·W[p, k] + b_k: each column of W is a "
            "28×28 template. Ink on a red pixel raises the letter's score, ink on a blue "
            "pixel lowers it."
        )
        title = "What the logistic model looks for"
    elif weights.ndim == 2 and weights.shape[0] == 784:
        fig = plots.unit_templates(weights)
        caption = (
            "Each hidden unit computes relu(x·W1[:, j] + b1_j): its column of W1 drawn as a "
            "28×28 image (the first units only)."
        )
        title = "What the first hidden units look for"
    elif weights.ndim == 4 and weights.shape[2] == 1:
        fig = plots.conv_filters(weights)
        caption = (
            "Each filter slides over the image: output = Σ_(i,j) patch[i, j]·K[i, j] + b. "
            "Red weights respond to ink, blue to background; edges and strokes show up as "
            "red-blue pairs."
        )
        title = "First convolution's filters"
    else:
        return None
    return Section("weights", title, caption, figure_png(fig))


def run_sections(history, images, labels, proba, weights, kept=None) -> list[Section]:
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
    section = weights_section(weights)
    if section is not None:
        sections.append(section)
    return sections


def _kept_epoch(config: dict[str, Any], metrics: dict[str, Any]):
    """The epoch whose weights the run kept (``best_epoch`` under ``restore_best``), or None."""
    return metrics.get("best_epoch") if config.get("restore_best", True) else None


def write_report(
    run_dir: str | os.PathLike,
    out: str | os.PathLike | None = None,
    data: str | os.PathLike | None = None,
    model=None,
    model_class=None,
) -> Path:
    """Write ``report.html`` and its PNG figures for a finished run; return the page's path.

    Args:
        run_dir: a finished run folder (``config.json``, ``metrics.json``, ``weights.npz``).
        out: the page to write (default ``RUN/report/report.html``); PNGs go beside it.
        data: score on these images instead (a dataset folder, or what
            :func:`tfdojo.data.importer.load_labelled` reads).
        model: the trained model, when the caller has it (``tfdojo train`` does).
        model_class: for a run of a learner's model without ``model``: its class.

    Raises:
        TfdojoError: not a finished run, missing dataset, or an unwritable destination.
    """
    import numpy as np

    from tfdojo.data.importer import load_labelled

    run = open_run(run_dir, model_class, model)
    if data is not None:
        images, labels, _ = load_labelled(data)
        source = Path(data)
    else:
        images, labels, source = run.test_set()
    proba = run.predict_proba(images)
    weights = first_layer_weights(run.model().get_weights())
    kept = _kept_epoch(run.config, run.metrics)
    sections = run_sections(run.history, images, labels, proba, weights, kept)

    correct = int((proba.argmax(axis=1) == np.asarray(labels)).sum())
    n = len(labels)
    out = Path(out) if out is not None else run.path / REPORT_DIR / REPORT_NAME
    for s in sections:
        write_bytes(out.parent / f"{s.name}.png", s.png)
    page = render_run_page(
        run.path, run.config, run.metrics, run.kind, correct, n, source, sections
    )
    write_text(out, page)
    return out


# --------------------------------------------------------------------------- HTML

CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d8dee4; --bg: #f6f8fa;
        --train: #1f77b4; --valid: #ff7f0e; --right: #2ca02c; --wrong: #d62728;
        --a: #6a51a3; --b: #1b9e77; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 15px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; }
header { background: #24292f; color: white; padding: 22px 0 18px; }
header .wrap { display: flex; justify-content: space-between; align-items: baseline; gap: 16px;
               flex-wrap: wrap; }
header h1 { margin: 0; font-size: 24px; font-weight: 600; }
header .sub { color: #c9d1d9; font-size: 14px; }
.wrap { max-width: 1080px; margin: 0 auto; padding: 0 24px; }
main { padding: 20px 0 40px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px;
         margin-bottom: 18px; }
.card { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase;
               letter-spacing: .04em; }
.card .value { font-size: 26px; font-weight: 600; margin-top: 2px; }
.card .note { color: var(--muted); font-size: 13px; }
.card.hero .value { color: var(--right); font-size: 30px; }
section { background: white; border: 1px solid var(--line); border-radius: 8px;
          padding: 16px 20px 18px; margin-bottom: 18px; }
section h2 { margin: 0 0 4px; font-size: 18px; }
section p.caption { margin: 0 0 12px; color: var(--muted); font-size: 14px; max-width: 860px; }
figure { margin: 0; text-align: center; }
figure img { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 14px; }
td, th { padding: 4px 14px 4px 0; text-align: left; vertical-align: top;
         border-bottom: 1px solid #eef1f4; }
th { color: var(--muted); font-weight: 500; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 13px/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
table { display: block; overflow-x: auto; max-width: 100%; }
@media (max-width: 600px) { .wrap { padding: 0 10px; } section { padding: 12px; } }
.config { columns: 2 320px; column-gap: 32px; }
.config div { break-inside: avoid; display: flex; justify-content: space-between; gap: 12px;
              border-bottom: 1px solid #eef1f4; padding: 3px 0; }
.config span.k { color: var(--muted); }
.verdict { font-size: 16px; margin: 6px 0; }
.ok { color: var(--right); font-weight: 600; }
.ko { color: var(--wrong); font-weight: 600; }
footer { color: var(--muted); font-size: 12px; padding: 0 0 30px; }
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{_e(alt)}">'


def _flatten(obj: Any, prefix: str = "") -> list[tuple[str, Any]]:
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


def _card(label: str, value: str, note: str = "", hero: bool = False) -> str:
    cls = "card hero" if hero else "card"
    note_html = f'<div class="note">{note}</div>' if note else ""
    return (
        f'<div class="{cls}"><div class="label">{_e(label)}</div>'
        f'<div class="value">{value}</div>{note_html}</div>'
    )


def _section(s: Section) -> str:
    return (
        f'<section id="{_e(s.name)}"><h2>{_e(s.title)}</h2>'
        f'<p class="caption">{_e(s.caption)}</p>'
        f"<figure>{_img(s.png, s.title)}</figure></section>"
    )


def _page(title: str, subtitle: str, body: str) -> str:
    from tfdojo import __version__

    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f'<header><div class="wrap"><h1>{_e(title)}</h1>'
        f'<div class="sub">{subtitle}</div></div></header>'
        f'<main><div class="wrap">{body}</div></main>'
        f'<footer><div class="wrap">Written by tfdojo {_e(__version__)}. Intervals: 95% '
        "Wilson score. The deck's rule of 30: a change must move at least 30 test "
        "examples to be trusted.</div></footer></body></html>\n"
    )


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
        _card(
            "test accuracy",
            f"{acc:.2%}",
            f"95% interval {lo:.2%} – {hi:.2%}<br>{correct:,} of {n:,} test images",
            hero=True,
        ),
        _card(
            "the test set resolves",
            f"{resolves:.2%}",
            f"rule of 30: 30 of {n:,} images; smaller changes are not trustworthy",
        ),
        _card(
            "valid accuracy",
            "–" if valid is None else f"{float(valid):.2%}",
            f"{int(metrics['valid_n']):,} images" if metrics.get("valid_n") else "",
        ),
        _card(
            "model",
            _e(model),
            f"{kind}, {int(params):,} parameters" if params is not None else _e(kind),
        ),
        _card(
            "training",
            _seconds(metrics.get("train_seconds")),
            _e(plural(metrics.get("epochs", "–"), "epoch"))
            + (f", {float(eps):,.0f} images/s" if eps else "")
            + (f", {_e(plural(metrics['threads'], 'thread'))}" if metrics.get("threads") else ""),
        ),
    ]
    best, epochs = _kept_epoch(config, metrics), metrics.get("epochs")
    if best and epochs:
        kept = "the last" if best == epochs else "restored"
        cards.append(
            _card(
                "weights kept",
                f"epoch {int(best)}",
                f"best validation accuracy of {plural(int(epochs), 'epoch')}; {kept}",
            )
        )
    settings = {k: v for k, v in config.items() if k != "data"}  # data: the source below
    settings["model"] = _relevant_model_keys(config.get("model", {}))
    config_rows = "".join(
        f'<div><span class="k">{_e(k)}</span><code>{_e(v)}</code></div>'
        for k, v in _flatten(settings)
    )
    body = (
        f'<div class="cards">{"".join(cards)}</div>'
        + "".join(_section(s) for s in sections)
        + '<section id="config"><h2>Resolved config</h2>'
        f'<p class="caption">As saved in <code>{_e(run_dir / "config.json")}</code>; '
        f"test images from <code>{_e(source)}</code>.</p>"
        f'<div class="config">{config_rows}</div></section>'
    )
    subtitle = f"{_e(run_dir)} · {_e(kind)} · {n:,} test images"
    return _page(f"tfdojo report: {model}", subtitle, body)


# --------------------------------------------------------------------------- two runs


def write_compare_report(
    comparison: Comparison, context: dict[str, Any], out: str | os.PathLike
) -> Path:
    """Write the HTML page (and PNGs beside it) of a two-run comparison; return its path."""
    c = comparison
    out = Path(out)
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
    for s in sections:
        write_bytes(out.parent / f"{s.name}.png", s.png)
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
        _card(
            "A",
            f"{c.a_accuracy:.2%}",
            f"{_e(c.a_name)}<br>95% {c.a_interval[0]:.2%} – {c.a_interval[1]:.2%}",
        ),
        _card(
            "B",
            f"{c.b_accuracy:.2%}",
            f"{_e(c.b_name)}<br>95% {c.b_interval[0]:.2%} – {c.b_interval[1]:.2%}",
        ),
        _card(
            "rule of 30",
            mark[0] if c.rule_of_30 else mark[1],
            f"net {c.moved:+d} examples of {c.n:,}",
        ),
        _card(
            "McNemar, exact",
            mark[0] if c.significant else mark[1],
            f"p = {c.p_value:.3g} (alpha {c.alpha:g})",
        ),
    ]
    body = (
        f'<div class="cards">{"".join(cards)}</div>'
        '<section id="verdict"><h2>Verdict</h2>'
        f'<p class="verdict">{_e(deck)}</p><p class="verdict">{_e(statistical)}</p>'
        f'<p class="verdict"><b>{_e(relation)}</b></p>{table}</section>'
        + "".join(_section(s) for s in sections)
    )
    subtitle = f"{c.n:,} test images from {_e(context.get('data', ''))}"
    write_text(out, _page("tfdojo compare: A vs B", subtitle, body))
    return out
