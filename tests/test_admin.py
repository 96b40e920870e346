"""
The Django admin: staff can see everything, change only what the admin is meant to keep.
"""

import pytest
from django.urls import reverse

from mandatory_assignments import api
from mandatory_assignments.models import (
    Assignment,
    AuditEntry,
    BulkJob,
    CompletedCycle,
    CourseEvidence,
    Delivery,
    EmailTemplate,
    ManagerRelation,
    Reminder,
)
from sandbox import controls
from tests.conftest import COURSE, due_in

pytestmark = pytest.mark.django_db

MODELS = (
    Assignment,
    Reminder,
    Delivery,
    CompletedCycle,
    CourseEvidence,
    AuditEntry,
    ManagerRelation,
    EmailTemplate,
    BulkJob,
)


def admin_url(model, view, *args):
    return reverse(f"admin:mandatory_assignments_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser(db):
    user = controls.create_user("root", email="root@example.com", password="pw", is_staff=True)
    user.is_superuser = True
    user.save()
    return user


@pytest.fixture
def client(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def assignment(now, staff, learner):
    return api.assign(user=learner, target=COURSE, due_date=due_in(10), assigned_by=staff, note="Fire drill")


@pytest.fixture
def rows(assignment, staff, learner):
    """A row of every model, so that every changelist renders something."""
    Delivery.objects.create(
        assignment=assignment,
        message="reminder",
        cycle=1,
        reminder_days=3,
        recipient_kind="student",
        recipient=learner,
        due_date=assignment.due_date,
        state=Delivery.SKIPPED,
        reason="the person has no managers",
    )
    CompletedCycle.objects.create(
        assignment=assignment,
        user=learner,
        target_key=COURSE,
        cycle=1,
        due_date=assignment.due_date,
        completed_at=assignment.created,
        evidence="grade",
    )
    CourseEvidence.objects.create(user=learner, course_key=COURSE, passed_at=assignment.created, evidence="grade")
    api.set_managers(learner, [staff])
    EmailTemplate.objects.create(name="friendly", subject="Hi {{ learner_name }}", body_text="Due {{ due_date }}")
    BulkJob.objects.create(task_id="0" * 36, requested_by=staff, target_key=COURSE)
    return assignment


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_changelist_opens(client, rows, model):
    response = client.get(admin_url(model, "changelist"))

    assert response.status_code == 200
    assert model.objects.exists()


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_row_opens(client, rows, model):
    response = client.get(admin_url(model, "change", model.objects.first().pk))

    assert response.status_code == 200


def test_the_assignment_page_shows_its_reminders_emails_and_cycles(client, rows):
    response = client.get(admin_url(Assignment, "change", rows.pk))

    content = response.content.decode()
    assert response.status_code == 200
    assert "Fire drill" in content
    assert "the person has no managers" in content  # the skipped email and why
    assert f"?assignment_id={rows.pk}" in content  # the link to its audit trail


def test_assignments_can_be_searched_and_filtered_by_status(client, assignment):
    assert "lena" in client.get(admin_url(Assignment, "changelist"), {"q": "lena@example.com"}).content.decode()
    assert client.get(admin_url(Assignment, "changelist"), {"status": "assigned"}).context["cl"].result_count == 1
    assert client.get(admin_url(Assignment, "changelist"), {"status": "overdue"}).context["cl"].result_count == 0


def test_the_audit_trail_of_one_assignment(client, assignment):
    response = client.get(admin_url(AuditEntry, "changelist"), {"assignment_id": assignment.pk})

    assert response.status_code == 200
    assert response.context["cl"].result_count == AuditEntry.objects.filter(assignment_id=assignment.pk).count() >= 1


@pytest.mark.parametrize(
    "model",
    [Assignment, Reminder, Delivery, CompletedCycle, CourseEvidence, AuditEntry, BulkJob],
    ids=lambda model: model.__name__,
)
def test_records_cannot_be_added_changed_or_deleted(client, rows, model):
    obj = model.objects.first()

    assert client.get(admin_url(model, "add")).status_code == 403
    assert client.get(admin_url(model, "delete", obj.pk)).status_code == 403
    client.post(admin_url(model, "change", obj.pk), {})
    assert model.objects.filter(pk=obj.pk).exists()


def test_an_assignment_is_not_changed_through_its_page(client, assignment):
    client.post(admin_url(Assignment, "change", assignment.pk), {"note": "changed", "due_date": "2030-01-01"})

    assignment.refresh_from_db()
    assert assignment.note == "Fire drill"
    assert assignment.due_date == due_in(10)


def test_withdraw_action_goes_through_the_api(client, assignment, superuser):
    response = client.post(
        admin_url(Assignment, "changelist"),
        {"action": "withdraw_selected", "_selected_action": [assignment.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    entry = AuditEntry.objects.get(assignment_id=assignment.pk, action=AuditEntry.WITHDRAWN)
    assert entry.actor == superuser


def test_email_template_form_rejects_unknown_placeholders(client):
    response = client.post(
        admin_url(EmailTemplate, "add"),
        {"name": "odd", "subject": "Hello {{ unknown }}", "body_text": "Due {{ due_date }}", "body_html": ""},
    )

    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["subject"]
    assert "unknown" in errors["subject"][0]
    assert not EmailTemplate.objects.exists()


def test_email_template_form_checks_every_text(client):
    response = client.post(
        admin_url(EmailTemplate, "add"),
        {"name": "odd", "subject": "Hi", "body_text": "{% load evil %}", "body_html": "<p>{{ user.password }}</p>"},
    )

    assert set(response.context["adminform"].form.errors) == {"body_text", "body_html"}
    assert not EmailTemplate.objects.exists()


def test_email_template_with_known_placeholders_is_saved(client):
    response = client.post(
        admin_url(EmailTemplate, "add"),
        {
            "name": "friendly",
            "subject": "{{ target_name }} is due",
            "body_text": "Hi {{ learner_name }}",
            "body_html": "<p>Hi {{ learner_name }}</p>",
        },
    )

    assert response.status_code == 302
    assert EmailTemplate.objects.get(name="friendly").subject == "{{ target_name }} is due"


def test_a_template_in_use_keeps_its_name_and_cannot_be_deleted(client, now, staff, learner):
    template = EmailTemplate.objects.create(name="friendly", subject="Hi", body_text="Hi")
    api.assign(
        user=learner,
        target=COURSE,
        due_date=due_in(10),
        assigned_by=staff,
        reminders=[{"days": 3, "recipient": "student", "template": "friendly"}],
    )

    assert client.get(admin_url(EmailTemplate, "delete", template.pk)).status_code == 403
    client.post(
        admin_url(EmailTemplate, "change", template.pk), {"name": "renamed", "subject": "Hi", "body_text": "Hi"}
    )
    template.refresh_from_db()
    assert template.name == "friendly"


def test_manager_relation_is_kept_in_the_admin(client, staff, learner):
    response = client.post(admin_url(ManagerRelation, "add"), {"user": learner.pk, "manager": staff.pk})

    assert response.status_code == 302
    assert api.get_managers(learner) == [staff]


def test_nobody_manages_themself(client, learner):
    response = client.post(admin_url(ManagerRelation, "add"), {"user": learner.pk, "manager": learner.pk})

    assert response.status_code == 200
    assert "cannot be their own manager" in response.content.decode()
    assert not ManagerRelation.objects.exists()


def test_non_staff_cannot_open_the_admin(learner):
    from django.test import Client  # pylint: disable=import-outside-toplevel

    client = Client()
    client.force_login(learner)

    assert client.get(admin_url(Assignment, "changelist")).status_code == 302  # to the login page
