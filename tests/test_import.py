"""Import of notMNIST-style archives, folders and IDX files, end to end through the CLI.

The archives are made here: tiny 28x28 PNGs drawn with Pillow, named like real
notMNIST (the base64 of a font file name), plus the broken entries the real large
set has (a corrupt PNG, an empty file, a wrong-size image).
"""

from __future__ import annotations

import base64
import gzip
import io
import os
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from tfdojo import LETTERS
from tfdojo.cli import main
from tfdojo.data import dataset, idx
from tfdojo.data.importer import font_key, group_key, load_images, load_labelled

from .hostile import MiB, gnu_sparse_header, png, tar_header, zeros_gzip
from .memory import peak_rss_growth

FAMILIES = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India"]
FAMILIES += ["Juliett", "Kilo", "Lima", "Mike", "November", "Oscar", "Papa", "Quebec", "Romeo"]
FONTS = [f"{f}.ttf" for f in FAMILIES] + ["Alpha Bold.ttf"]


def glyph_png(seed: int, size=(28, 28)) -> bytes:
    """A distinct white-on-black 'glyph' (random strokes) as PNG bytes."""
    rng = np.random.default_rng(seed)
    img = Image.new("L", size, 0)
    draw = ImageDraw.Draw(img)
    for _ in range(4):
        x0, y0, x1, y1 = rng.integers(0, 28, 4)
        draw.line((int(x0), int(y0), int(x1), int(y1)), fill=int(rng.integers(128, 256)), width=3)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def b64(font: str) -> str:
    return base64.b64encode(font.encode()).decode()


def notmnist_files(root: str = "notMNIST_small") -> list[tuple[str, bytes]]:
    """``(name, png)`` for every font x letter, plus one broken file of each kind."""
    files = []
    for f, font in enumerate(FONTS):
        for k, letter in enumerate(LETTERS):
            files.append((f"{root}/{letter}/{b64(font)}.png", glyph_png(f * 10 + k)))
    files += [
        (f"{root}/A/{b64('Broken.ttf')}.png", glyph_png(999)[:40]),  # corrupt PNG
        (f"{root}/B/{b64('Empty.ttf')}.png", b""),
        (f"{root}/C/{b64('Huge.ttf')}.png", glyph_png(998, size=(32, 32))),
        (f"{root}/D/{b64('Blank.ttf')}.png", _blank_png()),
        (f"{root}/README.txt", b"not an image"),
    ]
    return files


def _blank_png() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (28, 28), 0).save(buf, format="PNG")
    return buf.getvalue()


def write_tar(path: Path, files, extra: list[tarfile.TarInfo] = ()) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for info in extra:
            tar.addfile(info)
    return path


@pytest.fixture(scope="module")
def small_tar(tmp_path_factory) -> Path:
    return write_tar(tmp_path_factory.mktemp("tar") / "notMNIST_small.tar.gz", notmnist_files())


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_error(code, err, *fragments):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("tfdojo: error: ")
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0]


# -- library --------------------------------------------------------------------------------


def test_font_key_decodes_real_notmnist_names():
    assert font_key("notMNIST_large/A/MDEtMDEtMDAudHRm.png") == "01-01-00.ttf"
    assert font_key(f"A/{b64('Arial Bold.ttf')}.png") == "Arial Bold.ttf"
    assert font_key("A/scan_001.png") == "scan_001"
    assert group_key("Alpha Bold.ttf") == group_key("Alpha.ttf") == "alpha"
    assert group_key("train#3") == "train#3"


def test_load_archive_skips_and_counts_bad_images(small_tar):
    images, labels, keys, report = load_images(small_tar)
    n = len(FONTS) * len(LETTERS)
    assert images.shape == (n, 28, 28) and images.dtype == np.uint8
    assert labels.dtype == np.uint8
    assert np.bincount(labels).tolist() == [len(FONTS)] * 10
    assert sorted(set(keys)) == sorted(FONTS)
    assert report["skipped"] == {
        "blank": 1,
        "empty": 1,
        "not_in_letter_folder": 1,
        "unreadable": 1,
        "wrong_size": 1,
    }
    assert report["skipped_examples"]["unreadable"] == [f"A/{b64('Broken.ttf')}.png"]
    # Each image is the PNG that was put in the archive under its letter and font.
    k = keys.index("Charlie.ttf")
    assert LETTERS[labels[k]] == "A"
    expected = np.asarray(Image.open(io.BytesIO(glyph_png(2 * 10 + 0))))
    np.testing.assert_array_equal(images[k], expected)


