"""notMNIST from fonts: rendering, rejection, curation, determinism, the build command."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from fontTools import subset
from fontTools.ttLib import TTFont
from PIL import Image

from tests.conftest import matplotlib_font_dir
from tfdojo import LETTERS
from tfdojo.cli import main
from tfdojo.core.errors import TfdojoError
from tfdojo.data import curate, dataset
from tfdojo.data.build import _lowercase_glyph, build, plan_variants
from tfdojo.data.build_config import BuildConfig
from tfdojo.data.fonts import family_key, find_font_files
from tfdojo.data.frame import fill_frame, frame_image, ink_bbox
from tfdojo.data.render import render_file

MPL = matplotlib_font_dir()


def subset_font(src: Path, dst: Path, letters: str) -> Path:
    """A copy of ``src`` holding only ``letters`` (plus .notdef)."""
    font = TTFont(src)
    opts = subset.Options()
    opts.notdef_outline = True
    sub = subset.Subsetter(opts)
    sub.populate(unicodes=[ord(c) for c in letters])
    sub.subset(font)
    font.save(dst)
    return dst


# -- rendering and rejection -------------------------------------------------------------------


def test_render_dejavu_gives_ten_framed_letters():
    (face,) = render_file(str(MPL / "DejaVuSans.ttf"))
    assert face.reason is None
    assert face.glyphs.shape == (10, 28, 28) and face.glyphs.dtype == np.uint8
    for g in face.glyphs:
        # Cropped to ink and stretched: the ink touches all four edges of the frame.
        assert ink_bbox(g, threshold=0) == (0, 0, 28, 28)
    assert face.family == "DejaVu Sans" and face.family_key == "dejavu"


def test_missing_letter_is_detected_by_notdef(tmp_path):
    font = subset_font(MPL / "DejaVuSans.ttf", tmp_path / "noC.ttf", "ABDEFGHIJ")
    (face,) = render_file(str(font))
    assert face.glyphs is None
    assert face.reason == "letter C is missing (renders as .notdef)"


def test_corrupt_font_is_skipped_not_fatal(tmp_path):
    bad = tmp_path / "broken.ttf"
    bad.write_bytes(b"\x00\x01\x00\x00" + os.urandom(500))
    (face,) = render_file(str(bad))
    assert face.glyphs is None and face.reason.startswith("unreadable")


def test_symbol_fonts_are_rejected():
    (face,) = render_file(str(MPL / "cmex10.ttf"))
    assert face.reason and "symbol" in face.reason


def test_letters_all_alike_rejected():
    (face,) = render_file(str(MPL / "LastResortHE-Regular.ttf"))
    assert face.reason and face.reason.startswith("letters render alike")


@pytest.mark.parametrize(
    "name, key",
    [
        ("DejaVu Sans Mono", "dejavu"),
        ("DejaVu Serif", "dejavu"),
        ("cmr10", "cmr"),
        ("ADF Gillius Condensed", "adf gillius"),
        ("Liberation Sans Narrow", "liberation"),
        ("Sans", "sans"),
    ],
)
def test_family_key_groups_styles(name, key):
    assert family_key(name) == key


def test_frame_image_handles_dark_on_light_and_small_inputs():
    img = Image.new("L", (90, 60), 255)
    img.paste(0, (30, 10, 40, 50))  # a dark bar on white
    out = frame_image(img)
    assert out.shape == (28, 28) and out.dtype == np.uint8
    assert out.mean() > 200  # inverted, cropped to the bar, stretched to fill: mostly ink
    assert frame_image(Image.new("RGB", (5, 5), "white")).max() == 0  # blank -> black frame


def test_fill_frame_stretches_without_keeping_aspect():
    thin = Image.new("L", (4, 40), 255)
    assert fill_frame(thin).min() >= 250  # a thin 'I' becomes a block


# -- curation ----------------------------------------------------------------------------------


def _img(v: int) -> np.ndarray:
    a = np.zeros((28, 28), np.uint8)
    a[v % 28, :] = 255
    a[:, (v * 7) % 28] = 128
    return a


def test_exact_duplicates_keep_first_and_drop_ambiguous():
    images = np.stack([_img(1), _img(2), _img(1), _img(3), _img(3)])
    labels = np.array([0, 1, 0, 2, 5])
    keep, counts = curate.exact_duplicates(images, labels)
    assert keep.tolist() == [0, 1]  # third is a copy of the first; _img(3) has two labels
    assert counts == {"exact_duplicates": 2, "ambiguous_images": 1}


def test_groups_sharing_an_image_are_merged():
    images = np.stack([_img(1), _img(2), _img(1), _img(4)])
    clusters = curate.merge_groups(["a", "b", "c", "d"], images)
    assert clusters[0] == clusters[2]
    assert len({clusters[0], clusters[1], clusters[3]}) == 3


def test_near_duplicates_match_brute_force():
    rng = np.random.default_rng(0)
    ref = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)
    query = ref[:10].astype(np.int16) + rng.integers(-6, 7, (10, 28, 28))
    query = np.concatenate([np.clip(query, 0, 255), rng.integers(0, 256, (10, 28, 28))])
    query = query.astype(np.uint8)
    q_labels = np.zeros(20, int)
    r_labels = np.zeros(40, int)
    mask = curate.near_duplicates(query, q_labels, ref, r_labels, rms=10.0)
    brute = [min(np.sqrt(((q.astype(float) - r) ** 2).mean()) for r in ref) <= 10.0 for q in query]
    assert mask.tolist() == brute
    assert mask[:10].all() and not mask[10:].any()
    # A near copy under another label is not a duplicate.
    assert not curate.near_duplicates(query, q_labels + 1, ref, r_labels, rms=10.0).any()


def test_plan_variants_balances_classes():
    labels = np.array([0] * 10 + [1] * 5 + [2] * 2)
    keep, counts = plan_variants(labels, variants=4, seed=0)
    totals = [int((labels == c).sum() + counts[labels == c].sum()) for c in range(3)]
    assert totals == [round(17 / 3 * 5)] * 3
    assert counts[labels == 1].max() - counts[labels == 1].min() <= 1  # spread evenly


# -- the build ---------------------------------------------------------------------------------


def test_tiny_dataset_is_well_formed(tiny_dataset):
    ds = dataset.load(tiny_dataset)
    man = ds.manifest
    assert man["source"] == "fonts" and man["faces_used"] >= 15
    assert any("symbol" in s["reason"] for s in man["skipped"])
    for name in dataset.SPLITS:
        s = ds.split(name)
        assert s.images.dtype == np.uint8 and s.images.shape[1:] == (28, 28)
        counts = s.class_counts()
        assert len(s) > 0 and max(counts) - min(counts) <= 1, (name, counts)
        assert s.font_ids.min() >= 0 and s.font_ids.max() < man["faces_used"]
    assert man["counts"]["train"]["total"] == len(ds.train)


def _assert_no_leaks(ds: dataset.Dataset) -> None:
    """No valid/test image is an exact copy of a training image; no family spans two splits."""
    train = {im.tobytes() for im in ds.train.images}
    for name in ("valid", "test"):
        assert not any(im.tobytes() in train for im in ds.split(name).images), name
    fonts = ds.manifest["fonts"]
    families = {
        name: {fonts[i]["family_key"] for i in np.unique(ds.split(name).font_ids)}
        for name in dataset.SPLITS
    }
    assert not families["train"] & families["valid"]
    assert not families["train"] & families["test"]
    assert not families["valid"] & families["test"]


def test_tiny_dataset_has_no_leaks(tiny_dataset):
    _assert_no_leaks(dataset.load(tiny_dataset))


def test_same_seed_same_bytes_whatever_the_processes(tmp_path, tiny_dataset):
    cfg = BuildConfig(variants=3, seed=0)
    build(tmp_path / "p2", cfg, [MPL], system_fonts=False, processes=2, progress=False)
    one = json.loads((tiny_dataset / "manifest.json").read_text())["sha256"]
    two = json.loads((tmp_path / "p2" / "manifest.json").read_text())["sha256"]
    assert one == two
    build(tmp_path / "s1", BuildConfig(variants=3, seed=1), [MPL], False, 1, False)
    other = json.loads((tmp_path / "s1" / "manifest.json").read_text())["sha256"]
    assert other["train_images"] != one["train_images"]


def test_styled_build_is_deterministic_and_augment_eval_redraws_valid_and_test(
    tmp_path, tiny_dataset
):
    cfg = BuildConfig(variants=3, seed=0, styles=0.5, lowercase=0.2, augment_eval=True)
    build(tmp_path / "p1", cfg, [MPL], system_fonts=False, processes=1, progress=False)
    build(tmp_path / "p2", cfg, [MPL], system_fonts=False, processes=2, progress=False)
    one = json.loads((tmp_path / "p1" / "manifest.json").read_text())["sha256"]
    assert one == json.loads((tmp_path / "p2" / "manifest.json").read_text())["sha256"]
    plain, styled = dataset.load(tiny_dataset), dataset.load(tmp_path / "p1")
    assert one["train_images"] != plain.manifest["sha256"]["train_images"]
    assert len(styled.train) == pytest.approx(len(plain.train), rel=0.02)
    for name in ("valid", "test"):
        a, b = plain.split(name), styled.split(name)
        # one image per glyph, in the same order: the same letters of the same fonts, redrawn
        assert len(b) == len(a)
        assert np.array_equal(b.labels, a.labels) and np.array_equal(b.font_ids, a.font_ids)
        assert not np.array_equal(b.images, a.images)
        # each redrawn image is still nearest its own plain render's letter, mostly
        same = [np.abs(b.images[k].astype(int) - a.images[k]).mean() for k in range(len(a))]
        other = [np.abs(b.images[k].astype(int) - a.images[k - 1]).mean() for k in range(len(a))]
        assert np.mean(np.array(same) < np.array(other)) > 0.6
    _assert_no_leaks(styled)


def test_lowercase_glyph_is_the_small_letter_or_none_where_the_face_lacks_it(tmp_path):
    from tfdojo.data.render import NOTDEF_PROBE, draw_glyph, load_font

    font = load_font(MPL / "DejaVuSans.ttf")
    notdef = draw_glyph(font, NOTDEF_PROBE)
    small, capital = _lowercase_glyph(font, "B", notdef), draw_glyph(font, "B")
    assert small is not None and small.size[1] < capital.size[1] * 1.2
    assert fill_frame(small).tolist() == fill_frame(draw_glyph(font, "b")).tolist()
    caps = load_font(subset_font(MPL / "DejaVuSans.ttf", tmp_path / "caps.ttf", LETTERS))
    assert _lowercase_glyph(caps, "B", draw_glyph(caps, NOTDEF_PROBE)) is None


@pytest.mark.parametrize("key", ["styles", "lowercase", "reframe"])
def test_build_refuses_a_share_outside_0_1(key):
    with pytest.raises(TfdojoError) as caught:
        BuildConfig(**{key: 2}).validate()
    assert str(caught.value) == f"{key}: expected a share in [0, 1], received 2"


@pytest.mark.parametrize(
    "key, what", [("rotation", "a spread in degrees in [0, 45]"), ("shear", "a spread in [0, 1]")]
)
def test_build_refuses_a_negative_spread(key, what):
    with pytest.raises(TfdojoError) as caught:
        BuildConfig(**{key: -1}).validate()
    assert str(caught.value) == f"{key}: expected {what}, received -1"


def test_look_without_rotation_shear_or_reframing_fills_the_frame_upright():
    from PIL import Image

    from tfdojo.data.augment import Look, variant

    bar = np.zeros((60, 20), np.uint8)
    bar[:, 5:15] = 255  # cropped to its ink, an upright bar fills the whole frame
    glyph = Image.fromarray(bar)
    still, default = Look(reframe=0.0, rotation=0.0, shear=0.0), Look()
    ink = [(variant(glyph, np.random.default_rng(s), still) > 128).mean() for s in range(30)]
    assert min(ink) > 0.9
    ink = [(variant(glyph, np.random.default_rng(s), default) > 128).mean() for s in range(30)]
    assert min(ink) < 0.8  # the default's slant, rotation and margins leave black corners


def test_build_cli_writes_summary(tmp_path, capsys):
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    for f in MPL.glob("*.ttf"):
        shutil.copy(f, fonts)
    (fonts / "broken.ttf").write_bytes(b"not a font at all")
    out = tmp_path / "ds"
    rc = main(
        [
            "data",
            "build",
            "--fonts",
            str(fonts),
            "--no-system-fonts",
            "--out",
            str(out),
            "--variants",
            "1",
            "--quiet",
        ]
    )
    assert rc == 0
    text = capsys.readouterr().out
    assert "faces used" in text and "unreadable" in text
    sha = (out / "notmnist.npz").stat().st_mtime_ns
    assert main(["data", "build", "--out", str(out), "--if-missing"]) == 0
    assert "already built" in capsys.readouterr().out
    assert (out / "notmnist.npz").stat().st_mtime_ns == sha  # kept, not rebuilt
    man = json.loads((out / "manifest.json").read_text())
    assert any(s["path"].endswith("broken.ttf") for s in man["skipped"])
    assert main(["data", "info", str(out)]) == 0
    assert "train" in capsys.readouterr().out
    png = tmp_path / "grid.png"
    assert main(["data", "show", str(out), "--out", str(png), "--per-class", "3"]) == 0
    with Image.open(png) as im:
        assert im.size[0] > 100 and im.size[1] > 100


@pytest.mark.parametrize(
    "argv_tail, message",
    [
        (["--fonts", "/nonexistent/fonts"], "--fonts: /nonexistent/fonts does not exist"),
        (["--fonts", "{empty}"], "holds no font files"),
        (["--fonts", "{junk}"], "no usable font face"),
        (["--variants", "-1", "--fonts", "{mpl}"], "variants: expected a whole number in 0..100"),
        (["--set", "colour=red", "--fonts", "{mpl}"], "unknown config key 'colour'"),
    ],
)
def test_build_bad_input_one_line(tmp_path, capsys, argv_tail, message):
    empty = tmp_path / "empty"
    empty.mkdir()
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "a.ttf").write_bytes(b"junk")
    tail = [a.format(empty=empty, junk=junk, mpl=MPL) for a in argv_tail]
    out = tmp_path / "out"
    rc = main(["data", "build", "--no-system-fonts", "--quiet", "--out", str(out), *tail])
    err = capsys.readouterr().err
    assert rc == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_output_folder_that_is_a_file(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    rc = main(
        [
            "data",
            "build",
            "--no-system-fonts",
            "--fonts",
            str(MPL),
            "--quiet",
            "--out",
            str(blocker / "ds"),
        ]
    )
    assert rc == 2 and "expected a folder, found a file in the way" in capsys.readouterr().err


def test_interrupted_or_full_disk_write_leaves_nothing(tmp_path, tiny_dataset, monkeypatch, capsys):
    import errno

    out = tmp_path / "ds"
    shutil.copytree(tiny_dataset, out)
    before = (out / "notmnist.npz").read_bytes()

    def disk_full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", disk_full)
    rc = main(
        [
            "data",
            "build",
            "--no-system-fonts",
            "--fonts",
            str(MPL),
            "--quiet",
            "--variants",
            "1",
            "--out",
            str(out),
            "--overwrite",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2 and "no space left" in err
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "notmnist.npz"]
    assert (out / "notmnist.npz").read_bytes() == before
    dataset.load(out)  # the previous dataset still loads and verifies


def test_load_refuses_pickles_and_mismatches(tmp_path, tiny_dataset):
    bad = tmp_path / "pickled"
    bad.mkdir()
    shutil.copy(tiny_dataset / "manifest.json", bad)
    np.savez(bad / "notmnist.npz", train_images=np.array([object()], dtype=object))
    with pytest.raises(TfdojoError, match="pickled"):
        dataset.load(bad)
    mixed = tmp_path / "mixed"
    shutil.copytree(tiny_dataset, mixed)
    man = json.loads((mixed / "manifest.json").read_text())
    man["sha256"]["test_labels"] = "0" * 64
    (mixed / "manifest.json").write_text(json.dumps(man))
    with pytest.raises(TfdojoError, match="does not match manifest.json"):
        dataset.load(mixed)
    with pytest.raises(TfdojoError, match="no notmnist.npz"):
        dataset.load(tmp_path)


# -- the full default build over the Debian Latin font set -------------------------------------


def _debian_fonts_installed() -> bool:
    return len(find_font_files()) >= 1500


@pytest.mark.slow
def test_default_build_over_debian_fonts(tmp_path):
    """The default build: >= 1,500 faces, >= 150,000 training images, no leaks across splits."""
    if not _debian_fonts_installed():
        if os.environ.get("TFDOJO_REQUIRE_FONTS"):
            pytest.fail(
                "the Debian font packages are not installed (scripts/install-system-deps.sh)"
            )
        pytest.skip("Debian font packages not installed")
    man = build(tmp_path, BuildConfig(), processes=os.cpu_count(), progress=False)
    assert man["faces_used"] >= 1500
    assert man["counts"]["train"]["total"] >= 150_000
    assert man["counts"]["test"]["total"] >= 2500
    _assert_no_leaks(dataset.load(tmp_path))
    assert set(man["counts"]["test"]["per_class"]) == set(LETTERS)


def test_build_help_names_every_setting_of_set():
    import dataclasses

    from tfdojo.cli.main import build_parser

    sub = next(a for a in build_parser()._actions if getattr(a, "choices", None))
    data = next(a for a in sub.choices["data"]._actions if getattr(a, "choices", None))
    helptext = data.choices["build"].format_help().replace("\n", " ")
    for f in dataclasses.fields(BuildConfig):
        if f.name not in ("variants", "seed"):  # options of their own
            assert f.name in helptext, f.name


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (Linux's /proc), children first."""
    parents = {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        if entry.name.isdigit():
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        kids = [p for p, parent in parents.items() if parent in frontier]
        found += kids
        frontier = kids
    return found


def running(pid: int) -> bool:
    """``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")
def test_sigterm_mid_build_leaves_no_process_behind(tmp_path):
    """SIGTERM (``kill PID``, a CI timeout) stops a build as Ctrl-C does: the pool's workers
    and multiprocessing's resource tracker end with it, and nothing is written. (They were
    left running, orphaned, before.)"""
    out = tmp_path / "out"
    argv = ["--threads", "2", "data", "build", "--fonts", str(MPL), "--no-system-fonts"]
    argv += ["--variants", "60", "--set", "styles=0.5", "--out", str(out), "--quiet"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tfdojo", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    started: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(descendants(proc.pid)) < 3 and proc.poll() is None:  # 2 workers + tracker
            assert time.monotonic() < deadline, "the build started no worker in 120 s"
            time.sleep(0.05)
        started = descendants(proc.pid)
        assert proc.poll() is None and len(started) >= 3, started
        proc.send_signal(signal.SIGTERM)
        status = proc.wait(timeout=60)
        deadline = time.monotonic() + 30  # the workers end with it, or are left orphaned
        while any(running(p) for p in started) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [p for p in started if running(p)]
    finally:
        for pid in [proc.pid, *started]:  # whatever a failure left: these are the test's own
            if running(pid):
                os.kill(pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=30)  # the orphans held stderr open
    assert (status, err, left) == (
        143,
        "tfdojo: terminated; nothing half-written was left behind\n",
        [],
    )
    assert not out.exists() or list(out.iterdir()) == []
