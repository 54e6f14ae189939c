"""Date-time building blocks: time zones, parsing, durations, descriptions."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ._common import failed, invalid

NAME = "date-time-handler"
_OFFSET = re.compile(r"^(?:UTC|GMT)?([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)
COMMON_FORMATS = (
    "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
    "%Y/%m/%d", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y",
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p", "%m/%d/%Y",
    "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y", "%B %d %Y", "%b %d %Y",
    "%d %B %Y %H:%M", "%d %b %Y %H:%M:%S", "%B %d, %Y %H:%M", "%b %d, %Y %I:%M %p",
    "%a %b %d %H:%M:%S %Y", "%Y%m%d%H%M%S",
)


def zone(name: str) -> tzinfo:
    """An IANA zone ('Europe/Paris'), 'UTC'/'Z', or a fixed offset ('+05:30', 'UTC-3')."""
    text = name.strip()
    if text.upper() in ("UTC", "Z"):
        return UTC
    offset = _OFFSET.match(text)
    if offset:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta >= timedelta(hours=24):
            raise invalid(NAME, f"time zone offset {name!r} is out of range")
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    import difflib
    import zoneinfo

    close = difflib.get_close_matches(text, sorted(zoneinfo.available_timezones()), n=1)
    hint = f"; did you mean '{close[0]}'?" if close else "; use an IANA name like 'Europe/Paris'"
    raise invalid(NAME, f"unknown time zone {name!r}{hint}")


def zone_name(dt: datetime) -> str:
    tz = dt.tzinfo
    if isinstance(tz, ZoneInfo):
        return tz.key
    return "UTC" if tz is UTC else str(tz)


def utc_offset(dt: datetime) -> str:
    total = int((dt.utcoffset() or timedelta(0)).total_seconds()) // 60
    hours, minutes = divmod(abs(total), 60)
    return f"{'-' if total < 0 else '+'}{hours:02d}:{minutes:02d}"


def from_timestamp(value: float, unit: str, tz: tzinfo) -> datetime:
    seconds = value / 1000 if unit == "ms" else value
    try:
        return datetime.fromtimestamp(seconds, tz)
    except (OverflowError, OSError, ValueError):
        raise invalid(NAME, f"timestamp {value!r} is out of range") from None


def parse(value, fmt: str | None, tz: tzinfo, unit: str) -> datetime:
    """A moment from a timestamp number, 'now', ISO 8601, RFC 2822 or a common format.
    Naive results are taken to be in ``tz``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return from_timestamp(value, unit, tz)
    text = value.strip()
    if fmt:
        try:
            dt = datetime.strptime(text, fmt)
        except ValueError as exc:
            raise invalid(NAME, f"{text!r} does not match input_format {fmt!r}: {exc}") from None
    elif text.lower() == "now":
        return datetime.now(tz)
    else:
        dt = _parse_free(text)
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=tz)


