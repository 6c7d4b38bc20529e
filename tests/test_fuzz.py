"""Fuzz the readers of untrusted files and play's API: a valid result or one TfdojoError (for
play, a one-line 4xx JSON error), in bounded memory.

Each target gets inputs made to be nearly right (valid files, then cut, flipped, or
with headers claiming any size or type) and checks, per example:

- the call returns a valid result or raises :class:`TfdojoError` with a one-line
  message; any other exception fails the test with its traceback;
- the process's peak resident memory grows by less than :data:`MEMORY_BOUND`
  (:data:`IMAGE_MEMORY_BOUND` for pictures, which may be decoded up to the pixel cap).

In CI the examples are derandomized (the same every run), 400 to 1,500 per file target:
the four file parsers take about 25 s on two idle cores, the run folders (every file of one,
opened as every command opens a run, the model rebuilt and asked) 10 s more, and 10 s to
import TensorFlow once; a kata workspace's state file, each example listed then written back,
300 in under 10 s of CPU; 300 requests to play, 15 s with the run it trains. Fuzz longer,
with fresh random examples, by giving a number:
``TFDOJO_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import lzma
import os
import re
import struct
import tarfile
import warnings
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tfdojo.core.errors import TfdojoError
from tfdojo.data import dataset, idx
from tfdojo.data.frame import frame_image, open_image
from tfdojo.data.importer import load_images
from tfdojo.data.summary import describe
from tfdojo.teaching import kata
from tfdojo.teaching.kata import workspace
from tfdojo.teaching.kata.checking import CheckResult
from tfdojo.teaching.kata.display import format_statuses

from .hostile import MiB, octal, png, tar_header
from .memory import peak_rss_growth

MEMORY_BOUND = 64 * MiB
"""Most any archive, IDX, npz or manifest example may add to the peak RSS."""

IMAGE_MEMORY_BOUND = 256 * MiB
"""Most a picture may add: decoding at the 4096 x 4096 cap is 64 MiB, framing 90 more."""

_EXAMPLES = int(os.environ.get("TFDOJO_FUZZ_EXAMPLES", "0"))


def fuzz(ci_examples: int) -> settings:
    """Settings for one target: ``ci_examples`` fixed examples, or more random ones on request."""
    return settings(
        max_examples=_EXAMPLES or ci_examples,
        derandomize=not _EXAMPLES,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )


def check(call, bound: int = MEMORY_BOUND):
    """Run ``call()``: its result, or None for a clean TfdojoError; anything else is re-raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result, growth = peak_rss_growth(call)
    assert growth < bound, f"peak RSS grew by {growth / MiB:.0f} MiB"
    assert not caught, f"warnings reached the user: {[str(w.message) for w in caught]}"
    if isinstance(result, TfdojoError):
        assert str(result) and "\n" not in str(result), repr(str(result))
        return None
    if isinstance(result, BaseException):
        raise result
    return result


def check_file(tmp_path_factory, name: str, raw: bytes, read):
    """:func:`check` of ``read(path)``, ``raw`` written to a file called ``name``."""
    path = tmp_path_factory.getbasetemp() / name
    path.write_bytes(raw)
    return check(lambda: read(path))


@st.composite
def damaged(draw, data: bytes) -> bytes:
    """``data`` cut short, with bytes flipped, overwritten or inserted, or left whole."""
    data = bytearray(data)
    for _ in range(draw(st.integers(0, 3))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "random", "insert", "cut", "delete"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "random":
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[at : at + len(chunk)] = chunk
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=600))
        elif kind == "cut":
            del data[at:]
        else:
            del data[at : at + draw(st.integers(1, 600))]
    return bytes(data)


# -- IDX --------------------------------------------------------------------------------------

IDX_CODES = list(idx.DTYPES)


