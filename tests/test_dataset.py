"""Loading a dataset folder from anywhere: data only, every array verified, one-line refusals."""

from __future__ import annotations

import errno
import io
import json
import os
import shutil
import struct
import zipfile

import numpy as np
import pytest

from tfdojo.cli import main
from tfdojo.core.errors import TfdojoError
from tfdojo.data import dataset

from .hostile import MiB
from .memory import peak_rss_growth


def small_splits(seed: int = 0) -> dict[str, dataset.Split]:
    rng = np.random.default_rng(seed)
    return {
        name: dataset.make_split(
            rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
            np.arange(n) % 10,
            np.arange(n) % 3,
        )
        for name, n in (("train", 30), ("valid", 10), ("test", 10))
    }


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "ds"
    dataset.save(d, small_splits(), {"source": "test", "fonts": ["a.ttf", "b.ttf", "c.ttf"]})
    return d


def refusal(path) -> str:
    with pytest.raises(TfdojoError) as err:
        dataset.load(path)
    message = str(err.value)
    assert "\n" not in message
    return message


def edit_manifest(folder, change) -> None:
    man = json.loads((folder / "manifest.json").read_text())
    change(man)
    (folder / "manifest.json").write_text(json.dumps(man))


def npz_bytes(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


def test_saved_dataset_loads_with_writable_arrays(folder):
    ds = dataset.load(folder)
    want = small_splits()
    for name in dataset.SPLITS:
        np.testing.assert_array_equal(ds.split(name).images, want[name].images)
        np.testing.assert_array_equal(ds.split(name).font_ids, want[name].font_ids)
    assert ds.train.images.flags.writeable
    assert ds.manifest["counts"]["valid"]["total"] == 10


def test_flipped_byte_in_the_npz_is_one_line(folder):
    npz = folder / "notmnist.npz"
    raw = bytearray(npz.read_bytes())
    raw[200] ^= 0xFF
    npz.write_bytes(bytes(raw))
    assert refusal(folder).startswith(f"{npz}: damaged npz file (")


def test_manifest_that_is_a_json_list(folder):
    (folder / "manifest.json").write_text("[1, 2, 3]")
    assert refusal(folder) == (
        f"{folder / 'manifest.json'}: expected a JSON object (a tfdojo manifest), received a list"
    )


def test_manifest_nested_too_deeply(folder):
    (folder / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    assert refusal(folder) == f"{folder / 'manifest.json'}: not valid JSON (nested too deeply)"


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"train_images,train_labels\n1,2\n", "a text file (starting 'train_images')"),
        (b"", "an empty file"),
        (b"\x80\x04\x95\x10\x00\x00", "a Python pickle"),
        (b"\x00\x01\x02\x03\xff\xfe\xfd\xfc", "binary data starting 00 01 02 03 ff fe fd fc"),
    ],
)
def test_not_an_npz_says_what_it_is(folder, content, what):
    (folder / "notmnist.npz").write_bytes(content)
    assert refusal(folder) == (
        f"{folder / 'notmnist.npz'}: expected an npz (zip) file, received {what}"
    )


def test_npy_saved_as_notmnist_npz(folder):
    np.save(folder / "notmnist.npz.npy", np.zeros((2, 28, 28), np.uint8))
    os.replace(folder / "notmnist.npz.npy", folder / "notmnist.npz")
    assert refusal(folder) == (
        f"{folder / 'notmnist.npz'}: expected an npz (zip) file, received a single .npy array "
        "(np.save, not np.savez)"
    )


def test_pickled_objects_are_refused(folder):
    (folder / "notmnist.npz").write_bytes(
        npz_bytes(train_images=np.array([{"run": "code"}], dtype=object))
    )
    assert refusal(folder) == (
        f"{folder / 'notmnist.npz'}: train_images: holds pickled Python objects (dtype object); "
        "refused, only numeric arrays are loaded"
    )


def test_string_font_ids_are_refused(folder):
    arrays = {k: v for k, v in dataset.read_npz(folder / "notmnist.npz").items()}
    arrays["train_font_ids"] = np.array(["a"] * 30)
    (folder / "notmnist.npz").write_bytes(npz_bytes(**arrays))
    assert refusal(folder) == (
        f"{folder / 'notmnist.npz'}: train_font_ids: expected a numeric array, received dtype <U1"
    )
    with pytest.raises(TfdojoError, match=r"font_ids: expected integers of shape \(2,\)"):
        dataset.make_split(np.zeros((2, 28, 28), np.uint8), [0, 1], [0.5, 1.5])


def test_float_labels_are_refused():
    with pytest.raises(TfdojoError, match="labels: expected integers 0..9 .*received dtype float"):
        dataset.make_split(np.zeros((2, 28, 28), np.uint8), np.array([0.0, 1.7]))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda m: m.pop("sha256"),
            "'sha256': expected an object giving the sha256 of every array, received nothing; "
            "refused unverified",
        ),
        (
            lambda m: m.update(sha256=["abc"]),
            "'sha256': expected an object giving the sha256 of every array, received a list; "
            "refused unverified",
        ),
        (
            lambda m: m["sha256"].pop("test_images"),
            "'sha256' does not list test_images; refused unverified",
        ),
    ],
)
def test_missing_or_bad_sha256_is_refused(folder, change, message):
    edit_manifest(folder, change)
    assert refusal(folder) == f"{folder / 'manifest.json'}: {message}"


