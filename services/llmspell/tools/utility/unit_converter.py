"""unit-converter: length, mass, temperature, time, data size and speed.

Factors are exact fractions, so 1 KiB is exactly 1024 B and 1 mi exactly 1.609344 km;
an integer input whose converted value is whole comes back as an integer.
"""

from __future__ import annotations

from fractions import Fraction as F

from ..base import Example, ToolContext, tool
from ._common import invalid, need

NAME = "unit-converter"

# category -> symbol -> (factor to the category's base unit, aliases)
LINEAR: dict[str, dict[str, tuple[F, tuple[str, ...]]]] = {
    "length": {
        "m": (F(1), ("meter", "meters", "metre", "metres")),
        "km": (F(1000), ("kilometer", "kilometers", "kilometre", "kilometres")),
        "cm": (F(1, 100), ("centimeter", "centimeters", "centimetre", "centimetres")),
        "mm": (F(1, 1000), ("millimeter", "millimeters", "millimetre", "millimetres")),
        "um": (F(1, 10**6), ("µm", "micrometer", "micrometers", "micron", "microns")),
        "nm": (F(1, 10**9), ("nanometer", "nanometers", "nanometre", "nanometres")),
        "mi": (F("1609.344"), ("mile", "miles")),
        "yd": (F("0.9144"), ("yard", "yards")),
        "ft": (F("0.3048"), ("foot", "feet")),
        "in": (F("0.0254"), ("inch", "inches")),
        "nmi": (F(1852), ("nautical_mile", "nautical_miles")),
    },
    "mass": {
        "kg": (F(1), ("kilogram", "kilograms")),
        "g": (F(1, 1000), ("gram", "grams")),
        "mg": (F(1, 10**6), ("milligram", "milligrams")),
        "ug": (F(1, 10**9), ("µg", "microgram", "micrograms")),
        "t": (F(1000), ("tonne", "tonnes", "metric_ton")),
        "lb": (F("0.45359237"), ("lbs", "pound", "pounds")),
        "oz": (F("0.45359237") / 16, ("ounce", "ounces")),
        "st": (F("6.35029318"), ("stone", "stones")),
    },
    "time": {
        "ns": (F(1, 10**9), ("nanosecond", "nanoseconds")),
        "us": (F(1, 10**6), ("µs", "microsecond", "microseconds")),
        "ms": (F(1, 1000), ("millisecond", "milliseconds")),
        "s": (F(1), ("sec", "second", "seconds")),
        "min": (F(60), ("minute", "minutes")),
        "h": (F(3600), ("hr", "hour", "hours")),
        "d": (F(86400), ("day", "days")),
        "wk": (F(604800), ("week", "weeks")),
        "yr": (F(31557600), ("year", "years")),  # Julian year, 365.25 days
    },
    "data": {
        "bit": (F(1, 8), ("bits",)),
        "B": (F(1), ("byte", "bytes")),
        "kB": (F(1000), ()),  # the SI spelling of KB
        **{f"{p}B": (F(1000) ** (i + 1), (f"{word}byte", f"{word}bytes"))
           for i, (p, word) in enumerate(zip("KMGTPE", ("kilo", "mega", "giga", "tera", "peta",
                                                        "exa"), strict=True))},
        **{f"{p}iB": (F(1024) ** (i + 1), (f"{word}byte", f"{word}bytes"))
           for i, (p, word) in enumerate(zip("KMGTPE", ("kibi", "mebi", "gibi", "tebi", "pebi",
                                                        "exbi"), strict=True))},
        **{f"{p}bit": (F(1000) ** (i + 1) / 8, (f"{p.upper()}b", f"{word}bit", f"{word}bits"))
           for i, (p, word) in enumerate(zip("kMGT", ("kilo", "mega", "giga", "tera"),
                                             strict=True))},
    },
    "speed": {
        "m/s": (F(1), ("mps", "meters_per_second")),
        "km/h": (F(1000, 3600), ("kph", "kmh", "kmph", "kilometers_per_hour")),
        "mph": (F("1609.344") / 3600, ("mi/h", "miles_per_hour")),
        "kn": (F(1852, 3600), ("knot", "knots", "kt")),
        "ft/s": (F("0.3048"), ("fps", "feet_per_second")),
    },
}

