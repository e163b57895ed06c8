"""Placeholder for the ``forecast model`` commands (the lead overwrites this file)."""


def register(subparsers):  # noqa: ANN001
    """Register nothing yet."""
