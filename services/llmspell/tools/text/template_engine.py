"""template-engine: Jinja2 templates in an immutable sandbox.

Jinja's own sandbox turns unsafe attribute access (``__class__``, ``mro``,
``list.append`` in the immutable variant) into a silent undefined value; here it
raises, so a template that probes for an escape gets ``permission_denied``
instead of empty output. ``*`` and ``**`` are intercepted so ``'x' * 10**9``
or ``9 ** 9 ** 9`` fail fast (also at compile time: Jinja folds constants), and
rendering runs under :func:`run_bounded` (time and memory limits).
"""

from __future__ import annotations

import functools

from ..base import Example, ToolContext, ToolError, tool
from ..utility._common import invalid
from ._bounded import run_bounded

NAME = "template-engine"
MAX_TEMPLATE = 1024 * 1024
MAX_OUTPUT = 10 * 1024 * 1024
MAX_REPEAT = 1_000_000      # largest string/list a template may build with '*'
MAX_POWER_BITS = 100_000


def _too_large(what: str) -> ToolError:
    return ToolError("execution_error", f"{NAME}: {what} is too large")


def _safe_binop(operator: str, left, right):
    if operator == "**":
        exact = isinstance(left, int) and isinstance(right, int) and abs(left) > 1
        if exact and right > 0 and (abs(left).bit_length() - 1) * right > MAX_POWER_BITS:
            raise _too_large(f"{left} ** {right}")
        return left ** right
    if isinstance(right, int) and hasattr(left, "__len__") and len(left) * right > MAX_REPEAT:
        raise _too_large("repeated sequence")
    if isinstance(left, int) and hasattr(right, "__len__") and len(right) * left > MAX_REPEAT:
        raise _too_large("repeated sequence")
    return left * right


@functools.lru_cache(maxsize=8)
def _environment(strict: bool, autoescape: bool, trim: bool):
    from jinja2 import StrictUndefined, Undefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

    class Environment(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**"])

        def call_binop(self, context, operator, left, right):
            if operator in self.intercepted_binops:
                return _safe_binop(operator, left, right)
            return super().call_binop(context, operator, left, right)

        def unsafe_undefined(self, obj, attribute):
            raise SecurityError(f"access to attribute {attribute!r} of "
                                f"{type(obj).__name__!r} object is not allowed")

    return Environment(undefined=StrictUndefined if strict else Undefined,
                       autoescape=autoescape, trim_blocks=trim, lstrip_blocks=trim,
                       keep_trailing_newline=True)


def _template_line(exc: BaseException) -> str:
    """' (line N)' from the template frames of a traceback, when there is one."""
    tb, line = exc.__traceback__, None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" (line {line})" if line else ""


def _render(env, source: str, variables: dict, max_output: int) -> dict:
    """Compile and render (both in the bounded child: Jinja folds constant filter
    calls at compile time, so compiling ``'a'|center(10**9)`` is already costly)."""
    from jinja2 import TemplateError, TemplateSyntaxError, UndefinedError
    from jinja2.sandbox import SecurityError

    pieces, size = [], 0
    try:
        template = env.from_string(source)
        for piece in template.generate(**variables):
            size += len(piece)
            if size > max_output:
                raise ToolError("execution_error",
                                f"{NAME}: output exceeds max_output ({max_output} characters)")
            pieces.append(piece)
    except TemplateSyntaxError as exc:
        raise invalid(NAME, f"template syntax error on line {exc.lineno}: {exc.message}") from None
    except SecurityError as exc:
        raise ToolError("permission_denied", f"{NAME}: {exc}{_template_line(exc)}") from None
    except UndefinedError as exc:
        raise invalid(NAME, f"{exc}{_template_line(exc)}") from None
    except TemplateError as exc:
        raise ToolError("execution_error", f"{NAME}: {exc}{_template_line(exc)}") from None
    except (ArithmeticError, TypeError, ValueError, LookupError) as exc:
        raise ToolError("execution_error", f"{NAME}: {type(exc).__name__}: {exc}"
                                           f"{_template_line(exc)}") from None
    return {"output": "".join(pieces), "length": size}


@tool(
    NAME,
    category="utility",
    description=("Render a Jinja2 template with variables in an immutable sandbox: loops, "
                 "conditions, filters, macros; strict mode for undefined variables; output, "
                 "time and memory limits; unsafe attribute access is refused."),
    schema={
        "properties": {
            "template": {"type": "string", "maxLength": MAX_TEMPLATE},
            "variables": {"type": "object", "default": {}},
            "strict": {"type": "boolean", "default": False,
                       "description": "an undefined variable is an error, not empty text"},
            "autoescape": {"type": "boolean", "default": False,
                           "description": "HTML-escape substituted values"},
            "trim_blocks": {"type": "boolean", "default": False,
                            "description": "drop the newline after a block tag and the "
                                           "indentation before it"},
            "max_output": {"type": "integer", "minimum": 1, "maximum": MAX_OUTPUT,
                           "default": 1024 * 1024, "description": "characters"},
            "timeout": {"type": "number", "exclusiveMinimum": 0, "maximum": 60, "default": 5},
        },
        "required": ["template"],
        "additionalProperties": False,
    },
    examples=[
        Example({"template": "Hello {{ name }}!", "variables": {"name": "World"}},
                "substitution", {"output": "Hello World!"}),
        Example({"template": "{% for i in items %}{{ i|upper }}{% if not loop.last %}, "
                             "{% endif %}{% endfor %}", "variables": {"items": ["a", "b"]}},
                "loop and filter", {"output": "A, B"}),
        Example({"template": "{{ user | default('guest') }}", "strict": True},
                "defaults work in strict mode", {"output": "guest"}),
    ],
)
def template_engine(params: dict, ctx: ToolContext) -> dict:
    env = _environment(params["strict"], params["autoescape"], params["trim_blocks"])
    source, variables, limit = params["template"], params["variables"], params["max_output"]
    timeout = min(params["timeout"], ctx.settings.timeout)
    return run_bounded(lambda: _render(env, source, variables, limit), timeout=timeout,
                       label=f"{NAME}: rendering")
