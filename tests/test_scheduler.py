"""
The tick: reminders at learner-local midnights, dunning, catch-up, repetition, exactly-once delivery.

Celery runs eagerly here (the sandbox without CELERY_BROKER_URL); emails go through the real edx-ace
into Django's locmem outbox, or into a real SMTP server on loopback where the test is about SMTP.
"""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext, override_settings

from mandatory_assignments import api, delivery
from mandatory_assignments.models import Assignment, CompletedCycle, Delivery
from sandbox import controls

from .conftest import COURSE

pytestmark = pytest.mark.django_db(transaction=True)

UTC = datetime.UTC
COURSE_NAME = "Workplace Safety"


def at(year, month, day, hour=0, minute=0, tz="UTC"):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def tick(moment):
    with time_machine.travel(moment, tick=False):
        return api.run_scheduler()


def inbox(address=None):
    return [message for message in mail.outbox if address is None or address in message.to]


def reminders_to(address):
    """The reminder and overdue emails (not the assigned/withdrawn/new-cycle notices) sent to ``address``."""
    ids = set(
        Delivery.objects.filter(email=address, state="sent", message__in=["reminder", "overdue"]).values_list(
            "id", flat=True
        )
    )
    return len(ids)


def run_hourly(start, end, on_tick=None):
    """Tick every hour from ``start`` to ``end``; return {moment: emails that arrived in that tick}."""
    arrivals = {}
    moment = start
    while moment <= end:
        before = len(mail.outbox)
        tick(moment)
        if len(mail.outbox) > before:
            arrivals[moment] = mail.outbox[before:]
        if on_tick:
            on_tick(moment)
        moment += datetime.timedelta(hours=1)
    return arrivals


@pytest.fixture
def course(db):
    return controls.create_course(COURSE, display_name=COURSE_NAME)


@pytest.fixture
def staff(course):
    user = controls.create_user("stella", email="stella@example.com")
    controls.make_course_staff(user, COURSE)
    return user


def assign_at(moment, **kwargs):
    """Assign at ``moment`` as staff do: the "assigned" email goes out once the assignment is committed."""
    kwargs.setdefault("target", COURSE)
    with time_machine.travel(moment, tick=False), TestCase.captureOnCommitCallbacks(execute=True):
        return api.assign(**kwargs)


def test_default_reminder_arrives_after_local_midnight_not_before(staff):
    berlin = controls.create_user("bert", email="bert@example.com", time_zone="Europe/Berlin")
    assign_at(at(2026, 12, 1, 9), user=berlin, due_date=datetime.date(2026, 12, 20), assigned_by=staff)
    mail.outbox.clear()

    tick(at(2026, 12, 16, 23, 59, tz="Europe/Berlin"))
    assert reminders_to("bert@example.com") == 0
    tick(at(2026, 12, 17, 0, 0, tz="Europe/Berlin"))
    assert reminders_to("bert@example.com") == 1
    tick(at(2026, 12, 17, 0, 5, tz="Europe/Berlin"))
    assert reminders_to("bert@example.com") == 1
    [email] = inbox("bert@example.com")
    assert COURSE_NAME in email.subject


COMPLIANCE = [
    {"days": 14, "recipient": "student"},
    {"days": 7, "recipient": "student"},
    {"days": 3, "recipient": "student"},
    {"days": 1, "recipient": "student"},
    {"days": -1, "recipient": "student"},
    {"days": -1, "recipient": "assigned_by"},
]


def test_compliance_setup_delivers_exactly_the_expected_emails(staff):
    learner = controls.create_user("clara", email="clara@example.com", time_zone="America/New_York")
    assign_at(
        at(2026, 11, 30, 15),
        user=learner,
        due_date=datetime.date(2026, 12, 20),
        assigned_by=staff,
        reminders=COMPLIANCE,
    )
    mail.outbox.clear()

    arrivals = run_hourly(at(2026, 12, 1), at(2026, 12, 24))

    got = [
        (moment.astimezone(ZoneInfo("America/New_York")), sorted(m.to[0] for m in emails))
        for moment, emails in arrivals.items()
    ]
    # Each reminder arrives in the first hourly tick after 00:00 New York time (05:00 UTC in December).
    assert got == [
        (datetime.datetime(2026, 12, 6, 0, 0, tzinfo=ZoneInfo("America/New_York")), ["clara@example.com"]),
        (datetime.datetime(2026, 12, 13, 0, 0, tzinfo=ZoneInfo("America/New_York")), ["clara@example.com"]),
        (datetime.datetime(2026, 12, 17, 0, 0, tzinfo=ZoneInfo("America/New_York")), ["clara@example.com"]),
        (datetime.datetime(2026, 12, 19, 0, 0, tzinfo=ZoneInfo("America/New_York")), ["clara@example.com"]),
        (
            datetime.datetime(2026, 12, 21, 0, 0, tzinfo=ZoneInfo("America/New_York")),
            ["clara@example.com", "stella@example.com"],
        ),
    ]
    assert Assignment.objects.get(user=learner).recorded_status == "overdue"


