"""Issue 21, second pass: what tfdojo reads from a path a user gives or a folder names.

Each case of the issue, reproduced: memory before refusal (B), special files and unbounded
reads (D), NaN and odd weights, resuming on other data (G), and tracebacks (I). Every one is
now a single line and exit status 2 (or the right answer), in bounded memory, at once.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tfdojo import runs
from tfdojo.cli import main
from tfdojo.core.errors import TfdojoError
from tfdojo.data import dataset, idx
from tfdojo.training import train

from .hostile import MiB
from .memory import peak_rss_growth
from .test_safe_read import finishes


@pytest.fixture(scope="module")
def run(tiny_dataset, tmp_path_factory) -> Path:
    """A finished logistic run (1 epoch) on the tiny dataset."""
    out = tmp_path_factory.mktemp("inputs") / "run"
    data = dataset.load(tiny_dataset)
    train.train(train.make_config("logistic", sets=["epochs=1"]), data, out, progress=False)
    return out


@pytest.fixture(scope="module")
def letter(tiny_dataset, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("letter") / "letter.png"
    Image.fromarray(dataset.load(tiny_dataset).test.images[0]).save(path)
    return path


def copy_run(run: Path, to: Path) -> Path:
    shutil.copytree(run, to)
    return to


def edit_json(path: Path, change) -> None:
    obj = json.loads(path.read_text())
    change(obj)
    path.write_text(json.dumps(obj))


def one_line_error(capsys, argv: list[str]) -> str:
    """Run the CLI: it must exit 2 with one line on stderr; that line, without the prefix."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("tfdojo: error: ") and err.count("\n") == 1, err
    return err.removeprefix("tfdojo: error: ").rstrip("\n")


def replace_file(path: Path, kind: str) -> Path:
    """``path`` made a FIFO (``"fifo"``) or a link to ``/dev/zero`` (``"zero"``)."""
    if path.exists() or path.is_symlink():
        path.unlink()
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    return path


# -- B: memory before refusal ---------------------------------------------------------------


