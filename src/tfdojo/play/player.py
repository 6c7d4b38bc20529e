"""The runs being played with, and every answer the page and the API give about them.

A :class:`Player` holds one or two finished runs with their models loaded once. Each
method takes plain values (image bytes, a run index) and returns JSON-ready dicts, so
the web server (:mod:`tfdojo.play.server`) only moves bytes, and a notebook can call
the same methods::

    player = Player.open(["runs/demo-cnn"])
    player.predict(open("letter.png", "rb").read())
    # {"letter": "A", "probabilities": {"A": 0.97, ...}, "logits": [...], "input": [[0, ...]]}
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

from tfdojo import LETTERS
from tfdojo.core.errors import TfdojoError
from tfdojo.data.frame import ImageTooLarge, frame_image, open_image
from tfdojo.play import inside
from tfdojo.results import plots
from tfdojo.runs import Run, model_class_for, open_run, predictions

MAX_RUNS = 2


class PlayError(TfdojoError):
    """A request that is refused: one line, and ``status``, the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


MISTAKES = 48
"""How many of a run's most confident mistakes the page lists."""

DECODE_SLOTS = 2
"""Images decoded and framed at once, by as many threads of their own: a 4096 x 4096 RGBA
PNG takes ~150 MiB on its way to a frame, and each thread that decodes one keeps its
memory arena, so forty sent together to the server's four threads took 1.2 GB."""

DECODE_WAIT = 2.0
"""Most seconds a request waits for a decoding thread before it is refused with a 503."""


def frame_upload(data: bytes) -> np.ndarray:
    """Image bytes -> the uint8 (28, 28) the models see (:func:`frame_image`).

    Raises:
        PlayError: not a readable image (400), or larger than
            :data:`tfdojo.data.frame.MAX_PIXELS`, refused from its header (413).
    """
    try:
        return frame_image(open_image(data, "image"))
    except ImageTooLarge as exc:
        raise PlayError(str(exc), 413) from None
    except TfdojoError as exc:
        raise PlayError(str(exc), 400) from None


