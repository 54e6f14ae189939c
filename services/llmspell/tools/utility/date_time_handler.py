"""date-time-handler: now, parse, format, convert between zones, shift, difference."""

from __future__ import annotations

from datetime import datetime

from ..base import Example, ToolContext, tool
from . import _dates as d
from ._common import invalid, need

NAME = d.NAME
OPERATIONS = ("now", "parse", "format", "convert", "add", "subtract", "difference",
              "to_timestamp", "from_timestamp")
_MOMENT = {"type": ["string", "number"], "maxLength": 200}
_DURATION = {
    "oneOf": [
        {"type": "string", "maxLength": 100},
        {"type": "object", "additionalProperties": False,
         "properties": {k: {"type": "number"} for k in d.DURATION_KEYS}},
    ],
    "description": "an object like {days = 1, hours = 2}, 'P1DT2H' or '1d 2h'",
}


def _moment(params: dict, key: str, operation: str) -> datetime:
    value = need(params, key, NAME, operation)
    return d.parse(value, params.get("input_format"), d.zone(params["timezone"]),
                   params["unit"])


@tool(
    NAME,
    category="utility",
    description=("Dates and times: the current time in any IANA zone, parse ISO 8601 / RFC 2822 "
                 "/ common formats or a strptime format, format with strftime, convert between "
                 "time zones, add or subtract durations, the difference between two moments, "
                 "and unix timestamps both ways."),
    schema={
        "properties": {
            "operation": {"enum": list(OPERATIONS), "default": "now"},
            "input": {**_MOMENT, "description": "a date string, 'now' or a unix timestamp"},
            "end": {**_MOMENT, "description": "difference: the later moment"},
            "input_format": {"type": "string", "maxLength": 200,
                             "description": "strptime format of input (default: detect)"},
            "format": {"type": "string", "maxLength": 500,
                       "description": "strftime format for the format operation"},
            "timezone": {"type": "string", "default": "UTC", "maxLength": 64,
                         "description": "zone for now, naive inputs and timestamps"},
            "to_timezone": {"type": "string", "maxLength": 64,
                            "description": "zone to express the result in"},
            "duration": _DURATION,
            "unit": {"enum": ["s", "ms"], "default": "s",
                     "description": "unit of unix timestamps, seconds or milliseconds"},
        },
        "additionalProperties": False,
    },
    examples=[
        Example({"operation": "now", "timezone": "Asia/Tokyo"}, "current time in Tokyo"),
        Example({"operation": "convert", "input": "2024-03-10T12:00:00Z",
                 "to_timezone": "America/New_York"}, "UTC to New York",
                {"datetime": "2024-03-10T08:00:00-04:00"}),
        Example({"operation": "add", "input": "2024-01-31", "duration": {"months": 1}},
                "calendar months clamp to the month's end",
                {"datetime": "2024-02-29T00:00:00+00:00"}),
        Example({"operation": "difference", "input": "2024-01-01", "end": "2024-01-02T06:00:00"},
                "elapsed time", {"seconds": 108000, "human": "1 day, 6 hours"}),
        Example({"operation": "from_timestamp", "input": 0}, "the epoch",
                {"datetime": "1970-01-01T00:00:00+00:00"}),
    ],
)
def date_time_handler(params: dict, ctx: ToolContext) -> dict:
    operation, unit = params["operation"], params["unit"]
    if operation == "difference":
        start, end = _moment(params, "input", operation), _moment(params, "end", operation)
        delta = end - start
        seconds = delta.total_seconds()
        return {"seconds": d.number(seconds), "minutes": seconds / 60, "hours": seconds / 3600,
                "days": seconds / 86400, "human": d.human(delta),
                "iso_duration": d.iso_duration(delta), "negative": seconds < 0,
                "start": start.isoformat(), "end": end.isoformat()}
    if operation == "now":
        moment = datetime.now(d.zone(params["timezone"]))
    elif operation == "from_timestamp":
        stamp = need(params, "input", NAME, operation)
        if isinstance(stamp, str):
            raise invalid(NAME, "from_timestamp needs a number as input")
        moment = d.from_timestamp(stamp, unit, d.zone(params["timezone"]))
    else:
        moment = _moment(params, "input", operation)
    if operation in ("add", "subtract"):
        parts = d.duration(need(params, "duration", NAME, operation))
        moment = d.shift(moment, parts, 1 if operation == "add" else -1)
    if operation == "convert":
        need(params, "to_timezone", NAME, operation)
    if params.get("to_timezone"):
        moment = moment.astimezone(d.zone(params["to_timezone"]))
    result = d.describe(moment, unit)
    if operation == "format":
        result["output"] = moment.strftime(params.get("format") or "%Y-%m-%d %H:%M:%S")
    return result
