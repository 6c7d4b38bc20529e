"""The one exception a user should ever see, printed as one line by the CLI."""


class TfdojoError(Exception):
    """A problem with the user's input or environment, not a bug in tfdojo.

    The message names the input and what was expected, e.g.
    ``--threads: expected a whole number >= 1, received '0'``. The CLI prints it
    as ``tfdojo: error: <message>`` and exits with status 2, without a traceback.
    """


def expect(condition: bool, message: str) -> None:
    """Raise :class:`TfdojoError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise TfdojoError(message)


def first_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message (its type's name if it has none), for one-line errors.

    For wrapping what a third-party parser raised on bad input, e.g.
    ``TfdojoError(f"{path}: not a readable image ({first_line(exc)})")``.
    """
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
