"""
The tick run "as of" a moment (``mandatory_assignments_tick --now``, ``run_scheduler(now=...)``): what is
due, overdue and sent is decided as of that moment, not by the real clock — sending included.
"""

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from mandatory_assignments import api
from mandatory_assignments.models import Assignment, Delivery
from sandbox import controls

from .conftest import COURSE

UTC = datetime.UTC
DUE = datetime.date(2027, 1, 13)  # deadline 2027-01-14 00:00 UTC; the -1 reminder fires then
REAL_CLOCK = datetime.datetime(2027, 1, 10, 12, 0, tzinfo=UTC)  # before the deadline


@pytest.fixture
def overdue_reminder(course, django_capture_on_commit_callbacks):
    staff = controls.create_user("stella", email="stella@example.com")
    controls.make_course_staff(staff, COURSE)
    learner = controls.create_user("otto", email="otto@example.com")  # no zone: UTC
    with (
        time_machine.travel(datetime.datetime(2027, 1, 1, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),  # the "assigned" email goes out now
    ):
        assignment = api.assign(
            user=learner,
            target=COURSE,
            due_date=DUE,
            assigned_by=staff,
            reminders=[{"days": -1, "recipient": "student"}],
        )
    assert [email.subject for email in mail.outbox] == ["New mandatory assignment: Workplace Safety"]
    mail.outbox.clear()
    return assignment


def tick_command(*args):
    out = io.StringIO()
    with time_machine.travel(REAL_CLOCK, tick=False):
        call_command("mandatory_assignments_tick", *args, stdout=out)
    return out.getvalue().splitlines()


def test_the_command_sends_an_overdue_email_as_of_a_moment_after_the_deadline(overdue_reminder):
    lines = tick_command("--now", "2027-01-15T00:05")

    assert "marked_overdue: 1" in lines
    assert "reminders_claimed: 1" in lines
    [email] = mail.outbox
    assert email.to == ["otto@example.com"]
    assert email.subject.startswith("Overdue:")
    assert "Status: Overdue" in email.body  # the email, too, speaks as of that moment
    row = Delivery.objects.get(assignment=overdue_reminder, message="overdue")
    assert (row.state, row.reason) == (Delivery.SENT, "")
    assert Assignment.objects.get(pk=overdue_reminder.pk).recorded_status == "overdue"


def test_run_scheduler_as_of_a_moment_sends_the_overdue_email(overdue_reminder):
    with time_machine.travel(REAL_CLOCK, tick=False):
        counts = api.run_scheduler(now=datetime.datetime(2027, 1, 15, 0, 5, tzinfo=UTC))
    assert counts["reminders_claimed"] == 1
    assert [email.to for email in mail.outbox] == [["otto@example.com"]]
    assert Delivery.objects.get(assignment=overdue_reminder, message="overdue").state == Delivery.SENT


def test_as_of_a_moment_before_the_deadline_nothing_is_due(overdue_reminder):
    lines = tick_command("--now", "2027-01-13T23:55")
    assert "reminders_claimed: 0" in lines and "marked_overdue: 0" in lines
    assert mail.outbox == []


def test_a_moment_without_an_offset_is_read_in_the_default_time_zone(overdue_reminder, settings):
    assert settings.TIME_ZONE == "UTC"
    # 00:30 in Berlin is 23:30 UTC the day before: not yet overdue.
    assert "reminders_claimed: 0" in tick_command("--now", "2027-01-14T00:30+01:00")
    # Without an offset, 00:30 is read in settings.TIME_ZONE (UTC): overdue.
    assert "reminders_claimed: 1" in tick_command("--now", "2027-01-14T00:30")
    assert len(mail.outbox) == 1


def test_a_malformed_moment_is_refused(db):
    with pytest.raises(CommandError):
        tick_command("--now", "next tuesday")
