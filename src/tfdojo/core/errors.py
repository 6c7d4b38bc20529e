"""The one exception a user should ever see, printed as one line by the CLI."""


class TfdojoError(Exception):
    """A problem with the user's input or environment, not a bug in tfdojo.

    The message names the input and what was expected, e.g.
    ``--threads: expected a whole number >= 1, received '0'``. The CLI prints it
    as ``tfdojo: error: <message>`` and exits with status 2, without a traceback.
    """


def first_line(exc: BaseException, limit: int = 200) -> str:
    """The first line of a library's exception (TensorFlow's run to pages), at most ``limit``
    characters, or its type's name when it has no message; for one-line errors, e.g.
    ``TfdojoError(f"{path}: not a readable image ({first_line(exc)})")``."""
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:limit]
