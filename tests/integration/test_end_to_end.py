"""
End to end: a real Celery worker with beat (Redis broker) ticks on the real clock against the MariaDB test
database and sends through a real SMTP server on loopback.

Near-term due dates with real ticks: assignments are created in the past. The worker runs on the real
clock, and a reminder whose moment is already past when it is scheduled is never sent late. So each
assignment is created inside ``time_machine.travel`` at a moment days ago (the API's lead-time check and
reminder scheduling read ``timezone.now()``, which time_machine moves), with a due date near today: the
reminders whose moments lie between that past moment and now were in the future when they were scheduled
(their ``fire_at`` is set), are due now, and the worker's first tick sends them; the ones still ahead must
not arrive. Learners have no time zone preference: their dates are UTC dates (``TIME_ZONE = "UTC"``).

The test process itself runs Celery tasks eagerly (no ``CELERY_BROKER_URL``) and pytest-django gives it
Django's locmem email backend: the "assigned" notices, sent after the test's own commits, land in
``mail.outbox``, never at the SMTP server. Everything the tick sends — reminders, overdue emails, new-cycle
notices — is sent by the worker, through SMTP.
"""

import datetime
from collections import Counter

import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from mandatory_assignments import api
from mandatory_assignments.models import Assignment, CompletedCycle, Delivery, Reminder
from sandbox import controls

from .conftest import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

COURSE = "course-v1:IntegrationX+E2E101+2026"
COURSE_NAME = "End-to-End Fire Safety"
DELIVERY_TIMEOUT = 60


@pytest.fixture
def course(worker):
    return controls.create_course(COURSE, display_name=COURSE_NAME)


@pytest.fixture
def staff(course):
    user = controls.create_user("stan_staff", email="stan@example.com")
    controls.make_course_staff(user, COURSE)
    return user


@pytest.fixture
def now():
    """The real now, and today's (UTC) date."""
    moment = timezone.now()
    return moment, moment.date()


def days(count):
    return datetime.timedelta(days=count)


def assign_in_the_past(moment, **kwargs):
    """
    Assign as of ``moment``, in one transaction whose "assigned" notice is sent by this process after it
    commits. The notice is claimed inside the travelled clock, so its lease would already have run out in
    the worker's (real) time and a tick could take it over before this process sends it: the claim is
    dated now, as it is when nothing travels.
    """
    with transaction.atomic():
        with time_machine.travel(moment, tick=True):
            assignment = api.assign(target=COURSE, **kwargs)
        Delivery.objects.filter(assignment=assignment, state="pending").update(
            lease_until=timezone.now() + datetime.timedelta(minutes=15)
        )
    return assignment


def reminder(days_before, recipient="student"):
    return {"days": days_before, "recipient": recipient}


def kinds(messages):
    """``Counter`` of (recipient, first word of the subject) of SMTP messages."""
    return Counter((tuple(message["to"]), message["subject"].split(":")[0]) for message in messages)


def deliveries(assignment, **filters):
    rows = Delivery.objects.filter(assignment=assignment, **filters)
    return list(rows.order_by("message", "reminder_days", "recipient_kind"))


def test_due_reminders_and_catch_up_arrive_by_smtp_exactly_once(worker, smtp, staff, now):
    moment, today = now
    ivy = controls.create_user("ivy_learner", email="ivy@example.com")
    otto = controls.create_user("otto_late", email="otto@example.com")

    # Due in 4 days, assigned 10 days ago: "5 days before" fired yesterday at 00:00 (due now), "1 day
    # before" fires in 3 days (must not arrive).
    upcoming = assign_in_the_past(
        moment - days(10),
        user=ivy,
        due_date=today + days(4),
        assigned_by=staff,
        reminders=[reminder(5), reminder(1)],
    )
    # Due 3 days ago, assigned 20 days ago: every reminder's moment has passed (downtime catch-up). Only
    # the latest per (assignment, recipient) goes out: to the learner the "2 days after" overdue email
    # (not "3 before", not "1 after"), to the assigner the "1 day after" one.
    late = assign_in_the_past(
        moment - days(20),
        user=otto,
        due_date=today - days(3),
        assigned_by=staff,
        reminders=[reminder(3), reminder(-1), reminder(-2), reminder(-1, "assigned_by")],
    )
    assert Reminder.objects.get(assignment=upcoming, days=1).fire_at > moment

    # The "assigned" notices were sent by this process (eager tasks, locmem), not through SMTP.
    assert sorted(message.to[0] for message in mail.outbox) == ["ivy@example.com", "otto@example.com"]
    assert all(COURSE_NAME in message.subject for message in mail.outbox)
    for assignment in (upcoming, late):
        notices = deliveries(assignment, message="assigned")
        assert [(row.message, row.state) for row in notices] == [("assigned", "sent")]

    expected = Counter(
        {
            (("ivy@example.com",), "Reminder"): 1,
            (("otto@example.com",), "Overdue"): 1,
            (("stan@example.com",), "Overdue"): 1,
        }
    )
    wait_until(lambda: len(smtp.received()) >= 3, DELIVERY_TIMEOUT, "three emails at the SMTP server", worker=worker)
    worker.wait_for_ticks(2)  # nothing may follow: no doubles, no late "1 day before"
    assert kinds(smtp.received()) == expected, smtp.received()
    for message in smtp.received():
        assert COURSE_NAME in message["subject"], message["subject"]
    stan_subject = smtp.received("stan@example.com")[0]["subject"]
    assert "Otto Late" in stan_subject, stan_subject

    sent_reminders = Delivery.objects.filter(message__in=["reminder", "overdue"], state="sent")
    assert sorted(sent_reminders.values_list("email", "message", "reminder_days")) == [
        ("ivy@example.com", "reminder", 5),
        ("otto@example.com", "overdue", -2),
        ("stan@example.com", "overdue", -1),
    ]
    late_rows = deliveries(late, message__in=["reminder", "overdue"])
    assert [(row.reminder_days, row.recipient_kind, row.state) for row in late_rows] == [
        (-2, "student", "sent"),
        (-1, "assigned_by", "sent"),
        (-1, "student", "skipped"),
        (3, "student", "skipped"),
    ]
    # The "1 day after" is superseded by the "2 days after"; the "3 days before", reached only after the
    # deadline, would tell of a due date still ahead: skipped as past (since b4cd846).
    reasons = {(row.reminder_days, row.recipient_kind): row.reason for row in late_rows if row.state == "skipped"}
    assert "superseded" in reasons[(-1, "student")], reasons
    assert "the due date has passed" in reasons[(3, "student")], reasons
    assert not Delivery.objects.filter(assignment=upcoming, reminder_days=1).exists()
    assert Reminder.objects.get(assignment=upcoming, days=1).fire_at is not None  # still ahead
    assert Assignment.objects.get(pk=late.pk).recorded_status == "overdue"
    assert len(mail.outbox) == 2  # the worker's emails never come through this process