def test_huge_pngs_are_skipped_from_their_header(tmp_path):
    # Three 8192x8192 RGBA PNGs (260 KB each) decode to 268 MB each, only to be skipped.
    bomb = png(8192, 8192, "RGBA")
    files = notmnist_files()[:30] + [(f"notMNIST_small/E/bomb{i}.png", bomb) for i in range(3)]
    path = write_tar(tmp_path / "bombs.tar.gz", files)
    (images, _, _, report), growth = peak_rss_growth(lambda: load_images(path))
    assert len(images) == 30
    assert report["skipped"] == {"wrong_size": 3}
    assert report["skipped_examples"]["wrong_size"] == [f"E/bomb{i}.png" for i in range(3)]
    assert growth < 50 * MiB


def test_folder_files_over_the_cap_are_skipped_unread(tmp_path):
    root = tmp_path / "letters"
    for name, data in notmnist_files("letters")[:12]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    with open(root / "B" / "huge.png", "wb") as f:
        f.truncate(3 << 30)  # a sparse 3 GiB file: nothing on disk, 3 GiB if read
    (images, _, _, report), growth = peak_rss_growth(lambda: load_images(root))
    assert len(images) == 12
    assert report["skipped"] == {"too_large": 1}
    assert report["skipped_examples"]["too_large"] == ["B/huge.png"]
    assert growth < 50 * MiB


def test_archive_and_extracted_folder_give_the_same_arrays(small_tar, tmp_path):
    with tarfile.open(small_tar) as tar:
        tar.extractall(tmp_path, filter="data")
    a = load_images(small_tar)
    for root in (tmp_path, tmp_path / "notMNIST_small"):  # the folder or the one above it
        b = load_images(root)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
        assert a[2] == b[2]
        assert b[3]["format"] == "folder"
        assert b[3]["skipped"] == {"blank": 1, "empty": 1, "unreadable": 1, "wrong_size": 1}


# -- CLI: import ----------------------------------------------------------------------------


def test_cli_import_writes_a_curated_dataset_split_by_font(small_tar, tmp_path, capsys):
    out = tmp_path / "real"
    code, stdout, err = run(capsys, "data", "import", "--quiet", str(small_tar), "--out", str(out))
    assert code == 0, err
    assert "skipped      1: not a readable image" in stdout
    ds = dataset.load(out)
    m = ds.manifest
    assert m["source"] == str(small_tar.resolve())
    assert m["skipped"]["unreadable"] == 1
    assert m["parameters"]["seed"] == 0
    assert m["curation"]["input_images"] == len(FONTS) * 10
    assert sorted(m["fonts"]) == sorted(FONTS)
    families = {}
    for name in dataset.SPLITS:
        s = ds.split(name)
        assert len(s) > 0, name
        assert (s.font_ids >= 0).all()
        for font_id in set(s.font_ids.tolist()):
            families.setdefault(group_key(m["fonts"][font_id]), set()).add(name)
    assert all(len(splits) == 1 for splits in families.values()), families
    assert "alpha" in families  # Alpha.ttf and Alpha Bold.ttf: one family, one split
    assert sum(len(ds.split(s)) for s in dataset.SPLITS) <= len(FONTS) * 10


def test_cli_import_same_seed_same_arrays(small_tar, tmp_path, capsys):
    for name in ("a", "b"):
        code, _, err = run(
            capsys, "data", "import", "--quiet", str(small_tar), "--out", str(tmp_path / name)
        )
        assert code == 0, err
    ma = dataset.load(tmp_path / "a").manifest["sha256"]
    mb = dataset.load(tmp_path / "b").manifest["sha256"]
    assert ma == mb


