"""The filesystem tool family: every path is confined by :mod:`llmspell.tools.paths`."""

from . import archive, converter, operations, search, watcher  # noqa: F401  (registers tools)
