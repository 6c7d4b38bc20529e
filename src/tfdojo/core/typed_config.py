"""One typed config, defaults in one place, layered overrides.

A config is a (possibly nested) frozen dataclass. Its defaults live in the class;
a TOML file overrides some fields, then ``--set key=value`` overrides some more::

    cfg = layered(TrainConfig, toml_path="exp.toml", sets=["lr=0.05", "model.hidden=512,256"])

Unknown keys are refused with the list of valid ones; values are checked against
the field's type and the message echoes what was received. :func:`to_dict` gives
the resolved config to save beside a run's outputs.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import tomllib
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from tfdojo.core.errors import TfdojoError
from tfdojo.core.safe_read import MissingFile, read_text

T = TypeVar("T")


def to_dict(cfg: Any) -> dict[str, Any]:
    """The config as plain JSON-ready data (tuples become lists)."""
    return json.loads(json.dumps(dataclasses.asdict(cfg)))


def field_names(cls: type) -> list[str]:
    """Every settable key of ``cls``, nested ones dotted (``optimizer.lr``)."""
    names: list[str] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            names += [f"{f.name}.{sub}" for sub in field_names(tp)]
        else:
            names.append(f.name)
    return names


def _unknown(key: str, cls: type, where: str, prefix: str = "") -> TfdojoError:
    valid = [prefix + name for name in field_names(cls)]
    close = difflib.get_close_matches(prefix + key, valid, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return TfdojoError(
        f"{where}: unknown config key {prefix + key!r}{hint}; valid keys: {', '.join(valid)}"
    )


def _coerce(value: Any, tp: Any, key: str, where: str) -> Any:
    """Check/convert ``value`` (from TOML or a --set string) to the type ``tp``."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    bad = TfdojoError(f"{where}: {key} expects {_type_name(tp)}, received {value!r}")
    if origin in (typing.Union, types.UnionType):
        is_none = value is None or (isinstance(value, str) and value.lower() in ("none", "null"))
        if is_none and type(None) in args:
            return None
        for arg in (a for a in args if a is not type(None)):
            try:
                return _coerce(value, arg, key, where)
            except TfdojoError:
                continue
        raise bad
    if origin is typing.Literal:
        if value in args:
            return value
        raise TfdojoError(
            f"{where}: {key} expects one of {', '.join(map(repr, args))}, received {value!r}"
        )
    if origin in (tuple, list):
        items = value
        if isinstance(value, str):
            text = value.strip().strip("[]()")
            items = [s.strip() for s in text.split(",") if s.strip()] if text else []
        if not isinstance(items, list | tuple):
            raise bad
        item_type = args[0] if args else str
        return tuple(_coerce(v, item_type, key, where) for v in items)
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "1", "yes", "on"):
            return True
        if isinstance(value, str) and value.lower() in ("false", "0", "no", "off"):
            return False
        raise bad
    if tp is int:
        if isinstance(value, bool):
            raise bad
        if isinstance(value, int):
            return value
        try:
            return int(str(value).replace("_", ""))
        except ValueError:
            raise bad from None
    if tp is float:
        if isinstance(value, bool):
            raise bad
        try:
            return float(value)
        except (TypeError, ValueError):
            raise bad from None
    if tp is str:
        if isinstance(value, str):
            return value
        raise bad
    return value


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin in (tuple, list):
        return "a comma-separated list"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in typing.get_args(tp))
    if tp is type(None):
        return "none"
    return {int: "a whole number", float: "a number", bool: "true/false", str: "a string"}.get(
        tp, getattr(tp, "__name__", str(tp))
    )


def replace(cfg: T, overrides: dict[str, Any], where: str = "config", prefix: str = "") -> T:
    """Return ``cfg`` with ``overrides`` (nested dicts or dotted keys) applied and checked.

    ``prefix`` (``"model."``) is how messages name the keys of a nested section.
    """
    cls = type(cfg)
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    changes: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for key, value in overrides.items():
        head, _, rest = key.partition(".")
        if head not in names:
            raise _unknown(key, cls, where, prefix)
        if dataclasses.is_dataclass(hints[head]):
            if rest:
                nested.setdefault(head, {})[rest] = value
            elif isinstance(value, dict):
                nested.setdefault(head, {}).update(value)
            else:
                raise TfdojoError(f"{where}: {key} is a section; set one of its keys ({key}.x=...)")
        elif rest or isinstance(value, dict):
            raise _unknown(key, cls, where, prefix)
        else:
            changes[head] = _coerce(value, hints[head], prefix + key, where)
    for head, sub in nested.items():
        changes[head] = replace(getattr(cfg, head), sub, where, f"{prefix}{head}.")
    new = dataclasses.replace(cfg, **changes)
    check = getattr(new, "validate", None)
    if callable(check):
        check()
    return new


def parse_sets(sets: list[str] | None) -> dict[str, str]:
    """``["a=1", "b.c=x"]`` -> ``{"a": "1", "b.c": "x"}``; each must contain ``=``."""
    out: dict[str, str] = {}
    for item in sets or []:
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise TfdojoError(f"--set: expected key=value, received {item!r}")
        out[key.strip()] = value.strip()
    return out


MAX_TOML_BYTES = 1 << 20
"""Largest TOML config read: 1 MiB (a config sets a few dozen keys: a few KB)."""


def read_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML config file (a regular UTF-8 file of at most :data:`MAX_TOML_BYTES`);
    a clear error if it is missing, not a regular file, too large or malformed."""
    path = Path(path)
    try:
        text = read_text(path, MAX_TOML_BYTES, "a TOML config file")
        return tomllib.loads(text)
    except MissingFile:
        raise TfdojoError(f"--config: {path} does not exist") from None
    except TfdojoError as exc:
        raise TfdojoError(f"--config: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise TfdojoError(f"--config: {path} is not valid TOML ({exc})") from None
    except RecursionError:
        raise TfdojoError(f"--config: {path} is not valid TOML (nested too deeply)") from None


def layered(base: T, toml_path: str | Path | None = None, sets: list[str] | None = None) -> T:
    """Defaults (``base``), then a TOML file, then ``--set`` overrides."""
    cfg = base
    if toml_path:
        cfg = replace(cfg, read_toml(toml_path), where=str(toml_path))
    if sets:
        cfg = replace(cfg, parse_sets(sets), where="--set")
    return cfg