def test_no_reminders_after_completion_and_no_dunning_when_done(staff):
    learner = controls.create_user("dora", email="dora@example.com")
    assign_at(
        at(2026, 11, 30), user=learner, due_date=datetime.date(2026, 12, 20), assigned_by=staff, reminders=COMPLIANCE
    )
    mail.outbox.clear()

    def complete_on_the_10th(moment):
        if moment == at(2026, 12, 10):
            controls.set_grade(learner, COURSE, percent=0.9, passed=True)

    arrivals = run_hourly(at(2026, 12, 1), at(2026, 12, 24), on_tick=complete_on_the_10th)
    assert [moment.date() for moment in arrivals] == [datetime.date(2026, 12, 6)]  # only the 14-day reminder


def test_dunning_only_when_overdue(staff):
    learner = controls.create_user("ella", email="ella@example.com")
    assign_at(
        at(2026, 11, 30),
        user=learner,
        due_date=datetime.date(2026, 12, 10),
        assigned_by=staff,
        reminders=[{"days": -1, "recipient": "student"}, {"days": -7, "recipient": "student"}],
    )
    mail.outbox.clear()
    tick(at(2026, 12, 10, 23, 59))
    assert inbox() == []
    tick(at(2026, 12, 11, 0, 1))
    assert reminders_to("ella@example.com") == 1
    controls.set_grade(learner, COURSE, percent=1.0, passed=True)  # completed late
    tick(at(2026, 12, 17, 0, 1))
    assert reminders_to("ella@example.com") == 1  # no -7 dunning for a completed assignment


def test_extending_the_due_date_reschedules_reminders(staff):
    learner = controls.create_user("finn", email="finn@example.com")
    assignment = assign_at(at(2026, 11, 30), user=learner, due_date=datetime.date(2026, 12, 10), assigned_by=staff)
    tick(at(2026, 12, 7, 0, 1))
    assert reminders_to("finn@example.com") == 1
    with time_machine.travel(at(2026, 12, 8), tick=False):
        api.update(assignment, by=staff, due_date=datetime.date(2026, 12, 20))
    tick(at(2026, 12, 16, 23, 59))
    assert reminders_to("finn@example.com") == 1
    tick(at(2026, 12, 17, 0, 1))
    assert reminders_to("finn@example.com") == 2


def test_moments_already_past_are_not_sent_late(staff):
    learner = controls.create_user("gina", email="gina@example.com")
    assign_at(
        at(2026, 12, 1),
        user=learner,
        due_date=datetime.date(2026, 12, 5),
        assigned_by=staff,
        reminders=[{"days": 7, "recipient": "student"}, {"days": 1, "recipient": "student"}],
    )
    tick(at(2026, 12, 3))
    assert reminders_to("gina@example.com") == 0
    tick(at(2026, 12, 4, 0, 1))
    assert reminders_to("gina@example.com") == 1


def test_after_downtime_only_the_latest_due_reminder_is_sent(staff):
    learner = controls.create_user("hugo", email="hugo@example.com")
    assign_at(
        at(2026, 11, 30),
        user=learner,
        due_date=datetime.date(2026, 12, 20),
        assigned_by=staff,
        reminders=COMPLIANCE[:4],
    )
    counts = tick(at(2026, 12, 18))  # the 14, 7 and 3-day reminders are all due: only the 3-day one goes out
    assert reminders_to("hugo@example.com") == 1
    assert counts["reminders_skipped"] == 2
    sent = Delivery.objects.get(email="hugo@example.com", message="reminder")
    assert sent.reminder_days == 3
    assert sorted(Delivery.objects.filter(state="skipped").values_list("reminder_days", flat=True)) == [7, 14]


