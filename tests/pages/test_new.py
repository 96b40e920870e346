"""
New, without JavaScript: the form's words (SPEC §3), saving through api.assign, and each refusal shown at
its field (aria-describedby + role=alert), with nothing written.
"""

import re
from html import unescape

import pytest
from django.test import Client

from mandatory_assignments import api
from mandatory_assignments.models import Assignment
from sandbox import controls
from tests.conftest import COURSE, due_in

from .conftest import GLOBEX, login, make_user

NEW = f"/mandatory_assignments/course/{COURSE}/new/"
PATH = "path-v1:AcmeX+ONBOARD+2026+all"


def form_data(person="lena", due_date=None, reminders=((3, "student", ""),), deleted=(), **extra):
    data = {
        "target": COURSE,
        "person": person,
        "due_date": (due_date or due_in(14)).isoformat() if not isinstance(due_date, str) else due_date,
        "repeat_weeks": "",
        "note": "",
        "reminders-TOTAL_FORMS": str(len(reminders)),
        "reminders-INITIAL_FORMS": str(len(reminders)),
        "reminders-MIN_NUM_FORMS": "0",
        "reminders-MAX_NUM_FORMS": "20",
        "save": "1",
    }
    for index, (days, recipient, template) in enumerate(reminders):
        data.update(
            {
                f"reminders-{index}-days": str(days),
                f"reminders-{index}-recipient": recipient,
                f"reminders-{index}-template": template,
            }
        )
        if index in deleted:
            data[f"reminders-{index}-DELETE"] = "on"
    data.update(extra)
    return data


def _field_error(html, field):
    match = re.search(rf'<p class="ma-error" id="id_{field}-error" role="alert">(.*?)</p>', html, re.S)
    return unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else None


def _described_by(html, field):
    tag = re.search(rf"<[^>]*\bname=\"{field}\"[^>]*>", html).group(0)
    return re.search(r'aria-describedby="([^"]*)"', tag).group(1).split(), 'aria-invalid="true"' in tag


@pytest.fixture
def client(people):
    return login(Client(), people["course_staff"])


def test_the_form_speaks_the_product_descriptions_words(client, now):
    html = unescape(client.get(NEW).content.decode())
    for words in ("Target", "Person", "Due date", "Repetition (weeks)", "Note", "Save"):
        assert f">{words}" in html, words
    for words in ("Days relative to due date", "Recipient", "Email template", "Add reminder"):
        assert words in html
    # One default reminder: 3 days before, to the person.
    assert 'name="reminders-0-days" value="3"' in html
    assert re.search(r'<option value="student" selected>', html)
    assert "Workplace Safety" in html  # the course page assigns its own course


def test_saving_assigns_and_shows_the_assignment(client, people, now):
    response = client.post(NEW, form_data(reminders=((7, "student", ""), (-1, "assigned_by", "")), note="Bring boots"))
    assignment = Assignment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/mandatory_assignments/assignments/{assignment.pk}/"
    assert assignment.user == people["learner"] and assignment.note == "Bring boots"
    assert sorted((spec["days"], spec["recipient"]) for spec in assignment.reminders) == [
        (-1, "assigned_by"),
        (7, "student"),
    ]
    page = client.get(response["Location"])
    assert "Assigned to Lena" in unescape(page.content.decode())


def test_a_person_may_be_named_by_email_in_any_case(client, people, now):
    assert client.post(NEW, form_data(person="LENA@example.com")).status_code == 302
    assert Assignment.objects.get().user == people["learner"]


def test_a_too_early_due_date_is_refused_at_the_field(client, people, now):
    response = client.post(NEW, form_data(due_date=due_in(1)))
    html = response.content.decode()
    assert response.status_code == 400
    assert _field_error(html, "due_date").endswith("The due date must be on or after 2026-12-04.")
    described, invalid = _described_by(html, "due_date")
    assert "id_due_date-error" in described and "id_due_date-hint" in described and invalid
    assert 'href="#id_due_date"' in html  # the summary at the top links to the field
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"person": "nobody"}, "person", "No person with the username or email address \u201cnobody\u201d"),
        ({"due_date": "31.12.2026"}, "due_date", "Enter the due date as YYYY-MM-DD."),
        ({"repeat_weeks": "0"}, "repeat_weeks", "Repetition must be a whole number of weeks from 1 to 520"),
        ({"repeat_weeks": "soon"}, "repeat_weeks", "Enter a whole number of weeks"),
        ({"person": ""}, "person", "Enter the person's username or email address."),
    ],
)
def test_refusals_are_shown_at_their_field(client, people, now, changes, field, message):
    response = client.post(NEW, {**form_data(), **changes})
    assert response.status_code == 400
    assert message in _field_error(response.content.decode(), field)
    assert not Assignment.objects.exists()


def test_a_second_open_assignment_is_refused_at_the_person(client, people, assignment):
    response = client.post(NEW, form_data())
    assert "already has an open assignment" in _field_error(response.content.decode(), "person")
    assert Assignment.objects.count() == 1


def test_a_bad_reminder_row_is_shown_at_the_row(client, now):
    response = client.post(NEW, form_data(reminders=((3, "student", ""), (400, "student", ""))))
    html = response.content.decode()
    assert response.status_code == 400
    assert "Ensure this value is less than or equal to 365." in _field_error(html, "reminders-1-days")
    assert not Assignment.objects.exists()


def test_a_person_of_another_company_is_not_found(client, people, now, site_scope):
    make_user("zoe", site=GLOBEX)
    response = client.post(NEW, form_data(person="zoe"))
    assert "No person with the username or email address \u201czoe\u201d in your company." in _field_error(
        response.content.decode(), "person"
    )
    assert not Assignment.objects.exists()


def test_add_reminder_without_javascript_returns_the_form_with_one_more_row(client, now):
    data = form_data(note="Keep me")
    data["add_reminder"] = "1"
    del data["save"]
    response = client.post(NEW, data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="reminders-TOTAL_FORMS" value="2"' in html
    assert "Keep me" in html and 'value="lena"' in html
    assert 'class="ma-error"' not in html
    assert not Assignment.objects.exists()


def test_removing_every_reminder_means_none(client, now):
    assert client.post(NEW, form_data(deleted=(0,))).status_code == 302
    assert Assignment.objects.get().reminders == []


def test_the_organisation_page_assigns_a_learning_path(people, now):
    controls.create_learning_path(PATH, display_name="Onboarding", course_keys=[COURSE])
    client = login(Client(), people["global_staff"])
    html = client.get("/mandatory_assignments/new/").content.decode()
    assert '<optgroup label="Learning paths">' in html and f'<option value="{PATH}">Onboarding</option>' in html
    response = client.post("/mandatory_assignments/new/", form_data(target=PATH))
    assert response.status_code == 302
    assert Assignment.objects.get().target_key == PATH


def test_the_organisation_page_wants_a_target(people, now):
    response = login(Client(), people["global_staff"]).post("/mandatory_assignments/new/", form_data(target=""))
    assert _field_error(response.content.decode(), "target") == "Error: Choose a course or learning path."


def test_notes_are_escaped(client, now):
    client.post(NEW, form_data(note="<script>alert(1)</script>"))
    page = client.get(f"/mandatory_assignments/assignments/{Assignment.objects.get().pk}/").content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@pytest.mark.parametrize("method", ["put", "delete"])
def test_other_methods_are_not_allowed(client, method, now):
    assert getattr(client, method)(NEW).status_code == 405
    assert api.get_assignments().count() == 0
