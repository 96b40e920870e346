"""
How a due date reads to a person: the date in their language, the end of that day, and their time zone
named in words as well as by its identifier ("Central European Time — Europe/Berlin").

The deadline is 00:00 of the next day in the person's zone (``rules.deadline_for``); people read that
as "the end of that day", so the last minute they have is shown (23:59), with the zone that makes it
unambiguous. Plain values in, plain text out: no database.
"""

import datetime

from babel import Locale, UnknownLocaleError
from babel.dates import get_timezone_name
from django.utils import formats, translation
from django.utils.translation import gettext as _

from . import rules

# Zones that have no region of their own: their generic name would read "Unknown Region (UTC) Time",
# so they are named by their specific name ("Coordinated Universal Time").
_REGIONLESS_PREFIXES = ("Etc/",)
_REGIONLESS = {"UTC", "UCT", "GMT", "Universal", "Zulu", "Greenwich"}
LAST_MINUTE = datetime.time(23, 59)


def _babel_locale(language):
    try:
        return Locale.parse(translation.to_locale(language or "en"))
    except (UnknownLocaleError, ValueError, TypeError):
        return Locale.parse("en")


def zone_name(tz, language=None, at=None):
    """
    The zone ``tz`` (a ``ZoneInfo``) named in words in ``language`` (default: the active language), e.g.
    "Central European Time"; ``at`` (an aware datetime) is the moment used for zones named by their
    current offset.
    """
    locale = _babel_locale(language or translation.get_language())
    key = getattr(tz, "key", str(tz))
    try:
        if key in _REGIONLESS or key.startswith(_REGIONLESS_PREFIXES):
            moment = (at or datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)).astimezone(tz)
            return get_timezone_name(moment, width="long", locale=locale)
        return get_timezone_name(tz, width="long", locale=locale)
    except (LookupError, ValueError):  # a zone Babel does not know: its identifier is all there is
        return key


def describe_due(due_date, tz, language=None):
    """
    Everything a page, an email or a banner says about a due date, as plain text in ``language``
    (default: the active language)::

        {"date": "Dec. 15, 2026", "time": "11:59 p.m.", "zone_id": "Europe/Berlin",
         "zone_name": "Central European Time", "deadline": <aware datetime, UTC>,
         "end_of_day": "end of that day, 11:59 p.m. Central European Time — Europe/Berlin",
         "full": "Dec. 15, 2026 (end of that day, 11:59 p.m. Central European Time — Europe/Berlin)"}
    """
    language = language or translation.get_language()
    deadline = rules.deadline_for(due_date, tz)
    with translation.override(language):
        date_text = formats.date_format(due_date, "DATE_FORMAT")
        time_text = formats.time_format(LAST_MINUTE, "TIME_FORMAT")
        name = zone_name(tz, language, at=deadline)
        key = getattr(tz, "key", str(tz))
        end_of_day = _("end of that day, {time} {zone_name} — {zone_id}").format(
            time=time_text, zone_name=name, zone_id=key
        )
        full = _("{date} ({end_of_day})").format(date=date_text, end_of_day=end_of_day)
    return {
        "date": date_text,
        "iso": due_date.isoformat(),
        "time": time_text,
        "zone_id": key,
        "zone_name": name,
        "deadline": deadline,
        "end_of_day": end_of_day,
        "full": full,
    }


def describe_zone(tz, language=None):
    """``{"id": "Europe/Berlin", "name": "Central European Time"}``."""
    return {"id": getattr(tz, "key", str(tz)), "name": zone_name(tz, language)}