def _entry(name, kind, linkname=""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info


@pytest.mark.parametrize(
    ("extra", "fragments"),
    [
        ([("notMNIST_small/../../etc/evil.png", b"x")], ["'notMNIST_small/../../etc/evil.png'"]),
        ([("/tmp/evil.png", b"x")], ["'/tmp/evil.png'", "absolute path"]),
        ([_entry("notMNIST_small/A/l.png", tarfile.SYMTYPE, "/etc/passwd")], ["symbolic link"]),
        ([_entry("notMNIST_small/A/h.png", tarfile.LNKTYPE, "x")], ["hard link"]),
        ([_entry("notMNIST_small/A/dev", tarfile.CHRTYPE)], ["device or fifo"]),
    ],
)
def test_cli_import_refuses_unsafe_archives(tmp_path, capsys, extra, fragments):
    files = notmnist_files()[:5] + [e for e in extra if isinstance(e, tuple)]
    infos = [e for e in extra if isinstance(e, tarfile.TarInfo)]
    bad = write_tar(tmp_path / "bad.tar.gz", files, infos)
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "data", "import", "--quiet", str(bad), "--out", str(out))
    assert_clean_error(code, err, str(bad), *fragments)
    assert not (tmp_path / "etc").exists()
    assert not out.exists()  # nothing written, not even the folder


def test_cli_import_truncated_archive(small_tar, tmp_path, capsys):
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(small_tar.read_bytes()[: small_tar.stat().st_size // 2])
    code, _, err = run(capsys, "data", "import", "--quiet", str(cut), "--out", str(tmp_path / "o"))
    assert_clean_error(code, err, str(cut), "truncated archive")
    assert not (tmp_path / "o").exists()


def _damaged(kind: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, data in notmnist_files():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        at = tar.getmembers()[40].offset
    if kind == "garbage header":
        return gzip.compress(raw[:at] + bytes(range(256)) * 2 + raw[at:])
    if kind == "zeroed header":
        return gzip.compress(raw[:at] + bytes(512) + raw[at + 512 :])
    if kind == "wrong crc":
        good = bytearray(gzip.compress(raw))
        good[-8] ^= 0xFF
        return bytes(good)
    big = tarfile.TarInfo("notMNIST_small/A/big.png")
    big.size = 3 << 30
    head = gzip.compress(raw[:at])
    if kind == "sparse":
        return head + gzip.compress(gnu_sparse_header("notMNIST_small/A/s.png", 1 << 30))
    return head + gzip.compress(tar_header(big)) + zeros_gzip(3 << 10)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("garbage header", "corrupt archive: entry 41 has a bad tar header (at byte 40,960 of"),
        (
            "zeroed header",
            "corrupt archive: data after the end-of-archive marker at byte 40,960 (after entry 40)",
        ),
        ("wrong crc", "corrupt or not a tar archive (CRC check failed"),
        ("sparse", "entry 'notMNIST_small/A/s.png' is a GNU sparse file"),
        ("3 GiB member", "entry 'notMNIST_small/A/big.png' claims 3,221,225,472 bytes"),
    ],
)
def test_cli_import_refuses_damaged_archives_whole(tmp_path, capsys, kind, message):
    bad = tmp_path / "notMNIST_small.tar.gz"
    bad.write_bytes(_damaged(kind))
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "data", "import", "--quiet", str(bad), "--out", str(out))
    assert_clean_error(code, err, f"{bad}: {message}")
    assert stdout == ""
    assert not out.exists()


def test_cli_import_html_page_missing_path_and_no_images(tmp_path, capsys):
    html = tmp_path / "notMNIST_small.tar.gz"
    html.write_text("<html><head><title>403 Forbidden</title></head></html>")
    code, _, err = run(capsys, "data", "import", "--quiet", str(html), "--out", str(tmp_path / "o"))
    assert_clean_error(code, err, str(html), "HTML page")

    missing = tmp_path / "nowhere.tar.gz"
    code, _, err = run(
        capsys, "data", "import", "--quiet", str(missing), "--out", str(tmp_path / "o")
    )
    assert_clean_error(code, err, str(missing), "no such file or folder")

    junk = write_tar(tmp_path / "junk.tar.gz", [("notMNIST_small/A/x.png", b"\x89PNG broken")])
    code, _, err = run(capsys, "data", "import", "--quiet", str(junk), "--out", str(tmp_path / "o"))
    assert_clean_error(code, err, "no usable 28x28 images", "1 not a readable image")
    assert not dataset.exists(tmp_path / "o")


