"""process-executor: run one allowlisted program, no shell, clean environment, time and
output limits, working directory confined to the allowed roots."""

from __future__ import annotations

import os

from ..base import Example, ToolContext, ToolError, tool
from ..paths import resolve_path
from . import runner
from .sensitive import is_secret_name

CLEAN_PATH = "/usr/bin:/bin"
BASE_ENV = {"PATH": CLEAN_PATH, "LANG": "C.UTF-8"}

# Variables that make programs load code or change how they parse input: never passed.
_LOADER_PREFIXES = ("LD_", "DYLD_", "GLIBC_", "MALLOC_", "PYTHON", "PERL", "RUBY", "NODE_",
                    "LUA_", "BASH_", "JAVA_", "_JAVA", "GCONV", "GIT_", "SSL_")
_LOADER_NAMES = frozenset({"PATH", "IFS", "ENV", "SHELLOPTS", "BASHOPTS", "PS4", "CDPATH",
                           "PROMPT_COMMAND", "LOCPATH", "NLSPATH", "HOSTALIASES",
                           "RESOLV_HOST_CONF", "TMPDIR", "HOME", "SHELL", "EDITOR", "VISUAL",
                           "PAGER", "LESSOPEN", "LESSCLOSE", "TERMINFO", "TZDIR"})
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"

SCHEMA = {
    "properties": {
        "program": {"type": "string", "minLength": 1, "maxLength": 4096,
                    "description": "an allowlisted program name (tools.process_allowlist)"},
        "args": {"type": "array", "items": {"type": "string"}, "maxItems": 4096, "default": []},
        "cwd": {"type": "string", "minLength": 1, "default": ".",
                "description": "working directory inside the allowed roots"},
        "env": {"type": "object", "maxProperties": 64, "default": {},
                "propertyNames": {"pattern": _ENV_NAME},
                "additionalProperties": {"type": "string"},
                "description": "extra variables; secret-looking and loader names are refused"},
        "input": {"type": "string", "description": "text sent to the program's stdin"},
        "timeout": {"type": "number", "exclusiveMinimum": 0,
                    "description": "seconds before the program is killed (at most "
                                   "tools.process_timeout)"},
    },
    "required": ["program"],
    "additionalProperties": False,
}


@tool("process-executor", category="system", security_level="privileged", schema=SCHEMA,
      description="Run an allowlisted program with arguments (never a shell) in a clean "
                  "environment, with a timeout, capped stdout/stderr and optional stdin.",
      examples=[
          Example({"program": "echo", "args": ["hello"]}, "Run echo",
                  expect={"exit_code": 0, "stdout": "hello\n"}),
          Example({"program": "cat", "input": "from stdin"}, "Feed text to a program's stdin",
                  expect={"stdout": "from stdin"}),
      ])
def process_executor(params: dict, ctx: ToolContext) -> dict:
    """Run the program and report exit code, output and duration."""
    settings = ctx.settings
    program = resolve_program(params["program"], settings.process_allowlist)
    args = params["args"]
    if any("\x00" in a for a in args):
        raise ToolError("validation_error", "an argument contains a NUL byte")
    env = child_env(params["env"])
    cwd = resolve_path(params["cwd"], settings, must_exist=True)
    if not cwd.is_dir():
        raise ToolError("validation_error", f"cwd '{params['cwd']}' is not a directory")
    stdin = params["input"].encode("utf-8") if "input" in params else None
    if stdin is not None and len(stdin) > settings.max_file_size:
        raise ToolError("validation_error", "input is larger than tools.max_file_size")
    timeout = min(params.get("timeout", settings.process_timeout), settings.process_timeout)
    try:
        done = runner.run([program, *args], cwd=str(cwd), env=env, stdin=stdin,
                          timeout=timeout, max_output=settings.max_output)
    except OSError as exc:
        kind = "permission_denied" if isinstance(exc, PermissionError) else "execution_error"
        raise ToolError(kind, f"cannot start '{params['program']}': {exc.strerror}") from None
    if done.timed_out:
        raise ToolError("timeout", f"'{params['program']}' ran longer than {timeout:g} s and "
                                   "was killed (tools.process_timeout)")
    result = {
        "exit_code": done.exit_code,
        "success": done.exit_code == 0,
        "stdout": done.stdout.decode("utf-8", "replace"),
        "stderr": done.stderr.decode("utf-8", "replace"),
        "truncated": done.stdout_truncated or done.stderr_truncated,
        "stdout_truncated": done.stdout_truncated,
        "stderr_truncated": done.stderr_truncated,
        "duration": round(done.duration, 4),
        "program": program,
    }
    if done.exit_code is not None and done.exit_code < 0:
        result["signal"] = _signal_name(-done.exit_code)
    return result


def resolve_program(program: str, allowlist: list[str]) -> str:
    """The executable to run for ``program``, or permission_denied.

    A bare name must be in the allowlist and is looked up in /usr/bin:/bin only.
    A path is accepted only when it is that same executable (after resolving
    symlinks), so a file of the same name elsewhere is never run.
    """
    import shutil

    name = os.path.basename(program)
    if name in allowlist:
        found = shutil.which(name, path=CLEAN_PATH)
        if "/" not in program:
            if found is None:
                raise ToolError("not_found", f"program '{program}' is allowed but not "
                                             f"installed in {CLEAN_PATH}")
            return found
        if found and os.path.realpath(program) == os.path.realpath(found):
            return found
    allowed = ", ".join(sorted(allowlist)) or "(none)"
    raise ToolError("permission_denied",
                    f"program '{program}' is not allowed; allowed programs: {allowed} "
                    "(tools.process_allowlist, looked up in /usr/bin and /bin)")


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """The clean environment plus ``extra``; refuses secret-looking and loader variables."""
    env = dict(BASE_ENV)
    for name, value in extra.items():
        if is_secret_name(name):
            raise ToolError("permission_denied", f"env variable '{name}' looks like a secret; "
                                                 "secrets are not passed to programs")
        upper = name.upper()
        if upper in _LOADER_NAMES or upper.startswith(_LOADER_PREFIXES):
            raise ToolError("permission_denied", f"env variable '{name}' changes how programs "
                                                 "load code or run; it cannot be set")
        if "\x00" in value:
            raise ToolError("validation_error", f"env variable '{name}' contains a NUL byte")
        env[name] = value
    return env


def _signal_name(number: int) -> str:
    import signal

    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"
