"""
``MANDATORY_ASSIGNMENTS_DEFAULT_TIME_ZONE``: the zone of people without a valid ``time_zone`` preference.
It moves their deadlines, reminder moments and the lead time; people with a valid preference keep theirs.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from mandatory_assignments import api
from mandatory_assignments.models import Delivery
from sandbox import controls

from .conftest import COURSE

pytestmark = pytest.mark.usefixtures("now")

AUCKLAND = ZoneInfo("Pacific/Auckland")  # UTC+13 in December (daylight time)
UTC = datetime.UTC
DUE = datetime.date(2026, 12, 20)


@pytest.fixture(autouse=True)
def auckland_by_default(settings):
    settings.MANDATORY_ASSIGNMENTS_DEFAULT_TIME_ZONE = "Pacific/Auckland"


def local(day, tz=AUCKLAND):
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=tz).astimezone(UTC)


@pytest.mark.parametrize("preference", [None, "Mars/Olympus_Mons"], ids=["no-preference", "invalid-preference"])
def test_the_default_zone_sets_the_deadline_and_the_reminder_moments(staff, preference):
    from openedx.core.djangoapps.user_api.models import UserPreference

    person = controls.create_user("kiri", email="kiri@example.com")
    if preference:  # stored as an older platform version or an import may have left it
        UserPreference.objects.create(user=person, key="time_zone", value=preference)
    assignment = api.assign(user=person, target=COURSE, due_date=DUE, assigned_by=staff)

    assert api.user_time_zone(person) == AUCKLAND
    assert assignment.deadline == local(DUE + datetime.timedelta(days=1))
    assert assignment.deadline == datetime.datetime(2026, 12, 20, 11, 0, tzinfo=UTC)
    [reminder] = assignment.reminder_rows.all()
    assert reminder.fire_at == local(DUE - datetime.timedelta(days=3))  # 17 December, 00:00 in Auckland


def test_a_valid_preference_still_wins(staff, learner):
    assignment = api.assign(user=learner, target=COURSE, due_date=DUE, assigned_by=staff)  # Berlin
    assert assignment.deadline == local(DUE + datetime.timedelta(days=1), ZoneInfo("Europe/Berlin"))


def test_the_reminder_arrives_after_midnight_in_the_default_zone(staff, django_capture_on_commit_callbacks):
    person = controls.create_user("kiri", email="kiri@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        api.assign(user=person, target=COURSE, due_date=DUE, assigned_by=staff)
    mail.outbox.clear()
    moment = local(DUE - datetime.timedelta(days=3))

    with time_machine.travel(moment - datetime.timedelta(minutes=1), tick=False):
        api.run_scheduler()
    assert mail.outbox == []
    with time_machine.travel(moment + datetime.timedelta(minutes=1), tick=False):
        api.run_scheduler()
    assert [email.to for email in mail.outbox] == [["kiri@example.com"]]
    assert Delivery.objects.get(message="reminder").state == Delivery.SENT


def test_the_lead_time_counts_from_today_in_the_default_zone(staff):
    # NOW is 1 December 12:00 UTC: already 2 December (01:00) in Auckland. Three days' lead: 5 December.
    person = controls.create_user("kiri", email="kiri@example.com")
    with pytest.raises(api.AssignmentError) as error:
        api.assign(user=person, target=COURSE, due_date=datetime.date(2026, 12, 4), assigned_by=staff)
    assert error.value.code == "due_date_too_soon"
    assert api.assign(user=person, target=COURSE, due_date=datetime.date(2026, 12, 5), assigned_by=staff)