def deflated_npz(path: Path, name: str, shape: tuple[int, ...], also: dict) -> None:
    """An npz whose ``name`` is a float32 array of ``shape``, all zeros, deflated (a bomb),
    written in chunks: never whole in memory."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "<f4", "fortran_order": False, "shape": shape}
    )
    size = int(np.prod(shape)) * 4
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open(f"{name}.npy", "w", force_zip64=True) as f:
            f.write(header.getvalue())
            for start in range(0, size, 16 * MiB):
                f.write(bytes(min(16 * MiB, size - start)))
        for key, a in also.items():
            buf = io.BytesIO()
            np.save(buf, a)
            zf.writestr(f"{key}.npy", buf.getvalue())


def test_a_weights_bomb_is_refused_from_its_headers(run, tmp_path, tiny_dataset, capsys):
    bad = copy_run(run, tmp_path / "bomb")
    path = bad / "weights.npz"
    deflated_npz(path, "logits.w", (784, 100_000), {"logits.b": np.zeros(10, np.float32)})
    assert path.stat().st_size < MiB  # 313 MB of zeros
    result, growth = peak_rss_growth(lambda: runs.open_run(bad).model())
    assert 784 * 100_000 * 4 + 10 * 4 + 2 * 128 == 313_600_296  # the arrays, two headers
    assert str(result) == (
        f"{path}: arrays of 313,600,296 bytes once unzipped; expected at most 193,872"
    )
    assert 8 * 7850 + 2 * (64 << 10) == 193_872  # float64 at most, and room for 2 headers
    assert growth < 32 * MiB
    err = one_line_error(capsys, ["evaluate", str(bad), "--data", str(tiny_dataset)])
    assert err == str(result)


def test_weights_are_checked_against_the_model_before_reading(run, tmp_path, letter, capsys):
    bad = copy_run(run, tmp_path / "transposed")
    weights = dict(np.load(run / "weights.npz"))
    np.savez(bad / "weights.npz", **{**weights, "logits.w": weights["logits.w"].T.copy()})
    err = one_line_error(capsys, ["predict", str(bad), str(letter)])
    assert err == (
        f"RUN: {bad / 'weights.npz'} does not fit the model of config.json "
        "(logits.w expects shape (784, 10), received (10, 784))"
    )
    np.savez(bad / "weights.npz", **{**weights, "dense1.w": np.zeros((3, 3), np.float32)})
    err = one_line_error(capsys, ["predict", str(bad), str(letter)])
    assert err == (
        f"RUN: {bad / 'weights.npz'} does not fit the model of config.json (weights: "
        "expected names logits.w, logits.b; missing none, unexpected ['dense1.w'])"
    )


@pytest.mark.parametrize("hidden", [600_000, 100_000_000])
def test_a_config_asking_for_a_huge_model_is_refused_at_once(
    run, tmp_path, tiny_dataset, letter, capsys, hidden
):
    bad = copy_run(run, tmp_path / "huge")
    edit_json(bad / "config.json", lambda c: c["model"].update(hidden=[hidden]))
    message = (
        f"{bad / 'config.json'}: model.hidden: expected whole numbers from 1 to 32,768, "
        f"received ({hidden},)"
    )
    result, growth = peak_rss_growth(lambda: runs.open_run(bad).model())
    assert str(result) == message and growth < 8 * MiB
    for argv in (
        ["evaluate", str(bad), "--data", str(tiny_dataset)],
        ["predict", str(bad), str(letter)],
        ["report", str(bad), "--out", str(tmp_path / "report" / "r.html")],
        ["export", str(bad), "--format", "keras", "--out", str(tmp_path / "export")],
        ["compare", str(run), str(bad)],
    ):
        assert one_line_error(capsys, argv) == message, argv
    from tfdojo.play.player import Player

    with pytest.raises(TfdojoError, match=r"model\.hidden: expected whole numbers from 1 to"):
        Player.open([bad])
    assert main(["runs", str(tmp_path)]) == 0
    assert "unreadable: " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("model.hidden=600000", "model.hidden: expected whole numbers from 1 to 32,768, received"),
        ("model.conv_patches=100", "model.conv_patches: expected whole numbers from 1 to 28, "),
        ("model.conv_depths=2000", "model.conv_depths: expected whole numbers from 1 to 1,024"),
        ("model.pools=30", "model.pools: expected whole numbers from 1 to 28, received (30,)"),
        ("model.hidden=" + ",".join(["8"] * 17), "model.hidden: expected at most 16 values"),
        ("model.hidden=8192,8192", "model: 73,629,706 parameters and 147,226,624 FLOPs per"),
        ("model.conv_depths=1024,1024", "model: 15,872,394 parameters and 3,726,674,432 FLOPs"),
    ],
)
def test_an_architecture_beyond_the_bounds_is_refused_in_one_line(
    tmp_path, tiny_dataset, capsys, setting, message
):
    model = "cnn" if "conv" in setting else "mlp"
    out = tmp_path / "run"
    argv = ["train", "--data", str(tiny_dataset), "--model", model, "--out", str(out)]
    assert one_line_error(capsys, [*argv, "--set", setting]).startswith(message)
    assert not out.exists()
    toml = tmp_path / "exp.toml"
    key, _, value = setting.partition("=")
    toml.write_text(f"[model]\n{key.split('.')[1]} = [{value}]\n")
    err = one_line_error(capsys, ["params", "--model", model, "--config", str(toml)])
    assert err.startswith(message)


def test_the_bounds_leave_every_preset_and_sensible_experiments():
    from tfdojo.core.typed_config import replace
    from tfdojo.models import PRESETS, ModelConfig, spec
    from tfdojo.models.shapes import count_params, forward_flops

    for preset in PRESETS.values():
        preset.model.validate()
        assert count_params(preset.model) <= spec.MAX_PARAMS / 50
        assert forward_flops(preset.model) <= spec.MAX_FORWARD_FLOPS / 100
    sensible = [
        {"hidden": "4096,4096"},  # 20,037,642 parameters
        {"hidden": "1024,1024,1024,1024,1024,1024"},
        {"conv_depths": "64,128,256", "conv_patches": "3", "pools": "2", "hidden": "512"},
        {"conv_depths": "128,128", "conv_patches": "5"},  # 649 MFLOP, no pooling
        {"conv_depths": "32,64", "conv_patches": "28", "pools": "2", "hidden": "128"},
        {"conv_depths": ",".join(["16"] * 16), "conv_patches": "3"},
    ]
    for sets in sensible:
        cfg = replace(ModelConfig(), sets, prefix="model.")
        assert count_params(cfg) <= spec.MAX_PARAMS and forward_flops(cfg) <= 1e9


# -- D: special files and unbounded reads ----------------------------------------------------


@pytest.mark.parametrize("kind", ["fifo", "zero"])
@pytest.mark.parametrize("name", ["config.json", "metrics.json", "history.json"])
def test_special_files_in_a_run_folder(run, tmp_path, letter, capsys, kind, name):
    root = tmp_path / "runs"
    bad = copy_run(run, root / "bad")
    path = replace_file(bad / name, kind)
    what = "a named pipe (FIFO)" if kind == "fifo" else "a device"
    message = f"{path}: is {what}, not a regular file; expected a JSON object"
    fifo = path if kind == "fifo" else None
    code, growth = finishes(lambda: peak_rss_growth(lambda: main(["runs", str(root)])), fifo)
    assert code == 0 and growth < 16 * MiB
    out = capsys.readouterr().out
    if name == "config.json":  # not a tfdojo run: not listed
        assert out == f"no run under {root}\n"
    else:
        assert f"unreadable: {message}"[:60] in out
    code = finishes(lambda: main(["predict", str(bad), str(letter)]), fifo)
    err = capsys.readouterr().err
    assert code == 2 and err == f"tfdojo: error: {message}\n"


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_special_files_in_a_dataset(tiny_dataset, tmp_path, capsys, kind):
    d = Path(shutil.copytree(tiny_dataset, tmp_path / "data"))
    path = replace_file(d / "manifest.json", kind)
    what = "a named pipe (FIFO)" if kind == "fifo" else "a device"
    fifo = path if kind == "fifo" else None
    code, growth = finishes(lambda: peak_rss_growth(lambda: main(["data", "info", str(d)])), fifo)
    assert code == 2 and growth < 16 * MiB
    assert capsys.readouterr().err == (
        f"tfdojo: error: {path}: is {what}, not a regular file; expected a JSON object "
        "(a tfdojo manifest)\n"
    )
    path.unlink()
    shutil.copy(tiny_dataset / "manifest.json", path)
    npz = replace_file(d / "notmnist.npz", kind)
    code = finishes(lambda: main(["data", "info", str(d)]), npz if kind == "fifo" else None)
    assert code == 2 and capsys.readouterr().err == (
        f"tfdojo: error: {npz}: is {what}, not a regular file; expected an npz file (numpy.savez)\n"
    )


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_special_files_among_fonts_are_skipped(tmp_path, capsys, kind):
    from tfdojo.data.fonts import find_font_files

    from .conftest import matplotlib_font_dir

    fonts = tmp_path / "fonts"
    fonts.mkdir()
    special = replace_file(fonts / "evil.ttf", kind)
    code = finishes(
        lambda: main(
            [
                "data",
                "build",
                "--fonts",
                str(fonts),
                "--no-system-fonts",
                "--out",
                str(tmp_path / "out"),
            ]
        ),
        special if kind == "fifo" else None,
    )
    assert code == 2 and capsys.readouterr().err == (
        f"tfdojo: error: --fonts: {fonts} holds no font files; expected .ttf, .otf, .ttc, "
        ".otc, .pfb, .pfa, .t1, .woff\n"
    )
    shutil.copy(matplotlib_font_dir() / "DejaVuSans.ttf", fonts)
    assert find_font_files([fonts], system_fonts=False) == [fonts / "DejaVuSans.ttf"]
    from tfdojo.data.render import render_file

    (face,) = finishes(lambda: render_file(str(special)), special if kind == "fifo" else None)
    what = "a named pipe (FIFO)" if kind == "fifo" else "a device"
    assert face.reason == (
        f"unreadable: {special}: is {what}, not a regular file; expected a font file"
    )


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_special_files_given_to_evaluate_and_predict(run, tmp_path, capsys, kind):
    path = replace_file(tmp_path / "images", kind)
    what = "a named pipe (FIFO)" if kind == "fifo" else "a device"
    fifo = path if kind == "fifo" else None
    assert finishes(lambda: main(["evaluate", str(run), "--data", str(path)]), fifo) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: {path}: is {what}, not a regular file; expected an archive or an "
        "IDX file\n"
    )
    assert finishes(lambda: main(["predict", str(run), str(path)]), fifo) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: {path}: is {what}, not a regular file; expected an image file\n"
    )
    assert (
        finishes(lambda: main(["data", "import", str(path), "--out", str(tmp_path / "o")]), fifo)
        == 2
    )
    assert f"{path}: is {what}, not a regular file" in capsys.readouterr().err


def test_a_toml_config_that_is_a_fifo_is_refused(tmp_path, capsys):
    path = replace_file(tmp_path / "exp.toml", "fifo")
    code = finishes(lambda: main(["params", "--config", str(path)]), path)
    assert code == 2 and capsys.readouterr().err == (
        f"tfdojo: error: --config: {path}: is a named pipe (FIFO), not a regular file; "
        "expected a TOML config file\n"
    )


# -- G: NaN and odd weights, resuming on other data ------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda w: w["logits.b"].__setitem__(3, np.nan), "logits.b holds 1 NaN or infinite"),
        (lambda w: w["logits.w"].__setitem__((0, 0), np.inf), "logits.w holds 1 NaN or infinite"),
        (
            lambda w: w.update({"logits.w": w["logits.w"].astype(np.complex64)}),
            "logits.w: expected a numeric array, received dtype complex64",
        ),
        (
            lambda w: w.update({"logits.b": np.zeros(10, "M8[s]")}),
            "logits.b: expected a numeric array, received dtype datetime64[s]",
        ),
        (
            lambda w: w.update({"logits.b": np.array(["a"] * 10)}),
            "logits.b: expected a numeric array, received dtype <U1",
        ),
        (
            lambda w: w.update({"logits.b": np.zeros(10, "u1,u1")}),
            "logits.b: expected a numeric array, received dtype [('f0', 'u1'), ('f1', 'u1')]",
        ),
        (
            lambda w: w.update({"logits.b": np.zeros(10, np.int32)}),
            "logits.b expects floats, received dtype int32",
        ),
    ],
)
def test_weights_that_are_not_finite_floats_are_refused(
    run, tmp_path, letter, capsys, change, message
):
    bad = copy_run(run, tmp_path / "bad")
    weights = dict(np.load(run / "weights.npz"))
    change(weights)
    np.savez(bad / "weights.npz", **weights)
    err = one_line_error(capsys, ["predict", "--json", str(bad), str(letter)])
    assert err.startswith(f"{bad / 'weights.npz'}: {message}")
    from tfdojo.play.player import Player

    with pytest.raises(TfdojoError) as caught:
        Player.open([bad])
    assert str(caught.value) == err


def test_set_weights_refuses_arrays_that_are_not_numbers():
    from tfdojo import models

    model = models.build(models.get("logistic").model)
    with pytest.raises(
        TfdojoError, match=r"^weights: logits.b expects floats, received dtype <U1$"
    ):
        model.set_weights({"logits.w": np.zeros((784, 10)), "logits.b": np.array(["a"] * 10)})


def test_resume_refuses_a_run_that_records_no_sha256(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--data", str(tiny_dataset), "--model", "logistic", "--out", str(out)]
    assert main([*argv, "--epochs", "1", "--no-progress"]) == 0
    capsys.readouterr()
    before = (out / "metrics.json").read_bytes()
    for change in (lambda c: c["data"].pop("sha256"), lambda c: c.pop("data")):
        edit_json(out / "config.json", change)
        resume = ["train", "--out", str(out), "--resume", "--epochs", "2", "--no-progress"]
        for extra in ([], ["--data", str(tiny_dataset)]):
            err = one_line_error(capsys, [*resume, *extra])
            assert err == (
                f"--resume: {out / 'config.json'} records no sha256 of the data the run trained "
                'on (expected "data": {"path": ..., "sha256": {...}}), so resuming could train it '
                "on other data unseen; refused: train a new run"
            )
        assert (out / "metrics.json").read_bytes() == before  # untouched


# -- I: tracebacks that are now one line -----------------------------------------------------


def test_a_config_nested_200000_deep(run, tmp_path, capsys):
    root = tmp_path / "runs"
    bad = copy_run(run, root / "deep")
    (bad / "config.json").write_text("[" * 200_000 + "]" * 200_000)
    assert main(["runs", str(root)]) == 0
    assert capsys.readouterr().out == f"no run under {root}\n"
    err = one_line_error(capsys, ["report", str(bad), "--out", str(tmp_path / "r" / "r.html")])
    assert err == f"{bad / 'config.json'}: not valid JSON (nested too deeply)"


@pytest.mark.parametrize("ci", ["abc", [0.1, 0.2, 0.3], ["a", "b"], [0.9, 0.1], [-1, 0.5]])
def test_a_bad_test_ci95_is_listed_as_unreadable(run, tmp_path, capsys, ci):
    root = tmp_path / "runs"
    bad = copy_run(run, root / "ci")
    edit_json(bad / "metrics.json", lambda m: m.update(test_ci95=ci))
    assert main(["runs", str(root)]) == 0
    out = capsys.readouterr().out
    message = f"{bad / 'metrics.json'}: test_ci95 expects [low, high], two numbers from 0 to 1"
    assert f"unreadable: {message}"[:72] in out
    with pytest.raises(TfdojoError) as caught:
        runs.open_run(bad)
    assert str(caught.value) == f"{message}, received {ci!r}"


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("epoch", "3", "epoch expects a whole number >= 1, received '3'"),
        ("epoch", 1e308, "epoch expects a whole number >= 1, received 1e+308"),
        ("train_loss", 1e308, "train_loss expects a number from 0 to 3.40282e+38, received 1e+308"),
        (
            "valid_loss",
            -1e308,
            "valid_loss expects a number from 0 to 3.40282e+38, received -1e+308",
        ),
        ("train_accuracy", 1.5, "train_accuracy expects a number from 0 to 1, received 1.5"),
    ],
)
def test_a_bad_history_is_one_line_in_report(run, tmp_path, capsys, key, value, message):
    bad = copy_run(run, tmp_path / "history")
    edit_json(bad / "history.json", lambda h: h["epochs"][0].update({key: value}))
    err = one_line_error(capsys, ["report", str(bad), "--out", str(tmp_path / "r" / "r.html")])
    assert err == f"{bad / 'history.json'}: {message}"


def test_a_history_of_large_but_real_losses_is_drawn(run, tmp_path):
    from tfdojo.results.plots.training import training_curves

    bad = copy_run(run, tmp_path / "diverging")
    edit_json(bad / "history.json", lambda h: h["epochs"][0].update(train_loss=3e38))
    history = runs.read_history(bad)
    training_curves(history).savefig(io.BytesIO(), format="png")  # no LinAlgError
    assert history[0]["train_loss"] == 3e38


def lab_tiff(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(a).convert("RGB").convert("LAB").save(buf, format="TIFF")
    return buf.getvalue()


def test_a_lab_tiff_is_read_by_its_lightness(run, tiny_dataset, tmp_path, letter, capsys):
    from tfdojo.play.player import Player
    from tfdojo.play.server import create_app

    image = dataset.load(tiny_dataset).test.images[0]
    tiff = tmp_path / "letter.tif"
    tiff.write_bytes(lab_tiff(image))
    assert main(["predict", "--json", str(run), str(tiff)]) == 0
    assert main(["predict", "--json", str(run), str(letter)]) == 0
    lab, png = (json.loads(line)[0] for line in capsys.readouterr().out.splitlines())
    assert lab["letter"] == png["letter"] and lab["ink"] is True
    client = create_app(Player.open([run])).test_client()
    for route in ("/api/predict", "/api/play"):
        response = client.post(route, data=tiff.read_bytes(), content_type="image/tiff")
        assert response.status_code == 200, response.get_json()
    assert client.post("/api/predict", data=tiff.read_bytes()).get_json()["letter"] == lab["letter"]


def test_an_image_mode_with_no_grey_is_one_line(letter, monkeypatch):
    from tfdojo.data import frame

    monkeypatch.setattr(frame, "GREYABLE_MODES", frame.GREYABLE_MODES - {"L"})
    with pytest.raises(TfdojoError) as caught:
        frame.open_image(letter)
    assert str(caught.value) == (
        f"{letter}: an image of mode L, which tfdojo cannot turn grey; expected greyscale, "
        "RGB(A), palette, CMYK or LAB"
    )


def idx_file(path: Path, dims: tuple[int, ...], data: bytes = b"") -> Path:
    path.write_bytes(
        struct.pack(">HBB", 0, 8, len(dims)) + struct.pack(f">{len(dims)}I", *dims) + data
    )
    return path


@pytest.mark.parametrize(
    ("dims", "data", "message"),
    [
        ((0, 28, 28), b"", "no usable 28x28 images of A..J found (skipped: nothing)"),
        ((1,) * 255, b"\x05", "IDX header gives 255 dimensions; expected at most 32 (images have "),
        ((1,) * 33, b"\x05", "IDX header gives 33 dimensions; expected at most 32 (images have "),
    ],
)
def test_odd_idx_headers_are_one_line(run, tmp_path, capsys, dims, data, message):
    images = idx_file(tmp_path / "odd-images-idx3-ubyte", dims, data)
    idx.write_idx(tmp_path / "odd-labels-idx1-ubyte", np.zeros(dims[0], np.uint8))
    for argv in (
        ["data", "import", str(images), "--out", str(tmp_path / "out")],
        ["evaluate", str(run), "--data", str(images)],
    ):
        assert one_line_error(capsys, argv).startswith(f"{images}: {message}")
    from tfdojo.teaching.lessons.real import load_real  # what lesson --real reads with

    with pytest.raises(TfdojoError) as caught:
        load_real(images)
    assert str(caught.value).startswith(f"{images}: {message}")


def test_resume_refuses_a_checkpoint_that_is_a_fifo(tiny_dataset, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "--data", str(tiny_dataset), "--model", "logistic", "--out", str(out)]
    assert main([*argv, "--epochs", "1", "--no-progress"]) == 0
    capsys.readouterr()
    fifo = replace_file(out / "ckpt" / "checkpoint", "fifo")  # TensorFlow opens it by name
    resume = ["train", "--out", str(out), "--resume", "--epochs", "2", "--no-progress"]
    assert finishes(lambda: main(resume), fifo) == 2
    assert capsys.readouterr().err == (
        f"tfdojo: error: {fifo}: is a named pipe (FIFO); expected a checkpoint file of at most "
        "2,147,483,648 bytes\n"
    )


def test_special_files_among_letter_folders_are_skipped_as_unreadable(tmp_path):
    from tfdojo.data.importer import load_images

    from .test_import import notmnist_files

    root = tmp_path / "letters"
    for name, data in notmnist_files("letters")[:12]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    fifo = replace_file(root / "A" / "pipe.png", "fifo")
    replace_file(root / "B" / "zero.png", "zero")
    images, _, _, report = finishes(lambda: load_images(root), fifo)
    assert len(images) == 12
    assert report["skipped"] == {"unreadable": 2}
    assert report["skipped_examples"]["unreadable"] == ["A/pipe.png", "B/zero.png"]