@st.composite
def idx_files(draw) -> bytes:
    """An IDX file (maybe gzipped, maybe several gzip members) with any header, maybe damaged."""
    code = draw(st.sampled_from([*IDX_CODES, 0x00, 0x0A, 0xFF]))
    dims = draw(
        st.lists(
            st.one_of(st.integers(0, 6), st.sampled_from([28, 2**16, 2**31, 2**32 - 1])),
            max_size=5,
        )
    )
    ndim = draw(st.one_of(st.just(len(dims)), st.integers(0, 255)))
    itemsize = idx.DTYPES[code].itemsize if code in idx.DTYPES else 1
    n = int(np.prod(dims, dtype=object)) * itemsize if dims else itemsize
    body = draw(st.binary(min_size=min(n, 2000), max_size=min(n, 2000)))
    raw = struct.pack(">HBB", 0, code, ndim) + struct.pack(f">{len(dims)}I", *dims) + body
    raw = draw(damaged(raw))
    if draw(st.booleans()):
        raw = gzip.compress(raw, mtime=0)
        if draw(st.booleans()):  # a second member: trailing data, or a bomb of zeros
            raw += gzip.compress(bytes(draw(st.sampled_from([1, 4096, 4 * MiB]))), 9, mtime=0)
        raw = draw(damaged(raw))
    return raw


@fuzz(ci_examples=1500)
@given(raw=idx_files())
def test_fuzz_idx_reader(tmp_path_factory, raw):
    a = check_file(tmp_path_factory, "fuzz-images-idx3-ubyte", raw, idx.read_idx)
    if a is not None:
        assert a.dtype.byteorder in "=|" and a.dtype.newbyteorder(">") in [
            d.newbyteorder(">") for d in idx.DTYPES.values()
        ]
        assert a.nbytes <= idx.MAX_IDX_BYTES


# -- npz and manifest -------------------------------------------------------------------------


def _json_containers(inner: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=8),
    _json_containers,
    max_leaves=12,
)
MANIFEST_KEYS = ["sha256", "counts", "fonts", "curation", "augmentation", "skipped_reasons"]
MANIFEST_KEYS += ["faces_used", "font_files", "faces_skipped", "source", "tfdojo_version"]


@pytest.fixture(scope="module")
def good_dataset(tmp_path_factory) -> Path:
    """A small valid dataset folder, its manifest with every field summaries read."""
    rng = np.random.default_rng(0)
    splits = {
        name: dataset.make_split(
            rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), np.arange(n) % 10, np.arange(n) % 2
        )
        for name, n in (("train", 20), ("valid", 10), ("test", 10))
    }
    d = tmp_path_factory.mktemp("good_dataset")
    manifest = {
        "source": "fuzz",
        "fonts": ["a.ttf", "b.ttf"],
        "faces_used": 2,
        "font_files": 2,
        "faces_skipped": 0,
        "skipped_reasons": {},
        "curation": {"exact_duplicates": 0, "near_duplicates_removed": {"valid": 1}},
        "augmentation": {"variants": 1, "variants_made": 0, "train_glyphs": 20},
    }
    dataset.save(d, splits, manifest)
    return d


