"""The layout rules of ARCHITECTURE.md, checked: every folder in a layer, modules readable in
one sitting, imports at the top unless a comment says why not.

(``make lint`` runs import-linter on the layers themselves.)
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import tfdojo

SRC = Path(tfdojo.__file__).parent
MAX_LINES = 450


def modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "sources" not in p.parts)


def test_every_package_is_in_a_layer_of_the_contract():
    config = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    assert contract["type"] == "layers" and len(contract["layers"]) >= 7
    named = {m.strip() for layer in contract["layers"] for m in layer.split("|")}
    packages = {f"tfdojo.{p.name}" for p in SRC.iterdir() if (p / "__init__.py").is_file()}
    assert named == packages  # a new folder needs its place in the layers
    loose = sorted(p.name for p in SRC.glob("*.py") if p.stem not in ("__init__", "__main__"))
    assert loose == []  # every module lives in a layer's folder


def test_no_module_is_longer_than_one_sitting():
    long = {
        str(p.relative_to(SRC)): n
        for p in modules()
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert long == {}


def test_an_import_inside_a_function_says_why():
    """Imports sit at the top; one inside a function (to keep TensorFlow out of a command
    that answers at once, say) carries its reason: a comment on its line or above its block."""
    silent = []
    for path in modules():
        lines = path.read_text(encoding="utf-8").splitlines()
        for fn in ast.walk(ast.parse("\n".join(lines))):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(fn):
                if not isinstance(node, ast.Import | ast.ImportFrom):
                    continue
                i = node.lineno - 1
                above = i - 1
                while above >= 0 and lines[above].strip().startswith(("from ", "import ")):
                    above -= 1
                if "#" not in lines[i] and not lines[above].strip().startswith("#"):
                    silent.append(f"{path.relative_to(SRC)}:{node.lineno}: {lines[i].strip()}")
    assert silent == []
