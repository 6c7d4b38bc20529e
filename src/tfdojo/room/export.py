"""``tfdojo dojo export``: the room, for after the evening, as CSV, JSON and a summary page.

Reads the room's SQLite file (while the server runs or after: SQLite lets a reader in
beside the writer) and writes three files into the folder named::

    tfdojo-room-verdicts.csv    one row per verdict (server time, learner, the fields)
    tfdojo-room.json            learners, verdicts, shared files, the summary
    tfdojo-room-summary.html    the retrospective: time per kata, causes, hints

A CSV cell a learner wrote that starts like a formula (``=``, ``+``, ``-``, ``@``) is
written with a leading ``'``, so a spreadsheet shows it instead of computing it.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from tfdojo.core.atomic import ensure_dir, write_text
from tfdojo.core.errors import TfdojoError
from tfdojo.room.board import iso
from tfdojo.room.store import VERDICT_FIELDS, Store
from tfdojo.room.summary import summarize, summary_page

CSV_NAME = "tfdojo-room-verdicts.csv"
JSON_NAME = "tfdojo-room.json"
HTML_NAME = "tfdojo-room-summary.html"
COLUMNS = ("id", "received", "name", *VERDICT_FIELDS, "pilot")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A CSV cell: text that a spreadsheet would take for a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def verdicts_csv(verdicts: list[dict[str, Any]]) -> str:
    """The verdicts as CSV text, one row each, :data:`COLUMNS` in order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for v in verdicts:
        row = {**v, "received": iso(v["received"])}
        writer.writerow([cell(row[c]) for c in COLUMNS])
    return out.getvalue()


def export(db: str | os.PathLike, out: str | os.PathLike) -> list[Path]:
    """Write the room of ``db`` into the folder ``out``; the paths written.

    Raises:
        TfdojoError: ``db`` is missing or not a room.
    """
    db = Path(db)
    if not db.is_file():
        raise TfdojoError(f"--db: {db}: no room here; expected the file `tfdojo dojo serve` used")
    store = Store(db)
    try:
        info = store.open_room(None)
        learners = store.learners()
        verdicts = store.verdicts()
        shares = [store.share(s["id"]) for s in store.shares()]
    finally:
        store.close()
    summary = summarize(learners, verdicts, info["katas"])
    folder = ensure_dir(out)
    document = {
        "katas": info["katas"],
        "created": iso(info["created"]),
        "learners": [{"name": x["name"], "joined": iso(x["joined"])} for x in learners],
        "verdicts": [
            {c: (iso(v[c]) if c == "received" else v[c]) for c in COLUMNS} for v in verdicts
        ],
        "shares": [{**s, "received": iso(s["received"])} for s in shares],
        "summary": summary,
    }
    return [
        write_text(folder / CSV_NAME, verdicts_csv(verdicts)),
        write_text(folder / JSON_NAME, json.dumps(document, indent=1, ensure_ascii=False) + "\n"),
        write_text(folder / HTML_NAME, summary_page(summary)),
    ]
