"""
A new cycle started late (the tick was down across its start): the late tick starts the cycle and sends
the reminder that fell due since the cycle's start — only the latest one, the earlier ones recorded as
skipped (SPEC's catch-up rule) — instead of dropping them.
"""

import datetime

import pytest
import time_machine
from django.core import mail

from mandatory_assignments import api
from mandatory_assignments.models import Assignment, Delivery
from sandbox import controls

from .conftest import COURSE

pytestmark = pytest.mark.django_db(transaction=True)

UTC = datetime.UTC
REMINDERS = [
    {"days": 35, "recipient": "student"},  # 2026-01-25 for cycle 2: before the cycle started, never sent
    {"days": 14, "recipient": "student"},  # 2026-02-15
    {"days": 7, "recipient": "student"},  # 2026-02-22
    {"days": 3, "recipient": "student"},  # 2026-02-26
]


def at(year, month, day, hour=0, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


def tick(moment):
    with time_machine.travel(moment, tick=False):
        return api.run_scheduler()


@pytest.fixture
def waiting_for_cycle_2(course):
    """A four-weekly assignment passed in cycle 1; cycle 2 (due 1 March) starts on 2 February."""
    staff = controls.create_user("stella", email="stella@example.com")
    controls.make_course_staff(staff, COURSE)
    learner = controls.create_user("rita", email="rita@example.com")  # no zone: UTC
    with time_machine.travel(at(2026, 1, 1), tick=False):
        assignment = api.assign(
            user=learner,
            target=COURSE,
            due_date=datetime.date(2026, 2, 1),
            assigned_by=staff,
            repeat_weeks=4,
            reminders=REMINDERS,
        )
    with time_machine.travel(at(2026, 1, 2), tick=False):
        controls.set_grade(learner, COURSE, percent=0.9, passed=True)
    assignment.refresh_from_db()
    assert (assignment.next_cycle_at, assignment.next_due_date) == (at(2026, 2, 2), datetime.date(2026, 3, 1))
    mail.outbox.clear()
    return assignment


def cycle_2_deliveries(assignment):
    return {
        row.reminder_days: (row.state, row.reason)
        for row in Delivery.objects.filter(assignment=assignment, cycle=2, message="reminder")
    }


def test_the_late_tick_starts_the_cycle_and_sends_the_latest_due_reminder(waiting_for_cycle_2):
    # The tick was down from 1 February to 23 February: cycle 2 should have started on 2 February, and
    # the 14- and 7-day reminders fell due on 15 and 22 February.
    counts = tick(at(2026, 2, 23, 0, 5))

    assignment = Assignment.objects.get(pk=waiting_for_cycle_2.pk)
    assert (assignment.cycle, assignment.due_date, assignment.cycle_started_at) == (
        2,
        datetime.date(2026, 3, 1),
        at(2026, 2, 2),
    )
    assert counts["cycles_started"] == 1
    assert counts["reminders_claimed"] == 1 and counts["reminders_skipped"] == 1
    deliveries = cycle_2_deliveries(assignment)
    assert deliveries[7] == (Delivery.SENT, "")
    assert deliveries[14][0] == Delivery.SKIPPED and deliveries[14][1].startswith("superseded")
    assert 35 not in deliveries  # its moment came before the cycle started
    subjects = sorted(email.subject for email in mail.outbox)
    assert len(subjects) == 2  # the new-cycle notice and one reminder
    assert sum("Reminder" in subject or "reminder" in subject for subject in subjects) == 1, subjects

    # The reminder still ahead is sent on its day, once.
    tick(at(2026, 2, 25, 23, 55))
    assert 3 not in cycle_2_deliveries(assignment)
    tick(at(2026, 2, 26, 0, 5))
    tick(at(2026, 2, 26, 0, 10))
    assert cycle_2_deliveries(assignment)[3] == (Delivery.SENT, "")
    assert len(mail.outbox) == 3


def test_a_tick_on_time_sends_nothing_late(waiting_for_cycle_2):
    """Started on time, the cycle sends each reminder on its own day."""
    assert tick(at(2026, 2, 2, 0, 5))["cycles_started"] == 1
    assert cycle_2_deliveries(waiting_for_cycle_2) == {}
    tick(at(2026, 2, 15, 0, 5))
    tick(at(2026, 2, 22, 0, 5))
    deliveries = cycle_2_deliveries(waiting_for_cycle_2)
    assert deliveries == {14: (Delivery.SENT, ""), 7: (Delivery.SENT, "")}
