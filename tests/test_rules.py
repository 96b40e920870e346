"""
The date, status and reminder rules on plain values (no database).
"""

import datetime
from zoneinfo import ZoneInfo

import pytest

from mandatory_assignments import rules

UTC = datetime.UTC
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.mark.parametrize(
    "due, tz, deadline",
    [
        (datetime.date(2026, 3, 28), BERLIN, datetime.datetime(2026, 3, 28, 23, 0, tzinfo=UTC)),  # CET
        (datetime.date(2026, 3, 29), BERLIN, datetime.datetime(2026, 3, 29, 22, 0, tzinfo=UTC)),  # CEST from 29 March
        (datetime.date(2026, 3, 7), NEW_YORK, datetime.datetime(2026, 3, 8, 5, 0, tzinfo=UTC)),  # EST
        (datetime.date(2026, 3, 8), NEW_YORK, datetime.datetime(2026, 3, 9, 4, 0, tzinfo=UTC)),  # EDT
        (datetime.date(2026, 10, 31), NEW_YORK, datetime.datetime(2026, 11, 1, 4, 0, tzinfo=UTC)),
        (datetime.date(2026, 11, 1), NEW_YORK, datetime.datetime(2026, 11, 2, 5, 0, tzinfo=UTC)),
    ],
)
def test_deadline_is_local_midnight_after_the_due_date(due, tz, deadline):
    assert rules.deadline_for(due, tz) == deadline


def test_reminder_moments_are_local_midnights():
    due = datetime.date(2026, 3, 10)
    assert rules.reminder_moment(due, 3, NEW_YORK) == datetime.datetime(2026, 3, 7, 5, 0, tzinfo=UTC)
    assert rules.reminder_moment(due, 1, NEW_YORK) == datetime.datetime(2026, 3, 9, 4, 0, tzinfo=UTC)
    assert rules.reminder_moment(due, -1, NEW_YORK) == rules.deadline_for(due, NEW_YORK)


@pytest.mark.parametrize(
    "name, expected",
    [("Asia/Kolkata", "Asia/Kolkata"), ("Nope/Nowhere", "UTC"), ("", "UTC"), (None, "UTC"), (42, "UTC")],
)
def test_invalid_time_zones_fall_back(name, expected):
    assert rules.time_zone_or_default(name, "UTC") == ZoneInfo(expected)


def test_status_rules():
    deadline = datetime.datetime(2026, 12, 11, tzinfo=UTC)
    before, after = deadline - datetime.timedelta(seconds=1), deadline
    assert rules.compute_status(completed_at=None, progressed_at=None, deadline=deadline, now=before) == "assigned"
    assert rules.compute_status(completed_at=None, progressed_at=before, deadline=deadline, now=before) == "in_progress"
    assert rules.compute_status(completed_at=None, progressed_at=before, deadline=deadline, now=after) == "overdue"
    assert rules.compute_status(completed_at=after, progressed_at=None, deadline=deadline, now=after) == "completed"


def test_next_cycle_due_date_rolls_forward_past_the_lead_time():
    now = datetime.datetime(2026, 2, 20, 12, tzinfo=UTC)
    assert rules.next_cycle_due_date(datetime.date(2026, 2, 1), 52, now=now, tz=UTC, min_lead_days=3) == datetime.date(
        2027, 1, 31
    )
    assert rules.next_cycle_due_date(datetime.date(2026, 2, 1), 2, now=now, tz=UTC, min_lead_days=3) == datetime.date(
        2026, 3, 1
    )


def test_evidence_counts_only_after_a_later_cycle_starts():
    start = datetime.datetime(2026, 2, 2, tzinfo=UTC)
    old = start - datetime.timedelta(days=1)
    assert rules.evidence_counts(old, cycle=1, cycle_started_at=start)
    assert not rules.evidence_counts(old, cycle=2, cycle_started_at=start)
    assert rules.evidence_counts(start, cycle=2, cycle_started_at=start)
    assert not rules.evidence_counts(None, cycle=1, cycle_started_at=start)


@pytest.mark.parametrize(
    "reminders, problem",
    [
        ("x", "must be a list"),
        ([{"days": 1}] * 3, "given twice"),
        ([{"days": True}], "whole number"),
        ([{"days": 1.5}], "whole number"),
        ([{"days": -366}], "whole number"),
        ([{"days": 1, "recipient": "ceo"}], "recipient must be one of"),
        ([{"days": 1, "when": "now"}], "unknown field"),
        ([{"days": 1, "template": "missing"}], "no email template named"),
        (["3"], "must be an object"),
    ],
)
def test_reminder_errors(reminders, problem):
    errors = rules.reminder_errors(reminders, max_reminders=20, known_templates={"known"})
    assert any(problem in str(error) for error in errors), errors


def test_valid_reminders_and_normalisation():
    reminders = [
        {"days": 365},
        {"days": -365, "recipient": "managers", "template": "known"},
        {"days": 0, "recipient": "assigned_by"},
    ]
    assert rules.reminder_errors(reminders, max_reminders=3, known_templates={"known"}) == []
    assert rules.normalise_reminders(reminders)[0] == {"days": 365, "recipient": "student", "template": None}
    assert rules.reminder_errors(reminders, max_reminders=2, known_templates={"known"})


@pytest.mark.parametrize(
    "weeks, valid", [(None, True), (1, True), (520, True), (0, False), (521, False), (True, False), ("52", False)]
)
def test_repeat_weeks(weeks, valid):
    assert rules.repeat_weeks_valid(weeks) is valid