def npz_of(arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


@st.composite
def odd_arrays(draw) -> np.ndarray:
    dtype = draw(st.sampled_from(["u1", "i8", "f4", "<U3", "?", "c8", "V4", "O", "u1,u1", "M8"]))
    shape = draw(st.sampled_from([(), (0,), (3,), (20,), (20, 28, 28), (10, 28, 28), (2, 3)]))
    if dtype == "O":
        return np.array([{"pickled": True}] * 2, dtype=object)
    return np.zeros(shape, dtype)


@fuzz(ci_examples=1000)
@given(data=st.data())
def test_fuzz_dataset_loader(tmp_path_factory, good_dataset, data):
    npz = (good_dataset / dataset.NPZ_NAME).read_bytes()
    manifest = json.loads((good_dataset / dataset.MANIFEST_NAME).read_text())
    what = data.draw(st.sampled_from(["npz bytes", "npz arrays", "manifest field", "manifest"]))
    if what == "npz bytes":
        npz = data.draw(damaged(npz))
    elif what == "npz arrays":
        arrays = dict(np.load(io.BytesIO(npz)))
        key = data.draw(st.sampled_from([*arrays, "extra"]))
        arrays[key] = data.draw(odd_arrays())
        npz = npz_of(arrays)
        if data.draw(st.booleans()):  # listed in the manifest: on to the shape and dtype checks
            manifest["sha256"][key] = dataset.array_sha256(arrays[key])
    elif what == "manifest field":
        keys = data.draw(st.lists(st.sampled_from(MANIFEST_KEYS), min_size=1, max_size=3))
        for key in keys:
            manifest[key] = data.draw(JSON)
    text = (
        json.dumps(manifest)
        if what != "manifest"
        else data.draw(st.one_of(JSON.map(json.dumps), st.text(max_size=200)))
    )
    d = tmp_path_factory.getbasetemp() / "fuzz-dataset"
    d.mkdir(exist_ok=True)
    (d / dataset.NPZ_NAME).write_bytes(npz)
    (d / dataset.MANIFEST_NAME).write_text(text, encoding="utf-8", errors="surrogatepass")
    ds = check(lambda: dataset.load(d))
    if ds is not None:
        assert describe(ds.manifest, d).startswith(f"dataset: {d}")
        for name in dataset.SPLITS:
            s = ds.split(name)
            assert s.images.dtype == np.uint8 and s.labels.max(initial=0) <= 9


# -- tar archives through the importer ----------------------------------------------------------


def _glyph(seed: int) -> bytes:
    a = (np.random.default_rng(seed).random((28, 28)) > 0.5).astype(np.uint8) * 255
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG")
    return buf.getvalue()


TYPES = [tarfile.REGTYPE, tarfile.AREGTYPE, tarfile.CONTTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE]
TYPES += [tarfile.LNKTYPE, tarfile.CHRTYPE, tarfile.BLKTYPE, tarfile.FIFOTYPE, b"V", b"Z"]
TYPES += [tarfile.GNUTYPE_SPARSE, tarfile.GNUTYPE_LONGNAME, tarfile.GNUTYPE_LONGLINK]
TYPES += [tarfile.XHDTYPE, tarfile.XGLTYPE]
NAMES = ["notMNIST_small/A/QS50dGY=.png", "B/x.png", "J/y.png", "notMNIST_small/C/", "K/z.png"]
NAMES += ["README", "../../etc/evil.png", "/abs/A/x.png", "C:/A/x.png", "A/._mac.png"]
NAMES += ["A/" + "n" * 150]
GLYPHS = [_glyph(0), _glyph(1), _glyph(2)]
BOMB = png(13_000, 13_000, pixels=False)
PAYLOADS = [*GLYPHS, png(28, 28, "L"), BOMB, b"", b"9 a=b\n"]


def tar_entry(name: str, kind: bytes, payload: bytes, size: int, patch=None) -> bytes:
    """A header of any type claiming ``size`` bytes, then ``payload`` padded to blocks."""
    info = tarfile.TarInfo(name[:100])
    info.type = kind
    header = tar_header(info, {124: octal(size), **(patch or {})})
    return header + payload + bytes(-len(payload) % 512)


@st.composite
def odd_entries(draw) -> bytes:
    """An entry of any type, name, size and data: sparse maps, long names, pax, links..."""
    kind = draw(st.sampled_from(TYPES))
    payload = draw(st.one_of(st.sampled_from(PAYLOADS), st.binary(max_size=700)))
    claims = [0, 511, 1 << 20, (1 << 20) + 1, 3 << 30, 8**11 - 1]
    size = draw(st.one_of(st.just(len(payload)), st.sampled_from(claims), st.integers(0, 4096)))
    patch = {}
    if kind == tarfile.GNUTYPE_SPARSE:
        claimed = draw(st.sampled_from([0, 100, 1 << 30]))
        patch = {386: octal(claimed) + octal(0), 482: bytes([draw(st.integers(0, 1))])}
        patch[483] = octal(claimed)
    return tar_entry(draw(st.sampled_from(NAMES)), kind, payload, size, patch)


@st.composite
def tar_archives(draw) -> bytes:
    """A notMNIST-like tar, maybe with an odd entry, compressed or not, maybe damaged."""
    files = draw(st.lists(st.tuples(st.sampled_from(NAMES[:3]), st.sampled_from(PAYLOADS))))
    entries = [tar_entry(name, tarfile.REGTYPE, data, len(data)) for name, data in files[:6]]
    if draw(st.booleans()):
        entries.insert(draw(st.integers(0, len(entries))), draw(odd_entries()))
    raw = b"".join(entries) + bytes(draw(st.sampled_from([1024, 10240, 0, 512])))
    if draw(st.integers(0, 2)) == 0:
        raw = draw(damaged(raw))
    compress = draw(st.sampled_from(["gz", None, "bz2", "xz"]))
    if compress is not None:
        raw = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[compress](raw)
        if draw(st.integers(0, 2)) == 0:
            raw = draw(damaged(raw))
    return raw


@fuzz(ci_examples=1500)
@given(raw=tar_archives())
def test_fuzz_tar_importer(tmp_path_factory, raw):
    result = check_file(tmp_path_factory, "fuzz.tar.gz", raw, load_images)
    if result is not None:
        images, labels, keys, report = result
        assert images.shape == (len(labels), 28, 28) and len(keys) == len(labels)
        assert report["images"] == len(labels) > 0


# -- pictures for predict -----------------------------------------------------------------------

FORMATS = ["PNG", "JPEG", "GIF", "BMP", "TIFF", "WEBP", "ICO", "PPM"]
MODES = ["1", "L", "LA", "P", "RGB", "RGBA", "I", "I;16", "F", "CMYK"]


@st.composite
def pictures(draw) -> bytes:
    """An encoded picture of any format and mode, maybe claiming another size, maybe damaged."""
    size = (draw(st.integers(1, 80)), draw(st.integers(1, 80)))
    mode = draw(st.sampled_from(MODES))
    fmt = draw(st.sampled_from(FORMATS))
    seed = draw(st.integers(0, 2**16))
    rgba = np.random.default_rng(seed).integers(0, 256, (size[1], size[0], 4), dtype=np.uint8)
    img = (
        Image.fromarray(rgba, "RGBA").convert(mode)
        if mode not in ("I;16",)
        else (Image.fromarray(rgba[..., 0].astype(np.uint16) * 257).convert("I;16"))
    )
    buf = io.BytesIO()
    try:
        img.save(buf, format=fmt)
    except (OSError, ValueError, KeyError):
        buf = io.BytesIO()
        img.convert("RGB").save(buf, format=fmt)
    data = buf.getvalue()
    if fmt == "PNG" and draw(st.booleans()):  # the header claims another size
        w, h = draw(st.sampled_from([(5000, 5000), (4096, 4096), (1, 10**6), (50_000, 50_000)]))
        ihdr = struct.pack(">II", w, h) + data[24:29]
        data = data[:16] + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr)) + data[33:]
    return draw(damaged(data))


