"""What tfdojo writes goes only where the user named, never replaces or deletes what tfdojo
did not write, and never follows a link out of the folder it writes in (issue 21, second
adversarial pass): each case refused in one line, or the right result."""

from __future__ import annotations

import errno
import json
import shutil
from pathlib import Path

import pytest

from tfdojo.cli import main
from tfdojo.data import dataset
from tfdojo.training import train

REPORT_PNGS = [
    "confused.png",
    "confusion.png",
    "curves.png",
    "mistakes.png",
    "per_class.png",
    "weights.png",
]


@pytest.fixture(scope="module")
def run(tiny_dataset, tmp_path_factory):
    """A finished logistic run (1 epoch) on the tiny dataset."""
    out = tmp_path_factory.mktemp("outputs") / "run"
    cfg = train.make_config("logistic", sets=["epochs=1"])
    train.train(cfg, dataset.load(tiny_dataset), out, progress=False)
    return out


def one_line_error(capsys, argv: list[str]) -> str:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("tfdojo: error: ") and captured.err.count("\n") == 1
    return captured.err[len("tfdojo: error: ") : -1]


def listing(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its text: what a refusal must leave as it was."""
    return {
        str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def user_folder(path: Path) -> Path:
    (path / "thesis").mkdir(parents=True)
    (path / "thesis" / "ch1.tex").write_text("\\chapter{One}")
    (path / "notes.txt").write_text("my notes")
    return path


# -- A. export never replaces what tfdojo did not write ---------------------------------------


@pytest.mark.parametrize("fmt", ["savedmodel", "tflite", "keras"])
def test_export_refuses_a_folder_or_file_of_the_users(run, tmp_path, capsys, fmt):
    docs = user_folder(tmp_path / "mydocs")
    notes = tmp_path / "notes.keras" if fmt == "keras" else tmp_path / "notes.txt"
    notes.write_text("keep me")
    what = {"savedmodel": "a SavedModel folder", "tflite": "a TF Lite file", "keras": None}[fmt]
    for out in (docs, notes):
        if fmt == "keras" and out == docs:
            continue  # a Keras file's name ends in .keras: refused before (test_export.py)
        for extra in ([], ["--overwrite"]):
            argv = ["export", str(run), "--format", fmt, "--out", str(out), *extra]
            shown = what or "a Keras file"
            assert one_line_error(capsys, argv) == (
                f"--out: {out} already exists and is not {shown} written by tfdojo; "
                "refusing to replace it (name a new path)"
            )
    assert listing(docs) == {"notes.txt": "my notes", "thesis/ch1.tex": "\\chapter{One}"}
    assert notes.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mydocs", notes.name]


def test_export_to_the_current_folder_is_refused_and_leaves_nothing(
    run, tmp_path, capsys, monkeypatch
):
    here = tmp_path / "here"
    here.mkdir()
    (here / "keep.txt").write_text("x")
    monkeypatch.chdir(here)
    for out in (".", str(here)):
        argv = ["export", str(run), "--format", "savedmodel", "--out", out, "--overwrite"]
        assert one_line_error(capsys, argv) == (
            f"--out: {out} is the current folder or holds it; name a new folder instead"
        )
    assert sorted(p.name for p in here.iterdir()) == ["keep.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["here"]  # no .-old.* folders


def test_export_replaces_its_own_export_only_with_overwrite(run, tmp_path, capsys):
    served = tmp_path / "served"
    argv = ["export", str(run), "--format", "savedmodel", "--out", str(served)]
    assert main(argv) == 0
    assert capsys.readouterr().out == f"wrote {served} (savedmodel)\n"
    assert sorted(p.name for p in served.iterdir()) == [
        ".tfdojo",
        "assets",
        "fingerprint.pb",
        "saved_model.pb",
        "variables",
    ]
    assert one_line_error(capsys, argv) == (
        f"--out: {served} already exists; add --overwrite to replace it"
    )
    assert main([*argv, "--overwrite"]) == 0
    assert capsys.readouterr().out == f"wrote {served} (savedmodel)\n"
    flat = tmp_path / "m.tflite"
    tflite = ["export", str(run), "--format", "tflite", "--out", str(flat)]
    assert main(tflite) == 0 and main([*tflite, "--overwrite"]) == 0
    capsys.readouterr()
    assert flat.read_bytes()[4:8] == b"TFL3"
    # an export of another kind is not replaced: a SavedModel is not a TF Lite file
    argv = ["export", str(run), "--format", "tflite", "--out", str(served), "--overwrite"]
    assert "is not a TF Lite file written by tfdojo" in one_line_error(capsys, argv)
    assert (served / "saved_model.pb").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.tflite", "served"]


def test_disk_full_while_exporting_leaves_the_earlier_export(run, tmp_path, capsys, monkeypatch):
    import tensorflow as tf

    served = tmp_path / "served"
    assert main(["export", str(run), "--format", "savedmodel", "--out", str(served)]) == 0
    before = {p.name: p.stat().st_mtime_ns for p in served.rglob("*")}

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tf.saved_model, "save", full)
    argv = ["export", str(run), "--format", "savedmodel", "--out", str(served), "--overwrite"]
    assert one_line_error(capsys, argv) == (
        f"{served}: could not write the SavedModel ([Errno 28] No space left on device)"
    )
    assert {p.name: p.stat().st_mtime_ns for p in served.rglob("*")} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["served"]  # no temporary folder
    monkeypatch.undo()

    flat = tmp_path / "m.tflite"
    assert main(["export", str(run), "--format", "tflite", "--out", str(flat)]) == 0
    old = flat.read_bytes()
    monkeypatch.setattr("os.fsync", full)
    argv = ["export", str(run), "--format", "tflite", "--out", str(flat), "--overwrite"]
    assert one_line_error(capsys, argv) == (
        f"{flat}: no space left on the device while writing; nothing was written"
    )
    assert flat.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.tflite", "served"]


# -- item 5: export without --out writes beside the run ---------------------------------------


def test_export_without_out_writes_into_the_run_folder(run, tmp_path, capsys):
    copy = shutil.copytree(run, tmp_path / "run")
    for fmt, name in (
        ("tflite", "model.tflite"),
        ("keras", "model.keras"),
        ("savedmodel", "savedmodel"),
    ):
        for _ in range(2):  # again: its own earlier export is replaced
            assert main(["export", str(copy), "--format", fmt]) == 0
            assert capsys.readouterr().out == f"wrote {copy / 'export' / name} ({fmt})\n"
    assert sorted(p.name for p in (copy / "export").iterdir()) == [
        "model.keras",
        "model.tflite",
        "savedmodel",
    ]
    shutil.rmtree(copy / "export")
    (copy / "export").symlink_to(tmp_path)
    assert one_line_error(capsys, ["export", str(copy), "--format", "tflite"]) == (
        f"{copy / 'export'} is a link (to {tmp_path}); tfdojo writes only inside {copy}, "
        "never through a link"
    )


# -- E. nothing is written through a link out of a run folder ---------------------------------


def test_report_refuses_a_report_folder_that_is_a_link(run, tmp_path, capsys):
    copy = shutil.copytree(run, tmp_path / "run")  # trained without a report: none yet
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "curves.png").write_text("mine")
    (copy / "report").symlink_to(elsewhere)
    assert one_line_error(capsys, ["report", str(copy)]) == (
        f"{copy / 'report'} is a link (to {elsewhere}); tfdojo writes only inside {copy}, "
        "never through a link"
    )
    assert listing(elsewhere) == {"curves.png": "mine"}


def test_resume_refuses_a_run_folder_whose_entries_are_links(run, tiny_dataset, tmp_path, capsys):
    copy = shutil.copytree(run, tmp_path / "run")
    elsewhere = tmp_path / "elsewhere"
    shutil.move(copy / "ckpt", elsewhere)
    (copy / "ckpt").symlink_to(elsewhere)
    argv = ["train", "--data", str(tiny_dataset), "--out", str(copy), "--resume", "--epochs", "2"]
    assert one_line_error(capsys, [*argv, "--no-progress"]) == (
        f"{copy / 'ckpt'} is a link (to {elsewhere}); tfdojo writes only inside {copy}, "
        "never through a link"
    )
    assert json.loads((copy / "metrics.json").read_text())["epochs"] == 1


@pytest.mark.parametrize("name", ["../../escaped", "/tmp/tfdojo-escaped", "a\x1bb"])
def test_a_model_name_never_becomes_a_path_out_of_runs(
    tiny_dataset, tmp_path, capsys, monkeypatch, name
):
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    argv = ["train", "--data", str(tiny_dataset), "--model", "logistic", "--epochs", "1"]
    problem = (
        "expected a name without control characters (it names a folder)"
        if "\x1b" in name
        else "expected a name without '/', '\\' or a drive (it names a folder)"
    )
    expected = f"model.name: {problem}, received {name!r}"
    assert one_line_error(capsys, [*argv, "--set", f"model.name={name}"]) == expected
    toml = work / "shared.toml"
    toml.write_text(f"[model]\nname = {json.dumps(name)}\n")
    assert one_line_error(capsys, [*argv, "--config", str(toml)]) == expected
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "a",
        "a/b",
        "a/b/shared.toml",
    ]
    assert list(Path("/tmp").glob("tfdojo-escaped*")) == []


def test_the_default_run_folder_takes_a_checked_name():
    from tfdojo.core.errors import TfdojoError
    from tfdojo.models import ModelConfig

    cfg = train.make_config("logistic")
    assert train.default_run_dir(cfg).parent == Path("runs")
    assert train.default_run_dir(cfg).name.startswith("logistic-")
    with pytest.raises(TfdojoError, match=r"^model.name: expected a name without '/'"):
        ModelConfig(name="../x").validate()


# -- item 4: a report's figures go beside its page, in a folder of their own ------------------


def test_report_out_from_another_folder_leaves_that_folder_empty(
    run, tmp_path, capsys, monkeypatch
):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    page = tmp_path / "pages" / "myreport.html"
    assert main(["report", str(run), "--out", str(page)]) == 0
    files = tmp_path / "pages" / "myreport_files"
    assert capsys.readouterr().out == f"report: {page}\nfigures: {files}/*.png\n"
    assert list(here.iterdir()) == []
    assert sorted(p.name for p in files.iterdir()) == [".tfdojo", *REPORT_PNGS]
    assert '<meta name="generator" content="tfdojo ' in page.read_text()
    argv = ["report", str(run), "--out", "myreport.html"]
    assert main(argv) == 0
    assert capsys.readouterr().out == "report: myreport.html\nfigures: myreport_files/*.png\n"
    assert sorted(p.name for p in here.iterdir()) == ["myreport.html", "myreport_files"]
    assert one_line_error(capsys, argv) == (
        "--out: myreport.html already exists; add --overwrite to replace it"
    )
    assert main([*argv, "--overwrite"]) == 0
    capsys.readouterr()
    mine = here / "mine.html"
    mine.write_text("<p>my page</p>")
    assert one_line_error(capsys, ["report", str(run), "--out", "mine.html", "--overwrite"]) == (
        "--out: mine.html already exists and is not an HTML page written by tfdojo; "
        "refusing to replace it (name a new path)"
    )
    (here / "other_files").mkdir()
    (here / "other_files" / "x.png").write_text("mine")
    assert one_line_error(capsys, ["report", str(run), "--out", "other.html"]) == (
        "--out: other_files already exists and is not a folder of figures written by tfdojo; "
        "refusing to replace it (name a new path)"
    )
    assert not (here / "other.html").exists() and mine.read_text() == "<p>my page</p>"


def test_the_runs_own_report_keeps_its_figures_beside_it(run, tmp_path, capsys):
    copy = shutil.copytree(run, tmp_path / "run")
    for out in ([], ["--out", str(copy / "report" / "report.html")]):
        assert main(["report", str(copy), *out]) == 0
        assert capsys.readouterr().out == (
            f"report: {copy / 'report' / 'report.html'}\nfigures: {copy / 'report'}/*.png\n"
        )
    assert sorted(p.name for p in (copy / "report").iterdir()) == sorted(
        ["report.html", *REPORT_PNGS]
    )
    page = copy / "report" / "report.html"
    page.write_text("<p>an older page</p>")  # the run's own page: derived, rewritten each time
    assert main(["report", str(copy)]) == 0 and capsys.readouterr().out.startswith("report: ")
    assert "<p>an older page</p>" not in page.read_text()


def test_compare_report_keeps_its_figures_in_a_folder_of_its_own(
    run, tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert main(["compare", str(run), str(run), "--report", "pair.html"]) == 0
    assert capsys.readouterr().out.endswith("report: pair.html\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pair.html", "pair_files"]
    assert sorted(p.name for p in (tmp_path / "pair_files").iterdir()) == [
        ".tfdojo",
        "compare_accuracy.png",
        "compare_examples.png",
    ]
    assert one_line_error(capsys, ["compare", str(run), str(run), "--report", "pair.html"]) == (
        "--report: pair.html already exists; add --overwrite to replace it"
    )


# -- data outputs -----------------------------------------------------------------------------


def test_data_show_replaces_only_its_own_figure(tiny_dataset, tmp_path, capsys):
    grid = tmp_path / "grid.png"
    argv = ["data", "show", "--data", str(tiny_dataset), "--per-class", "2", "--out", str(grid)]
    assert main(argv) == 0 and capsys.readouterr().out == f"wrote {grid}\n"
    assert one_line_error(capsys, argv) == (
        f"--out: {grid} already exists; add --overwrite to replace it"
    )
    assert main([*argv, "--overwrite"]) == 0
    capsys.readouterr()
    photo = tmp_path / "photo.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\nmine")
    argv[-1] = str(photo)
    assert one_line_error(capsys, [*argv, "--overwrite"]) == (
        f"--out: {photo} already exists and is not a figure written by tfdojo; "
        "refusing to replace it (name a new path)"
    )
    assert photo.read_bytes() == b"\x89PNG\r\n\x1a\nmine"


def test_data_outputs_refuse_a_folder_of_the_users(tiny_dataset, tmp_path, capsys):
    docs = user_folder(tmp_path / "mydocs")
    for argv, what in (
        (["data", "build", "--out", str(docs), "--no-system-fonts"], "a dataset folder"),
        (["data", "import", str(tiny_dataset), "--out", str(docs)], "a dataset folder"),
        (["data", "export", str(tiny_dataset), "--out", str(docs)], "a folder of IDX files"),
    ):
        for extra in ([], ["--overwrite"]):
            assert one_line_error(capsys, [*argv, *extra]) == (
                f"--out: {docs} already exists and is not {what} written by tfdojo; "
                "refusing to replace it (name a new path)"
            )
    assert listing(docs) == {"notes.txt": "my notes", "thesis/ch1.tex": "\\chapter{One}"}


def test_data_export_rewrites_its_own_idx_folder(tiny_dataset, tmp_path, capsys):
    data = shutil.copytree(tiny_dataset, tmp_path / "data")
    names = sorted(
        f"{s}-{kind}-idx{d}-ubyte.gz"
        for s in dataset.SPLITS
        for kind, d in (("images", 3), ("labels", 1))
    )
    for _ in range(2):  # the default folder, DIR/idx: its own files are replaced
        assert main(["data", "export", str(data)]) == 0
        assert sorted(p.name for p in (data / "idx").iterdir()) == names
    out = tmp_path / "idx"
    argv = ["data", "export", str(data), "--out", str(out)]
    assert main(argv) == 0
    capsys.readouterr()
    assert one_line_error(capsys, argv) == (
        f"--out: {out} already exists; add --overwrite to replace it"
    )
    assert main([*argv, "--no-gzip", "--overwrite"]) == 0  # replaced whole: no .gz left
    assert sorted(p.name for p in out.iterdir()) == [n[: -len(".gz")] for n in names]


def test_a_lesson_never_writes_into_a_folder_of_the_users(tmp_path):
    from tfdojo.core.errors import TfdojoError
    from tfdojo.teaching.lessons.variants import Context, lesson_folder

    mine = user_folder(tmp_path / "lesson1")
    with pytest.raises(TfdojoError) as info:
        lesson_folder(Context(data=None, out=mine))
    assert str(info.value) == (
        f"--out: {mine} already exists and is not a lesson folder written by tfdojo; "
        "refusing to replace it (name a new path)"
    )
    fresh = lesson_folder(Context(data=None, out=tmp_path / "lesson2"))
    assert sorted(p.name for p in fresh.iterdir()) == [".tfdojo"]
    assert lesson_folder(Context(data=None, out=fresh)) == fresh  # its own: used again


def test_a_run_folder_naming_its_model_with_a_path_is_refused(run, tmp_path, capsys):
    copy = shutil.copytree(run, tmp_path / "run")
    config = json.loads((copy / "config.json").read_text())
    config["model"]["name"] = "../../x"
    (copy / "config.json").write_text(json.dumps(config))
    assert one_line_error(capsys, ["report", str(copy)]) == (
        f"{copy / 'config.json'}: model.name: expected a name without '/', '\\' or a drive "
        "(it names a folder), received '../../x'"
    )
