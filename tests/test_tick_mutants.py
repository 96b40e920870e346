"""
The tick, step by step, as an operator reads its counts and the records it leaves: cycles started once,
overdue marked once with its audit line, due reminders claimed across batches with only the latest per
assignment and recipient sent, dunning only once the deadline has passed, recipients that cannot be
reached recorded as skipped with the reason, and the send tasks covering every claimed delivery once.

(Written against the survivors of ``make mutation``; each test is what a person checks, not how.)
"""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from mandatory_assignments import api, delivery, scheduler
from mandatory_assignments.models import Assignment, AuditEntry, Delivery, Reminder
from sandbox import controls

from .conftest import COURSE

UTC = datetime.UTC
DUE = datetime.date(2026, 12, 20)
DEADLINE = datetime.datetime(2026, 12, 21, tzinfo=UTC)  # the people here have no zone: UTC
WEEK = datetime.timedelta(weeks=1)


def at(year, month, day, hour=0, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


def tick(moment):
    with time_machine.travel(moment, tick=False):
        return api.run_scheduler()


@pytest.fixture
def staff(course):
    user = controls.create_user("stella", email="stella@example.com")
    controls.make_course_staff(user, COURSE)
    return user


def person(name):
    return controls.create_user(name, email=f"{name}@example.com")


def assign(user, staff, reminders, due=DUE, notice_sent=True, **kwargs):
    """Assigned on 30 November (or two weeks before an earlier due date); the "assigned" email goes out."""
    moment = min(at(2026, 11, 30), datetime.datetime.combine(due, datetime.time(0), tzinfo=UTC) - 2 * WEEK)
    with time_machine.travel(moment, tick=False), TestCase.captureOnCommitCallbacks(execute=notice_sent):
        return api.assign(user=user, target=COURSE, due_date=due, assigned_by=staff, reminders=reminders, **kwargs)


def reminder_rows(**filters):
    """{(person, days, recipient kind): (state, reason)} of the reminder and overdue deliveries."""
    return {
        (row.user.username, row.reminder_days, row.recipient_kind): (row.state, row.reason)
        for row in Delivery.objects.filter(message__in=["reminder", "overdue"], **filters).select_related("user")
    }


def sent_to():
    return sorted(email.to[0] for email in mail.outbox)


# Counts ----------------------------------------------------------------------------------------------


@pytest.fixture
def busy_moment(staff):
    """At 18 December 00:05: one cycle due, one assignment overdue, three reminders due, one lease expired."""
    repeating = assign(person("rory"), staff, [], due=datetime.date(2026, 12, 1), repeat_weeks=4)
    with time_machine.travel(at(2026, 11, 30, 12), tick=False):
        controls.set_grade(repeating.user, COURSE, percent=1.0, passed=True)  # next cycle: 2 December
    late = assign(person("lola"), staff, [], due=datetime.date(2026, 12, 10), notice_sent=False)
    catching_up = assign(person("cato"), staff, [{"days": 14}, {"days": 7}, {"days": 3}])
    stuck = Delivery.objects.get(user=late.user, message="assigned")  # its worker died: lease long over
    assert stuck.state == Delivery.PENDING and stuck.lease_until < at(2026, 12, 18)
    mail.outbox.clear()
    return {"repeating": repeating, "late": late, "catching_up": catching_up, "stuck": stuck}


def test_a_tick_reports_what_it_did(busy_moment, settings):
    settings.MANDATORY_ASSIGNMENTS_SEND_CHUNK_SIZE = 1
    counts = tick(at(2026, 12, 18, 0, 5))
    assert counts == {
        "cycles_started": 1,
        "marked_overdue": 1,
        "reminders_claimed": 1,
        "reminders_skipped": 2,
        "deliveries_retried": 1,
        "send_tasks": 2,
    }
    assert sent_to() == ["cato@example.com", "lola@example.com"]  # the 3-day reminder, the "assigned" notice
    assert Assignment.objects.get(pk=busy_moment["repeating"].pk).cycle == 2
    assert tick(at(2026, 12, 18, 0, 10)) == dict.fromkeys(counts, 0)


def test_switched_off_a_tick_does_nothing_and_says_so(busy_moment, settings):
    settings.MANDATORY_ASSIGNMENTS_ENABLED = False
    assert tick(at(2026, 12, 18, 0, 5)) == {
        "cycles_started": 0,
        "marked_overdue": 0,
        "reminders_claimed": 0,
        "reminders_skipped": 0,
        "deliveries_retried": 0,
        "send_tasks": 0,
    }
    assert mail.outbox == []


def test_the_send_tasks_cover_every_claimed_delivery_once(staff, settings):
    settings.MANDATORY_ASSIGNMENTS_SEND_CHUNK_SIZE = 2
    people = [person(f"p{i}") for i in range(5)]
    for learner in people:
        assign(learner, staff, [{"days": 3}])
    mail.outbox.clear()
    counts = tick(at(2026, 12, 17, 0, 5))
    assert (counts["reminders_claimed"], counts["send_tasks"]) == (5, 3)
    assert sent_to() == [f"p{i}@example.com" for i in range(5)]


def test_an_idle_tick_costs_a_few_queries_whatever_the_history(staff):
    for index in range(6):
        assignment = assign(person(f"h{index}"), staff, [{"days": 3}], repeat_weeks=52 if index % 2 else None)
        with time_machine.travel(at(2026, 12, 1), tick=False):
            controls.set_grade(assignment.user, COURSE, percent=1.0, passed=True)
    for index in range(4):
        assign(person(f"o{index}"), staff, [{"days": 3}])
    with CaptureQueriesContext(connection) as queries:
        counts = tick(at(2026, 12, 2))
    assert set(counts.values()) == {0}
    assert len(queries) <= 8, [query["sql"] for query in queries]  # savepoints included


# New cycles ------------------------------------------------------------------------------------------


def test_two_ticks_that_read_the_same_due_cycle_start_it_once(staff):
    assignment = assign(person("rory"), staff, [], due=datetime.date(2026, 12, 1), repeat_weeks=4)
    with time_machine.travel(at(2026, 11, 30, 12), tick=False):
        controls.set_grade(assignment.user, COURSE, percent=1.0, passed=True)
    moment = at(2026, 12, 2, 0, 5)
    with time_machine.travel(moment, tick=False):
        assert scheduler.start_cycle(assignment.pk, moment) is True
        assert scheduler.start_cycle(assignment.pk, moment) is False  # the second tick finds it started
    assignment.refresh_from_db()
    assert (assignment.cycle, assignment.due_date) == (2, datetime.date(2026, 12, 29))
    entry = AuditEntry.objects.get(assignment_id=assignment.pk, action="cycle_started", changes__has_key="cycle")
    assert entry.changes == {
        "previous": {"cycle": 1, "due_date": "2026-12-01"},
        "cycle": 2,
        "due_date": "2026-12-29",
    }


def test_starting_a_cycle_starts_that_assignments_cycle_only_once_it_is_due(staff):
    assignment = assign(person("rory"), staff, [], due=datetime.date(2026, 12, 1), repeat_weeks=4)
    other = assign(person("rhea"), staff, [], due=datetime.date(2026, 11, 25), repeat_weeks=4)
    with time_machine.travel(at(2026, 11, 20, 12), tick=False):
        for repeating in (assignment, other):
            controls.set_grade(repeating.user, COURSE, percent=1.0, passed=True)
    before = at(2026, 12, 1, 23, 59)  # rhea's next cycle is due (26 November), rory's not yet
    with time_machine.travel(before, tick=False):
        assert scheduler.start_cycle(assignment.pk, before) is False
    assert dict(Assignment.objects.values_list("user__username", "cycle")) == {"rory": 1, "rhea": 1}


def test_a_new_cycles_course_reset_is_requested_by_the_person_who_assigned_it(staff):
    from lms.djangoapps.support.models import CourseResetAudit, CourseResetCourseOptIn

    CourseResetCourseOptIn.objects.create(course_id=COURSE, active=True)
    by_staff = assign(person("rory"), staff, [], due=datetime.date(2026, 12, 1), repeat_weeks=4)
    orphan = assign(person("rhea"), staff, [], due=datetime.date(2026, 12, 1), repeat_weeks=4)
    Assignment.objects.filter(pk=orphan.pk).update(assigned_by=None)  # the assigning account was deleted
    with time_machine.travel(at(2026, 11, 30, 12), tick=False):
        for repeating in (by_staff, orphan):
            controls.issue_certificate(repeating.user, COURSE)  # completed without a passing grade stored
    tick(at(2026, 12, 2, 0, 5))
    requested = {
        audit.course_enrollment.user.username: audit.reset_by.username
        for audit in CourseResetAudit.objects.select_related("course_enrollment__user", "reset_by")
    }
    assert requested == {"rory": "stella", "rhea": "rhea"}


def test_the_reminder_due_at_the_very_start_of_a_weekly_cycle_is_sent_by_a_late_tick(staff):
    # Weekly: cycle 2 starts at cycle 1's deadline (2 December 00:00), due 8 December; its 6-day
    # reminder falls due at that same instant. The tick was down until 3 December.
    learner = person("wendy")
    assignment = assign(learner, staff, [{"days": 6}], due=datetime.date(2026, 12, 1), repeat_weeks=1)
    with time_machine.travel(at(2026, 11, 30, 12), tick=False):
        controls.set_grade(learner, COURSE, percent=1.0, passed=True)
    assignment.refresh_from_db()
    assert (assignment.next_cycle_at, assignment.next_due_date) == (at(2026, 12, 2), datetime.date(2026, 12, 8))
    mail.outbox.clear()

    tick(at(2026, 12, 3, 10))

    assert reminder_rows(cycle=2) == {("wendy", 6, "student"): (Delivery.SENT, "")}


# Overdue ---------------------------------------------------------------------------------------------


def test_overdue_is_marked_once_with_its_audit_line_and_only_past_the_deadline(staff, monkeypatch):
    monkeypatch.setattr(scheduler, "OVERDUE_BATCH", 2)
    late = [assign(person(f"late{i}"), staff, [], due=datetime.date(2026, 12, 10)) for i in range(3)]
    on_time = assign(person("ontime"), staff, [])
    done = assign(person("done"), staff, [], due=datetime.date(2026, 12, 10))
    with time_machine.travel(at(2026, 12, 5), tick=False):
        controls.set_grade(done.user, COURSE, percent=1.0, passed=True)

    assert tick(at(2026, 12, 11))["marked_overdue"] == 3  # in batches of two, all in this tick
    assert tick(at(2026, 12, 12))["marked_overdue"] == 0

    statuses = dict(Assignment.objects.values_list("user__username", "recorded_status"))
    assert statuses == {
        "late0": "overdue",
        "late1": "overdue",
        "late2": "overdue",
        "ontime": "assigned",
        "done": "completed",
    }
    for assignment in late:
        [entry] = AuditEntry.objects.filter(assignment_id=assignment.pk, action="status_changed", changes__to="overdue")
        assert entry.changes == {"from": "assigned", "to": "overdue", "cycle": 1}
    assert not AuditEntry.objects.filter(assignment_id=on_time.pk, changes__to="overdue").exists()


# Reminders ---------------------------------------------------------------------------------------------


def test_catch_up_sends_the_latest_due_reminder_per_assignment_and_recipient(staff):
    ana, ben = person("ana"), person("ben")
    for learner in (ana, ben):
        assign(
            learner,
            staff,
            [
                {"days": 14, "recipient": "student"},
                {"days": 7, "recipient": "student"},
                {"days": 7, "recipient": "assigned_by"},
                {"days": 3, "recipient": "assigned_by"},
                {"days": 1, "recipient": "student"},  # not due yet at the late tick
            ],
        )
    mail.outbox.clear()

    counts = tick(at(2026, 12, 17, 12))  # down since 30 November: 14, 7 and 3 days before are due

    superseded = (Delivery.SKIPPED, scheduler.SUPERSEDED)
    assert reminder_rows() == {
        ("ana", 14, "student"): superseded,
        ("ana", 7, "student"): (Delivery.SENT, ""),
        ("ana", 7, "assigned_by"): superseded,
        ("ana", 3, "assigned_by"): (Delivery.SENT, ""),
        ("ben", 14, "student"): superseded,
        ("ben", 7, "student"): (Delivery.SENT, ""),
        ("ben", 7, "assigned_by"): superseded,
        ("ben", 3, "assigned_by"): (Delivery.SENT, ""),
    }
    assert (counts["reminders_claimed"], counts["reminders_skipped"]) == (4, 4)
    assert sent_to() == ["ana@example.com", "ben@example.com", "stella@example.com", "stella@example.com"]
    assert Reminder.objects.filter(fire_at__isnull=False).count() == 2  # the 1-day ones wait for their moment
    tick(at(2026, 12, 19, 0, 5))
    assert len(mail.outbox) == 6


def test_catch_up_keeps_each_assignments_reminders_together_across_small_batches(staff, monkeypatch):
    monkeypatch.setattr(scheduler, "REMINDER_BATCH", 4)
    people = [person(f"b{i}") for i in range(4)]
    for learner in people:
        assign(learner, staff, [{"days": 14}, {"days": 7}, {"days": 3}])
    mail.outbox.clear()

    counts = tick(at(2026, 12, 18))

    assert (counts["reminders_claimed"], counts["reminders_skipped"]) == (4, 8)
    assert sent_to() == [f"b{i}@example.com" for i in range(4)]
    assert set(
        Delivery.objects.filter(state=Delivery.SENT, message="reminder").values_list("reminder_days", flat=True)
    ) == {3}
    assert not Reminder.objects.filter(fire_at__isnull=False).exists()


def test_dunning_starts_exactly_at_the_deadline(staff):
    learner = person("dana")
    assign(learner, staff, [{"days": -1}, {"days": 0}])
    mail.outbox.clear()

    tick(at(2026, 12, 20, 0, 5))  # the due date: the day-0 reminder is a reminder, not a dunning
    assert reminder_rows() == {("dana", 0, "student"): (Delivery.SENT, "")}
    assert (
        Delivery.objects.get(reminder_days=0, recipient_kind="student", message__in=["reminder", "overdue"]).message
        == "reminder"
    )
    tick(DEADLINE)  # the first instant after the due date: overdue
    assert reminder_rows()[("dana", -1, "student")] == (Delivery.SENT, "")
    assert Delivery.objects.get(reminder_days=-1).message == "overdue"
    assert len(mail.outbox) == 2


@pytest.mark.parametrize(
    "days, moment",
    [(0, DEADLINE + datetime.timedelta(minutes=5)), (3, DEADLINE)],
    ids=["the due date's own reminder after the deadline", "a reminder found exactly at the deadline"],
)
def test_a_reminder_found_only_at_or_after_the_deadline_is_recorded_skipped_by_the_tick(staff, days, moment):
    # The tick was down from the reminder's moment until the deadline (or after it): "due in N days" or
    # "due today" would be false. The tick records it as skipped itself; no send task is queued for it.
    assign(person("dora"), staff, [{"days": days}])
    mail.outbox.clear()

    counts = tick(moment)

    assert (counts["reminders_claimed"], counts["reminders_skipped"], counts["send_tasks"]) == (0, 1, 0)
    assert reminder_rows() == {("dora", days, "student"): (Delivery.SKIPPED, "the due date has passed")}
    assert mail.outbox == []


def test_a_dunning_due_before_the_deadline_in_the_persons_zone_is_not_sent(staff):
    # A dunning reminder moved before the deadline (the due date was extended after it was claimed,
    # or a zone change): the tick records it as not overdue instead of sending it.
    learner = person("ella")
    assignment = assign(learner, staff, [{"days": -1}])
    Reminder.objects.filter(assignment=assignment).update(fire_at=at(2026, 12, 20, 12))
    mail.outbox.clear()
    tick(at(2026, 12, 20, 12))
    assert reminder_rows() == {("ella", -1, "student"): (Delivery.SKIPPED, "not overdue")}
    assert mail.outbox == []


def test_a_completed_assignments_due_reminder_is_recorded_not_sent(staff):
    learner = person("cleo")
    assignment = assign(learner, staff, [{"days": 3}])
    with time_machine.travel(at(2026, 12, 10), tick=False):
        controls.set_grade(learner, COURSE, percent=1.0, passed=True)
    Reminder.objects.filter(assignment=assignment).update(fire_at=at(2026, 12, 17))  # left over
    mail.outbox.clear()
    tick(at(2026, 12, 17, 0, 5))
    assert reminder_rows() == {("cleo", 3, "student"): (Delivery.SKIPPED, "the assignment is completed")}
    assert mail.outbox == []


def test_recipients_that_cannot_be_reached_are_recorded_with_the_reason(staff):
    gone_staff = person("gone")
    controls.make_course_staff(gone_staff, COURSE)
    learner = person("lisa")
    inactive = person("ina")
    assign(learner, gone_staff, [{"days": 3, "recipient": "assigned_by"}, {"days": 3, "recipient": "managers"}])
    assign(inactive, staff, [{"days": 3, "recipient": "student"}, {"days": 3, "recipient": "assigned_by"}])
    for user in (gone_staff, inactive):
        user.is_active = False
        user.save()
    mail.outbox.clear()

    tick(at(2026, 12, 17, 0, 5))

    assert reminder_rows() == {
        ("lisa", 3, "assigned_by"): (Delivery.SKIPPED, "no active assigning person"),
        ("lisa", 3, "managers"): (Delivery.SKIPPED, "the person has no managers"),
        ("ina", 3, "student"): (Delivery.SKIPPED, "the person's account is not active"),
        ("ina", 3, "assigned_by"): (Delivery.SENT, ""),
    }
    assert sent_to() == ["stella@example.com"]


def test_each_manager_gets_the_reminder_and_the_records_keep_person_and_target(staff):
    boss, deputy = person("boss"), person("deputy")
    learner = controls.create_user("max", email="max@example.com", managers=[boss, deputy])
    assignment = assign(learner, staff, [{"days": 3, "recipient": "managers"}])
    mail.outbox.clear()

    tick(at(2026, 12, 17, 0, 5))

    rows = Delivery.objects.filter(message="reminder").order_by("recipient__username")
    assert [(row.recipient.username, row.state, row.email) for row in rows] == [
        ("boss", Delivery.SENT, "boss@example.com"),
        ("deputy", Delivery.SENT, "deputy@example.com"),
    ]
    assert {
        (row.assignment_id, row.user_id, row.target_key, row.target_type, row.cycle, row.due_date) for row in rows
    } == {(assignment.pk, learner.pk, COURSE, "course", 1, DUE)}


def test_a_tick_leaves_reminders_that_are_not_due_for_later(staff):
    now_due = assign(person("nina"), staff, [{"days": 3}])
    later = assign(person("lars"), staff, [{"days": 3}], due=datetime.date(2026, 12, 24))
    tick(at(2026, 12, 17, 0, 5))
    assert Reminder.objects.get(assignment=now_due).fire_at is None
    assert Reminder.objects.get(assignment=later).fire_at == at(2026, 12, 21)
    mail.outbox.clear()
    tick(at(2026, 12, 21, 0, 5))
    assert sent_to() == ["lars@example.com"]


def test_a_delivery_whose_lease_ran_out_is_sent_by_the_next_tick_once(staff):
    learner = person("kim")
    assign(learner, staff, [{"days": 3}])
    moment = at(2026, 12, 17, 0, 5)
    # The claim committed, but its send task was lost (the worker died before taking it).
    with time_machine.travel(moment, tick=False):
        [pk] = delivery.claim(
            scheduler._deliveries_for(  # noqa: SLF001
                list(Reminder.objects.filter(assignment__user=learner).select_related("assignment__user")), moment
            ),
            moment,
        )
    Reminder.objects.update(fire_at=None)
    mail.outbox.clear()
    assert tick(moment + datetime.timedelta(minutes=5))["deliveries_retried"] == 0
    assert tick(moment + datetime.timedelta(minutes=15))["deliveries_retried"] == 1
    assert Delivery.objects.get(pk=pk).state == Delivery.SENT
    assert tick(moment + datetime.timedelta(minutes=45))["deliveries_retried"] == 0
    assert sent_to() == ["kim@example.com"]
