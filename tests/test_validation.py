"""
The bounds SPEC.md fixes: a note of at most ``MANDATORY_ASSIGNMENTS_MAX_NOTE_LENGTH`` characters
(``invalid_note``); a due date that is no calendar date, or lies more than
``MANDATORY_ASSIGNMENTS_MAX_DUE_YEARS`` years ahead, is ``invalid_due_date``. Refused before anything is
written — by ``assign``, ``bulk_assign``, ``start_bulk_assign`` and ``update`` alike.
"""

import datetime

import pytest
from common.djangoapps.student.models import CourseEnrollment

from mandatory_assignments import api
from mandatory_assignments.models import Assignment, AuditEntry, BulkJob, Delivery, Reminder

from .conftest import COURSE, NOW, due_in

pytestmark = pytest.mark.usefixtures("now")

LATEST = datetime.date(NOW.year + 10, NOW.month, NOW.day)  # MAX_DUE_YEARS (10) from today

BAD_DUE_DATES = [
    pytest.param("2026-02-30", id="no-such-day"),
    pytest.param("2027-13-01", id="no-such-month"),
    pytest.param("tomorrow", id="words"),
    pytest.param("", id="empty"),
    pytest.param(datetime.datetime(2026, 12, 20, 12, 0, tzinfo=datetime.UTC), id="a-moment"),
    pytest.param(LATEST + datetime.timedelta(days=1), id="more-than-max-years-ahead"),
    pytest.param((LATEST + datetime.timedelta(days=1)).isoformat(), id="more-than-max-years-ahead-as-text"),
    pytest.param("9999-12-31", id="year-9999"),
]


def nothing_written():
    return (
        Assignment.objects.count(),
        Reminder.objects.count(),
        AuditEntry.objects.count(),
        Delivery.objects.count(),
        BulkJob.objects.count(),
        CourseEnrollment.objects.count(),
    ) == (0, 0, 0, 0, 0, 0)


def refused(code, call, **kwargs):
    with pytest.raises(api.AssignmentError) as error:
        call(**kwargs)
    assert error.value.code == code
    return error.value


# Notes ---------------------------------------------------------------------------------------------


def test_the_default_limit_is_2000_characters(learner, staff):
    error = refused(
        "invalid_note", api.assign, user=learner, target=COURSE, due_date=due_in(14), assigned_by=staff, note="x" * 2001
    )
    assert error.field == "note"
    assert nothing_written()
    assert api.assign(user=learner, target=COURSE, due_date=due_in(14), assigned_by=staff, note="x" * 2000).note == (
        "x" * 2000
    )


@pytest.mark.parametrize("call", [api.assign, api.bulk_assign, api.start_bulk_assign])
def test_a_note_over_the_limit_is_refused_when_assigning(learner, staff, settings, call):
    settings.MANDATORY_ASSIGNMENTS_MAX_NOTE_LENGTH = 20
    people = {"user": learner} if call is api.assign else {"users": [learner]}
    refused("invalid_note", call, target=COURSE, due_date=due_in(14), assigned_by=staff, note="n" * 21, **people)
    assert nothing_written()


def test_a_note_over_the_limit_is_refused_when_editing(learner, staff, settings):
    settings.MANDATORY_ASSIGNMENTS_MAX_NOTE_LENGTH = 20
    assignment = api.assign(user=learner, target=COURSE, due_date=due_in(14), assigned_by=staff, note="n" * 20)
    audit = AuditEntry.objects.count()
    refused("invalid_note", api.update, assignment=assignment, by=staff, note="m" * 21, due_date=due_in(20))
    assignment.refresh_from_db()
    assert (assignment.note, assignment.due_date) == ("n" * 20, due_in(14))
    assert AuditEntry.objects.count() == audit


# Due dates -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("due_date", BAD_DUE_DATES)
def test_a_due_date_that_is_no_calendar_date_or_too_far_is_refused_when_assigning(learner, staff, due_date):
    error = refused("invalid_due_date", api.assign, user=learner, target=COURSE, due_date=due_date, assigned_by=staff)
    assert error.field == "due_date"
    assert nothing_written()


@pytest.mark.parametrize("due_date", BAD_DUE_DATES)
@pytest.mark.parametrize("call", [api.bulk_assign, api.start_bulk_assign])
def test_a_bad_due_date_is_refused_for_the_whole_batch(learner, staff, due_date, call):
    refused("invalid_due_date", call, users=[learner], target=COURSE, due_date=due_date, assigned_by=staff)
    assert nothing_written()


@pytest.mark.parametrize("due_date", BAD_DUE_DATES)
def test_a_bad_due_date_is_refused_when_editing(learner, staff, due_date):
    assignment = api.assign(user=learner, target=COURSE, due_date=due_in(14), assigned_by=staff)
    audit = AuditEntry.objects.count()
    refused("invalid_due_date", api.update, assignment=assignment, by=staff, due_date=due_date, note="changed")
    assignment.refresh_from_db()
    assert (assignment.due_date, assignment.note) == (due_in(14), "")
    assert AuditEntry.objects.count() == audit


def test_the_latest_allowed_due_date_is_accepted(learner, staff):
    assignment = api.assign(user=learner, target=COURSE, due_date=LATEST.isoformat(), assigned_by=staff)
    assert assignment.due_date == LATEST
    assert assignment.deadline.date() == LATEST  # Berlin's midnight after the due date, in UTC


def test_a_due_date_too_close_is_still_due_date_too_soon(learner, staff):
    refused("due_date_too_soon", api.assign, user=learner, target=COURSE, due_date=due_in(1), assigned_by=staff)
    assert nothing_written()


def test_the_error_is_a_django_validation_error_with_its_code(learner, staff):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        api.assign(user=learner, target=COURSE, due_date="2026-02-30", assigned_by=staff)
    assert isinstance(error.value, api.AssignmentError) and error.value.code == "invalid_due_date"
