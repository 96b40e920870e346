"""
The assigned, withdrawn and new-cycle notices: recorded with the change that causes them, sent after it
commits, outside any web request, in order, and kept in the records after the assignment is gone.
"""

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from mandatory_assignments import api
from mandatory_assignments.models import Assignment, AuditEntry, BulkJob, Delivery
from sandbox import controls

from .conftest import COURSE, due_in

pytestmark = pytest.mark.usefixtures("now")


def subjects():
    return [email.subject for email in mail.outbox]


def test_withdrawing_keeps_what_was_sent_and_records_the_withdrawn_notice(staff, learner):
    with TestCase.captureOnCommitCallbacks(execute=True):
        assignment = api.assign(user=learner, target=COURSE, due_date=due_in(10), assigned_by=staff)
    with TestCase.captureOnCommitCallbacks(execute=True):
        api.withdraw(assignment, by=staff)

    rows = Delivery.objects.filter(user=learner).order_by("id")
    assert [(row.message, row.state, row.target_key, row.assignment_id) for row in rows] == [
        ("assigned", Delivery.SENT, COURSE, None),
        ("withdrawn", Delivery.SENT, COURSE, None),
    ]
    assert subjects() == ["New mandatory assignment: Workplace Safety", "Withdrawn: Workplace Safety"]


def test_withdrawn_before_the_assigned_email_went_out_sends_both_in_order(staff, learner):
    # A worker had not sent the "assigned" email yet (its task never ran) when staff withdrew.
    assignment = api.assign(user=learner, target=COURSE, due_date=due_in(10), assigned_by=staff, note="Audit")
    assert Delivery.objects.get(user=learner, message="assigned").state == Delivery.PENDING
    mail.outbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        api.withdraw(assignment, by=staff)

    assert subjects() == ["New mandatory assignment: Workplace Safety", "Withdrawn: Workplace Safety"]
    assert "Audit" in mail.outbox[0].body  # the note, from the notice's own copy: the assignment is gone
    assert not Assignment.objects.filter(pk=assignment.pk).exists()


def test_celery_payloads_carry_ids_not_notes(staff, learner, django_capture_on_commit_callbacks, monkeypatch):
    from celery import current_app

    sent = []
    task = current_app.tasks["mandatory_assignments.tasks.send_deliveries"]
    monkeypatch.setattr(task, "apply_async", lambda args=None, **kwargs: sent.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        assignment = api.assign(
            user=learner, target=COURSE, due_date=due_in(10), assigned_by=staff, note="Secret remark"
        )
    with django_capture_on_commit_callbacks(execute=True):
        api.withdraw(assignment, by=staff)

    assert len(sent) == 2
    assert all(isinstance(value, int) for args in sent for value in args[0])
    assert "Secret remark" not in repr(sent)


def test_a_finished_bulk_job_keeps_no_note(staff, settings):
    people = [controls.create_user(f"p{index}", email=f"p{index}@example.com") for index in range(3)]
    with TestCase.captureOnCommitCallbacks(execute=True):
        job = api.start_bulk_assign(
            users=people, target=COURSE, due_date=due_in(10), assigned_by=staff, note="About the audit"
        )

    job = BulkJob.objects.get(pk=job.pk)
    assert job.state == "SUCCESS"
    assert job.params["note"] == ""
    assert Assignment.objects.filter(note="About the audit").count() == 3


def test_the_feature_switch_stops_emails_already_queued(staff, learner, settings):
    assignment = api.assign(user=learner, target=COURSE, due_date=due_in(10), assigned_by=staff)
    pending = Delivery.objects.get(user=learner, message="assigned")
    settings.MANDATORY_ASSIGNMENTS_ENABLED = False
    mail.outbox.clear()

    from mandatory_assignments.tasks import send_deliveries

    send_deliveries.apply(args=[[pending.pk]])

    pending.refresh_from_db()
    assert mail.outbox == []
    assert pending.state == Delivery.SKIPPED
    assert "switched off" in pending.reason
    assert Assignment.objects.filter(pk=assignment.pk).exists()


# Sending inside a web request ------------------------------------------------------------------------


@pytest.fixture
def superuser(db):
    user = controls.create_user("root", email="root@example.com", password="pw", is_staff=True)
    user.is_superuser = True
    user.save()
    return user


@pytest.mark.django_db(transaction=True)
def test_the_admin_withdraws_several_assignments_in_one_action(client, now, superuser):
    """
    With Celery eager and autocommit, the emails go out inside the admin's request: each must leave the
    request acting as the admin, or every row after the first is refused.
    """
    controls.create_course(COURSE, display_name="Workplace Safety")
    people = [controls.create_user(f"w{index}", email=f"w{index}@example.com") for index in range(3)]
    rows = [api.assign(user=person, target=COURSE, due_date=due_in(10), assigned_by=superuser) for person in people]
    mail.outbox.clear()
    client.force_login(superuser)

    response = client.post(
        reverse("admin:mandatory_assignments_assignment_changelist"),
        {"action": "withdraw_selected", "_selected_action": [row.pk for row in rows]},
        follow=True,
    )

    assert response.status_code == 200
    assert not Assignment.objects.exists()
    assert AuditEntry.objects.filter(action=AuditEntry.WITHDRAWN, actor=superuser).count() == 3
    assert sorted(subjects()).count("Withdrawn: Workplace Safety") == 3
    assert response.context["user"] == superuser


def test_withdrawing_in_the_admin_needs_the_change_permission(client, staff, learner):
    viewer = controls.create_user("viewer", email="viewer@example.com", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_assignment"))
    assignment = api.assign(user=learner, target=COURSE, due_date=due_in(10), assigned_by=staff)
    client.force_login(viewer)
    url = reverse("admin:mandatory_assignments_assignment_changelist")

    page = client.get(url)
    response = client.post(url, {"action": "withdraw_selected", "_selected_action": [assignment.pk]})

    assert page.status_code == 200
    assert "withdraw_selected" not in page.content.decode()
    assert response.status_code in (200, 302)
    assert Assignment.objects.filter(pk=assignment.pk).exists()
