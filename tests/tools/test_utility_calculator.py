"""calculator: our own expression language, through the real registry."""

import math

import pytest
from llmspell.tools.base import ToolContext, ToolError
from llmspell.tools.registry import ToolRegistry


@pytest.fixture(scope="module")
def calc():
    registry = ToolRegistry.builtin()
    return lambda text, **params: registry.invoke(
        "calculator", {"input": text, **params}, ToolContext())["result"]


def fails(calc, text, error_type, fragment, **params):
    with pytest.raises(ToolError) as err:
        calc(text, **params)
    assert err.value.error_type == error_type, err.value.message
    assert fragment in err.value.message
    return err.value.message


@pytest.mark.parametrize("text, value", [
    ("2+2", 4), ("7/2", 3.5), ("6/2", 3), ("2^10", 1024), ("2**10", 1024),
    ("2 + 3 * 4", 14), ("(2 + 3) * 4", 20), ("10 - 4 - 3", 3), ("64 / 4 / 2", 8),
    ("-2^2", -4), ("(-2)^2", 4), ("2^-1", 0.5), ("2^3^2", 512), ("--3", 3), ("+5", 5),
    ("7 // 2", 3), ("-7 // 2", -4), ("7 % 3", 1), ("-7 % 3", 2), ("7.5 // 2", 3.0),
    ("1 < 2", 1), ("2 < 1", 0), ("1 < 2 < 3", 1), ("3 > 2 > 1", 1), ("1 < 3 < 2", 0),
    ("2 == 2.0", 1), ("2 != 3", 1), ("3 >= 3", 1), ("3 <= 2", 0), ("(1 < 2) * 5", 5),
    ("1e3", 1000.0), (".5 + 1", 1.5), ("1.5e-3 * 1000", 1.5),
    ("abs(-3)", 3), ("floor(2.7)", 2), ("ceil(2.1)", 3), ("round(2.5)", 2),
    ("round(2.567, 2)", 2.57), ("min(3, 1, 2)", 1), ("max(3, 1.5)", 3), ("pow(2, 8)", 256),
    ("factorial(10)", 3628800), ("gcd(12, 18)", 6), ("gcd(12, 18, 8)", 2),
    ("sqrt(16)", 4.0), ("hypot(3, 4)", 5.0), ("log(8, 2)", 3.0), ("log10(1000)", 3.0),
    ("log2(1024)", 10.0), ("atan2(1, 1) * 4", math.pi), ("exp(0)", 1.0), ("sin(0)", 0.0),
    ("cos(pi)", -1.0), ("tau / 2", math.pi), ("e", math.e), ("inf > 10^300", 1),
    ("2^200", 2 ** 200), ("factorial(25) / factorial(23)", 600),
])
def test_values_and_types(calc, text, value):
    result = calc(text)
    assert result == pytest.approx(value) if isinstance(value, float) else result == value
    assert type(result) is type(value), f"{text} gave {result!r}"


def test_result_echoes_the_expression():
    registry = ToolRegistry.builtin()
    out = registry.invoke("calculator", {"input": "  1 + 1 "}, ToolContext())
    assert out == {"result": 2, "expression": "1 + 1"}


def test_variables_and_assignments(calc):
    assert calc("x * y", variables={"x": 6, "y": 7}) == 42
    assert calc("rate * 2", variables={"rate": 0.25}) == 0.5
    assert calc("x = 3; x * 2") == 6
    assert calc("a = 2; b = a^3; b - a") == 6
    assert calc("x = 2\ny = x + 1\nx * y") == 6
    assert calc("total = 10;") == 10                     # a trailing separator is fine
    assert calc("x = x + 1; x", variables={"x": 1}) == 2
    assert calc("r = 2; pi * r^2") == pytest.approx(math.pi * 4)


def test_variables_are_not_shared_between_calls(calc):
    calc("leak = 5")
    fails(calc, "leak", "validation_error", "unknown name 'leak'")


def test_unknown_names_are_named(calc):
    msg = fails(calc, "2 * radius", "validation_error", "unknown name 'radius'")
    assert "column 5" in msg
    fails(calc, "sqr(4)", "validation_error", "unknown function 'sqr'")
    assert "did you mean 'sqrt'" in fails(calc, "sqr(4)", "validation_error", "sqr")
    fails(calc, "sin + 1", "validation_error", "'sin' is a function")


def test_syntax_errors_say_where(calc):
    fails(calc, "(1 + 2", "validation_error", "expected ')' to close '(' from column 1")
    fails(calc, "1 +", "validation_error", "unexpected end of input at column 4")
    fails(calc, "2 3", "validation_error", "unexpected '3' at column 3")
    fails(calc, "2 $ 3", "validation_error", "unexpected character '$' at column 3")
    fails(calc, ";;", "validation_error", "empty expression")
    fails(calc, "max()", "validation_error", "max() takes at least 1 argument, got 0")
    fails(calc, "atan2(1)", "validation_error", "atan2() takes 2 arguments, got 1")
    fails(calc, "pi = 3", "validation_error", "cannot assign to built-in name 'pi'")
    fails(calc, "1", "validation_error", "would hide a built-in name", variables={"e": 1})


def test_python_is_never_evaluated(calc):
    for text in ("__import__('os').system('true')", "().__class__", "[1][0]",
                 "lambda: 1", "open('/etc/passwd')", "x if 1 else 2"):
        with pytest.raises(ToolError) as err:
            calc(text)
        assert err.value.error_type == "validation_error"


def test_arithmetic_failures_are_execution_errors(calc):
    fails(calc, "1 / 0", "execution_error", "division by zero at column 3")
    fails(calc, "1 // 0", "execution_error", "division by zero")
    fails(calc, "5 % 0", "execution_error", "division by zero")
    fails(calc, "0 ^ -1", "execution_error", "division by zero")
    fails(calc, "sqrt(-1)", "execution_error", "math domain error in sqrt(-1)")
    fails(calc, "log(0)", "execution_error", "math domain error")
    fails(calc, "(-8) ^ (1/3)", "execution_error", "math domain error")
    fails(calc, "floor(inf)", "execution_error", "too large")
    fails(calc, "factorial(2.5)", "execution_error", "needs an integer")
    fails(calc, "factorial(-1)", "execution_error", "negative")


def test_abuse_is_bounded(calc):
    fails(calc, "9^9^9", "execution_error", "result too large")
    fails(calc, "2^100000", "execution_error", "result too large")
    fails(calc, "factorial(100000)", "execution_error", "at most 1000")
    fails(calc, "x = 10^3000; x * x * x * x", "execution_error", "result too large")
    fails(calc, "round(5, -100000)", "execution_error", "digits")
    fails(calc, "(" * 200 + "1" + ")" * 200, "validation_error", "nested too deeply")
    fails(calc, "-" * 500 + "1", "validation_error", "nested too deeply")
    fails(calc, "1+" * 1500 + "1", "validation_error", "shorter than or equal to 2000")
    assert calc("+".join(["1"] * 999)) == 999   # long flat chains need no recursion


def test_float_overflow_is_reported(calc):
    fails(calc, "2.0 ^ 5000", "execution_error", "too large")
    assert calc("1e308 * 10") == math.inf
