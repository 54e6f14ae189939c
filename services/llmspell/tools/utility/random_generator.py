"""random-generator: numbers, choices and shuffles (seedable), passwords and tokens (secrets)."""

from __future__ import annotations

import random
import secrets
import string

from ..base import Example, ToolContext, tool
from ._common import invalid, need

NAME = "random-generator"
MAX_COUNT = 10_000
MAX_LENGTH = 4096
MAX_TOTAL = 1_000_000
SECRET_OPERATIONS = ("password", "token")
CHARSETS = {"lowercase": string.ascii_lowercase, "uppercase": string.ascii_uppercase,
            "digits": string.digits, "symbols": "!#$%&()*+,-./:;<=>?@[]^_{|}~"}
_AMBIGUOUS = set("Il1O0o")


def _source(params: dict) -> random.Random:
    """A seeded generator for reproducible output, else the system's CSPRNG."""
    seed = params.get("seed")
    if seed is None:
        return secrets.SystemRandom()
    if params["operation"] in SECRET_OPERATIONS:
        raise invalid(NAME, f"{params['operation']} is always unpredictable; remove 'seed'")
    return random.Random(seed)


def _numbers(params: dict, rng: random.Random) -> list:
    low, high = params.get("min", 0), params.get("max")
    if params["operation"] == "integer":
        high = 100 if high is None else high
        if low != int(low) or high != int(high):
            raise invalid(NAME, "integer needs whole-number min and max")
        low, high = int(low), int(high)
        if low > high:
            raise invalid(NAME, f"min ({low}) is greater than max ({high})")
        return [rng.randint(low, high) for _ in range(params["count"])]
    high = 1 if high is None else high
    if low > high:
        raise invalid(NAME, f"min ({low}) is greater than max ({high})")
    places = params.get("precision")
    values = [rng.uniform(low, high) for _ in range(params["count"])]
    return [round(v, places) for v in values] if places is not None else values


def _password(params: dict) -> str:
    classes = [CHARSETS[name] for name in CHARSETS if params.get(name, True)]
    if params.get("exclude_ambiguous"):
        classes = [''.join(c for c in chars if c not in _AMBIGUOUS) for chars in classes]
    if not classes:
        raise invalid(NAME, "password needs at least one of lowercase, uppercase, digits, symbols")
    length = params["length"]
    if length < len(classes):
        raise invalid(NAME, f"password length must be at least {len(classes)} to include "
                            "every enabled character class")
    rng = secrets.SystemRandom()
    chars = [secrets.choice(c) for c in classes]            # one of each class
    alphabet = "".join(classes)
    chars += [secrets.choice(alphabet) for _ in range(length - len(chars))]
    rng.shuffle(chars)
    return "".join(chars)


def _token(params: dict) -> str:
    nbytes, fmt = params["length"], params["format"]
    if fmt == "hex":
        return secrets.token_hex(nbytes)
    if fmt == "urlsafe":
        return secrets.token_urlsafe(nbytes)
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(nbytes))


def _pick(params: dict, rng: random.Random) -> list:
    items = list(need(params, "items", NAME, params["operation"]))
    if params["operation"] == "shuffle":
        rng.shuffle(items)
        return items
    if not items:
        raise invalid(NAME, "choice needs a non-empty 'items' list")
    count = params["count"]
    if params.get("unique"):
        if count > len(items):
            raise invalid(NAME, f"cannot pick {count} unique items from {len(items)}")
        return rng.sample(items, count)
    return [rng.choice(items) for _ in range(count)]


@tool(
    NAME,
    category="utility",
    description=("Random values: integers or floats in a range, choices from a list, shuffles "
                 "(reproducible with 'seed'), and passwords or tokens from the secrets module."),
    schema={
        "properties": {
            "operation": {"enum": ["integer", "float", "choice", "shuffle", "password", "token"],
                          "default": "integer"},
            "min": {"type": "number", "description": "lowest value (default 0)"},
            "max": {"type": "number", "description": "highest value (default 100 or 1.0)"},
            "count": {"type": "integer", "minimum": 1, "maximum": MAX_COUNT, "default": 1},
            "precision": {"type": "integer", "minimum": 0, "maximum": 15,
                          "description": "float: decimal places to round to"},
            "items": {"type": "array", "maxItems": MAX_COUNT},
            "unique": {"type": "boolean", "description": "choice: no item twice"},
            "length": {"type": "integer", "minimum": 1, "maximum": MAX_LENGTH, "default": 16,
                       "description": "password characters, or token bytes"},
            **{name: {"type": "boolean", "description": f"password: use {name} (default true)"}
               for name in CHARSETS},
            "exclude_ambiguous": {"type": "boolean", "description": "password: avoid Il1O0o"},
            "format": {"enum": ["hex", "urlsafe", "alphanumeric"], "default": "hex",
                       "description": "token format"},
            "seed": {"type": ["integer", "string"], "description": "reproducible sequence "
                     "(not for password or token)"},
        },
        "additionalProperties": False,
    },
    examples=[
        Example({"operation": "integer", "min": 1, "max": 6, "count": 3}, "three dice rolls"),
        Example({"operation": "choice", "items": ["a", "b", "c"], "seed": 42},
                "seeded choice", {"value": "c"}),
        Example({"operation": "password", "length": 20}, "a strong password"),
        Example({"operation": "token", "length": 32, "format": "urlsafe"}, "an API token"),
    ],
)
def random_generator(params: dict, ctx: ToolContext) -> dict:
    operation = params["operation"]
    rng = _source(params)
    if operation in SECRET_OPERATIONS and params["count"] * params["length"] > MAX_TOTAL:
        raise invalid(NAME, f"count x length must be at most {MAX_TOTAL}")
    if operation == "password":
        values = [_password(params) for _ in range(params["count"])]
    elif operation == "token":
        values = [_token(params) for _ in range(params["count"])]
    elif operation in ("choice", "shuffle"):
        values = _pick(params, rng)
        if operation == "shuffle":
            return {"values": values, "operation": operation}
    else:
        values = _numbers(params, rng)
    return {"value": values[0], "values": values, "operation": operation}
