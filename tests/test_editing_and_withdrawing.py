"""
Editing and withdrawing (``editing.py``): only the fields given, validation before writing,
permissions, the audit entry.
"""

import datetime

import pytest

from mandatory_assignments import api, compat
from mandatory_assignments.models import Assignment, AuditEntry, Reminder
from sandbox import controls

from .conftest import COURSE, due_in

pytestmark = pytest.mark.usefixtures("now")


def enrolled(user, course_key=COURSE):
    from opaque_keys.edx.keys import CourseKey

    return compat.is_enrolled(user, CourseKey.from_string(course_key))


def enroll(user, course_key=COURSE):
    from opaque_keys.edx.keys import CourseKey

    compat.enroll(user, CourseKey.from_string(course_key))


def assign(learner, staff, **kwargs):
    kwargs.setdefault("target", COURSE)
    kwargs.setdefault("due_date", due_in(14))
    return api.assign(user=learner, assigned_by=staff, **kwargs)


# Editing and withdrawing --------------------------------------------------------------------------


def test_update_changes_only_the_fields_given_and_reschedules(learner, staff):
    assignment = assign(learner, staff, note="old note", reminders=[{"days": 3, "recipient": "student"}])
    updated = api.update(assignment, by=staff, due_date=due_in(21))

    assert updated.note == "old note"
    assert updated.due_date == due_in(21)
    reminder = Reminder.objects.get(assignment=assignment)
    assert reminder.fire_at == datetime.datetime(2026, 12, 18, 23, 0, tzinfo=datetime.UTC)
    entry = AuditEntry.objects.get(assignment_id=assignment.pk, action="updated")
    assert entry.changes["due_date"] == [due_in(14).isoformat(), due_in(21).isoformat()]
    assert entry.actor == staff


def test_update_validates_before_writing(learner, staff):
    assignment = assign(learner, staff, note="keep")
    with pytest.raises(api.AssignmentError) as error:
        api.update(assignment, by=staff, note="changed", due_date=due_in(1))
    assert error.value.code == "due_date_too_soon"
    with pytest.raises(api.AssignmentError) as error:
        api.update(assignment, by=staff, note="changed", repeat_weeks=-1)
    assert error.value.code == "invalid_repetition"
    assignment.refresh_from_db()
    assert assignment.note == "keep" and assignment.due_date == due_in(14)


def test_withdraw_deletes_keeps_audit_and_enrollment(learner, staff):
    assignment = assign(learner, staff)
    api.withdraw(assignment, by=staff)
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEntry.objects.filter(assignment_id=assignment.pk, action="withdrawn", actor=staff).exists()
    assert enrolled(learner)


def test_withdraw_needs_permission(learner, staff):
    assignment = assign(learner, staff)
    with pytest.raises(api.AssignmentError) as error:
        api.withdraw(assignment, by=controls.create_user("nobody"))
    assert error.value.code == "not_allowed"
    assert Assignment.objects.filter(pk=assignment.pk).exists()
