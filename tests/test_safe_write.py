"""core/safe_write: names that become path components, output paths prepared, folders written
whole, links refused: each case a known message or a known result."""

from __future__ import annotations

import errno
import json
import os
import zipfile
from pathlib import Path

import pytest

from tfdojo import __version__
from tfdojo.core import atomic, safe_write
from tfdojo.core.errors import TfdojoError
from tfdojo.core.safe_write import (
    FIGURE,
    KERAS,
    PAGE,
    TFLITE,
    Output,
    check_name,
    inside,
    new_folder,
    prepare,
)

THINGS = Output("things", "a folder of things")
LEGACY = Output("legacy", "a legacy folder", names=frozenset({"a.txt", "b.txt"}), marked=False)


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(TfdojoError) as info:
        call(*args, **kwargs)
    return str(info.value)


# -- names ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["cnn", "my-model_2", "été", ".hidden", "a..b", "x" * 100])
def test_a_plain_name_is_kept(name):
    assert check_name(name, "model.name") == name


@pytest.mark.parametrize(
    "name, problem",
    [
        ("../../escaped", "expected a name without '/', '\\' or a drive (it names a folder)"),
        ("/tmp/x", "expected a name without '/', '\\' or a drive (it names a folder)"),
        ("a\\b", "expected a name without '/', '\\' or a drive (it names a folder)"),
        ("C:x", "expected a name without '/', '\\' or a drive (it names a folder)"),
        ("..", "expected a name (it names a folder), not empty, '.' or '..'"),
        (".", "expected a name (it names a folder), not empty, '.' or '..'"),
        ("", "expected a name (it names a folder), not empty, '.' or '..'"),
        ("  ", "expected a name (it names a folder), not empty, '.' or '..'"),
        ("a\nb", "expected a name without control characters (it names a folder)"),
        ("a\x00b", "expected a name without control characters (it names a folder)"),
        ("evil\u202etxt", "expected a name without control characters (it names a folder)"),
        ("x" * 101, "expected a name of at most 100 characters (it names a folder)"),
    ],
)
def test_a_name_that_is_not_one_path_component_is_refused(name, problem):
    assert refused(check_name, name, "model.name") == f"model.name: {problem}, received {name!r}"


def test_a_name_that_is_not_text_is_refused():
    assert refused(check_name, 3, "model.name") == "model.name: expected a name (text), received 3"


# -- inside a folder --------------------------------------------------------------------------


def test_inside_gives_the_path_and_refuses_a_link_in_the_way(tmp_path):
    run = tmp_path / "run"
    (run / "report").mkdir(parents=True)
    assert inside(run, "report", "report.html") == run / "report" / "report.html"
    assert inside(run, "report/curves.png") == run / "report" / "curves.png"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (run / "report").rmdir()
    (run / "report").symlink_to(elsewhere)
    assert refused(inside, run, "report", "report.html") == (
        f"{run / 'report'} is a link (to {elsewhere}); tfdojo writes only inside {run}, "
        "never through a link"
    )
    (run / "weights.npz").symlink_to(tmp_path / "nowhere")  # a dangling link too
    assert "is a link (to" in refused(inside, run, "weights.npz")


@pytest.mark.parametrize("name", ["..", "../x", "/etc/passwd", "a/../../b"])
def test_inside_refuses_a_name_that_leads_out(tmp_path, name):
    assert refused(inside, tmp_path, name) == (
        f"{tmp_path / name}: expected a path inside {tmp_path}"
    )


# -- preparing an output path -----------------------------------------------------------------


def test_a_new_path_or_an_empty_folder_may_be_written(tmp_path):
    assert prepare(tmp_path / "new", THINGS) == tmp_path / "new"
    (tmp_path / "empty").mkdir()
    assert prepare(tmp_path / "empty", THINGS) == tmp_path / "empty"
    assert prepare(tmp_path / "new.tflite", TFLITE) == tmp_path / "new.tflite"


