"""The calculator's numbers: constants, functions and guarded arithmetic.

Integers stay Python ints (exact), but every integer result is capped at
MAX_INT_BITS so a short expression cannot build a number that takes minutes
to compute or cannot be printed (CPython refuses int->str past 4300 digits).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..base import ToolError

MAX_INT_BITS = 12_000          # about 3600 decimal digits
MAX_FACTORIAL = 1000
MAX_ROUND_DIGITS = 300

CONSTANTS = {"pi": math.pi, "e": math.e, "tau": math.tau, "inf": math.inf}


def error(kind: str, message: str) -> ToolError:
    return ToolError(kind, f"calculator: {message}")


def check(value, where: str = ""):
    """Refuse results too large to keep; pass everything else through."""
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise error("execution_error",
                    f"result too large{where} (more than {MAX_INT_BITS} bits)")
    if isinstance(value, complex):
        raise error("execution_error", f"math domain error{where} (complex result)")
    return value


def divide(a, b):
    """True division that keeps exact integer quotients integral (6/2 -> 3)."""
    if b == 0:
        raise ZeroDivisionError
    if isinstance(a, int) and isinstance(b, int):
        quotient, remainder = divmod(a, b)
        if remainder == 0:
            return quotient
    return a / b


def power(base, exponent):
    """``base ^ exponent``: exact for ints with exponent >= 0, float otherwise."""
    if isinstance(base, int) and isinstance(exponent, int):
        if exponent >= 0:
            if abs(base) > 1 and (abs(base).bit_length() - 1) * exponent > MAX_INT_BITS:
                raise error("execution_error",
                            f"result too large: {base}^{exponent} has more than "
                            f"{MAX_INT_BITS} bits")
            return base ** exponent
        if base == 0:
            raise ZeroDivisionError
    if base == 0 and exponent < 0:
        raise ZeroDivisionError
    return math.pow(base, exponent)  # ValueError for (-8)^(1/3), never a complex


def _integral(name: str, value) -> int:
    if isinstance(value, float):
        if not value.is_integer():
            raise error("execution_error", f"{name}() needs an integer, got {value!r}")
        return int(value)
    return value


def _factorial(n):
    n = _integral("factorial", n)
    if n < 0:
        raise error("execution_error", "factorial() is not defined for negative numbers")
    if n > MAX_FACTORIAL:
        raise error("execution_error", f"factorial() argument must be at most {MAX_FACTORIAL}")
    return math.factorial(n)


def _round(x, digits=None):
    if digits is None:
        return round(x)
    digits = _integral("round", digits)
    if abs(digits) > MAX_ROUND_DIGITS:
        raise error("execution_error", f"round() digits must be within ±{MAX_ROUND_DIGITS}")
    return round(x, digits)


def _log(x, base=None):
    return math.log(x) if base is None else math.log(x, base)


def _gcd(*values):
    return math.gcd(*(_integral("gcd", v) for v in values))


# name -> (function, fewest arguments, most arguments or None for any number)
FUNCTIONS: dict[str, tuple[Callable, int, int | None]] = {
    "sqrt": (math.sqrt, 1, 1),
    "abs": (abs, 1, 1),
    "sin": (math.sin, 1, 1),
    "cos": (math.cos, 1, 1),
    "tan": (math.tan, 1, 1),
    "asin": (math.asin, 1, 1),
    "acos": (math.acos, 1, 1),
    "atan": (math.atan, 1, 1),
    "atan2": (math.atan2, 2, 2),
    "log": (_log, 1, 2),
    "ln": (math.log, 1, 1),
    "log10": (math.log10, 1, 1),
    "log2": (math.log2, 1, 1),
    "exp": (math.exp, 1, 1),
    "floor": (math.floor, 1, 1),
    "ceil": (math.ceil, 1, 1),
    "round": (_round, 1, 2),
    "min": (min, 1, None),
    "max": (max, 1, None),
    "pow": (power, 2, 2),
    "hypot": (math.hypot, 1, None),
    "factorial": (_factorial, 1, 1),
    "gcd": (_gcd, 1, None),
}


def call(name: str, args: list, where: str):
    """Call a known function with arity checks, turning math failures into errors."""
    fn, fewest, most = FUNCTIONS[name]
    if len(args) < fewest or (most is not None and len(args) > most):
        if fewest == most:
            wanted = f"{fewest} argument{'s' if fewest != 1 else ''}"
        elif most is None:
            wanted = f"at least {fewest} argument{'s' if fewest != 1 else ''}"
        else:
            wanted = f"{fewest} to {most} arguments"
        raise error("validation_error", f"{name}() takes {wanted}, got {len(args)}{where}")
    try:
        return check(fn(*args), where)
    except ZeroDivisionError:
        raise error("execution_error", f"division by zero in {name}(){where}") from None
    except OverflowError:
        raise error("execution_error", f"result of {name}() too large{where}") from None
    except ValueError:
        shown = ", ".join(repr(a) for a in args)
        raise error("execution_error", f"math domain error in {name}({shown}){where}") from None
