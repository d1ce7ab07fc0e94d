"""Sub-commands of the ``streams`` CLI, one module each.

Each module defines ``register(subparsers) -> None``, which adds its parser(s) and sets
``handler=callable(args, settings) -> int`` as a parser default.
"""