def test_smtp_down_then_up_the_reminder_arrives_once(worker, smtp, staff, now):
    moment, today = now
    pia = controls.create_user("pia_patient", email="pia@example.com")
    smtp.stop()
    assignment = assign_in_the_past(
        moment - days(10),
        user=pia,
        due_date=today + days(4),
        assigned_by=staff,
        reminders=[reminder(5)],
    )

    def reminder_row():
        return Delivery.objects.filter(assignment=assignment, message="reminder").first()

    # The worker claims the reminder and fails to hand it over: the row stays pending, nothing arrives.
    wait_until(
        lambda: (row := reminder_row()) is not None and row.attempts >= 1,
        DELIVERY_TIMEOUT,
        "a failed attempt to send the reminder",
        worker=worker,
    )
    worker.wait_for_ticks(2)
    row = reminder_row()
    assert row.state == "pending", row.reason
    assert smtp.received() == []

    smtp.start()  # the same port: the worker's settings are unchanged
    wait_until(
        lambda: smtp.received("pia@example.com"), DELIVERY_TIMEOUT, "the reminder once SMTP is back", worker=worker
    )
    worker.wait_for_ticks(2)
    assert kinds(smtp.received()) == Counter({(("pia@example.com",), "Reminder"): 1}), smtp.received()
    row = reminder_row()
    assert row.state == "sent"
    assert row.attempts >= 2
    assert COURSE_NAME in smtp.received()[0]["subject"]


def test_repeating_assignment_starts_its_next_cycle(worker, smtp, staff, now):
    moment, today = now
    rita = controls.create_user("rita_repeat", email="rita@example.com")

    # Cycle 1 was due 3 days ago and was completed 19 days ago: cycle 2 starts at cycle 1's deadline (two
    # days ago), so the worker's next tick starts it. One transaction, so that no tick sees the assignment
    # between its creation and its completion.
    with transaction.atomic():
        assignment = assign_in_the_past(
            moment - days(20),
            user=rita,
            due_date=today - days(3),
            assigned_by=staff,
            repeat_weeks=1,
            reminders=[reminder(5)],
        )
        with time_machine.travel(moment - days(19), tick=True):
            controls.set_grade(rita, COURSE, percent=0.9, passed=True)
    assignment.refresh_from_db()
    assert assignment.cycle == 1
    assert assignment.completed_at is not None

    def both_arrived():
        return len(smtp.received("rita@example.com")) >= 2

    wait_until(both_arrived, DELIVERY_TIMEOUT, "the new-cycle email and the caught-up reminder", worker=worker)
    worker.wait_for_ticks(2)
    # The tick starts cycle 2 two days late (at cycle 1's deadline it had not run for this assignment): the
    # "5 days before" reminder that fell due meanwhile (yesterday) is caught up, once (SPEC: catch-up).
    assert kinds(smtp.received()) == Counter(
        {(("rita@example.com",), "New cycle"): 1, (("rita@example.com",), "Reminder"): 1}
    ), smtp.received()
    assert all(COURSE_NAME in email["subject"] for email in smtp.received())

    assignment.refresh_from_db()
    assert assignment.cycle == 2
    assert assignment.due_date == today + days(4)  # cycle 1's due date + 1 week
    assert assignment.completed_at is None
    assert assignment.status == "assigned"
    assert list(CompletedCycle.objects.filter(assignment=assignment).values_list("cycle", flat=True)) == [1]
    assert [(row.message, row.cycle, row.state) for row in deliveries(assignment)] == [
        ("assigned", 1, "sent"),
        ("new_cycle", 2, "sent"),
        ("reminder", 2, "sent"),
    ]
    assert Reminder.objects.get(assignment=assignment).fire_at is None  # sent: nothing more for this due date
