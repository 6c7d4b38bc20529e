"""One way to write: every write, replace or delete in src/ goes through core/atomic.py (a file
at a time, atomically) and core/safe_write.py (where a path may be written at all), or is
on the allow-list below with its reason. A new ``open(..., "w")``, ``.write_text(``,
``shutil.rmtree``, ``os.replace`` or ``.unlink()`` elsewhere fails this test until it goes
through them or states here why it may not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import tfdojo

SRC = Path(tfdojo.__file__).parent
ONE_WAY = ("core/atomic.py", "core/safe_write.py")

FUNCTIONS = {
    "shutil.rmtree",
    "shutil.move",
    "shutil.copy",
    "shutil.copy2",
    "shutil.copyfile",
    "shutil.copytree",
    "os.replace",
    "os.rename",
    "os.renames",
    "os.remove",
    "os.unlink",
    "os.rmdir",
    "os.removedirs",
    "os.truncate",
    "os.symlink",
    "os.link",
    "np.save",
    "np.savez",
    "np.savez_compressed",
    "np.savetxt",
    "tf.io.write_file",
    "tf.saved_model.save",
    "tf.train.CheckpointManager",
    "tf.summary.create_file_writer",
}
"""Calls that write or delete, by their dotted name."""
METHODS = {
    "write_text",
    "write_bytes",
    "unlink",
    "rmdir",
    "rename",
    "touch",
    "symlink_to",
    "hardlink_to",
    "savefig",
    "tofile",
}
"""Methods that write or delete (``path.unlink()``, ``fig.savefig(...)``), whatever object."""
WRITE_FLAGS = ("O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC")

ALLOWED = {
    ("runs/writing.py", "open"): "RUN/.lock is opened for flock (its path checked by inside())",
    ("runs/writing.py", "path.unlink"): "RUN/.lock, removed by the process that holds it",
    ("data/download.py", "open"): "the archive's own .part file, appended to when resumed",
    ("data/download.py", "part.unlink"): "the archive's own .part file, damaged or incomplete",
    ("data/download.py", "os.replace"): "the .part file takes the archive's name once its "
    "size and sha256 are checked (a rename: a link there is replaced, never followed)",
    ("engines/replicated/strategy.py", "np.savez"): "a worker's weights, in its own "
    "temporary folder (mkdtemp)",
    ("engines/replicated/strategy.py", "shutil.rmtree"): "the worker's own temporary folder",
    ("engines/replicated/tempdirs.py", "shutil.rmtree"): "temporary folders of workers that "
    "ended, named by tfdojo's prefix and a dead pid",
    ("engines/tensorflow_engine.py", "tf.train.CheckpointManager"): "RUN/ckpt: the run "
    "folder is new or empty, or resumed with no link among its entries (runs.prepare)",
    ("training/tensorboard.py", "tf.summary.create_file_writer"): "RUN/tensorboard, as RUN/ckpt",
    ("training/export.py", "tf.saved_model.save"): "into new_folder()'s temporary folder, "
    "swapped into place whole",
    ("results/plots/base.py", "fig.savefig"): "into a BytesIO: the PNG's bytes in memory",
    ("data/fetch.py", "part.unlink"): "the room's file's own .part, damaged or too long, as "
    "data/download.py's",
    ("data/fetch.py", "os.replace"): "its own staging folder's files, checked against the "
    "manifest, moved into the dataset folder prepare() accepted",
    ("data/fetch.py", "shutil.rmtree"): "its own staging folder, .tfdojo-fetch",
    ("room/client.py", "open"): "the outbox's lock file, opened for flock",
    ("room/client.py", "(folder / name).unlink"): "`tfdojo dojo leave`: the membership and "
    "outbox files tfdojo wrote in the workspace's .tfdojo folder",
    ("room/server.py", "Path(f'{db}{suffix}').unlink"): "the room file this very call created, "
    "when the server then cannot listen: nothing left behind",
}
"""``(module, call)``: why it may write outside core/atomic.py and core/safe_write.py."""


def _mode_writes(node: ast.expr | None) -> bool:
    """Whether an ``open`` mode writes: a literal with w, a, x or +, or one not known here."""
    if node is None:
        return False
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return any(c in node.value for c in "wax+")
    return True


def _mode_arg(call: ast.Call, position: int) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == "mode":
            return kw.value
    return call.args[position] if len(call.args) > position else None


def _atomic_files(tree: ast.AST) -> set[str]:
    """Names bound by ``with atomic_open(...) as NAME``: writing into them is atomic."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                opened = isinstance(call, ast.Call) and ast.unparse(call.func) == "atomic_open"
                if opened and isinstance(item.optional_vars, ast.Name):
                    names.add(item.optional_vars.id)
    return names


def writes_in(source: str) -> list[tuple[int, str]]:
    """``(line, call)`` of every call in ``source`` that writes or deletes a file."""
    tree = ast.parse(source)
    atomic = _atomic_files(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = ast.unparse(node.func)
        method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
        first = node.args[0] if node.args else None
        into_atomic = isinstance(first, ast.Name) and first.id in atomic
        if name == "open" or name == "os.fdopen":
            hit = _mode_writes(_mode_arg(node, 1))
        elif name == "os.open":
            flags = ast.unparse(node.args[1]) if len(node.args) > 1 else ""
            hit = any(flag in flags for flag in WRITE_FLAGS)
        elif method == "open":  # Path.open("w"), gzip.open(p, "wb"), tarfile.open(p, "w")
            literals = [a for a in node.args if isinstance(a, ast.Constant)]
            hit = any(_mode_writes(a) for a in literals if isinstance(a.value, str))
        elif name in FUNCTIONS or method in METHODS:
            hit = not into_atomic
        else:
            hit = False
        if hit:
            found.append((node.lineno, name))
    return found


def test_the_detector_finds_each_way_of_writing():
    source = "\n".join(
        [
            'open(p, "w")',
            "open(p, mode)",
            'open(p, "rb")',
            'Path(p).open("a")',
            'gzip.open(p, "wb")',
            'tarfile.open(p, "r:gz")',
            "os.open(p, os.O_WRONLY | os.O_CREAT)",
            "os.open(p, os.O_RDONLY)",
            "p.write_text(s)",
            "shutil.rmtree(d)",
            "os.replace(a, b)",
            "os.remove(p)",
            "p.unlink()",
            "np.savez(p, **a)",
            "with atomic_open(p) as f:\n    np.savez(f, **a)",
        ]
    )
    assert [line for line, _ in writes_in(source)] == [1, 2, 4, 5, 7, 9, 10, 11, 12, 13, 14]


def test_every_write_goes_one_way_or_says_why():
    found, used = [], set()
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in ONE_WAY:
            continue
        for line, call in writes_in(path.read_text(encoding="utf-8")):
            if (rel, call) in ALLOWED:
                used.add((rel, call))
            else:
                found.append(f"{rel}:{line}: {call}")
    assert found == []
    assert sorted(set(ALLOWED) - used) == []  # no reason left for a write that is gone
