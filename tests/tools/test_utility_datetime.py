"""date-time-handler through the real registry."""

from datetime import UTC, datetime

import pytest
from llmspell.tools.base import ToolContext, ToolError
from llmspell.tools.registry import ToolRegistry


@pytest.fixture(scope="module")
def dt():
    registry = ToolRegistry.builtin()
    return lambda **params: registry.invoke("date-time-handler", params, ToolContext())


def error_of(dt, **params) -> ToolError:
    with pytest.raises(ToolError) as err:
        dt(**params)
    return err.value


def test_now_in_a_zone(dt):
    out = dt(operation="now", timezone="Asia/Tokyo")
    assert out["timezone"] == "Asia/Tokyo" and out["utc_offset"] == "+09:00"
    assert abs(out["timestamp"] - datetime.now(UTC).timestamp()) < 5


@pytest.mark.parametrize("text, iso", [
    ("2024-05-01T13:30:00+02:00", "2024-05-01T13:30:00+02:00"),
    ("2024-05-01T13:30:00Z", "2024-05-01T13:30:00+00:00"),
    ("2024-05-01", "2024-05-01T00:00:00+00:00"),
    ("2024/05/01 13:30", "2024-05-01T13:30:00+00:00"),
    ("05/01/2024", "2024-05-01T00:00:00+00:00"),            # US month/day
    ("01.05.2024", "2024-05-01T00:00:00+00:00"),            # European day.month
    ("May 1, 2024", "2024-05-01T00:00:00+00:00"),
    ("1 May 2024", "2024-05-01T00:00:00+00:00"),
    ("Wed, 01 May 2024 13:30:00 +0200", "2024-05-01T13:30:00+02:00"),
])
def test_parse_formats(dt, text, iso):
    assert dt(operation="parse", input=text)["datetime"] == iso


def test_parse_naive_in_zone_and_custom_format(dt):
    out = dt(operation="parse", input="2024-07-01 09:00", timezone="Europe/Paris")
    assert out["datetime"] == "2024-07-01T09:00:00+02:00"
    assert out["weekday"] == "Monday" and out["date"] == "2024-07-01"
    custom = dt(operation="parse", input="01|07|24 9h", input_format="%d|%m|%y %Hh")
    assert custom["datetime"] == "2024-07-01T09:00:00+00:00"
    err = error_of(dt, operation="parse", input="yesterday-ish")
    assert err.error_type == "validation_error" and "ISO 8601" in err.message


def test_format_and_convert(dt):
    out = dt(operation="format", input="2024-03-05T10:00:00Z", format="%A %d %B %Y %H:%M",
             to_timezone="America/Los_Angeles")
    assert out["output"] == "Tuesday 05 March 2024 02:00"
    conv = dt(operation="convert", input="2024-01-15T12:00:00Z", to_timezone="Asia/Kolkata")
    assert conv["datetime"] == "2024-01-15T17:30:00+05:30"
    fixed = dt(operation="convert", input="2024-01-15T12:00:00Z", to_timezone="-03:00")
    assert fixed["datetime"] == "2024-01-15T09:00:00-03:00"
    assert "to_timezone" in error_of(dt, operation="convert", input="2024-01-01").message


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "../../etc/passwd", "Europe/Pariss", ""])
def test_unknown_zone_is_validation_error(dt, zone):
    err = error_of(dt, operation="now", timezone=zone)
    assert err.error_type == "validation_error" and "unknown time zone" in err.message


def test_close_zone_is_suggested(dt):
    assert "did you mean 'Europe/Paris'" in error_of(dt, operation="now",
                                                     timezone="Europe/Pariss").message


def test_add_and_subtract(dt):
    def add(duration, start="2024-01-31T10:00:00", **extra):
        return dt(operation="add", input=start, duration=duration, **extra)["datetime"]

    assert add({"months": 1}) == "2024-02-29T10:00:00+00:00"
    assert add({"years": 1, "days": 1}) == "2025-02-01T10:00:00+00:00"
    assert add("P1DT2H30M") == "2024-02-01T12:30:00+00:00"
    assert add("1w 2d 3h") == "2024-02-09T13:00:00+00:00"
    assert add({"minutes": -30}) == "2024-01-31T09:30:00+00:00"
    # across the US spring-forward: a day keeps the wall clock, 24 hours do not
    ny = {"start": "2024-03-09T12:00:00", "timezone": "America/New_York"}
    assert add({"days": 1}, **ny) == "2024-03-10T12:00:00-04:00"
    assert add({"hours": 24}, **ny) == "2024-03-10T13:00:00-04:00"
    back = dt(operation="subtract", input="2024-03-31", duration="P1M")["datetime"]
    assert back == "2024-02-29T00:00:00+00:00"
    assert "cannot read duration" in error_of(dt, operation="add", input="2024-01-01",
                                              duration="a while").message
    assert "whole number" in error_of(dt, operation="add", input="2024-01-01",
                                      duration={"months": 1.5}).message
    assert error_of(dt, operation="add", input="9999-12-31",
                    duration={"days": 2}).error_type == "execution_error"


def test_difference(dt):
    out = dt(operation="difference", input="2024-01-01T00:00:00Z",
             end="2024-01-03T04:05:06+01:00")
    assert out["seconds"] == 2 * 86400 + 3 * 3600 + 5 * 60 + 6
    assert out["human"] == "2 days, 3 hours, 5 minutes, 6 seconds"
    assert out["iso_duration"] == "P2DT3H5M6S" and out["negative"] is False
    back = dt(operation="difference", input="2024-01-02", end="2024-01-01")
    assert back["days"] == -1 and back["negative"] and back["iso_duration"] == "-P1D"
    assert "needs parameter 'end'" in error_of(dt, operation="difference",
                                               input="2024-01-01").message


def test_timestamps_both_ways(dt):
    assert dt(operation="to_timestamp", input="2024-01-01T00:00:00Z")["timestamp"] == 1704067200
    assert dt(operation="to_timestamp", input="2024-01-01T00:00:00Z",
              unit="ms")["timestamp"] == 1704067200000
    assert dt(operation="from_timestamp", input=1704067200,
              timezone="Europe/Berlin")["datetime"] == "2024-01-01T01:00:00+01:00"
    assert dt(operation="from_timestamp", input=1704067200500,
              unit="ms")["time"] == "00:00:00.500000"
    assert dt(operation="parse", input=0)["datetime"] == "1970-01-01T00:00:00+00:00"
    assert "out of range" in error_of(dt, operation="from_timestamp", input=1e20).message