def test_what_tfdojo_did_not_write_is_never_replaced(tmp_path):
    docs = tmp_path / "mydocs"
    (docs / "thesis").mkdir(parents=True)
    (docs / "notes.txt").write_text("mine")
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "empty").mkdir()
    for path, output in (
        (docs, THINGS),
        (tmp_path / "notes.txt", THINGS),
        (tmp_path / "notes.txt", TFLITE),
        (tmp_path / "empty", TFLITE),  # an empty folder is not a file
    ):
        for overwrite in (False, True):
            assert refused(prepare, path, output, overwrite) == (
                f"--out: {path} already exists and is not {output.what} written by tfdojo; "
                "refusing to replace it (name a new path)"
            )
    assert (docs / "notes.txt").read_text() == "mine"


def test_what_tfdojo_wrote_is_replaced_with_overwrite_only(tmp_path):
    folder = tmp_path / "things"
    with new_folder(folder, THINGS) as tmp:
        (tmp / "a.txt").write_text("1")
    assert refused(prepare, folder, THINGS, option="--report") == (
        f"--report: {folder} already exists; add --overwrite to replace it"
    )
    assert prepare(folder, THINGS, overwrite=True) == folder
    other = Output("other", "a folder of others")
    assert "is not a folder of others written by tfdojo" in refused(prepare, folder, other, True)


def test_a_link_or_the_current_folder_is_refused(tmp_path, monkeypatch):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert refused(prepare, tmp_path / "link", THINGS, True) == (
        f"--out: {tmp_path / 'link'} is a link (to {tmp_path / 'real'}); name a path that is "
        "not a link: tfdojo never writes through one"
    )
    here = tmp_path / "here"
    here.mkdir()
    (here / "keep.txt").write_text("x")
    monkeypatch.chdir(here)
    for path in (".", "..", str(here)):
        assert refused(prepare, path, THINGS, True) == (
            f"--out: {path} is the current folder or holds it; name a new folder instead"
        )


def test_an_unmarked_folder_of_known_names_is_recognised(tmp_path):
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "a.txt").write_text("1")
    assert prepare(folder, LEGACY, overwrite=True) == folder
    (folder / "c.txt").write_text("mine")
    assert "is not a legacy folder written by tfdojo" in refused(prepare, folder, LEGACY, True)


# -- recognising tfdojo's files ---------------------------------------------------------------


def test_files_are_recognised_by_their_format(tmp_path):
    flat = tmp_path / "m.tflite"
    flat.write_bytes(b"\x1c\x00\x00\x00TFL3" + bytes(100))
    assert TFLITE.written_by_tfdojo(flat) and not KERAS.written_by_tfdojo(flat)
    keras = tmp_path / "m.keras"
    with zipfile.ZipFile(keras, "w") as z:
        z.writestr("config.json", "{}")
        z.writestr("model.weights.h5", b"")
        z.writestr("metadata.json", "{}")
    assert KERAS.written_by_tfdojo(keras) and not TFLITE.written_by_tfdojo(keras)
    other_zip = tmp_path / "other.keras"
    with zipfile.ZipFile(other_zip, "w") as z:
        z.writestr("thesis.tex", "mine")
    assert not KERAS.written_by_tfdojo(other_zip)
    page = tmp_path / "p.html"
    page.write_text(
        f'<!DOCTYPE html>\n<html><head><meta name="generator" content="tfdojo {__version__}">'
    )
    assert PAGE.written_by_tfdojo(page)
    page.write_text("<html><body>mine</body></html>")
    assert not PAGE.written_by_tfdojo(page)
    (tmp_path / "link.tflite").symlink_to(flat)
    assert not TFLITE.written_by_tfdojo(tmp_path / "link.tflite")  # never through a link