def test_cli_import_unwritable_output(small_tar, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    target = locked / "out"
    if os.access(locked, os.W_OK):  # root ignores permissions: use a kernel folder instead
        target = Path("/sys/tfdojo-test-out")
    try:
        code, _, err = run(
            capsys, "data", "import", "--quiet", str(small_tar), "--out", str(target)
        )
    finally:
        locked.chmod(0o700)
    assert_clean_error(code, err, str(target.parent))
    assert "not writable" in err or "cannot create" in err
    assert not target.exists()


# -- IDX --------------------------------------------------------------------------------------


def test_import_mnist_named_idx_files(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (30, 28, 28), dtype=np.uint8)
    x[3] = 0  # a blank image is skipped
    y = np.arange(30, dtype=np.uint8) % 12  # 10 and 11 are not letters A..J
    idx.write_idx(tmp_path / "train-images-idx3-ubyte.gz", x)
    idx.write_idx(tmp_path / "train-labels-idx1-ubyte.gz", y)
    images, labels, keys, report = load_images(tmp_path / "train-images-idx3-ubyte.gz")
    keep = (y < 10) & (np.arange(30) != 3)
    np.testing.assert_array_equal(images, x[keep])
    np.testing.assert_array_equal(labels, y[keep])
    assert report["skipped"] == {"blank": 1, "label_out_of_range": 4}
    assert len(set(keys)) == len(keys)  # IDX images have no font: each is its own group

    # --labels for a file MNIST naming cannot pair; plain (not gzipped) files too.
    idx.write_idx(tmp_path / "pics.idx", x[:5])
    idx.write_idx(tmp_path / "answers.idx", y[:5])
    images, labels, _, _ = load_images(tmp_path / "pics.idx", labels=tmp_path / "answers.idx")
    np.testing.assert_array_equal(labels, y[[0, 1, 2, 4]])  # image 3 is blank
    np.testing.assert_array_equal(images, x[[0, 1, 2, 4]])


def test_float_labels_are_refused_not_truncated(tmp_path, capsys):
    idx.write_idx(tmp_path / "f-images-idx3-ubyte", np.ones((3, 28, 28), np.uint8))
    idx.write_idx(tmp_path / "f-labels-idx1-ubyte", np.array([0.0, 1.5, 2.0], np.float32))
    code, _, err = run(
        capsys,
        "data",
        "import",
        "--quiet",
        str(tmp_path / "f-images-idx3-ubyte"),
        "--out",
        str(tmp_path / "o"),
    )
    assert_clean_error(
        code,
        err,
        f"{tmp_path / 'f-labels-idx1-ubyte'}: expected integer labels (IDX type uint8), "
        "received float32 (refused rather than rounded)",
    )
    assert not (tmp_path / "o").exists()


def test_labelled_images_say_how_many_were_skipped(tmp_path):
    x = np.ones((6, 28, 28), np.uint8)
    x[5] = 0
    idx.write_idx(tmp_path / "t-images-idx3-ubyte", x)
    idx.write_idx(tmp_path / "t-labels-idx1-ubyte", np.array([0, 10, 2, 200, 4, 5], np.uint8))
    images, labels, source = load_labelled(tmp_path / "t-images-idx3-ubyte")
    assert labels.tolist() == [0, 2, 4]
    assert len(images) == 3
    assert source == (
        f"{tmp_path / 't-images-idx3-ubyte'} (skipped 1 no ink (every pixel black), "
        "2 label outside 0..9 (A..J))"
    )
    x[5] = 1
    idx.write_idx(tmp_path / "t-images-idx3-ubyte", x)
    idx.write_idx(tmp_path / "t-labels-idx1-ubyte", np.arange(6, dtype=np.uint8))
    assert load_labelled(tmp_path / "t-images-idx3-ubyte")[2] == str(
        tmp_path / "t-images-idx3-ubyte"
    )


def test_import_emnist_letters_keeps_a_to_j_upright(tmp_path):
    x = np.zeros((3, 28, 28), np.uint8)
    x[:, 0, 5] = 255  # EMNIST stores images transposed: this pixel belongs at (5, 0)
    idx.write_idx(tmp_path / "emnist-letters-train-images-idx3-ubyte.gz", x)
    idx.write_idx(
        tmp_path / "emnist-letters-train-labels-idx1-ubyte.gz", np.array([1, 10, 11], np.uint8)
    )
    images, labels, _, report = load_images(tmp_path / "emnist-letters-train-images-idx3-ubyte.gz")
    assert labels.tolist() == [0, 9]  # 'a' and 'j'; 'k' is not in A..J
    assert images[0, 5, 0] == 255
    assert report["skipped"] == {"label_out_of_range": 1}


def test_idx_errors_through_the_cli(tmp_path, capsys):
    out = str(tmp_path / "o")
    x = np.ones((4, 28, 28), np.uint8)
    idx.write_idx(tmp_path / "a-images-idx3-ubyte", x)
    code, _, err = run(
        capsys, "data", "import", "--quiet", str(tmp_path / "a-images-idx3-ubyte"), "--out", out
    )
    assert_clean_error(code, err, "a-labels-idx1-ubyte", "--labels")

    idx.write_idx(tmp_path / "a-labels-idx1-ubyte", np.zeros(3, np.uint8))
    code, _, err = run(
        capsys, "data", "import", "--quiet", str(tmp_path / "a-images-idx3-ubyte"), "--out", out
    )
    assert_clean_error(code, err, "expected 4 labels", "received shape (3,)")

    idx.write_idx(tmp_path / "b-images-idx3-ubyte", np.ones((4, 32, 32), np.uint8))
    idx.write_idx(tmp_path / "b-labels-idx1-ubyte", np.zeros(4, np.uint8))
    code, _, err = run(
        capsys, "data", "import", "--quiet", str(tmp_path / "b-images-idx3-ubyte"), "--out", out
    )
    assert_clean_error(code, err, "expected uint8 images of shape (N, 28, 28)", "(4, 32, 32)")
    assert not Path(out).exists()


def test_export_then_import_gives_the_same_images(small_tar, tmp_path, capsys):
    data = tmp_path / "real"
    assert run(capsys, "data", "import", "--quiet", str(small_tar), "--out", str(data))[0] == 0
    code, stdout, err = run(capsys, "data", "export", str(data), "--format", "idx")
    assert code == 0, err
    names = sorted(p.name for p in (data / "idx").iterdir())
    assert names == sorted(
        f"{s}-{kind}-idx{d}-ubyte.gz"
        for s in dataset.SPLITS
        for kind, d in (("images", 3), ("labels", 1))
    )
    assert stdout.count("wrote ") == 6
    ds = dataset.load(data)
    for split in dataset.SPLITS:
        images, labels, _, _ = load_images(data / "idx" / f"{split}-images-idx3-ubyte.gz")
        np.testing.assert_array_equal(images, ds.split(split).images)
        np.testing.assert_array_equal(labels, ds.split(split).labels)
    # The whole folder imports as one dataset again, with every image kept.
    again = tmp_path / "again"
    code, _, err = run(capsys, "data", "import", "--quiet", str(data / "idx"), "--out", str(again))
    assert code == 0, err
    before = np.concatenate([ds.split(s).images for s in dataset.SPLITS])
    after = dataset.load(again)
    assert after.manifest["import"]["images"] == len(before)
    assert after.manifest["import"]["format"] == "idx"


def test_export_without_a_dataset_is_a_clean_error(tmp_path, capsys):
    code, _, err = run(
        capsys, "data", "export", str(tmp_path / "none"), "--out", str(tmp_path / "x")
    )
    assert_clean_error(code, err, "no notmnist.npz here")
    assert not (tmp_path / "x").exists()