class Player:
    """One or two runs' models, ready to answer for any image.

    Args:
        runs: one or two runs.
        decode_slots: images decoded at once (:meth:`frame`), whatever calls it.
        decode_wait: most seconds :meth:`frame` waits for a decoding thread.

    Attributes:
        runs: the :class:`tfdojo.runs.Run` of each folder, in the order given.
        models: each run's trained model, built once.
    """

    def __init__(
        self,
        runs: Sequence[Run],
        decode_slots: int = DECODE_SLOTS,
        decode_wait: float = DECODE_WAIT,
    ):
        if not 1 <= len(runs) <= MAX_RUNS:
            raise TfdojoError(f"RUN: expected 1 or {MAX_RUNS} runs, received {len(runs)}")
        for run in runs:
            source = run.model_config().source
            if source and run.model_class is None:  # never imported from the run folder
                raise TfdojoError(
                    f"RUN: {run.path} was trained from {source}: add --model-code {source} "
                    "to play it"
                )
        self.runs = list(runs)
        self.models = [run.model() for run in self.runs]
        self._mistakes: dict[int, dict[str, Any]] = {}
        self._mistakes_lock = threading.Lock()
        self.decode_slots, self.decode_wait = decode_slots, decode_wait
        self._decoder = ThreadPoolExecutor(decode_slots, thread_name_prefix="tfdojo-decode")

    @classmethod
    def open(
        cls,
        run_dirs: Sequence[str | os.PathLike],
        model_classes: Mapping[str, type] | None = None,
    ) -> Player:
        """Check each run folder (:func:`tfdojo.runs.open_run`) and load its model.

        ``model_classes``: for runs of a learner's own model, the classes loaded from the
        paths the user gave (``--model-code``), by name (:func:`tfdojo.runs.model_class_for`).
        """
        classes = dict(model_classes or {})
        return cls([open_run(d, model_class_for(d, classes)) for d in run_dirs])

    # -- the runs ------------------------------------------------------------------------

    def run_index(self, value: Any) -> int:
        """The run a request names (``"0"`` or ``"1"``; default 0).

        Raises:
            PlayError: not the index of a run (status 400).
        """
        if value in (None, ""):
            return 0
        valid = [str(i) for i in range(len(self.runs))]
        if value in valid:  # exactly "0" or "1": not "²" nor "01" nor 5,000 digits
            return int(value)
        shown = value[:40] + "..." if isinstance(value, str) and len(value) > 40 else value
        raise PlayError(f"run: expected {' or '.join(valid)}, received {shown!r}")

    def info(self) -> list[dict[str, Any]]:
        """Each run's name, kind, size, test accuracy, layers and fixed first-layer weights."""
        return [
            {
                "index": i,
                "path": str(run.path),
                "folder": run.path.name,
                "name": run.name,
                "kind": run.kind,
                "params": model.num_params,
                "test_accuracy": run.metrics.get("test_accuracy"),
                "test_n": run.metrics["test_n"],
                "layers": [f"{s.name}: {s.describe()}" for s in model.specs],
                **inside.weights_to_show(model),
            }
            for i, (run, model) in enumerate(zip(self.runs, self.models))
        ]

    # -- one image -----------------------------------------------------------------------

    def frame(self, data: bytes) -> np.ndarray:
        """Image bytes -> the uint8 (28, 28) the models see, framed as ``tfdojo predict`` does.

        The image is decoded by one of ``decode_slots`` threads of the player's own, so
        that at most that many images are decoded at once whatever the callers.

        Raises:
            PlayError: not a readable image (400), or larger than
                :data:`tfdojo.data.frame.MAX_PIXELS`, refused from its header (413), or no
                decoding thread free within ``decode_wait`` seconds (503).
        """
        job = self._decoder.submit(frame_upload, data)
        try:
            return job.result(timeout=self.decode_wait)
        except TimeoutError:
            if job.cancel():  # not started: every decoding thread was busy all along
                raise PlayError(
                    f"image: the server is decoding {self.decode_slots} other images; "
                    "send this one again in a moment",
                    503,
                ) from None
            return job.result()  # started in time: its own decoding is bounded

    @staticmethod
    def answer(model, framed: np.ndarray) -> dict[str, Any]:
        """``tfdojo predict --json``'s answer for one framed image (the same function)."""
        (answer,) = predictions(model, [framed], ["image"])
        del answer["image"]
        return answer

    def predict(self, data: bytes, run: int = 0) -> dict[str, Any]:
        """The API's answer: ``tfdojo predict --json``'s letter and probabilities, plus the
        scores before the softmax and the framed input.

        Returns:
            ``{"letter", "probabilities": {"A": p, ...}, "logits": (10,),
            "input": uint8 (28, 28)}``.
        """
        framed = self.frame(data)
        model = self.models[run]
        answer = self.answer(model, framed)
        return {**answer, "logits": inside.logits(model, framed), "input": framed.tolist()}

    def play(self, data: bytes) -> dict[str, Any]:
        """Everything the page shows for one drawing, for every run.

        Returns:
            ``{"input": uint8 (28, 28), "runs": [{"letter", "probabilities", "logits",
            "layer": first-layer view (:func:`inside.first_layer`), ``None`` for a
            learner's model whose first layer tfdojo cannot draw}, ...]}``.
        """
        framed = self.frame(data)
        answers = [
            {
                **self.answer(model, framed),
                "logits": inside.logits(model, framed),
                "layer": inside.first_layer(model, framed),
            }
            for run, model in zip(self.runs, self.models)
        ]
        return {"input": framed.tolist(), "runs": answers}

    # -- the test set ----------------------------------------------------------------------

    def mistakes(self, run: int = 0, count: int = MISTAKES) -> dict[str, Any]:
        """The run's own test images it got wrong, most confident first (computed once).

        Returns:
            ``{"run", "test_n", "wrong": number of mistakes, "mistakes": [{"index",
            "label": true letter, "letter": answer, "probabilities": (10,),
            "image": uint8 (28, 28)}, ...]}``, at most ``count`` of them.

        Raises:
            PlayError: the run's test set cannot be found (:meth:`Run.test_set`), 404.
        """
        with self._mistakes_lock:  # two first requests must not both score the test set
            if run not in self._mistakes:
                try:
                    self._mistakes[run] = self._score_test_set(run)
                except TfdojoError as exc:
                    raise PlayError(f"mistakes: {exc}", 404) from None
        scored = self._mistakes[run]
        return {**scored, "mistakes": scored["mistakes"][:count]}

    def _score_test_set(self, run: int) -> dict[str, Any]:
        images, labels, _ = self.runs[run].test_set()
        proba = self.models[run].predict_proba(images)  # (N, 10)
        wrong = plots.most_confident_mistakes(labels, proba)
        return {
            "run": str(self.runs[run].path),
            "test_n": len(labels),
            "wrong": len(wrong),
            "mistakes": [
                {
                    "index": int(i),
                    "label": LETTERS[int(labels[i])],
                    "letter": LETTERS[int(proba[i].argmax())],
                    "probabilities": proba[i].tolist(),
                    "image": images[i].tolist(),
                }
                for i in wrong[:MISTAKES]
            ],
        }

    def warm_up(self) -> None:
        """Answer once for a blank image, so TensorFlow traces its functions before the
        first stroke (the first call of a ``tf.function`` is slow)."""
        blank = np.zeros((28, 28), np.uint8)
        for model in self.models:
            self.answer(model, blank)
            inside.first_layer(model, blank)
