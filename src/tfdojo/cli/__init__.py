"""The ``tfdojo`` command: :func:`main` parses, calls one library function, prints."""

from tfdojo.cli.main import main

__all__ = ["main"]
