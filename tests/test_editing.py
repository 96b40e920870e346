"""
Editing sends no email (SPEC: "editing sends none"): a new due date, note, reminders or repetition are
recorded in the audit log and re-schedule reminders, but nobody is notified.
"""

import pytest
from django.core import mail

from mandatory_assignments import api
from mandatory_assignments.models import AuditEntry, Delivery

from .conftest import COURSE, due_in

pytestmark = pytest.mark.usefixtures("now")


@pytest.fixture
def assignment(learner, staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        row = api.assign(user=learner, target=COURSE, due_date=due_in(14), assigned_by=staff, note="First")
    assert [email.subject for email in mail.outbox] == ["New mandatory assignment: Workplace Safety"]
    mail.outbox.clear()
    return row


@pytest.mark.parametrize(
    "changes",
    [
        {"due_date": due_in(21)},
        {"note": "Second"},
        {"reminders": [{"days": 1, "recipient": "student"}, {"days": 1, "recipient": "assigned_by"}]},
        {"repeat_weeks": 52},
        {"due_date": due_in(30), "note": "Third", "reminders": [], "repeat_weeks": 4},
    ],
    ids=["due-date", "note", "reminders", "repetition", "everything"],
)
def test_editing_sends_no_email(assignment, staff, django_capture_on_commit_callbacks, changes):
    deliveries = Delivery.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        api.update(assignment, by=staff, **changes)

    assert mail.outbox == []
    assert Delivery.objects.count() == deliveries
    assert callbacks == []  # nothing queued for later either
    assert AuditEntry.objects.filter(assignment_id=assignment.pk, action="updated").count() == 1
