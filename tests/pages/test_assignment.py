"""
An assignment's page (status, cycle history, reminders with each email, audit trail), Edit and Withdraw,
without JavaScript.
"""

import datetime
import re
from html import unescape

import pytest
from django.test import Client

from mandatory_assignments import api, preferences
from mandatory_assignments.models import Assignment
from sandbox import controls
from tests.conftest import COURSE, NOW, due_in

from .conftest import login
from .test_new import form_data

COURSE_PAGE = f"/mandatory_assignments/course/{COURSE}/"


def _text(response):
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _url(assignment, suffix=""):
    return f"/mandatory_assignments/assignments/{assignment.pk}/{suffix}"


@pytest.fixture
def client(people):
    return login(Client(), people["course_staff"])


def test_the_page_shows_status_person_target_note_and_the_audit_trail(client, assignment):
    text = _text(client.get(_url(assignment)))
    assert "Workplace Safety" in text
    assert "Mandatory assignment for Lena (lena)" in text
    assert re.search(r"Status \W? ?Assigned", text)  # a symbol and the word: not colour alone
    assert "Before the audit" in text
    assert "3 days before the due date" in text and "Recipient: student" in text
    assert "Nothing sent yet." in text
    assert re.search(r"Created Stella \(stella\) Due date: 2026-12-15", text)
    assert "Edit" in text and "Withdraw" in text


def test_each_reminder_shows_what_was_sent_and_what_was_skipped(client, people, now):
    lena = people["learner"]
    assignment = api.assign(
        user=lena,
        target=COURSE,
        due_date=due_in(10),
        assigned_by=people["course_staff"],
        reminders=[{"days": 3, "recipient": "student"}, {"days": 3, "recipient": "assigned_by"}],
    )
    preferences.set_email_reminders(people["course_staff"], False, requesting_user=people["course_staff"])
    api.run_scheduler(now=NOW + datetime.timedelta(days=8))  # past 00:00 (Berlin) of the 8th day
    text = _text(client.get(_url(assignment)))
    assert re.search(r"Reminder 1 Dec\. 11, 2026 student: Lena \W Sent", text), text
    assert re.search(r"Reminder 1 Dec\. 11, 2026 assigned_by: Stella \W Skipped blocked by an ACE policy", text), text
    assert "Reminders: 3 / student; 3 / assigned_by" in text  # the audit trail


def test_completed_cycles_are_listed(client, people, now):
    assignment = api.assign(
        user=people["learner"], target=COURSE, due_date=due_in(10), assigned_by=people["course_staff"], repeat_weeks=52
    )
    controls.set_grade(people["learner"], COURSE, percent=0.95, passed=True)
    text = _text(client.get(_url(assignment)))
    assert "Cycle history" in text and "No completed cycle yet." not in text
    assert re.search(r"Status \W? ?Completed", text)


def test_edit_changes_the_due_date_note_reminders_and_repetition(client, assignment):
    page = client.get(_url(assignment, "edit/")).content.decode()
    assert 'value="2026-12-15"' in page and "Before the audit" in page
    data = form_data(due_date=due_in(30), reminders=((7, "managers", ""),), note="Moved", repeat_weeks="52")
    response = client.post(_url(assignment, "edit/"), data)
    assert response.status_code == 302 and response["Location"] == _url(assignment)
    assignment.refresh_from_db()
    assert (assignment.due_date, assignment.note, assignment.repeat_weeks) == (due_in(30), "Moved", 52)
    assert assignment.reminders == [{"days": 7, "recipient": "managers", "template": None}]
    text = _text(client.get(_url(assignment)))
    assert "The assignment was saved." in text
    assert "Due date: 2026-12-15 \u2192 2026-12-31" in text


def test_edit_refuses_a_too_early_date_at_the_field(client, assignment):
    response = client.post(_url(assignment, "edit/"), form_data(due_date=due_in(1)))
    assert response.status_code == 400
    assert 'id="id_due_date-error" role="alert"' in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.due_date == due_in(14)


def test_a_completed_assignment_says_why_it_cannot_be_edited_or_withdrawn(client, people, assignment):
    controls.set_grade(people["learner"], COURSE, percent=0.95, passed=True)
    detail = _text(client.get(_url(assignment)))
    assert "A completed assignment cannot be changed" in detail
    assert "A completed assignment cannot be withdrawn" in detail
    assert f'href="{_url(assignment, "edit/")}"' not in client.get(_url(assignment)).content.decode()
    edit = client.get(_url(assignment, "edit/"))
    assert "A completed assignment cannot be changed" in _text(edit) and "<form" not in edit.content.decode()
    assert client.post(_url(assignment, "edit/"), form_data(due_date=due_in(30))).status_code == 409
    assert client.post(_url(assignment, "withdraw/")).status_code == 409
    assignment.refresh_from_db()
    assert assignment.due_date == due_in(14)


def test_withdraw_asks_first_then_withdraws_and_tells_the_person(
    client, assignment, mailoutbox, django_capture_on_commit_callbacks
):
    confirmation = client.get(_url(assignment, "withdraw/"))
    assert "The person stays enrolled in the course." in _text(confirmation)
    assert Assignment.objects.filter(pk=assignment.pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url(assignment, "withdraw/"))
    assert response.status_code == 302 and response["Location"] == COURSE_PAGE
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert "was withdrawn" in _text(client.get(COURSE_PAGE))
    assert any("lena@example.com" in message.to for message in mailoutbox)


def test_a_repeating_completed_assignment_can_be_withdrawn(client, people, now):
    assignment = api.assign(
        user=people["learner"], target=COURSE, due_date=due_in(10), assigned_by=people["course_staff"], repeat_weeks=4
    )
    controls.set_grade(people["learner"], COURSE, percent=0.95, passed=True)
    assert client.post(_url(assignment, "withdraw/")).status_code == 302
    assert not Assignment.objects.filter(pk=assignment.pk).exists()


def test_a_manager_reads_their_persons_assignment_but_cannot_change_it(people, now):
    """Managers' emails link to this page: they read it; only the target's staff edit or withdraw."""
    learner = people["learner"]
    manager = controls.create_user("mona_manager", email="mona@example.com", password="pw")
    api.set_managers(learner, [manager])
    assignment = api.assign(
        user=learner, target=COURSE, due_date=due_in(20), assigned_by=people["course_staff"]
    )
    client = login(Client(), manager)

    page = client.get(f"/mandatory_assignments/assignments/{assignment.pk}/")
    edit = client.get(f"/mandatory_assignments/assignments/{assignment.pk}/edit/")
    withdraw = client.post(f"/mandatory_assignments/assignments/{assignment.pk}/withdraw/")

    assert page.status_code == 200
    text = page.content.decode()
    assert "/edit/" not in text and "/withdraw/" not in text
    assert (edit.status_code, withdraw.status_code) == (404, 404)
    assert api.get_assignments(user=learner).exists()
