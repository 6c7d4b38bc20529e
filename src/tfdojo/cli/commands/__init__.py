"""One module per command; each declares its name and defines ``register(subparsers)``."""
