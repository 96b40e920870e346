"""
How a due date reads: the date in the reader's language, the end of that day, the zone in words and by
its identifier. Plain values, no database.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest

from mandatory_assignments import due_dates

DUE = datetime.date(2027, 3, 15)


@pytest.mark.parametrize(
    ("zone", "language", "expected"),
    [
        ("Europe/Berlin", "en", "March 15, 2027 (end of that day, 11:59 p.m. Central European Time — Europe/Berlin)"),
        ("America/New_York", "en", "March 15, 2027 (end of that day, 11:59 p.m. Eastern Time — America/New_York)"),
        ("UTC", "en", "March 15, 2027 (end of that day, 11:59 p.m. Coordinated Universal Time — UTC)"),
        ("Europe/Berlin", "de", "15. März 2027 (Ende dieses Tages, 23:59 Uhr Mitteleuropäische Zeit — Europe/Berlin)"),
    ],
)
def test_the_full_wording(zone, language, expected):
    assert due_dates.describe_due(DUE, ZoneInfo(zone), language)["full"] == expected


def test_the_deadline_is_midnight_after_the_due_date_in_that_zone():
    described = due_dates.describe_due(DUE, ZoneInfo("America/New_York"), "en")

    # 2027-03-14 is the DST change in New York: the deadline is 00:00 EDT on the 16th, 04:00 UTC.
    assert described["deadline"] == datetime.datetime(2027, 3, 16, 4, 0, tzinfo=datetime.UTC)


def test_an_unknown_language_falls_back_to_english_words():
    assert due_dates.zone_name(ZoneInfo("Europe/Berlin"), "xx-unknown") == "Central European Time"


def test_zones_without_region_are_named_by_their_time():
    assert due_dates.zone_name(ZoneInfo("Etc/UTC"), "en") == "Coordinated Universal Time"
    assert due_dates.describe_zone(ZoneInfo("Europe/London"), "en") == {"id": "Europe/London", "name": "British Time"}
