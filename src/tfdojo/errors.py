"""The one exception a user should ever see, printed as one line by the CLI."""


class TfdojoError(Exception):
    """A problem with the user's input or environment, not a bug in tfdojo.

    The message names the input and what was expected, e.g.
    ``--threads: expected a whole number >= 1, received '0'``. The CLI prints it
    as ``tfdojo: error: <message>`` and exits with status 2, without a traceback.
    """