@pytest.mark.parametrize(
    "zone, due_date",
    [
        ("America/New_York", datetime.date(2026, 3, 10)),
        ("America/New_York", datetime.date(2026, 11, 3)),
        ("Europe/Berlin", datetime.date(2026, 3, 31)),
        ("Europe/Berlin", datetime.date(2026, 10, 27)),
        ("Asia/Kolkata", datetime.date(2026, 3, 10)),
    ],
)
def test_daily_reminders_across_dst_changes_are_neither_lost_nor_doubled(staff, zone, due_date):
    learner = controls.create_user("dst", email="dst@example.com", time_zone=zone)
    days = [4, 3, 2, 1, 0]
    assign_at(
        at(due_date.year, due_date.month, due_date.day - 9, 12)
        if due_date.day > 9
        else at(due_date.year, due_date.month - 1, 20, 12),
        user=learner,
        due_date=due_date,
        assigned_by=staff,
        reminders=[{"days": d, "recipient": "student"} for d in days],
    )
    mail.outbox.clear()
    start = datetime.datetime.combine(due_date - datetime.timedelta(days=6), datetime.time(0), tzinfo=UTC)
    moments = []
    moment = start
    while moment <= start + datetime.timedelta(days=7):  # every 15 minutes, as a tick would
        before = len(mail.outbox)
        tick(moment)
        moments.extend([moment] * (len(mail.outbox) - before))
        moment += datetime.timedelta(minutes=15)
    local_days = [m.astimezone(ZoneInfo(zone)) for m in moments]
    assert [d.date() for d in local_days] == [due_date - datetime.timedelta(days=d) for d in days]
    assert all(d.hour == 0 and d.minute < 15 for d in local_days)


def test_opted_out_learner_gets_no_reminder_but_the_assigner_does(staff):
    learner = controls.create_user("ivan", email="ivan@example.com")
    from openedx.core.djangoapps.user_api.preferences.api import set_user_preference

    set_user_preference(learner, "mandatory_assignments_email_reminders", "false")
    assign_at(
        at(2026, 11, 30),
        user=learner,
        due_date=datetime.date(2026, 12, 10),
        assigned_by=staff,
        reminders=[
            {"days": 3, "recipient": "student"},
            {"days": 3, "recipient": "assigned_by"},
            {"days": -1, "recipient": "student"},
        ],
    )
    assert len(inbox("ivan@example.com")) == 1  # the "assigned" notice is a service message
    tick(at(2026, 12, 7, 0, 1))
    tick(at(2026, 12, 11, 0, 1))
    assert reminders_to("ivan@example.com") == 0
    assert reminders_to("stella@example.com") == 1
    assert (
        Delivery.objects.filter(
            recipient=learner, state="skipped", reason__icontains="turned reminder emails off"
        ).count()
        == 2
    )


def test_managers_receive_their_reminders(staff):
    boss = controls.create_user("boss", email="boss@example.com")
    deputy = controls.create_user("deputy", email="deputy@example.com")
    learner = controls.create_user("jon", email="jon@example.com", managers=[boss, deputy])
    assign_at(
        at(2026, 11, 30),
        user=learner,
        due_date=datetime.date(2026, 12, 10),
        assigned_by=staff,
        reminders=[{"days": -1, "recipient": "managers"}],
    )
    tick(at(2026, 12, 11, 0, 1))
    assert reminders_to("boss@example.com") == 1
    assert reminders_to("deputy@example.com") == 1
    assert reminders_to("jon@example.com") == 0


def test_a_worker_that_died_after_taking_a_delivery_is_replaced_once(staff):
    learner = controls.create_user("kim", email="kim@example.com")
    assign_at(at(2026, 11, 30), user=learner, due_date=datetime.date(2026, 12, 10), assigned_by=staff)
    from mandatory_assignments import tasks

    claimed_at = at(2026, 12, 7, 0, 1)
    # The worker dies: the tick claims, the task never sends.
    original = tasks.send_deliveries.apply_async
    tasks.send_deliveries.apply_async = lambda args, **kwargs: delivery._take(args[0], "dead-worker", claimed_at)  # noqa: SLF001
    try:
        tick(claimed_at)
    finally:
        tasks.send_deliveries.apply_async = original
    assert reminders_to("kim@example.com") == 0
    tick(claimed_at + datetime.timedelta(minutes=5))  # the lease still runs
    assert reminders_to("kim@example.com") == 0
    tick(claimed_at + datetime.timedelta(minutes=20))  # lease over: a later tick sends it
    tick(claimed_at + datetime.timedelta(minutes=25))
    assert reminders_to("kim@example.com") == 1


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Sink

    class Collect(Sink):
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            self.messages.append(envelope)
            return "250 OK"

    import socket

    with socket.socket() as probe:  # a free loopback port
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port)
    controller.start()
    controller.messages = handler.messages
    yield controller
    controller.stop()


