"""One look for every page tfdojo writes (a run's report, a comparison, a lesson): the CSS
and the pieces the pages are built of, every value escaped on its way in.

Pages are self-contained files: figures are embedded as base64 PNGs, nothing is fetched.
"""

from __future__ import annotations

import base64
import html
from typing import Any

from tfdojo import __version__
from tfdojo.core.safe_write import STAMP

CSS = """
:root { --ink: #1f2328; --muted: #59636e; --line: #d8dee4; --bg: #f6f8fa;
        --train: #1f77b4; --valid: #ff7f0e; --right: #2ca02c; --wrong: #d62728;
        --a: #6a51a3; --b: #1b9e77; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 15px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif; }
header { background: #24292f; color: white; padding: 22px 0 18px; }
header .wrap { display: flex; justify-content: space-between; align-items: baseline; gap: 16px;
               flex-wrap: wrap; }
header h1 { margin: 0; font-size: 24px; font-weight: 600; }
header .sub { color: #c9d1d9; font-size: 14px; }
.wrap { max-width: 1080px; margin: 0 auto; padding: 0 24px; }
main { padding: 20px 0 40px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap: 12px;
         margin-bottom: 18px; }
.card { background: white; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase;
               letter-spacing: .04em; }
.card .value { font-size: 26px; font-weight: 600; margin-top: 2px; }
.card .note { color: var(--muted); font-size: 13px; }
.card.hero .value { color: var(--right); font-size: 30px; }
section { background: white; border: 1px solid var(--line); border-radius: 8px;
          padding: 16px 20px 18px; margin-bottom: 18px; }
section h2 { margin: 0 0 4px; font-size: 18px; }
section p.caption { margin: 0 0 12px; color: var(--muted); font-size: 14px; max-width: 860px; }
figure { margin: 0; text-align: center; }
figure img { max-width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 14px; }
td, th { padding: 4px 14px 4px 0; text-align: left; vertical-align: top;
         border-bottom: 1px solid #eef1f4; }
th { color: var(--muted); font-weight: 500; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 13px/1.4 "DejaVu Sans Mono", Menlo, Consolas, monospace; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; }
table { display: block; overflow-x: auto; max-width: 100%; }
@media (max-width: 600px) { .wrap { padding: 0 10px; } section { padding: 12px; } }
.config { columns: 2 320px; column-gap: 32px; }
.config div { break-inside: avoid; display: flex; justify-content: space-between; gap: 12px;
              border-bottom: 1px solid #eef1f4; padding: 3px 0; }
.config span.k { color: var(--muted); }
.verdict { font-size: 16px; margin: 6px 0; }
.ok { color: var(--right); font-weight: 600; }
.ko { color: var(--wrong); font-weight: 600; }
footer { color: var(--muted); font-size: 12px; padding: 0 0 30px; }
"""


def e(value: Any) -> str:
    """``value`` as HTML text: ``<``, ``>``, ``&`` and quotes escaped."""
    return html.escape(str(value), quote=True)


def img(png: bytes, alt: str) -> str:
    """An ``<img>`` holding ``png`` itself (a data URL)."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{e(alt)}">'


def card(label: str, value: str, note: str = "", hero: bool = False) -> str:
    """A figure card: ``label`` (escaped) over ``value`` and ``note`` (HTML, escaped by the
    caller)."""
    cls = "card hero" if hero else "card"
    note_html = f'<div class="note">{note}</div>' if note else ""
    return (
        f'<div class="{cls}"><div class="label">{e(label)}</div>'
        f'<div class="value">{value}</div>{note_html}</div>'
    )


def figure_section(name: str, title: str, caption: str, png: bytes) -> str:
    """A section holding one figure, its title and its caption."""
    return (
        f'<section id="{e(name)}"><h2>{e(title)}</h2>'
        f'<p class="caption">{e(caption)}</p>'
        f"<figure>{img(png, title)}</figure></section>"
    )


def text_section(title: str, text: str) -> str:
    """A section holding preformatted text (a table, a worked example)."""
    return f"<section><h2>{e(title)}</h2><pre><code>{e(text)}</code></pre></section>"


FOOTER = (
    "Intervals: 95% Wilson score. The deck's rule of 30: a change must move at least 30 test "
    "examples to be trusted."
)


def page(title: str, subtitle: str, body: str, footer: str = FOOTER) -> str:
    """A whole page: ``title`` (escaped), ``subtitle`` and ``body`` (HTML)."""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="generator" content="{e(STAMP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>"
        f'<header><div class="wrap"><h1>{e(title)}</h1>'
        f'<div class="sub">{subtitle}</div></div></header>'
        f'<main><div class="wrap">{body}</div></main>'
        f'<footer><div class="wrap">Written by tfdojo {e(__version__)}. {e(footer)}'
        "</div></footer></body></html>\n"
    )