@pytest.mark.parametrize("fmt", ["png", "pdf", "svg"])
def test_figures_are_stamped_and_recognised(tmp_path, fmt):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([1, 2])
    path = tmp_path / f"grid.{fmt}"
    safe_write.save_figure(fig, path)
    assert FIGURE.written_by_tfdojo(path)
    assert refused(safe_write.save_figure, fig, path) == (
        f"--out: {path} already exists; add --overwrite to replace it"
    )
    assert safe_write.save_figure(fig, path, overwrite=True) == path
    plain = tmp_path / f"plain.{fmt}"
    fig.savefig(plain, format=fmt)  # matplotlib's own stamp, not tfdojo's
    assert not FIGURE.written_by_tfdojo(plain)
    assert "is not a figure written by tfdojo" in refused(safe_write.save_figure, fig, plain, True)
    assert refused(safe_write.check_figure, tmp_path / "grid.txt") == (
        f"--out: expected a .png, .pdf or .svg file, received '{tmp_path / 'grid.txt'}'"
    )


# -- a folder written whole -------------------------------------------------------------------


def test_a_folder_is_written_whole_and_marked(tmp_path):
    folder = tmp_path / "things"
    with new_folder(folder, THINGS) as tmp:
        (tmp / "a.txt").write_text("1")
    assert sorted(p.name for p in folder.iterdir()) == [".tfdojo", "a.txt"]
    marker = json.loads((folder / ".tfdojo").read_text())
    assert marker == {"created_by": "tfdojo", "kind": "things", "tfdojo_version": __version__}
    assert folder.stat().st_mode & 0o777 == 0o777 & ~atomic.umask()
    with new_folder(folder, THINGS, overwrite=True) as tmp:
        (tmp / "b.txt").write_text("2")
    assert sorted(p.name for p in folder.iterdir()) == [".tfdojo", "b.txt"]  # replaced whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["things"]  # nothing else left
    with new_folder(tmp_path / "legacy", LEGACY) as tmp:
        (tmp / "a.txt").write_text("1")
    assert sorted(p.name for p in (tmp_path / "legacy").iterdir()) == ["a.txt"]  # unmarked


def test_a_failure_leaves_the_earlier_folder_and_nothing_else(tmp_path):
    folder = tmp_path / "things"
    with new_folder(folder, THINGS) as tmp:
        (tmp / "a.txt").write_text("old")
    with (
        pytest.raises(RuntimeError, match="failed halfway"),
        new_folder(folder, THINGS, overwrite=True) as tmp,
    ):
        (tmp / "a.txt").write_text("new")
        raise RuntimeError("failed halfway")
    assert (folder / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["things"]


def test_disk_full_while_marking_leaves_the_earlier_folder(tmp_path, monkeypatch):
    folder = tmp_path / "things"
    with new_folder(folder, THINGS) as tmp:
        (tmp / "a.txt").write_text("old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(TfdojoError) as info, new_folder(folder, THINGS, overwrite=True) as tmp:
        (tmp / "a.txt").write_text("new")
    assert str(info.value) == (
        f"{tmp_path / 'things'}: no space left on the device while writing; nothing was written"
    )
    assert (folder / "a.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["things"]


def test_remove_deletes_only_what_tfdojo_wrote(tmp_path):
    folder = tmp_path / "things"
    with new_folder(folder, THINGS):
        pass
    safe_write.remove(folder, THINGS)
    assert not folder.exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "x").write_text("x")
    assert refused(safe_write.remove, mine, THINGS) == (
        f"{mine}: not a folder of things written by tfdojo; refusing to delete it"
    )
    assert (mine / "x").exists()


def test_a_marker_that_is_not_tfdojos_is_not_trusted(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / ".tfdojo").write_text(json.dumps({"created_by": "someone", "kind": "things"}))
    assert not THINGS.written_by_tfdojo(folder)
    (folder / ".tfdojo").write_text("[1, 2]")
    assert not THINGS.written_by_tfdojo(folder)
    (folder / ".tfdojo").unlink()
    (folder / ".tfdojo").symlink_to(Path(os.devnull))
    assert not THINGS.written_by_tfdojo(folder)