def test_smtp_down_for_one_tick_sends_later_once(staff, smtp_server):
    learner = controls.create_user("lou", email="lou@example.com")
    assign_at(
        at(2026, 11, 30),
        user=learner,
        due_date=datetime.date(2026, 12, 10),
        assigned_by=staff,
        reminders=[{"days": 3, "recipient": "student"}],
    )
    port = smtp_server.port
    smtp = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1"}
    with override_settings(EMAIL_PORT=1, **smtp):  # nothing listens on port 1: connection refused
        tick(at(2026, 12, 7, 0, 1))
    assert smtp_server.messages == []
    assert Delivery.objects.get(email="lou@example.com", message="reminder").state == "pending"
    with override_settings(EMAIL_PORT=port, **smtp):
        tick(at(2026, 12, 7, 0, 1) + datetime.timedelta(seconds=20))  # within the 30 s backoff: not yet
        assert smtp_server.messages == []
        tick(at(2026, 12, 7, 0, 6))
        tick(at(2026, 12, 7, 0, 11))
    assert [envelope.rcpt_tos for envelope in smtp_server.messages] == [["lou@example.com"]]
    assert Delivery.objects.get(email="lou@example.com", message="reminder").state == "sent"


def test_an_annual_assignment_through_three_cycles_keeps_its_history(staff):
    learner = controls.create_user("mia", email="mia@example.com")
    assignment = assign_at(
        at(2026, 1, 5), user=learner, due_date=datetime.date(2026, 2, 1), assigned_by=staff, repeat_weeks=52
    )

    def pass_course(moment):
        with time_machine.travel(moment, tick=False):
            controls.complete_block(learner, COURSE)
            controls.set_grade(learner, COURSE, percent=0.5 + moment.month / 100, passed=True)

    pass_course(at(2026, 1, 20))
    assignment.refresh_from_db()
    assert assignment.status == "completed" and assignment.next_due_date == datetime.date(2027, 1, 31)
    tick(at(2026, 2, 2))  # the first cycle's deadline passed: cycle 2 starts
    assignment.refresh_from_db()
    assert (assignment.cycle, assignment.status, assignment.due_date) == (2, "assigned", datetime.date(2027, 1, 31))
    pass_course(at(2027, 1, 10))
    tick(at(2027, 2, 1, 0, 5))
    pass_course(at(2028, 1, 15))
    assignment.refresh_from_db()
    assert assignment.cycle == 3 and assignment.status == "completed"
    history = list(CompletedCycle.objects.filter(assignment=assignment).values_list("cycle", "due_date"))
    assert history == [(1, datetime.date(2026, 2, 1)), (2, datetime.date(2027, 1, 31)), (3, datetime.date(2028, 1, 30))]
    assert len([m for m in inbox("mia@example.com") if COURSE_NAME in m.subject]) >= 3


@pytest.mark.django_db(transaction=True)
def test_two_ticks_at_once_send_each_email_once(staff):
    if connection.vendor != "mysql":
        pytest.skip("concurrent ticks need a database with row locks (the MariaDB run)")
    learners = [controls.create_user(f"con{i}", email=f"con{i}@example.com") for i in range(40)]
    result = None
    with time_machine.travel(at(2026, 11, 30), tick=False):
        result = api.bulk_assign(users=learners, target=COURSE, due_date=datetime.date(2026, 12, 10), assigned_by=staff)
    assert len(result.created) == 40
    mail.outbox.clear()
    errors = []

    def run():
        from django.db import connections

        try:
            tick(at(2026, 12, 7, 0, 1))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(m.to[0] for m in inbox() if "Reminder" in m.subject or COURSE_NAME in m.subject) == sorted(
        f"con{i}@example.com" for i in range(40)
    )
    assert Delivery.objects.filter(message="reminder", state="sent").count() == 40


def test_one_tick_finds_due_work_with_few_queries(staff):
    learners = [controls.create_user(f"q{i}", email=f"q{i}@example.com") for i in range(30)]
    with time_machine.travel(at(2026, 11, 30), tick=False):
        api.bulk_assign(users=learners, target=COURSE, due_date=datetime.date(2026, 12, 10), assigned_by=staff)
    with CaptureQueriesContext(connection) as idle:
        tick(at(2026, 12, 1))
    assert len(idle) <= 8  # nothing due: a handful of indexed queries, whatever the number of reminders


@override_settings(MANDATORY_ASSIGNMENTS_ENABLED=False)
def test_with_the_feature_switched_off_nothing_is_sent(staff):
    learner = controls.create_user("off", email="off@example.com")
    assign_at(at(2026, 11, 30), user=learner, due_date=datetime.date(2026, 12, 10), assigned_by=staff)
    counts = tick(at(2026, 12, 7, 0, 1))
    assert inbox() == []
    assert set(counts.values()) == {0}
    assert Assignment.objects.filter(user=learner).exists()  # stored assignments are kept


