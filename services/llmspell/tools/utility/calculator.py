"""calculator: arithmetic expressions, evaluated by our own parser (never Python eval)."""

from __future__ import annotations

from ..base import Example, ToolContext, tool
from ._calc_engine import evaluate
from ._calc_math import CONSTANTS, FUNCTIONS, error

MAX_INPUT = 2000
_NAME = "^[A-Za-z_][A-Za-z0-9_]*$"


@tool(
    "calculator",
    category="utility",
    description=(
        "Evaluate arithmetic expressions: + - * / // % ^ (or **), comparisons, parentheses, "
        "constants pi e tau inf, functions (" + " ".join(sorted(FUNCTIONS)) + "), "
        "variables, and assignments in ';'-separated statements (x = 3; x*2). "
        "Integer arithmetic stays exact; 7/2 is 3.5, 6/2 is 3."
    ),
    schema={
        "properties": {
            "input": {"type": "string", "minLength": 1, "maxLength": MAX_INPUT,
                      "description": "the expression or statements to evaluate"},
            "variables": {"type": "object", "propertyNames": {"pattern": _NAME},
                          "additionalProperties": {"type": "number"},
                          "description": "named numbers the expression may use"},
        },
        "required": ["input"],
        "additionalProperties": False,
    },
    examples=[
        Example({"input": "2 + 3 * 4"}, "precedence", {"result": 14}),
        Example({"input": "2^10"}, "exact integer power", {"result": 1024}),
        Example({"input": "sqrt(x^2 + y^2)", "variables": {"x": 3, "y": 4}},
                "variables", {"result": 5.0}),
        Example({"input": "r = 2; pi * r^2 > 12"}, "assignment and comparison", {"result": 1}),
    ],
)
def calculator(params: dict, ctx: ToolContext) -> dict:
    variables = dict(params.get("variables") or {})
    clash = sorted(set(variables) & (set(CONSTANTS) | set(FUNCTIONS)))
    if clash:
        raise error("validation_error", f"variable '{clash[0]}' would hide a built-in name")
    text = params["input"]
    return {"result": evaluate(text, variables), "expression": text.strip()}
