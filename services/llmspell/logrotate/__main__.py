"""``python -m llmspell.logrotate``: same as the ``llmspell-logrotate`` command."""

from .main import main

raise SystemExit(main())