def test_catch_up_keeps_an_assignments_reminders_together_across_batches(staff, monkeypatch):
    from mandatory_assignments import scheduler

    monkeypatch.setattr(scheduler, "REMINDER_BATCH", 4)  # three assignments of three due reminders each
    learners = [controls.create_user(f"batch{i}", email=f"batch{i}@example.com") for i in range(3)]
    for learner in learners:
        assign_at(
            at(2026, 11, 30),
            user=learner,
            due_date=datetime.date(2026, 12, 20),
            assigned_by=staff,
            reminders=COMPLIANCE[:3],
        )
    tick(at(2026, 12, 18))  # 14, 7 and 3 days before: all due; only the 3-day one goes out, per person
    for learner in learners:
        assert reminders_to(learner.email) == 1
    assert Delivery.objects.filter(state="skipped", reason__startswith="superseded").count() == 6


def test_one_chunk_of_emails_keeps_each_recipients_language_zone_and_name(staff):
    from openedx.core.djangoapps.user_api.preferences.api import set_user_preference

    greta = controls.create_user("greta", email="greta@example.com", time_zone="Europe/Berlin")
    set_user_preference(greta, "pref-lang", "de")
    nora = controls.create_user("nora", email="nora@example.com", time_zone="America/New_York")
    for learner in (greta, nora):
        assign_at(at(2026, 11, 30), user=learner, due_date=datetime.date(2026, 12, 10), assigned_by=staff)
    mail.outbox.clear()
    tick(at(2026, 12, 7, 12))  # both 3-day reminders in one send task
    [german] = inbox("greta@example.com")
    [english] = inbox("nora@example.com")
    assert "10. Dezember 2026" in german.body and "Europe/Berlin" in german.body and "Greta" in german.body
    assert "Dec. 10, 2026" in english.body and "America/New_York" in english.body and "Nora" in english.body


def test_an_idle_tick_logs_at_debug_and_a_busy_one_at_info(staff, caplog):
    """The tick runs every few minutes all day: operators' INFO logs show the ticks that did something."""
    learner = controls.create_user("logged", email="logged@example.com", time_zone="UTC")
    assign_at(at(2027, 2, 1, 9), user=learner, due_date=datetime.date(2027, 3, 10), assigned_by=staff)
    caplog.set_level("INFO", logger="mandatory_assignments.scheduler")
    tick(at(2027, 3, 1, 12))
    assert [r for r in caplog.records if "tick at" in r.getMessage()] == []
    tick(at(2027, 3, 7, 0, 5))
    (line,) = [r for r in caplog.records if "tick at" in r.getMessage()]
    assert line.levelname == "INFO" and "'reminders_claimed': 1" in line.getMessage()


def test_a_reminder_before_the_deadline_found_after_it_is_skipped_and_dunning_speaks(staff):
    """The tick was down across the deadline: "due in 3 days" would be false; the overdue email goes out."""
    learner = controls.create_user("late", email="late@example.com")
    assign_at(
        at(2026, 11, 30),
        user=learner,
        due_date=datetime.date(2026, 12, 10),
        assigned_by=staff,
        reminders=[{"days": 3, "recipient": "student"}, {"days": -1, "recipient": "student"}],
    )
    mail.outbox.clear()
    tick(at(2026, 12, 11, 0, 5))  # first tick after the deadline (the end of 10 December)
    [email] = inbox("late@example.com")
    assert email.subject.startswith("Overdue:")
    stale = Delivery.objects.get(user=learner, message="reminder")
    assert (stale.state, stale.reason) == ("skipped", "the due date has passed")


def test_a_reminder_claimed_before_the_deadline_and_retried_after_it_is_not_sent(staff, smtp_server):
    learner = controls.create_user("retry", email="retry@example.com")
    assign_at(
        at(2026, 11, 30),
        user=learner,
        due_date=datetime.date(2026, 12, 10),
        assigned_by=staff,
        reminders=[{"days": 0, "recipient": "student"}],
    )
    smtp = {"EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend", "EMAIL_HOST": "127.0.0.1"}
    with override_settings(EMAIL_PORT=1, **smtp):  # connection refused all of the due day
        tick(at(2026, 12, 10, 0, 1))
    assert Delivery.objects.get(user=learner, message="reminder").state == "pending"
    with override_settings(EMAIL_PORT=smtp_server.port, **smtp):
        tick(at(2026, 12, 11, 0, 5))  # the retry comes after the deadline: "due today" is no longer true
    assert smtp_server.messages == []
    stale = Delivery.objects.get(user=learner, message="reminder")
    assert (stale.state, stale.reason) == ("skipped", "the due date has passed")
