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
  llmspell kernel start [options] [--port=PORT] [--ip=IP] [--connection-file=FILE]
                        [--daemon] [--id=ID] [--pid-file=FILE] [--log-dir=DIR]
  llmspell kernel status [options] [INSTANCE]
  llmspell kernel list [options]
  llmspell kernel stop [options] [INSTANCE | --all] [--timeout=S]
  llmspell kernel connect [options] [INSTANCE]
  llmspell kernel (enable | disable) [options] PORT [--ip=IP]
  llmspell kernelspec install [options] [--user | --sys-prefix | --prefix=DIR]
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
  --port=PORT             Kernel base port: shell=PORT ... hb=PORT+4 (0: OS-chosen).
  --ip=IP                 Address the kernel binds (default: kernel.ip, 127.0.0.1).
  --connection-file=FILE  Kernel connection file: written with --port, else read.
  --daemon                Run the kernel in the background (needs --port); exits once it
                          answers kernel_info, printing its PID, ports and connection file.
  --id=ID                 Kernel instance id, naming its saved state (default: the port).
  --pid-file=FILE         Daemon PID file (default: kernel-PORT.pid in the runtime dir).
  --log-dir=DIR           Daemon logs go to DIR/kernel-PORT/ (default: from config).
  --all                   Every kernel daemon of this user.
  --timeout=S             Seconds to wait after SIGTERM before SIGKILL [default: 10].
  --user                  Install for this user (the default).
  --sys-prefix            Install into this Python environment (sys.prefix).
  --prefix=DIR            Install into DIR/share/jupyter.
  -h, --help              Show this help.

Exit status: 0 success, 1 script or tool error, 2 usage or configuration error.
"""

from __future__ import annotations

import re
import sys

from docopt import DocoptExit, docopt

from .output import CliError


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``llmspell`` executable."""
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = docopt(__doc__, argv=argv, default_help=True)
    except DocoptExit as exc:
        sys.stderr.write(f"error: {_usage_error(exc, argv)}\n")
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


def _usage_error(exc: DocoptExit, argv: list[str]) -> str:
    """One line for a command line docopt rejected: what is wrong, and the usage of the
    command that was meant (docopt's own message is the whole usage block)."""
    detail = str(exc).split("Usage:")[0].strip()
    if not detail or detail.startswith("Warning: found unmatched"):
        options = re.findall(r"Option\([^,]*, '([^']+)'", detail)
        detail = f"unknown option {', '.join(options)}" if options else "invalid arguments"
    words = [a for a in argv if not a.startswith("-")]
    forms = [line.strip() for line in __doc__.split("Usage:")[1].split("\n\n")[0].splitlines()
             if line.strip().startswith("llmspell ")]
    for depth in (2, 1):
        prefix = ["llmspell", *words[:depth]]
        meant = [f for f in forms if f.split()[:len(prefix)] == prefix]
        if len(words) >= depth and meant:
            return f"{detail}; usage: {' | '.join(meant)}"
    if words and not any(f.split()[1] == words[0] for f in forms):
        return f"unknown command '{words[0]}'; see 'llmspell --help'"
    return f"{detail}; see 'llmspell --help'"


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
    if args["kernel"] and (args["enable"] or args["disable"]):
        from . import systemd_cmd  # socket activation units for llmspell@PORT
        return systemd_cmd.run(args)
    if args["kernel"] and not args["start"]:
        from . import kernel_admin  # status, list, stop, connect (INSTANCE: id, port or file)
        return kernel_admin.run(args)
    if args["kernel"]:
        from . import kernel_cmd
        return kernel_cmd.run(args)
    if args["kernelspec"]:
        from . import kernelspec_cmd
        return kernelspec_cmd.run(args)
    raise CliError("nothing to do; see llmspell --help", 2)


if __name__ == "__main__":
    sys.exit(main())
