"""Curation: remove duplicates, split by font family, keep classes balanced.

Font packages ship the same glyphs many times (a measured 30% of rendered glyphs are
exact copies), and a test image that a training image nearly copies measures memory,
not generalisation. So, in order:

1. exact duplicates are removed (an image seen under two labels is dropped entirely);
2. groups (font families) that share an exact duplicate are merged into one cluster;
3. whole clusters go to test, valid or train (seeded), so no family spans two splits;
4. valid/test images within ``near_rms`` (RMS pixel difference, 0..255) of a training
   image of the same class are removed, then test images that near-copy a valid one;
5. optionally each split is balanced by sampling every class down to the rarest.

Every step is counted in the returned report.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from tfdojo import LETTERS
from tfdojo.core import bounds
from tfdojo.data.dataset import SPLITS

NEAR_RMS = 10.0
"""Default near-duplicate threshold: RMS difference of 10/255 is invisible at 28x28."""


def image_digests(images: np.ndarray) -> list[bytes]:
    """A 16-byte digest per image (N, 28, 28) -> N digests."""
    return [hashlib.blake2b(im.tobytes(), digest_size=16).digest() for im in images]


def exact_duplicates(
    images: np.ndarray, labels: np.ndarray, digests: list[bytes] | None = None
) -> tuple[np.ndarray, dict[str, int]]:
    """Indices to keep (first copy of each image) and counts of what was removed.

    An image that appears under two different labels is ambiguous and removed entirely.
    """
    digests = image_digests(images) if digests is None else digests
    first: dict[bytes, int] = {}
    label_sets: dict[bytes, set[int]] = {}
    for i, d in enumerate(digests):
        first.setdefault(d, i)
        label_sets.setdefault(d, set()).add(int(labels[i]))
    keep = np.array(sorted(i for d, i in first.items() if len(label_sets[d]) == 1), dtype=np.int64)
    ambiguous = sum(1 for d in first if len(label_sets[d]) > 1)
    return keep, {"exact_duplicates": len(images) - len(first), "ambiguous_images": ambiguous}


def merge_groups(
    groups: Sequence[str], images: np.ndarray, digests: list[bytes] | None = None
) -> np.ndarray:
    """Cluster id per image: groups that share an identical image are merged (union-find)."""
    names = sorted(set(groups))
    index = {g: i for i, g in enumerate(names)}
    parent = list(range(len(names)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[bytes, int] = {}
    digests = image_digests(images) if digests is None else digests
    for g, d in zip(groups, digests):
        gi = index[g]
        if d in owner:
            a, b = find(owner[d]), find(gi)
            if a != b:
                parent[max(a, b)] = min(a, b)
        else:
            owner[d] = gi
    return np.array([find(index[g]) for g in groups], dtype=np.int64)


def assign_clusters(
    clusters: np.ndarray, seed: int, valid_fraction: float, test_fraction: float
) -> np.ndarray:
    """Split name index (0 train, 1 valid, 2 test) per image, whole clusters at a time."""
    ids, sizes = np.unique(clusters, return_counts=True)
    order = np.random.default_rng(seed).permutation(len(ids))
    total = len(clusters)
    targets = {2: test_fraction * total, 1: valid_fraction * total}
    filled = {2: 0, 1: 0}
    split_of = {}
    for k in order:
        for s in (2, 1):
            if filled[s] + sizes[k] / 2 <= targets[s]:
                split_of[ids[k]] = s
                filled[s] += sizes[k]
                break
        else:
            split_of[ids[k]] = 0
    return np.array([split_of[c] for c in clusters], dtype=np.int64)


def near_duplicates(
    query: np.ndarray, q_labels: np.ndarray, ref: np.ndarray, r_labels: np.ndarray, rms: float
) -> np.ndarray:
    """Mask over ``query``: True where a ``ref`` image of the same label is within ``rms``.

    ``||q - r||^2 = |q|^2 + |r|^2 - 2 q.r`` per class, in float32 blocks.
    """
    mask = np.zeros(len(query), bool)
    limit = (rms**2) * query[0].size if len(query) else 0.0
    for c in np.unique(q_labels):
        qi = np.flatnonzero(q_labels == c)
        r = ref[r_labels == c].reshape(-1, query[0].size).astype(np.float32)
        if len(r) == 0:
            continue
        r2 = (r * r).sum(1)
        for start in range(0, len(qi), 1024):
            idx = qi[start : start + 1024]
            q = query[idx].reshape(len(idx), -1).astype(np.float32)
            d2 = (q * q).sum(1)[:, None] + r2[None, :] - 2.0 * (q @ r.T)
            mask[idx] = d2.min(1) <= limit
    return mask


def balance(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices that keep, for every class, as many images as the rarest class has."""
    present = [c for c in range(len(LETTERS)) if (labels == c).any()]
    if not present:
        return np.arange(0)
    n = min(int((labels == c).sum()) for c in present)
    keep = [np.sort(rng.permutation(np.flatnonzero(labels == c))[:n]) for c in present]
    return np.sort(np.concatenate(keep))


def curate_indices(
    images: np.ndarray,
    labels: np.ndarray,
    groups: Sequence[str],
    seed: int,
    valid_fraction: float = 0.1,
    test_fraction: float = 0.1,
    near_rms: float = NEAR_RMS,
    balance_splits: Sequence[str] = ("valid", "test"),
) -> tuple[dict[str, np.ndarray], dict]:
    """The curation steps above -> indices into ``images`` per split, and a report.

    Args:
        images: uint8 (N, 28, 28); labels: (N,) 0..9; groups: N family keys.
        seed: 0..2**63-1 (:data:`tfdojo.core.bounds.MAX_SEED`).
        balance_splits: the splits whose classes are sampled down to the rarest.

    Raises:
        TfdojoError: ``seed`` outside its range.
    """
    bounds.whole("seed", seed, 0, bounds.MAX_SEED)
    labels = np.asarray(labels)
    report: dict = {"input_images": len(images)}
    digests = image_digests(images)  # hashed once, used by both steps below
    keep, counts = exact_duplicates(images, labels, digests)
    report.update(counts)
    clusters = merge_groups(groups, images, digests)
    report["groups"] = len(set(groups))
    report["clusters"] = len(np.unique(clusters))
    split_id = assign_clusters(clusters[keep], seed, valid_fraction, test_fraction)
    idx = {name: keep[split_id == s] for s, name in enumerate(SPLITS)}
    report["near_duplicate_rms"] = near_rms
    near = {}
    for name, refs in (("valid", ["train"]), ("test", ["train", "valid"])):
        ref = np.concatenate([idx[r] for r in refs])
        mask = near_duplicates(
            images[idx[name]], labels[idx[name]], images[ref], labels[ref], near_rms
        )
        near[name] = int(mask.sum())
        idx[name] = idx[name][~mask]
    report["near_duplicates_removed"] = near
    rng = np.random.default_rng([seed, 1])
    dropped = {}
    for name in balance_splits:
        before = len(idx[name])
        idx[name] = idx[name][balance(labels[idx[name]], rng)]
        dropped[name] = before - len(idx[name])
    report["balance_removed"] = dropped
    report["families_per_split"] = {name: len({groups[i] for i in idx[name]}) for name in SPLITS}
    return idx, report