@fuzz(ci_examples=1500)
@given(data=pictures())
def test_fuzz_predict_framing(data):
    framed = check(lambda: frame_image(open_image(data)), IMAGE_MEMORY_BOUND)
    if framed is not None:
        assert framed.shape == (28, 28) and framed.dtype == np.uint8


# -- run folders: config.json, metrics.json, history.json, weights.npz ------------------------

RUN_FILES = ("config", "metrics", "history", "weights")
NASTY_MODEL_VALUES = [600_000, 10**8, 100, 0, -1, 28, 29, "5", [1] * 20, [1024, 1024], [[1]]]
NASTY_MODEL_VALUES += [1e308, True, None, "SAME", "x" * 40]
NASTY_NUMBERS = [1e308, -1e308, -1, 2, 0.5, 10**30, "abc", [0.1, 0.2, 0.3], ["a", "b"], None]
NASTY_NUMBERS += [[0.9, 0.1], [0.1, 0.9], {"A": 2}, {"A": None}, True, 3]


@pytest.fixture(scope="module")
def good_run(tmp_path_factory):
    """A finished run folder's files, made without training (an MLP of 16 hidden units),
    and TensorFlow imported once, so that examples measure only what they read."""
    from tfdojo.core.tf_setup import configure_tensorflow
    from tfdojo.core.typed_config import to_dict
    from tfdojo.models import build
    from tfdojo.models.shapes import weight_shapes
    from tfdojo.training.train import make_config

    configure_tensorflow()
    cfg = make_config("mlp", sets=["model.hidden=16", "epochs=2"])
    build(cfg.model).predict_proba(np.zeros((1, 28, 28), np.uint8))  # warm every code path
    config = {**to_dict(cfg), "data": {"path": None, "sha256": {"train_images": "0" * 64}}}
    metrics = {
        "created_by": "tfdojo",
        "model": "mlp",
        "params": 12_890,
        "epochs": 2,
        "test_n": 40,
        "test_correct": 30,
        "test_accuracy": 0.75,
        "valid_accuracy": 0.8,
        "test_ci95": [0.6, 0.86],
        "test_per_class": dict.fromkeys("ABCDEFGHIJ", 0.75),
        "train_seconds": 1.5,
    }
    row = {"epoch": 1, "train_loss": 1.2, "valid_loss": 1.1, "train_accuracy": 0.5}
    row.update(valid_accuracy=0.6, lr=0.05, examples_per_second=900.0, seconds=0.5)
    history = {"epochs": [row, {**row, "epoch": 2, "train_loss": 0.9}]}
    rng = np.random.default_rng(0)
    weights = {
        k: rng.normal(0, 0.1, shape).astype(np.float32)
        for k, shape in weight_shapes(cfg.model).items()
    }
    return {"config": config, "metrics": metrics, "history": history, "weights": weights}


