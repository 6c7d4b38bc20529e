"""A shared kata file as HTML: escaped, highlighted, with line numbers; made on the server.

The colours come from Python's own tokenizer (``tokenize``, the standard library): comments,
strings, numbers, keywords and builtins each get a class, every character goes through
``html.escape``, and nothing of the file is ever run. A file the tokenizer cannot finish (a
learner's half-written string) keeps the colours found so far and the rest plain.
"""

from __future__ import annotations

import builtins
import html
import io
import keyword
import token
import tokenize

KINDS = {
    token.COMMENT: "c",
    token.STRING: "s",
    token.NUMBER: "n",
    **{
        getattr(token, name): "s"
        for name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END")
        if hasattr(token, name)
    },
}
BUILTINS = frozenset(dir(builtins))


def _kind(tok: tokenize.TokenInfo) -> str | None:
    if tok.type == token.NAME:
        if keyword.iskeyword(tok.string):
            return "k"
        return "b" if tok.string in BUILTINS else None
    return KINDS.get(tok.type)


def classes(text: str) -> list[str | None]:
    """The class of every character of ``text`` (``None``: plain)."""
    starts = [0]
    for line in text.split("\n"):  # the lines readline gives the tokenizer
        starts.append(starts[-1] + len(line) + 1)
    kinds: list[str | None] = [None] * len(text)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = _kind(tok)
            if kind is None:
                continue
            (r0, c0), (r1, c1) = tok.start, tok.end
            begin, end = starts[r0 - 1] + c0, starts[r1 - 1] + c1
            kinds[begin:end] = [kind] * (end - begin)
    except (tokenize.TokenError, SyntaxError, IndexError):
        pass  # the learner's file stops mid-way: the rest stays plain
    return kinds


def highlight(text: str) -> str:
    """``text`` as ``<pre class="code">``: one ``<span class="line" data-n="N">`` per line
    (the number is drawn by CSS, so copying the code copies no numbers), tokens in
    ``<span class="k|b|s|n|c">``, everything escaped."""
    kinds = classes(text)
    out, at = [], 0
    for n, line in enumerate(text.split("\n"), start=1):
        parts, i = [], 0
        while i < len(line):
            kind = kinds[at + i]
            j = i
            while j < len(line) and kinds[at + j] == kind:
                j += 1
            piece = html.escape(line[i:j], quote=True)
            parts.append(f'<span class="{kind}">{piece}</span>' if kind else piece)
            i = j
        out.append(f'<span class="line" data-n="{n}">{"".join(parts)}</span>')
        at += len(line) + 1
    return '<pre class="code">' + "\n".join(out) + "</pre>"
