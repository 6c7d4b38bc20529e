"""The figures of a run's report, each a function returning a matplotlib ``Figure``.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through
``pyplot``: no global figure registry, no GUI backend, nothing shown. Save one with
:func:`tfdojo.core.safe_write.save_figure`. Colours are shared by every figure:

- train is blue, valid is orange (curves);
- right is green, wrong is red (bars and labels);
- weights use a diverging map, red positive and blue negative, centred on 0;
- glyphs are drawn dark on white (``gray_r``): the model sees them white on black.
"""

from tfdojo.results.plots.base import figure_png, sample_grid
from tfdojo.results.plots.errors import (
    confused_pairs,
    confusion_counts,
    confusion_matrix,
    misclassified_grid,
    most_confident_mistakes,
    most_confused,
    per_class_accuracy,
)
from tfdojo.results.plots.pairs import compare_accuracies, disagreement_examples
from tfdojo.results.plots.training import history_series, training_curves
from tfdojo.results.plots.weights import conv_filters, unit_templates, weight_templates

__all__ = [
    "compare_accuracies",
    "confused_pairs",
    "confusion_counts",
    "confusion_matrix",
    "conv_filters",
    "disagreement_examples",
    "figure_png",
    "history_series",
    "misclassified_grid",
    "most_confident_mistakes",
    "most_confused",
    "per_class_accuracy",
    "sample_grid",
    "training_curves",
    "unit_templates",
    "weight_templates",
]
