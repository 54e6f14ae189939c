"""llmspell: run Lua scripts with built-in tools, from the shell or as a Jupyter kernel.

Usage:
  llmspell run [options] SCRIPT [ARGS...]
  llmspell exec [options] CODE
  llmspell tool list [options] [--category=CAT]
  llmspell tool info [options] NAME
  llmspell tool invoke [options] NAME [--params=JSON5]
  llmspell tool search [options] QUERY...
  llmspell tool test [options] NAME
  llmspell config show [options]
  llmspell config validate [options] [FILE]
  llmspell config init [options] [--force] [FILE]
  llmspell version [options] [--verbose]
  llmspell (-h | --help)

Options:
  -c FILE, --config=FILE  Configuration file, layered over /etc/llmspell/llmspell.toml
                          and ~/.llmspell/llmspell.toml.
  --format=FMT            Output format: table or json [default: table].
  --params=JSON5          Tool parameters as a JSON5 object, e.g. "{input: '2+2'}" [default: {}].
  --category=CAT          Only tools of this category.
  --traceback             Show the Lua traceback of a failing script.
  --force                 Overwrite an existing file.
  --verbose               More detail.
  -h, --help              Show this help.

Exit status: 0 success, 1 script or tool error, 2 usage or configuration error.
"""

from __future__ import annotations

import sys

from docopt import DocoptExit, docopt

from .output import CliError


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``llmspell`` executable."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = docopt(__doc__, argv=argv, default_help=True)
    except DocoptExit as exc:
        sys.stderr.write(f"{str(exc).strip()}\n")
        return 2
    if args["--format"] not in ("table", "json"):
        sys.stderr.write(f"error: --format must be table or json, not {args['--format']!r}\n")
        return 2
    try:
        return _dispatch(args)
    except CliError as exc:
        sys.stderr.write(f"error: {exc.message}\n")
        return exc.code
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return 1


def _dispatch(args: dict) -> int:
    if args["run"] or args["exec"]:
        from . import run_cmd
        return run_cmd.run(args)
    if args["tool"]:
        from . import tool_cmd
        return tool_cmd.run(args)
    if args["config"]:
        from . import config_cmd
        return config_cmd.run(args)
    if args["version"]:
        from . import version_cmd
        return version_cmd.run(args)
    raise CliError("nothing to do; see llmspell --help", 2)


if __name__ == "__main__":
    sys.exit(main())