@st.composite
def run_folders(draw, good: dict) -> dict[str, bytes]:
    """A run folder's four files, one of them changed: a field of any JSON value or a nasty
    one, text cut or flipped, or weights of any dtype, shape or name, or a damaged npz."""
    files = {k: json.loads(json.dumps(good[k])) for k in ("config", "metrics", "history")}
    target = draw(st.sampled_from(RUN_FILES))
    weights = dict(good["weights"])
    how = draw(st.sampled_from(["field", "field", "field", "raw"]))
    if target == "config" and how == "field":
        key = draw(st.sampled_from(["conv_depths", "conv_patches", "hidden", "pools", "name"]))
        key = draw(st.sampled_from([key, "source", "conv_strides", "conv_padding"]))
        files["config"]["model"][key] = draw(st.one_of(st.sampled_from(NASTY_MODEL_VALUES), JSON))
        if key != "hidden" and draw(st.booleans()):
            files["config"]["model"]["conv_depths"] = [4]
    elif target == "metrics" and how == "field":
        key = draw(st.sampled_from(["test_ci95", "test_accuracy", "test_per_class", "test_n"]))
        key = draw(st.sampled_from([key, "valid_accuracy", "epochs", "params", "created_by"]))
        files["metrics"][key] = draw(st.one_of(st.sampled_from(NASTY_NUMBERS), JSON))
    elif target == "history" and how == "field":
        rows = files["history"]["epochs"]
        key = draw(st.sampled_from([*rows[0], "epochs"]))
        value = draw(st.one_of(st.sampled_from([*NASTY_NUMBERS, "3", 1.5]), JSON))
        if key == "epochs":
            files["history"]["epochs"] = value
        else:
            rows[draw(st.integers(0, 1))][key] = value
    elif target == "weights" and how == "field":
        key = draw(st.sampled_from([*weights, "extra.w"]))
        weights[key] = draw(odd_arrays())
    raw = {k: json.dumps(v).encode() for k, v in files.items()}
    raw["weights"] = npz_of(weights)
    if target == "weights" and how == "field" and draw(st.booleans()):  # a header claiming GBs
        claim = draw(st.sampled_from([(784, 10**6), (10**9,), (784, 16), (-1, 16), (16, 784)]))
        raw["weights"] = npz_claiming(weights, draw(st.sampled_from(sorted(weights))), claim)
    if how == "raw":
        raw[target] = draw(damaged(raw[target]))
    return raw