def test_changed_array_is_refused(folder):
    arrays = dataset.read_npz(folder / "notmnist.npz")
    arrays["test_labels"] = arrays["test_labels"][::-1].copy()
    (folder / "notmnist.npz").write_bytes(npz_bytes(**arrays))
    assert refusal(folder) == (
        f"{folder / 'notmnist.npz'}: test_labels does not match manifest.json "
        "(interrupted write?); rebuild the dataset"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m.update(curation="none"), "'curation': expected an object, received \"none\""),
        (
            lambda m: m.update(curation={"near_duplicates_removed": {"valid": "x"}}),
            "'curation.near_duplicates_removed': expected an object of whole numbers, "
            'received {"valid": "x"}',
        ),
        (lambda m: m.update(fonts="a.ttf"), "'fonts': expected a list, received \"a.ttf\""),
        (
            lambda m: m.update(faces_used=True),
            "'faces_used': expected a whole number, received true",
        ),
    ],
)
def test_fields_summaries_read_are_type_checked(folder, change, message):
    edit_manifest(folder, change)
    assert refusal(folder) == f"{folder / 'manifest.json'}: {message}"


def test_counts_and_font_indices_must_match_the_arrays(folder):
    edit_manifest(folder, lambda m: m["counts"]["train"].update(total=31))
    assert refusal(folder).startswith(
        f"{folder / 'manifest.json'}: 'counts' does not match the arrays"
    )
    edit_manifest(folder, lambda m: m["counts"]["train"].update(total=30))
    edit_manifest(folder, lambda m: m.update(fonts=["a.ttf"]))
    assert refusal(folder) == (
        f"{folder / 'notmnist.npz'}: train_font_ids: expected indices into the 1 fonts of "
        "manifest.json (or -1), received up to 2"
    )
    edit_manifest(folder, lambda m: m.pop("fonts"))  # no font list: the ids are not checked
    assert dataset.load(folder).train.font_ids.max() == 2


def npz_with_header(shape: tuple, data: bytes, descr: str = "|u1", header: bytes = b"") -> bytes:
    """An npz whose one entry has a hand-written .npy header."""
    header = header or repr({"descr": descr, "fortran_order": False, "shape": shape}).encode()
    header += b" " * (-(10 + len(header) + 1) % 64) + b"\n"
    npy = b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("train_images.npy", npy)
    return buf.getvalue()


def test_npy_header_claiming_more_than_its_data_allocates_nothing(folder):
    npz = folder / "notmnist.npz"
    npz.write_bytes(npz_with_header((10**9, 28, 28), bytes(784)))
    result, growth = peak_rss_growth(lambda: dataset.load(folder))
    assert str(result) == (
        f"{npz}: train_images: the .npy header's shape (1000000000, 28, 28) of uint8 does not "
        "match the 784 bytes of data"
    )
    assert growth < 10 * MiB
    npz.write_bytes(npz_with_header((-1, -784), bytes(784)))
    assert "shape (-1, -784) of uint8 does not match the 784 bytes" in refusal(folder)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        # NumPy retries a header it cannot parse as Python 2's, and its tokenizer raises.
        (b"{'descr': '|u1', 'fortran_order': False, 'shape': (3,", "('EOF in multi-line"),
        (b"{'descr': '|u1'}" + b" " * 10_050, "Header info length (10102) is large and may"),
        (b"[1, 2]", "Header is not a dictionary: [1, 2])"),
    ],
)
def test_unparseable_npy_header_is_one_line(folder, header, reason):
    npz = folder / "notmnist.npz"
    npz.write_bytes(npz_with_header((), b"", header=header))
    assert refusal(folder).startswith(f"{npz}: train_images: not a readable .npy array ({reason}")


def test_unzipped_size_is_capped_from_the_zip_directory(folder, monkeypatch):
    monkeypatch.setattr(dataset, "MAX_NPZ_BYTES", 10_000)
    # 50 images of 784 bytes, 50 uint8 labels, 50 int32 font ids, 9 headers of 128 bytes
    assert 50 * 784 + 50 + 50 * 4 + 9 * 128 == 40_602
    assert refusal(folder) == (
        f"{folder / 'notmnist.npz'}: arrays of 40,602 bytes once unzipped; expected at most 10,000"
    )


def test_other_zip_entries_are_refused(folder):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "hello")
    (folder / "notmnist.npz").write_bytes(buf.getvalue())
    assert refusal(folder) == (
        f"{folder / 'notmnist.npz'}: holds 'readme.txt'; expected only .npy arrays, each once"
    )


def test_full_disk_on_the_manifest_leaves_the_old_dataset_whole(folder, monkeypatch):
    # The npz used to be replaced before the manifest write failed, whose message then
    # said "nothing was written".
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    real_fsync = os.fsync

    def fsync(fd):
        if os.readlink(f"/proc/self/fd/{fd}").split("/")[-1].startswith(".manifest.json."):
            raise OSError(errno.ENOSPC, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(TfdojoError) as err:
        dataset.save(folder, small_splits(seed=1), {"source": "new"})
    assert str(err.value) == (
        f"{folder / 'manifest.json'}: no space left on the device while writing; "
        "nothing was written"
    )
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    dataset.load(folder)


def test_refusals_reach_the_cli_as_one_line(folder, capsys):
    (folder / "manifest.json").write_text('"just a string"')
    assert main(["data", "info", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"tfdojo: error: {folder / 'manifest.json'}: expected a JSON object (a tfdojo manifest), "
        "received a string\n"
    )
    shutil.rmtree(folder)
