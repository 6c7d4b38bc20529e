"""``tfdojo data build``: notMNIST rebuilt from the fonts on this machine.

Pipeline (each step parallel over ``processes`` and deterministic for a seed):

1. find font files (:mod:`~tfdojo.data.fonts`) and render A-J of every face
   (:mod:`~tfdojo.data.render`); unusable faces are recorded with the reason;
2. drop faces whose file is a byte-identical copy of another's;
3. curate and split the plain glyphs by font family (:mod:`~tfdojo.data.curate`):
   valid and test are plain renders of families never seen in training;
4. add augmented variants of the training glyphs (:mod:`~tfdojo.data.augment`),
   more for the classes with fewer glyphs, so that the classes are balanced;
5. write ``notmnist.npz`` and ``manifest.json`` atomically (:mod:`~tfdojo.data.dataset`).

Randomness is keyed by (seed, font file hash, face, letter, variant), never by the
order in which processes finish, so any number of processes gives identical arrays.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from tfdojo import LETTERS, __version__
from tfdojo.core.atomic import ensure_dir
from tfdojo.core.errors import TfdojoError
from tfdojo.core.safe_write import prepare
from tfdojo.core.threads import threads
from tfdojo.data import curate
from tfdojo.data.augment import variant
from tfdojo.data.build_config import BuildConfig
from tfdojo.data.dataset import make_split, save
from tfdojo.data.fonts import find_font_files
from tfdojo.data.output import DATASET
from tfdojo.data.render import (
    NOTDEF_PROBE,
    Face,
    draw_glyph,
    load_font,
    render_file,
    renders_notdef,
    unlike_letters,
)


def parallel_map(fn: Callable, items: Sequence, processes: int, desc: str, progress: bool) -> list:
    """``[fn(x) for x in items]`` over ``processes`` worker processes, in order, with a bar."""

    bar = tqdm(total=len(items), desc=desc, unit="task", disable=(not progress) or None)
    try:
        if processes <= 1 or len(items) <= 1:
            out = []
            for x in items:
                out.append(fn(x))
                bar.update()
            return out
        chunk = max(1, min(32, len(items) // (processes * 8)))
        # spawn: safe even if the caller has TensorFlow loaded (fork is not).
        pool = ProcessPoolExecutor(processes, mp_context=get_context("spawn"))
        try:
            out = []
            for r in pool.map(fn, items, chunksize=chunk):
                out.append(r)
                bar.update()
            return out
        finally:  # on Ctrl-C or SIGTERM too: drop the tasks not started, join the workers
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        bar.close()


def _render_task(args: tuple[str, int]) -> list[Face]:
    path, size = args
    return render_file(path, size)


def _variants_task(args: tuple) -> np.ndarray:
    """Augmented variants for one face: ``[(label, count), ...]`` -> uint8 (sum counts, 28, 28).

    ``args``: (path, face index, sha, render size, seed, look, lowercase, wanted).
    """
    path, index, sha, size, seed, look, lowercase, wanted = args
    font = load_font(path, index, size)
    notdef = draw_glyph(font, NOTDEF_PROBE) if lowercase > 0 else None
    out = []
    for label, count in wanted:
        upper = draw_glyph(font, LETTERS[label])
        lower = _lowercase_glyph(font, LETTERS[label], notdef) if lowercase > 0 else None
        for v in range(count):
            rng = np.random.default_rng([seed, int(sha[:15], 16), index, label, v])
            glyph = upper
            if lowercase > 0 and rng.random() < lowercase and lower is not None:
                glyph = lower
            out.append(variant(glyph, rng, look))
    return np.stack(out) if out else np.zeros((0, 28, 28), np.uint8)


def _lowercase_glyph(font, letter: str, notdef):
    """The face's lower-case ``letter`` (ink-cropped), or None where it has none."""
    glyph = draw_glyph(font, letter.lower())
    return None if glyph is None or renders_notdef(glyph, notdef) else glyph