def npz_claiming(arrays: dict[str, np.ndarray], key: str, shape: tuple) -> bytes:
    """An npz of ``arrays`` whose ``key`` has a .npy header claiming ``shape`` (of float32),
    deflated, its data left as it was."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, a in arrays.items():
            npy = io.BytesIO()
            np.save(npy, a)
            data = npy.getvalue()
            if name == key:
                header = repr({"descr": "<f4", "fortran_order": False, "shape": shape}).encode()
                header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
                data = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + a.tobytes()
            zf.writestr(f"{name}.npy", data)
    return buf.getvalue()


def open_and_use(d: Path) -> np.ndarray:
    """What every command does with a run: list it, open it, rebuild it, score an image."""
    from tfdojo import runs

    assert "\n" in runs.format_runs(runs.list_runs(d.parent))  # never raises: errors are rows
    return runs.open_run(d).predict_proba(np.zeros((1, 28, 28), np.uint8))


@fuzz(ci_examples=400)
@given(data=st.data())
def test_fuzz_run_folders(tmp_path_factory, good_run, data):
    raw = data.draw(run_folders(good_run))
    d = tmp_path_factory.getbasetemp() / "fuzz-runs" / "run"
    d.mkdir(parents=True, exist_ok=True)
    for name, content in raw.items():
        (d / ("weights.npz" if name == "weights" else f"{name}.json")).write_bytes(content)
    probabilities = check(lambda: open_and_use(d))
    if probabilities is not None:
        assert probabilities.shape == (1, 10) and np.isfinite(probabilities).all()
        assert abs(float(probabilities.sum()) - 1) < 1e-4


# -- kata state files ---------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-2, 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def kata_entries(draw):
    """One kata's entry: the fields tfdojo writes, each maybe of another type; or anything."""
    fields = {
        "status": st.sampled_from(["todo", "failing", "pass"]),
        "message": st.text(max_size=30),
        "sha256": st.just("0" * 64),
        "hints": st.integers(-1, 5),
    }
    entry = {
        key: draw(st.one_of(right, JSON_VALUES))
        for key, right in fields.items()
        if draw(st.booleans())
    }
    return draw(st.one_of(st.just(entry), JSON_VALUES))


@st.composite
def state_files(draw) -> bytes:
    """A ``.tfdojo-kata.json`` as tfdojo writes it, or nearly, or anything JSON; maybe damaged."""
    names = st.one_of(st.sampled_from(kata.names("tensorflow")), st.text(max_size=10))
    katas = draw(st.dictionaries(names, kata_entries(), max_size=5))
    state = draw(st.one_of(st.just({"katas": katas}), st.just({}), JSON_VALUES))
    if isinstance(state, dict) and draw(st.booleans()):
        state["katas" if draw(st.booleans()) else "ledger"] = draw(JSON_VALUES)
    return draw(damaged(json.dumps(state).encode()))


