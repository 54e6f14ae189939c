"""llmspell.logrotate: the ``llmspell-logrotate`` filter, stdin -> rotated log files.

Modules: ``options`` (CLI + config), ``dirlock`` (one rotator per directory),
``lines`` (line splitting, stamping), ``writer`` (current file, rotation),
``layout`` (file names), ``housekeeper`` (background fsync, retention, gzip),
``compress``, ``retention``, ``signals``, ``pump`` (main loop), ``clock``, ``main``.
"""
