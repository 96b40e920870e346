"""
The feature switch ``MANDATORY_ASSIGNMENTS_ENABLED``: off, assigning still records the assignment but
records and sends no notice, the tick does nothing, and emails queued before the switch went off are
skipped when their worker runs.
"""

import datetime

import pytest
import time_machine
from django.core import mail

from mandatory_assignments import api, delivery, scheduler
from mandatory_assignments.models import Assignment, Delivery
from mandatory_assignments.tasks import send_deliveries
from sandbox import controls

from .conftest import COURSE, due_in

pytestmark = pytest.mark.usefixtures("now")


def test_switched_off_assigning_records_the_assignment_and_sends_no_notice(
    learner, staff, settings, django_capture_on_commit_callbacks
):
    settings.MANDATORY_ASSIGNMENTS_ENABLED = False
    with django_capture_on_commit_callbacks(execute=True):
        assignment = api.assign(user=learner, target=COURSE, due_date=due_in(14), assigned_by=staff)
        api.bulk_assign(
            users=[controls.create_user("bea", email="bea@example.com")],
            target=COURSE,
            due_date=due_in(14),
            assigned_by=staff,
        )

    assert Assignment.objects.filter(pk=assignment.pk).exists()
    assert Assignment.objects.count() == 2
    assert mail.outbox == []
    assert not Delivery.objects.exists()


def test_switched_off_withdrawing_sends_no_notice(learner, staff, settings, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assignment = api.assign(user=learner, target=COURSE, due_date=due_in(14), assigned_by=staff)
    mail.outbox.clear()
    settings.MANDATORY_ASSIGNMENTS_ENABLED = False
    with django_capture_on_commit_callbacks(execute=True):
        api.withdraw(assignment, by=staff)
    assert mail.outbox == []
    assert not Delivery.objects.filter(message="withdrawn").exists()


def test_a_notice_queued_before_the_switch_went_off_is_skipped_at_send_time(
    learner, staff, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:  # recorded and queued, not run yet
        api.assign(user=learner, target=COURSE, due_date=due_in(14), assigned_by=staff)
    assert len(queued) == 1
    settings.MANDATORY_ASSIGNMENTS_ENABLED = False

    for callback in queued:  # the worker gets to it now
        callback()

    assert mail.outbox == []
    notice = Delivery.objects.get(message="assigned")
    assert notice.state == Delivery.SKIPPED
    assert "MANDATORY_ASSIGNMENTS_ENABLED" in notice.reason


def test_a_reminder_claimed_before_the_switch_went_off_is_skipped_at_send_time(learner, staff, settings):
    api.assign(
        user=learner,
        target=COURSE,
        due_date=due_in(14),
        assigned_by=staff,
        reminders=[{"days": 3, "recipient": "student"}],
    )
    mail.outbox.clear()
    fires = datetime.datetime(2026, 12, 12, 0, 5, tzinfo=datetime.UTC)  # 00:00 in Berlin, three days before
    with time_machine.travel(fires, tick=False):
        claimed, _skipped = scheduler.claim_due_reminders(fires)
        assert len(claimed) == 1
        settings.MANDATORY_ASSIGNMENTS_ENABLED = False
        send_deliveries.apply(args=[claimed])
        assert api.run_scheduler()["reminders_claimed"] == 0  # the tick itself does nothing

    assert mail.outbox == []
    assert Delivery.objects.get(pk=claimed[0]).state == Delivery.SKIPPED
    settings.MANDATORY_ASSIGNMENTS_ENABLED = True
    assert delivery.send(claimed) == (0, 0, [])  # skipped for good: switching back on does not resend it
    assert mail.outbox == []