@pytest.fixture(scope="module")
def kata_dojo(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dojo")
    workspace.start(folder)
    return folder


@fuzz(ci_examples=300)
@given(raw=state_files())
def test_fuzz_kata_state_file(kata_dojo, raw):
    """A state file gives ``tfdojo kata list`` and the next check's record, or one line."""
    (kata_dojo / workspace.STATE_NAME).write_bytes(raw)

    def list_then_record():
        listed = format_statuses(workspace.statuses(kata_dojo))
        workspace.record(kata_dojo, [CheckResult("tensors", "pass", "well done")])
        return listed, workspace.statuses(kata_dojo)[0]

    result = check(list_then_record)
    if result is not None:
        listed, tensors = result
        lines = listed.splitlines()
        assert len(lines) == 15 and re.fullmatch(r"\d+ of 14 katas pass(; next: .*)?", lines[-1])
        assert (tensors.status, tensors.message, tensors.stale) == ("pass", "well done", False)


# -- tfdojo play's API ------------------------------------------------------------------------

PLAY_PATHS = ["/api/predict", "/api/play", "/api/mistakes", "/api/runs", "/", "/api/nowhere"]
QUERY_VALUES = [
    "0",
    "1",
    "2",
    "",
    "-1",
    "48",
    "49",
    "²",
    "٣",
    "1e3",
    "0x1",
    " 1",
    "NaN",
    "9" * 5000,
]
HOSTS = ["127.0.0.1", "localhost:8000", "[::1]:80", "evil.example", "[bad", "127.0.0.1:x", ""]
CONTENT_TYPES = [None, "image/png", "application/octet-stream", "application/json", "text/plain"]
CONTENT_TYPES += ["multipart/form-data", "multipart/form-data; boundary=b", "image/png; charset=x"]


@pytest.fixture(scope="module")
def play_client(tiny_dataset, tmp_path_factory):
    """The play app (Flask's test client) of a logistic run trained one epoch on the tiny set,
    refusing hosts that are not this machine's, as ``tfdojo play`` serves it."""
    from tfdojo.data import dataset as datasets
    from tfdojo.play import Player, create_app
    from tfdojo.play.server import LOOPBACK_NAMES
    from tfdojo.training import train

    run = tmp_path_factory.mktemp("play_fuzz") / "logistic"
    cfg = train.make_config("logistic", sets=["epochs=1"])
    train.train(cfg, datasets.load(tiny_dataset), run, progress=False, threads=1)
    return create_app(Player.open([run]), allowed_hosts=LOOPBACK_NAMES).test_client()


@st.composite
def play_requests(draw) -> dict:
    """Any method, path, query, Host, content type and body, nearly right or not at all."""
    text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
    query = draw(
        st.dictionaries(
            st.sampled_from(["run", "count", "other"]),
            st.one_of(st.sampled_from(QUERY_VALUES), text),
            max_size=3,
        )
    )
    body = draw(
        st.one_of(
            pictures(),
            st.binary(max_size=600),
            st.just(png(28, 28, "L")),
            st.just(png(5000, 5000, pixels=False)),
        )
    )
    kind = draw(st.sampled_from(CONTENT_TYPES))
    if kind == "multipart/form-data; boundary=b" and draw(st.booleans()):  # a well-formed form
        field = draw(st.sampled_from(["image", "picture", ""]))
        body = (
            (
                f'--b\r\nContent-Disposition: form-data; name="{field}"; filename="a.png"\r\n\r\n'
            ).encode()
            + body
            + b"\r\n--b--\r\n"
        )
    headers = {"Host": draw(st.sampled_from(HOSTS))}
    if kind is not None:
        headers["Content-Type"] = kind
    return {
        "method": draw(st.sampled_from(["GET", "POST", "PUT"])),
        "path": draw(st.sampled_from(PLAY_PATHS)),
        "query_string": query,
        "data": body,
        "headers": headers,
    }


def _no_json_constants(name: str):
    raise AssertionError(f"{name} in a JSON answer")


@fuzz(ci_examples=300)
@given(req=play_requests())
def test_fuzz_play_api(play_client, req):
    """A valid answer or a one-line JSON error with a 4xx status: never a 500, never NaN."""
    response, growth = peak_rss_growth(lambda: play_client.open(**req))
    assert growth < IMAGE_MEMORY_BOUND, f"peak RSS grew by {growth / MiB:.0f} MiB"
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    if req["path"] == "/" and response.status_code == 200:
        assert response.mimetype == "text/html"
        return
    assert response.mimetype == "application/json"
    body = json.loads(response.get_data(as_text=True), parse_constant=_no_json_constants)
    if response.status_code >= 400:
        assert list(body) == ["error"] and body["error"] and "\n" not in body["error"], body
    elif req["path"] == "/api/predict":
        assert set(body) - {"warning"} == {"letter", "probabilities", "ink", "logits", "input"}
        assert body["letter"] in "ABCDEFGHIJ" and np.shape(body["input"]) == (28, 28)
        assert ("warning" in body) == (not body["ink"])  # a blank image says so