def _parse_free(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    if "," in text or text[:3].isalpha():
        from email.utils import parsedate_to_datetime

        try:
            return parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            pass
    for fmt in COMMON_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise invalid(NAME, f"cannot parse {text!r} as a date; use ISO 8601 "
                        "(2024-05-01T13:30:00+02:00) or give input_format")


# -- durations ---------------------------------------------------------------
_UNITS = {"years": ("y", "yr", "yrs", "year", "years"), "months": ("mo", "month", "months"),
          "weeks": ("w", "wk", "week", "weeks"), "days": ("d", "day", "days"),
          "hours": ("h", "hr", "hrs", "hour", "hours"),
          "minutes": ("m", "min", "mins", "minute", "minutes"),
          "seconds": ("s", "sec", "secs", "second", "seconds"),
          "milliseconds": ("ms", "millisecond", "milliseconds")}
_UNIT_OF = {alias: unit for unit, aliases in _UNITS.items() for alias in aliases}
_ISO = re.compile(r"^([+-])?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
                  r"(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$", re.IGNORECASE)
_PART = re.compile(r"\s*([+-]?\d+(?:\.\d+)?)\s*([a-z]+)\s*,?", re.IGNORECASE)
DURATION_KEYS = tuple(_UNITS)


def duration(value) -> dict:
    """Normalize a duration: an object of units, 'P1DT2H' (ISO 8601) or '1d 2h 30m'."""
    parts = dict(value) if isinstance(value, dict) else _duration_text(value.strip())
    for key in ("years", "months"):
        if not float(parts.get(key, 0)).is_integer():
            raise invalid(NAME, f"duration {key} must be a whole number")
    return parts


def _duration_text(text: str) -> dict:
    iso = _ISO.match(text)
    if iso and text.upper() not in ("P", "PT", "-P", "+P"):
        sign = -1 if iso.group(1) == "-" else 1
        units = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")
        return {u: sign * float(v) for u, v in zip(units, iso.groups()[1:], strict=True) if v}
    parts, pos = {}, 0
    for m in _PART.finditer(text):
        unit = _UNIT_OF.get(m.group(2).lower())
        if m.start() != pos or unit is None:
            break
        parts[unit] = parts.get(unit, 0) + float(m.group(1))
        pos = m.end()
    if pos != len(text) or not parts:
        raise invalid(NAME, f"cannot read duration {text!r}; use ISO 8601 (P1DT2H), "
                            "'1d 2h 30m' or an object like {days = 1, hours = 2}")
    return parts


def shift(dt: datetime, parts: dict, sign: int) -> datetime:
    """Add a duration: years/months/weeks/days on the wall clock (keeping the time of
    day across DST changes), hours and smaller as elapsed time."""
    try:
        months = sign * int(parts.get("years", 0) * 12 + parts.get("months", 0))
        if months:
            year, month0 = divmod(dt.year * 12 + dt.month - 1 + months, 12)
            day = min(dt.day, calendar.monthrange(year, month0 + 1)[1])
            dt = dt.replace(year=year, month=month0 + 1, day=day)
        days = sign * (parts.get("weeks", 0) * 7 + parts.get("days", 0))
        dt = (dt + timedelta(days=days)).astimezone(UTC).astimezone(dt.tzinfo)
        elapsed = sign * timedelta(hours=parts.get("hours", 0), minutes=parts.get("minutes", 0),
                                   seconds=parts.get("seconds", 0),
                                   milliseconds=parts.get("milliseconds", 0))
        return (dt.astimezone(UTC) + elapsed).astimezone(dt.tzinfo)
    except (OverflowError, ValueError):
        raise failed(NAME, "the result is outside the supported years 1-9999") from None


def human(delta: timedelta) -> str:
    seconds = abs(delta.total_seconds())
    days, rest = divmod(int(seconds), 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    words = [f"{n} {unit}{'s' if n != 1 else ''}" for n, unit in
             ((days, "day"), (hours, "hour"), (minutes, "minute"), (secs, "second")) if n]
    return ", ".join(words) or "0 seconds"


def iso_duration(delta: timedelta) -> str:
    seconds = abs(delta.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    secs = int(secs) if float(secs).is_integer() else round(secs, 6)
    date = f"{int(days)}D" if days else ""
    time = "".join(f"{n}{u}" for n, u in ((int(hours), "H"), (int(minutes), "M"), (secs, "S"))
                   if n)
    sign = "-" if delta.total_seconds() < 0 else ""
    return f"{sign}P{date}{'T' + time if time else ''}" if date or time else "PT0S"


def number(value: float):
    """An int when the value is whole, for tidy results."""
    return int(value) if float(value).is_integer() else value


def describe(dt: datetime, unit: str = "s") -> dict:
    stamp = dt.timestamp()
    return {"datetime": dt.isoformat(), "timezone": zone_name(dt),
            "utc_offset": utc_offset(dt),
            "timestamp": number(round(stamp * 1000) if unit == "ms" else stamp),
            "date": dt.date().isoformat(), "time": dt.time().isoformat(),
            "weekday": dt.strftime("%A")}