# temperature: symbol -> (kelvin = (value + shift) * scale, aliases)
TEMPERATURE = {
    "C": (F("273.15"), F(1), ("celsius", "°C", "degC")),
    "F": (F("459.67"), F(5, 9), ("fahrenheit", "°F", "degF")),
    "K": (F(0), F(1), ("kelvin",)),
    "R": (F(0), F(5, 9), ("rankine", "°R")),
}


def _index() -> tuple[dict, dict]:
    exact, folded = {}, {}
    units = [(cat, sym, aliases) for cat, table in LINEAR.items()
             for sym, (_, aliases) in table.items()]
    units += [("temperature", sym, spec[2]) for sym, spec in TEMPERATURE.items()]
    for cat, sym, aliases in units:
        for name in (sym, *aliases):
            exact[name] = (cat, sym)
            folded.setdefault(name.lower(), set()).add((cat, sym))
    return exact, folded


_EXACT, _FOLDED = _index()


def lookup(name: str) -> tuple[str, str]:
    """(category, symbol) for a unit name; case matters only where it must (MB vs Mbit)."""
    key = name.strip().replace(" ", "_")
    if key in _EXACT:
        return _EXACT[key]
    found = _FOLDED.get(key.lower(), set())
    if len(found) == 1:
        return next(iter(found))
    if found:
        options = ", ".join(sorted(sym for _, sym in found))
        raise invalid(NAME, f"unit {name!r} is ambiguous; write one of: {options}")
    import difflib

    close = difflib.get_close_matches(key, list(_EXACT), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise invalid(NAME, f"unknown unit {name!r}{hint} (operation 'list' shows every unit)")


def convert(value: F, source: tuple[str, str], target: tuple[str, str]) -> F:
    (cat, src), (target_cat, dst) = source, target
    if cat != target_cat:
        raise invalid(NAME, f"cannot convert {src} ({cat}) to {dst} ({target_cat})")
    if cat == "temperature":
        shift, scale, _ = TEMPERATURE[src]
        kelvin = (value + shift) * scale
        shift, scale, _ = TEMPERATURE[dst]
        if kelvin < 0:
            raise invalid(NAME, "the temperature is below absolute zero")
        return kelvin / scale - shift
    return value * LINEAR[cat][src][0] / LINEAR[cat][dst][0]


def listing() -> dict:
    table = {cat: list(units) for cat, units in LINEAR.items()}
    table["temperature"] = list(TEMPERATURE)
    return {"categories": table}


@tool(
    NAME,
    category="utility",
    description=("Convert between units of length, mass, temperature, time, data size "
                 "(KB = 1000 B, KiB = 1024 B, bits) and speed; exact factors."),
    schema={
        "properties": {
            "operation": {"enum": ["convert", "list"], "default": "convert"},
            "value": {"type": "number"},
            "from": {"type": "string", "maxLength": 40},
            "to": {"type": "string", "maxLength": 40},
            "precision": {"type": "integer", "minimum": 0, "maximum": 15,
                          "description": "decimal places to round the result to"},
        },
        "additionalProperties": False,
    },
    examples=[
        Example({"value": 1, "from": "mi", "to": "km"}, "miles to kilometres",
                {"value": 1.609344}),
        Example({"value": 100, "from": "celsius", "to": "F"}, "boiling point", {"value": 212}),
        Example({"value": 1, "from": "GiB", "to": "MB"}, "binary vs decimal size",
                {"value": 1073.741824}),
        Example({"operation": "list"}, "every unit by category"),
    ],
)
def unit_converter(params: dict, ctx: ToolContext) -> dict:
    if params["operation"] == "list":
        return listing()
    value = need(params, "value", NAME, "convert")
    source = lookup(need(params, "from", NAME, "convert"))
    target = lookup(need(params, "to", NAME, "convert"))
    try:
        exact = convert(F(value), source, target)
        result = int(exact) if isinstance(value, int) and exact.denominator == 1 else float(exact)
    except (OverflowError, ValueError):
        raise invalid(NAME, f"{value!r} {source[1]} is out of range in {target[1]}") from None
    if isinstance(result, float) and params.get("precision") is not None:
        result = round(result, params["precision"])
    return {"value": result, "input": value, "from": source[1], "to": target[1],
            "category": source[0]}