def plan_variants(labels: np.ndarray, variants: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """How many variants each training glyph gets so that every class ends equal.

    Every class is brought to ``T = round(mean glyphs per class * (1 + variants))``
    images: class ``c`` with ``n_c`` glyphs gets ``T - n_c`` variants spread evenly
    (``floor`` each, one more for a seeded choice of glyphs). A class with more
    glyphs than ``T`` (only when ``variants`` is 0) keeps a seeded sample of ``T``.

    Returns:
        keep: indices of the plain glyphs kept; counts: variants per glyph, (N,).
    """
    rng = np.random.default_rng([seed, 3])
    present = [c for c in range(len(LETTERS)) if (labels == c).any()]
    if variants == 0:
        return curate.balance(labels, rng), np.zeros(len(labels), np.int64)
    target = round(len(labels) / max(1, len(present)) * (1 + variants))
    counts = np.zeros(len(labels), np.int64)
    for c in present:
        members = np.flatnonzero(labels == c)
        extra = max(0, target - len(members))
        counts[members] = extra // len(members)
        lucky = rng.permutation(members)[: extra % len(members)]
        counts[lucky] += 1
    return np.arange(len(labels)), counts


def build(
    out_dir: str | os.PathLike,
    cfg: BuildConfig | None = None,
    font_dirs: Iterable[str | os.PathLike] = (),
    system_fonts: bool = True,
    processes: int | None = None,
    progress: bool = True,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Build the dataset into ``out_dir``; return its manifest.

    Args:
        out_dir: folder for ``notmnist.npz`` and ``manifest.json``: new or empty, or
            with ``overwrite`` a dataset folder tfdojo wrote (its two files are replaced).
        font_dirs: extra folders searched recursively for fonts (``--fonts``).
        system_fonts: also use the system folders and matplotlib's fonts.
        processes: worker processes (default: ``$TFDOJO_THREADS`` or every core).
        overwrite: replace the dataset at ``out_dir`` (``--overwrite``).

    Raises:
        TfdojoError: no fonts, no usable face, too few families to split, bad config, an
            ``out_dir`` that is not empty (without ``overwrite``, or not a dataset).
    """
    cfg = cfg or BuildConfig()

    cfg.validate()
    prepare(out_dir, DATASET, overwrite)
    ensure_dir(out_dir)  # fail before the work, not after it
    processes = processes or threads()
    t0 = time.perf_counter()
    files = find_font_files(font_dirs, system_fonts)
    rendered = parallel_map(
        _render_task, [(str(f), cfg.render_size) for f in files], processes, "render", progress
    )
    faces = [face for group in rendered for face in group]
    used, skipped = select_faces(faces)
    if not used:
        raise TfdojoError(
            f"no usable font face among {len(faces)} in {len(files)} files "
            f"(first reason: {skipped[0]['reason'] if skipped else 'none'}); install fonts with "
            "`sudo sh scripts/install-system-deps.sh` or pass --fonts DIR"
        )
    t_render = time.perf_counter() - t0

    images = np.concatenate([f.glyphs for f in used])  # (F*10, 28, 28)
    labels = np.tile(np.arange(len(LETTERS), dtype=np.uint8), len(used))
    face_ids = np.repeat(np.arange(len(used), dtype=np.int32), len(LETTERS))
    groups = [used[i].family_key for i in face_ids]
    idx, report = curate.curate_indices(
        images, labels, groups, cfg.seed, cfg.valid_fraction, cfg.test_fraction, cfg.near_rms
    )
    for name in ("valid", "test"):
        if len(idx[name]) == 0:
            raise TfdojoError(
                f"only {report['clusters']} font families after curation: too few to make a "
                f"{name} split; add fonts (--fonts DIR) or install the Debian font packages"
            )

    # Augment the training glyphs, more variants for the rarer classes.
    train_idx = idx["train"]
    keep, counts = plan_variants(labels[train_idx], cfg.variants, cfg.seed)
    train_idx = train_idx[keep]
    counts = counts[keep]
    t1 = time.perf_counter()
    aug_images, aug_labels, aug_faces = _augment(
        used, train_idx, counts, labels, face_ids, cfg, processes, progress
    )
    t_augment = time.perf_counter() - t1
    tr_images = np.concatenate([images[train_idx], aug_images])
    tr_labels = np.concatenate([labels[train_idx], aug_labels])
    tr_faces = np.concatenate([face_ids[train_idx], aug_faces])
    dedup_keep, dedup = curate.exact_duplicates(tr_images, tr_labels)
    order = np.random.default_rng([cfg.seed, 2]).permutation(dedup_keep)
    splits = {"train": make_split(tr_images[order], tr_labels[order], tr_faces[order])}
    splits.update(_eval_splits(used, idx, images, labels, face_ids, cfg, processes, progress))
    report["train_augmented_duplicates_removed"] = dedup["exact_duplicates"]
    manifest = {
        "tfdojo_version": __version__,
        "source": "fonts",
        "parameters": {
            **dataclasses.asdict(cfg),
            "font_dirs": [str(d) for d in font_dirs],
            "system_fonts": system_fonts,
        },
        "font_files": len(files),
        "faces_used": len(used),
        "faces_skipped": len(skipped),
        "skipped_reasons": _reason_counts(skipped),
        "fonts": [
            {
                "id": i,
                "path": f.path,
                "index": f.index,
                "family": f.family,
                "style": f.style,
                "family_key": f.family_key,
                "sha256": f.sha256,
            }
            for i, f in enumerate(used)
        ],
        "skipped": skipped,
        "curation": report,
        "augmentation": {
            "variants": cfg.variants,
            "train_glyphs": int(len(train_idx)),
            "variants_made": int(len(aug_images)),
        },
        "timing_seconds": {
            "render": round(t_render, 2),
            "augment": round(t_augment, 2),
            "total": round(time.perf_counter() - t0, 2),
        },
        "processes": processes,
    }
    return save(out_dir, splits, manifest)


def _augment(
    used: list[Face],
    glyph_idx: np.ndarray,
    counts: np.ndarray,
    labels: np.ndarray,
    face_ids: np.ndarray,
    cfg: BuildConfig,
    processes: int,
    progress: bool,
    desc: str = "augment",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``counts[i]`` variants of glyph ``glyph_idx[i]`` -> (images, labels, font ids), by face."""
    tasks, task_faces = _variant_tasks(used, glyph_idx, counts, labels, face_ids, cfg)
    made = parallel_map(_variants_task, tasks, processes, desc, progress)
    images = np.concatenate([np.zeros((0, 28, 28), np.uint8), *made])
    wanted = [t[-1] for t in tasks]
    out_labels = np.concatenate(
        [np.zeros(0, np.uint8)]
        + [np.repeat([lab for lab, _ in w], [c for _, c in w]) for w in wanted]
    ).astype(np.uint8)
    faces = np.concatenate(
        [np.zeros(0, np.int32)]
        + [np.full(sum(c for _, c in w), f, np.int32) for w, f in zip(wanted, task_faces)]
    )
    return images, out_labels, faces


def _eval_splits(
    used: list[Face],
    idx: dict[str, np.ndarray],
    images: np.ndarray,
    labels: np.ndarray,
    face_ids: np.ndarray,
    cfg: BuildConfig,
    processes: int,
    progress: bool,
) -> dict[str, Any]:
    """The valid and test splits: their glyphs' plain renders, or with ``cfg.augment_eval``
    one augmented variant of each, drawn as the training's are, in the same order.
    """
    out = {}
    for name in ("valid", "test"):
        i = idx[name]
        if not cfg.augment_eval:
            out[name] = make_split(images[i], labels[i], face_ids[i])
            continue
        drawn, y, faces = _augment(
            used, i, np.ones(len(i), np.int64), labels, face_ids, cfg, processes, progress, name
        )
        # _augment returns them face by face (stable): put them back in the split's order
        by_face = np.argsort(face_ids[i], kind="stable")
        order = np.empty(len(i), np.int64)
        order[by_face] = np.arange(len(i))
        out[name] = make_split(drawn[order], y[order], faces[order])
    return out


def select_faces(faces: list[Face]) -> tuple[list[Face], list[dict[str, Any]]]:
    """The faces the build uses, sorted by content key, and the skipped ones with reasons.

    Skipped: faces the renderer refused (``face.reason``), second copies of an identical
    file, and faces whose letters do not resemble A-J (:func:`unlike_letters`).
    ``tfdojo doctor`` counts usable faces with this same function.
    """

    def skip(face: Face, reason: str) -> dict[str, Any]:
        return {"path": face.path, "index": face.index, "family": face.family, "reason": reason}

    skipped: list[dict[str, Any]] = []
    first_path: dict[str, str] = {}
    used: list[Face] = []
    for face in faces:
        if face.reason is not None:
            skipped.append(skip(face, face.reason))
        elif face.key in first_path:
            skipped.append(skip(face, f"same file as {first_path[face.key]}"))
        else:
            first_path[face.key] = face.path
            used.append(face)
    used.sort(key=lambda f: f.key)
    unlike = set(unlike_letters(used))
    reason = "letters do not resemble A-J (none nearest its letter's median)"
    skipped += [skip(used[i], reason) for i in sorted(unlike)]
    return [f for i, f in enumerate(used) if i not in unlike], skipped


def _reason_counts(skipped: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for s in skipped:
        kind = s["reason"].split(" (")[0].split(":")[0]
        if kind.startswith("letter "):
            kind = "letter " + kind.split(" ", 2)[2]  # "letter A is blank" -> "letter is blank"
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def _variant_tasks(
    used: list[Face],
    train_idx: np.ndarray,
    counts: np.ndarray,
    labels: np.ndarray,
    face_ids: np.ndarray,
    cfg: BuildConfig,
) -> tuple[list[tuple], list[int]]:
    """One task per face: (path, face index, sha, size, seed, look, lowercase, wanted)."""
    per_face: dict[int, list[tuple[int, int]]] = {}
    for i, n in zip(train_idx, counts):
        if n > 0:
            per_face.setdefault(int(face_ids[i]), []).append((int(labels[i]), int(n)))
    tasks, task_faces = [], []
    look = cfg.look()
    for f in sorted(per_face):
        face = used[f]
        tasks.append(
            (
                face.path,
                face.index,
                face.sha256,
                cfg.render_size,
                cfg.seed,
                look,
                cfg.lowercase,
                per_face[f],
            )
        )
        task_faces.append(f)
    return tasks, task_faces
