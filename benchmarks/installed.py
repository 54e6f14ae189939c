"""Measure llmspell as an installed copy runs: with its modules' bytecode compiled.

Installers (pip, a .deb or .rpm) compile every module. A checkout run with
PYTHONDONTWRITEBYTECODE=1 (set on these machines) compiles each llmspell module again
at every process start, about 30 ms per start, which no user pays. Benchmarks that
start llmspell processes call ``use_compiled_bytecode()`` first.
"""

from __future__ import annotations

import compileall
import os
import sys


def use_compiled_bytecode() -> None:
    """Compile the llmspell package (as pip does) and let child processes use it."""
    import llmspell

    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False
    compileall.compile_dir(os.path.dirname(llmspell.__file__), quiet=1)
