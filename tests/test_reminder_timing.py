"""
Reminder timing: the learner-local midnights, the lead time, the next cycle's dates, the status at the
deadline, and the reminder rows an assignment stores (their moments, recipients and templates) as it is
created, edited and as the person's time zone changes.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.test import TestCase

from mandatory_assignments import api, rules
from mandatory_assignments.errors import AssignmentError
from mandatory_assignments.models import Assignment, Delivery, EmailTemplate, Reminder
from sandbox import controls

from .conftest import COURSE

UTC = datetime.UTC
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
KOLKATA = ZoneInfo("Asia/Kolkata")


def at(year, month, day, hour=0, minute=0, tz=UTC):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=tz).astimezone(UTC)


# The rules on plain values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, tz, instant",
    [
        (datetime.date(2026, 12, 10), UTC, at(2026, 12, 10)),
        (datetime.date(2026, 12, 10), BERLIN, at(2026, 12, 9, 23)),
        (datetime.date(2026, 12, 10), KOLKATA, at(2026, 12, 9, 18, 30)),
        (datetime.date(2026, 3, 29), BERLIN, at(2026, 3, 28, 23)),  # the night the clocks go forward: CET
        (datetime.date(2026, 3, 30), BERLIN, at(2026, 3, 29, 22)),  # the first midnight in CEST
        (datetime.date(2026, 11, 1), NEW_YORK, at(2026, 11, 1, 4)),  # still EDT at midnight
        (datetime.date(2026, 11, 2), NEW_YORK, at(2026, 11, 2, 5)),
    ],
)
def test_a_day_begins_at_midnight_in_the_persons_zone(day, tz, instant):
    assert rules.local_midnight(day, tz) == instant
    assert rules.local_midnight(day, tz).tzinfo == UTC


def test_reminders_a_day_apart_across_a_dst_change_are_23_or_25_hours_apart():
    due = datetime.date(2026, 3, 31)
    moments = [rules.reminder_moment(due, days, BERLIN) for days in (3, 2, 1, 0, -1)]
    hour = datetime.timedelta(hours=1)
    gaps = [(later - earlier) / hour for earlier, later in zip(moments, moments[1:], strict=False)]
    assert gaps == [24, 23, 24, 24]  # 29 March has 23 hours
    assert moments[-1] == rules.deadline_for(due, BERLIN)  # a dunning one day after: at the deadline
    autumn = [rules.reminder_moment(datetime.date(2026, 10, 26), days, BERLIN) for days in (1, 0)]
    assert autumn[1] - autumn[0] == datetime.timedelta(hours=25)  # 25 October has 25 hours


@pytest.mark.parametrize(
    "now, tz, lead, first",
    [
        (at(2026, 12, 1, 12), UTC, 3, datetime.date(2026, 12, 4)),
        (at(2026, 12, 1, 23, 30), BERLIN, 3, datetime.date(2026, 12, 5)),  # already 2 December in Berlin
        (at(2026, 12, 1, 23, 30), NEW_YORK, 3, datetime.date(2026, 12, 4)),
        (at(2026, 12, 1, 12), UTC, 0, datetime.date(2026, 12, 1)),
    ],
)
def test_the_earliest_due_date_counts_the_lead_time_from_the_persons_today(now, tz, lead, first):
    assert rules.earliest_due_date(now, tz, lead) == first


def test_status_at_the_deadline():
    deadline = at(2026, 12, 11)
    just_before = deadline - datetime.timedelta(microseconds=1)

    def status(completed_at=None, progressed_at=None, now=just_before):
        return rules.compute_status(completed_at=completed_at, progressed_at=progressed_at, deadline=deadline, now=now)

    assert status() == rules.ASSIGNED
    assert status(progressed_at=just_before) == rules.IN_PROGRESS
    assert status(now=deadline) == rules.OVERDUE
    assert status(progressed_at=just_before, now=deadline) == rules.OVERDUE
    assert status(completed_at=just_before) == rules.COMPLETED
    assert status(completed_at=deadline, now=deadline + datetime.timedelta(days=30)) == rules.COMPLETED


def test_the_next_due_date_is_kept_when_it_is_exactly_the_earliest_allowed():
    # Completed on 12 February with a 3-day lead time: 15 February is allowed, not rolled forward.
    now = at(2026, 2, 12, 12)
    assert rules.next_cycle_due_date(datetime.date(2026, 2, 1), 2, now=now, tz=UTC, min_lead_days=3) == datetime.date(
        2026, 2, 15
    )
    # Half an hour later it is already 13 February in Kolkata: 15 February is too soon, one more step.
    later = at(2026, 2, 12, 18, 30)
    assert rules.next_cycle_due_date(
        datetime.date(2026, 2, 1), 2, now=later, tz=KOLKATA, min_lead_days=3
    ) == datetime.date(2026, 3, 1)


def test_the_next_due_date_rolls_forward_by_whole_steps():
    now = at(2026, 3, 1, 12)
    assert rules.next_cycle_due_date(datetime.date(2026, 2, 1), 1, now=now, tz=UTC, min_lead_days=3) == datetime.date(
        2026, 3, 8
    )
    assert rules.next_cycle_due_date(datetime.date(2026, 2, 1), 52, now=now, tz=UTC, min_lead_days=3) == datetime.date(
        2027, 1, 31
    )


def test_the_next_cycle_starts_at_the_deadline_or_at_a_late_completion():
    deadline = at(2026, 2, 2)
    early, late = deadline - datetime.timedelta(days=5), deadline + datetime.timedelta(days=5)
    assert rules.next_cycle_start(deadline, early) == deadline
    assert rules.next_cycle_start(deadline, late) == late


def test_evidence_counts_from_the_very_start_of_a_later_cycle():
    start = at(2026, 2, 2)
    assert rules.evidence_counts(start - datetime.timedelta(days=400), cycle=1, cycle_started_at=start)
    assert rules.evidence_counts(start, cycle=2, cycle_started_at=start)
    assert not rules.evidence_counts(start - datetime.timedelta(microseconds=1), cycle=2, cycle_started_at=start)
    assert not rules.evidence_counts(start - datetime.timedelta(microseconds=1), cycle=3, cycle_started_at=start)


def test_a_zone_that_does_not_exist_falls_back_to_the_default_zone():
    assert rules.time_zone_or_default("Mars/Olympus_Mons", "Europe/Berlin") == BERLIN
    assert rules.time_zone_or_default(None, "Asia/Kolkata") == KOLKATA
    assert rules.time_zone_or_default("America/New_York", "Europe/Berlin") == NEW_YORK


def errors(reminders, max_reminders=20, known=("known",)):
    return [
        str(error)
        for error in rules.reminder_errors(reminders, max_reminders=max_reminders, known_templates=set(known))
    ]


def test_each_reminder_problem_names_the_reminder_it_is_about():
    assert errors([{"days": 1}, {"days": 400}]) == ["Reminder 2: days must be a whole number from -365 to 365."]
    assert errors([{"days": 1}, {"days": 2}, "x"]) == ["Reminder 3: must be an object."]
    assert errors([{"days": 1, "when": "now", "how": "loud"}]) == ["Reminder 1: unknown field(s) how, when."]
    assert errors([{"days": 1, "recipient": "ceo"}]) == [
        "Reminder 1: recipient must be one of student, assigned_by, managers."
    ]
    assert errors([{"days": 1, "template": "nope"}]) == ["Reminder 1: there is no email template named 'nope'."]
    assert errors([{"days": 1}, {"days": 1, "recipient": "student"}]) == [
        "Reminder 2: the same day and recipient are given twice."
    ]
    assert errors([{"days": 1}, {"days": 1, "recipient": "managers"}]) == []


def test_at_most_the_configured_number_of_reminders():
    assert errors([{"days": day} for day in range(3)], max_reminders=3) == []
    assert errors([{"days": day} for day in range(4)], max_reminders=3) == ["At most 3 reminders are allowed."]


@pytest.mark.parametrize("days", [-365, 0, 365])
def test_days_from_minus_365_to_365_are_allowed(days):
    assert errors([{"days": days}]) == []


@pytest.mark.parametrize("days", [-366, 366, 1.0, True, "3", None])
def test_days_outside_the_range_or_not_whole_numbers_are_refused(days):
    assert errors([{"days": days}]) == ["Reminder 1: days must be a whole number from -365 to 365."]


def test_normalised_reminders_keep_their_template_and_recipient():
    assert rules.normalise_reminders(
        [{"days": 1, "template": "known", "recipient": "managers"}, {"days": 2, "template": ""}]
    ) == [
        {"days": 1, "recipient": "managers", "template": "known"},
        {"days": 2, "recipient": "student", "template": None},
    ]


# Reminder rows of assignments ------------------------------------------------------------------------


@pytest.fixture
def staff(course):
    user = controls.create_user("stella", email="stella@example.com")
    controls.make_course_staff(user, COURSE)
    return user


@pytest.fixture
def berliner(db):
    return controls.create_user("bert", email="bert@example.com", time_zone="Europe/Berlin")


def assign_at(moment, **kwargs):
    kwargs.setdefault("target", COURSE)
    with time_machine.travel(moment, tick=False):
        return api.assign(**kwargs)


def moments(assignment):
    return {(row.days, row.recipient): row.fire_at for row in Reminder.objects.filter(assignment=assignment)}


def test_a_new_assignment_stores_each_reminder_with_its_recipient_template_and_moment(staff, berliner):
    EmailTemplate.objects.create(name="final-call", subject="Last call: {{ target_name }}", body_text="Hurry.")
    assignment = assign_at(
        at(2026, 12, 1, 9),
        user=berliner,
        due_date=datetime.date(2026, 12, 20),
        assigned_by=staff,
        reminders=[
            {"days": 7, "recipient": "student"},
            {"days": 1, "recipient": "assigned_by", "template": "final-call"},
            {"days": -2, "recipient": "managers"},
        ],
    )
    rows = {(row.days, row.recipient, row.template, row.fire_at) for row in assignment.reminder_rows.all()}
    assert rows == {
        (7, "student", "", at(2026, 12, 13, tz=BERLIN)),
        (1, "assigned_by", "final-call", at(2026, 12, 19, tz=BERLIN)),
        (-2, "managers", "", at(2026, 12, 22, tz=BERLIN)),
    }


@pytest.mark.parametrize("reminders", [["3"], [3], [None]])
def test_a_reminder_that_is_not_an_object_is_an_invalid_reminder(staff, berliner, reminders):
    with pytest.raises(AssignmentError) as refused:
        assign_at(
            at(2026, 12, 1), user=berliner, due_date=datetime.date(2026, 12, 20), assigned_by=staff, reminders=reminders
        )
    assert refused.value.code == "invalid_reminder"
    assert not Assignment.objects.exists()


def test_an_unknown_template_is_refused_and_a_known_one_accepted(staff, berliner):
    EmailTemplate.objects.create(name="known", subject="S", body_text="B")
    EmailTemplate.objects.create(name="other", subject="S", body_text="B")
    with pytest.raises(AssignmentError) as refused:
        assign_at(
            at(2026, 12, 1),
            user=berliner,
            due_date=datetime.date(2026, 12, 20),
            assigned_by=staff,
            reminders=[{"days": 3, "template": "known"}, {"days": 2, "template": "missing"}],
        )
    assert refused.value.code == "invalid_reminder"
    assert "missing" in refused.value.message and "'known'" not in refused.value.message
    assignment = assign_at(
        at(2026, 12, 1),
        user=berliner,
        due_date=datetime.date(2026, 12, 20),
        assigned_by=staff,
        reminders=[{"days": 3, "template": "known"}],
    )
    assert assignment.reminder_rows.get().template == "known"


def test_too_many_reminders_are_refused(staff, berliner, settings):
    settings.MANDATORY_ASSIGNMENTS_MAX_REMINDERS = 2
    with pytest.raises(AssignmentError) as refused:
        assign_at(
            at(2026, 12, 1),
            user=berliner,
            due_date=datetime.date(2026, 12, 20),
            assigned_by=staff,
            reminders=[{"days": 3}, {"days": 2}, {"days": 1}],
        )
    assert refused.value.code == "invalid_reminder"
    assert "At most 2" in refused.value.message


def test_a_reminder_whose_moment_is_the_moment_of_assigning_is_sent(staff, berliner):
    # Assigned at 00:00 Berlin on 17 December: the 3-day reminder's moment is now, not past.
    midnight = at(2026, 12, 17, tz=BERLIN)
    assignment = assign_at(
        midnight,
        user=berliner,
        due_date=datetime.date(2026, 12, 20),
        assigned_by=staff,
        reminders=[{"days": 3}, {"days": 4}],
    )
    assert moments(assignment) == {(3, "student"): midnight, (4, "student"): None}  # the 4-day one is past
    mail.outbox.clear()
    with time_machine.travel(midnight + datetime.timedelta(minutes=1), tick=False):
        with TestCase.captureOnCommitCallbacks(execute=True):
            api.run_scheduler()
    assert Delivery.objects.filter(message="reminder", state=Delivery.SENT, reminder_days=3).count() == 1


def test_a_reminder_one_microsecond_past_is_not_sent_late(staff, berliner):
    moment = at(2026, 12, 17, tz=BERLIN)
    assignment = assign_at(
        moment + datetime.timedelta(microseconds=1),
        user=berliner,
        due_date=datetime.date(2026, 12, 20),
        assigned_by=staff,
        reminders=[{"days": 3}],
    )
    assert moments(assignment) == {(3, "student"): None}


def test_a_new_due_date_moves_every_reminder_in_the_persons_zone(staff, berliner):
    assignment = assign_at(
        at(2026, 12, 1),
        user=berliner,
        due_date=datetime.date(2026, 12, 10),
        assigned_by=staff,
        reminders=[{"days": 3}, {"days": -1, "recipient": "assigned_by"}],
    )
    with time_machine.travel(at(2026, 12, 2), tick=False):
        api.update(assignment, by=staff, due_date=datetime.date(2026, 12, 20))
    assert moments(assignment) == {
        (3, "student"): at(2026, 12, 17, tz=BERLIN),
        (-1, "assigned_by"): at(2026, 12, 21, tz=BERLIN),
    }


def test_a_new_due_date_that_puts_a_reminder_in_the_past_drops_it(staff, berliner):
    assignment = assign_at(
        at(2026, 12, 1),
        user=berliner,
        due_date=datetime.date(2026, 12, 20),
        assigned_by=staff,
        reminders=[{"days": 7}, {"days": 1}],
    )
    with time_machine.travel(at(2026, 12, 9, 12), tick=False):
        api.update(assignment, by=staff, due_date=datetime.date(2026, 12, 12))
    assert moments(assignment) == {(7, "student"): None, (1, "student"): at(2026, 12, 11, tz=BERLIN)}


def test_a_new_time_zone_moves_only_that_persons_open_deadlines_and_reminders(staff, berliner):
    from openedx.core.djangoapps.user_api.preferences.api import set_user_preference

    other = controls.create_user("olga", email="olga@example.com", time_zone="Europe/Berlin")
    second_course = "course-v1:AcmeX+FIRE201+2026"
    controls.create_course(second_course, display_name="Fire Safety")
    controls.make_course_staff(staff, second_course)
    due = datetime.date(2026, 12, 20)
    open_one = assign_at(at(2026, 12, 1), user=berliner, due_date=due, assigned_by=staff, reminders=[{"days": 3}])
    done = assign_at(
        at(2026, 12, 1), user=berliner, due_date=due, assigned_by=staff, reminders=[{"days": 3}], target=second_course
    )
    with time_machine.travel(at(2026, 12, 2), tick=False):
        controls.set_grade(berliner, second_course, percent=1.0, passed=True)
    theirs = assign_at(at(2026, 12, 1), user=other, due_date=due, assigned_by=staff, reminders=[{"days": 3}])

    with time_machine.travel(at(2026, 12, 3), tick=False):
        set_user_preference(berliner, "time_zone", "America/New_York")

    open_one.refresh_from_db()
    assert open_one.deadline == at(2026, 12, 21, tz=NEW_YORK)
    assert moments(open_one) == {(3, "student"): at(2026, 12, 17, tz=NEW_YORK)}
    done_row = Assignment.objects.get(pk=done.pk)
    assert done_row.deadline == at(2026, 12, 21, tz=BERLIN)  # completed: its record keeps its deadline
    assert moments(done) == {(3, "student"): None}
    theirs.refresh_from_db()
    assert theirs.deadline == at(2026, 12, 21, tz=BERLIN)
    assert moments(theirs) == {(3, "student"): at(2026, 12, 17, tz=BERLIN)}
