"""
Reminder timing as properties (issue 10, part 3), with Hypothesis: for any IANA zone, any due date, any
offset of days the product allows (−365…365), a reminder fires at the start of the right local day in
that zone — 00:00 of ``due_date − days``, the first instant of that day, across DST changes, in zones
whose midnight is skipped or repeated — and the tick, run at moments around it, sends it exactly once.

Due dates are drawn from the whole allowed range and, half of the time, from the days around one of the
zone's offset changes, where a reminder would be skipped or doubled if local days were counted as 24 hours.
"""

import datetime
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pytz import common_timezones

from mandatory_assignments import api, rules
from mandatory_assignments.models import Delivery, Reminder
from sandbox import controls

from .conftest import COURSE

UTC = datetime.UTC
DAY = datetime.timedelta(days=1)
ZONES = sorted(available_timezones() - {"Factory", "localtime"})
# The zones a person can choose in the platform (its preference accepts pytz's common zones).
PLATFORM_ZONES = sorted(set(common_timezones) & set(ZONES))
FIRST_DAY = datetime.date(2026, 1, 1)
LAST_DAY = datetime.date(2036, 12, 31)

SETTINGS = {"deadline": None, "derandomize": True, "database": None, "suppress_health_check": list(HealthCheck)}


@cache
def offset_changes(zone_name):
    """The local days of 2026–2036 on which the zone's offset at midnight differs from the day before."""
    tz = ZoneInfo(zone_name)
    days, day, previous = [], FIRST_DAY, None
    while day <= LAST_DAY:
        offset = datetime.datetime.combine(day, datetime.time(12), tzinfo=tz).utcoffset()
        if previous is not None and offset != previous:
            days.append(day)
        previous, day = offset, day + DAY
    return tuple(days)


@st.composite
def zone_and_day(draw, zones=ZONES):
    """A zone and a local day: anywhere in the range, or within two days of one of the zone's offset changes."""
    zone = draw(st.sampled_from(zones))
    changes = offset_changes(zone)
    if changes and draw(st.booleans()):
        day = draw(st.sampled_from(changes)) + datetime.timedelta(days=draw(st.integers(-2, 2)))
    else:
        day = draw(st.dates(FIRST_DAY, LAST_DAY))
    return zone, day


days_offsets = st.integers(-rules.REMINDER_DAYS_LIMIT, rules.REMINDER_DAYS_LIMIT)


# The rule on plain values ---------------------------------------------------------------------------


@settings(max_examples=400, **SETTINGS)
@given(zone_and_day(), days_offsets)
def test_a_reminder_fires_at_the_first_instant_of_its_local_day(zone_day, days):
    zone, fire_day = zone_day
    tz = ZoneInfo(zone)
    due_date = fire_day + datetime.timedelta(days=days)

    moment = rules.reminder_moment(due_date, days, tz)

    assert moment.tzinfo == UTC
    local = moment.astimezone(tz)
    assert local.date() == fire_day  # the right day ...
    assert (moment - datetime.timedelta(microseconds=1)).astimezone(tz).date() < fire_day  # ... from its first instant
    if local.time() != datetime.time(0, 0):  # only on a day whose midnight the clocks skip
        wall = datetime.datetime.combine(fire_day, datetime.time(0), tzinfo=tz)
        assert wall.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall.replace(tzinfo=None)


@settings(max_examples=300, **SETTINGS)
@given(zone_and_day(), days_offsets)
def test_consecutive_reminders_neither_skip_nor_double_a_day(zone_day, days):
    """The reminders of one due date ``days`` and ``days − 1`` fire on consecutive local days, in order."""
    zone, fire_day = zone_day
    tz = ZoneInfo(zone)
    assume(days > -rules.REMINDER_DAYS_LIMIT)
    due_date = fire_day + datetime.timedelta(days=days)

    earlier = rules.reminder_moment(due_date, days, tz)
    later = rules.reminder_moment(due_date, days - 1, tz)

    assert later.astimezone(tz).date() - earlier.astimezone(tz).date() == DAY
    assert datetime.timedelta(hours=20) <= later - earlier <= datetime.timedelta(hours=28)  # 23 or 25 on DST days
    if days == 0:
        assert later == rules.deadline_for(due_date, tz)  # a dunning reminder one day after: the deadline


# The tick, around the moment ------------------------------------------------------------------------


@pytest.fixture
def assigner(db):
    controls.create_course(COURSE, display_name="Workplace Safety")
    return controls.create_user("root_admin", email="admin@example.com", is_staff=True)


def _sent(assignment):
    return Delivery.objects.filter(assignment=assignment, message__in=("reminder", "overdue"), state=Delivery.SENT)


def _reminder_mails():
    """The reminder and dunning emails sent (the "assigned" notice goes out with the first tick too)."""
    return [message for message in mail.outbox if message.subject.startswith(("Reminder:", "Overdue:"))]


@settings(max_examples=40, **SETTINGS)
@given(
    zone_and_day(PLATFORM_ZONES),
    st.integers(-30, 30),
    st.integers(0, 72 * 60),  # minutes between assigning and the reminder's moment
    st.sampled_from([1, 3, 5, 60]),  # minutes after the moment at which the first tick runs
)
def test_the_tick_sends_a_reminder_once_at_its_moment(assigner, zone_day, days, lead_minutes, first_tick):
    zone, fire_day = zone_day
    tz = ZoneInfo(zone)
    due_date = fire_day + datetime.timedelta(days=days)
    moment = rules.reminder_moment(due_date, days, tz)
    # Assigned at least MIN_LEAD_DAYS before the due date (local), and before the reminder's moment.
    latest_assigning = rules.local_midnight(due_date - datetime.timedelta(days=3), tz)
    assigned_at = min(moment, latest_assigning) - datetime.timedelta(minutes=lead_minutes)
    assume(assigned_at.date() >= datetime.date(2026, 1, 2))

    with transaction.atomic(), time_machine.travel(assigned_at, tick=False) as clock:
        try:
            learner = controls.create_user("lena", email="lena@example.com", time_zone=zone)
            mail.outbox.clear()
            assignment = api.assign(
                user=learner,
                target=COURSE,
                due_date=due_date,
                assigned_by=assigner,
                reminders=[{"days": days, "recipient": "student"}],
            )
            reminder = Reminder.objects.get(assignment=assignment)
            assert reminder.fire_at == moment

            for tick in (
                moment - datetime.timedelta(minutes=5),
                moment - datetime.timedelta(microseconds=1),
            ):
                if tick >= assigned_at:
                    clock.move_to(tick)
                    api.run_scheduler()
            assert not _sent(assignment).exists()  # never early
            assert not _reminder_mails()

            first = moment + datetime.timedelta(minutes=first_tick)
            for tick in (first, first, first + datetime.timedelta(minutes=5), first + DAY, first + 40 * DAY):
                clock.move_to(tick)
                api.run_scheduler()
                assert _sent(assignment).count() == 1  # sent at the first tick after the moment, never again

            delivery = _sent(assignment).get()
            assert delivery.reminder_days == days
            assert [message.to for message in _reminder_mails()] == [["lena@example.com"]]
        finally:
            transaction.set_rollback(True)
