"""
"My mandatory assignments" (/mandatory_assignments/my/), read as the learner reads it, and its email
switch, used as a browser uses it (a form with its CSRF token).
"""

import datetime
import re

import pytest
import time_machine
from django.test import Client

from mandatory_assignments import api, preferences
from sandbox import controls

from ..conftest import COURSE, due_in
from .conftest import OTHER_COURSE, PATH, assign

pytestmark = pytest.mark.usefixtures("now")

MY_PAGE = "/mandatory_assignments/my/"


def page_of(client, user):
    client.force_login(user)
    response = client.get(MY_PAGE)
    assert response.status_code == 200
    return response.content.decode()


def section(html, heading_id):
    """The HTML of the page's section labelled by ``heading_id``."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


# Access -------------------------------------------------------------------------------------------


def test_anonymous_people_are_sent_to_the_login(client, db):
    response = client.get(MY_PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/mandatory_assignments/my/")


def test_the_page_is_gone_when_the_feature_is_off(client, learner, settings):
    settings.MANDATORY_ASSIGNMENTS_ENABLED = False
    client.force_login(learner)

    assert client.get(MY_PAGE).status_code == 404


def test_a_learner_never_sees_another_persons_assignments(client, course, learner, staff):
    other = controls.create_user("otto", email="otto@example.com")
    assign(other, staff, note="Otto's private note")
    assign(learner, staff, note="Lena's note")

    html = page_of(client, learner)

    assert "Lena&#x27;s note" in html
    assert "Otto" not in html


def test_without_assignments_the_page_says_so(client, learner):
    html = page_of(client, learner)

    assert "You have no open mandatory assignments." in html
    assert "You have not completed any mandatory assignment yet." in html


# Content and order --------------------------------------------------------------------------------


def test_overdue_first_then_by_due_date_completed_below(client, course, other_course, learner, staff, admin):
    third = controls.create_course("course-v1:AcmeX+FIRST+2026", display_name="First Aid")
    fourth = controls.create_course("course-v1:AcmeX+DATA+2026", display_name="Data Protection")
    assign(learner, admin, target=COURSE, days=30)  # Workplace Safety
    assign(learner, admin, target=str(third.id), days=4)  # First Aid: overdue below
    assign(learner, admin, target=OTHER_COURSE, days=10)  # Fire Safety
    assign(learner, admin, target=str(fourth.id), days=20)  # Data Protection: completed below
    controls.set_grade(learner, str(fourth.id), percent=1.0, passed=True)

    with time_machine.travel(datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC), tick=False):
        html = page_of(client, learner)

    todo = section(html, "ma-open-heading")
    names = re.findall(r'<h3 id="ma-assignment-\d+">(?:<span aria-hidden="true">&#9888; </span>)?([^<]+)</h3>', todo)
    assert names == ["First Aid", "Fire Safety", "Workplace Safety"]
    assert "Overdue" in todo and "the due date has passed" in todo
    completed = section(html, "ma-completed-heading")
    assert "Data Protection" in completed and "Data Protection" not in todo
    assert "Yes" in completed  # completed on time


def test_an_assignment_shows_due_date_in_the_learners_terms_status_note_and_link(client, course, learner, staff):
    assign(learner, staff, note="Bring <your> badge")

    html = page_of(client, learner)

    assert "Central European Time (Europe/Berlin)" in html  # the page's time zone line
    assert "Dec. 15, 2026" in html
    assert "end of that day, 11:59 p.m. Central European Time — Europe/Berlin" in html
    assert "Assigned" in html
    assert "Bring &lt;your&gt; badge" in html
    assert f'href="http://127.0.0.1:8000/courses/{COURSE}/"' in html
    assert ">Start<" in html


def test_progress_says_continue(client, course, learner, staff):
    assign(learner, staff)
    controls.complete_block(learner, COURSE)

    html = page_of(client, learner)

    assert "In progress" in html
    assert ">Continue<" in html


def test_a_learning_path_lists_its_courses_and_which_are_passed(client, path, learner, admin):
    assign(learner, admin, target=PATH)
    controls.set_grade(learner, COURSE, percent=0.9, passed=True)

    html = page_of(client, learner)

    assert "Onboarding" in html and "Learning path" in html
    passed = re.search(r"Workplace Safety</a> — (.*?)</li>", html).group(1)
    missing = re.search(r"Fire Safety</a> — (.*?)</li>", html).group(1)
    assert "passed" in passed and "not" not in passed
    assert "not passed yet" in missing


def test_a_recurring_assignment_says_what_repeats_when(client, course, learner, staff):
    assign(learner, staff, repeat_weeks=52)

    html = page_of(client, learner)

    assert "Repeats every 52 weeks" in html
    assert "Dec. 14, 2027" in html  # the next cycle's due date: 52 weeks later
    assert "Cycle" in html


def test_a_recurring_assignment_between_cycles_names_the_next_one(client, course, learner, staff):
    assign(learner, staff, repeat_weeks=52)
    controls.set_grade(learner, COURSE, percent=0.9, passed=True)

    html = page_of(client, learner)

    todo = section(html, "ma-open-heading")
    assert "Completed" in todo
    assert "the next cycle starts on" in todo and "Dec. 14, 2027" in todo
    assert "Workplace Safety" in section(html, "ma-completed-heading")


def test_the_page_is_accessible_in_structure(client, course, learner, staff):
    assign(learner, staff)

    html = page_of(client, learner)

    assert html.count("<h1>") == 1
    assert '<html lang="en"' in html
    for heading in ("To do", "Completed", "Reminder emails", "Calendar"):
        assert f">{heading}</h2>" in html
    assert "<legend>" in html and '<label><input type="radio"' in html
    assert '<th scope="col">' not in html or "<caption>" in html


# The email switch ---------------------------------------------------------------------------------


def csrf_token_of(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_the_switch_says_the_deadline_stands_and_which_emails_still_come(client, learner):
    html = section(page_of(client, learner), "ma-email-heading")

    assert "your due dates stand" in html
    assert "assigned to you" in html and "withdrawn" in html and "new cycle" in html
    assert 'value="on" checked' in html


def test_turning_reminders_off_and_on_again_from_the_page(learner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)
    token = csrf_token_of(browser.get(MY_PAGE).content.decode())

    response = browser.post(
        "/mandatory_assignments/my/email/", {"email_reminders": "off", "csrfmiddlewaretoken": token}, follow=True
    )

    assert response.redirect_chain == [(MY_PAGE, 302)]
    assert preferences.email_reminders_enabled(learner) is False
    html = response.content.decode()
    assert "Reminder emails are off. Your due dates stand" in html
    assert 'value="off" checked' in html

    token = csrf_token_of(html)
    browser.post("/mandatory_assignments/my/email/", {"email_reminders": "on", "csrfmiddlewaretoken": token})
    assert preferences.email_reminders_enabled(learner) is True
    assert 'value="on" checked' in browser.get(MY_PAGE).content.decode()


def test_the_switch_needs_the_csrf_token(learner):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)

    response = browser.post("/mandatory_assignments/my/email/", {"email_reminders": "off"})

    assert response.status_code == 403
    assert preferences.email_reminders_enabled(learner) is True


def test_the_switch_needs_a_login_and_a_post(client, learner):
    assert client.post("/mandatory_assignments/my/email/", {"email_reminders": "off"}).status_code == 302
    client.force_login(learner)
    assert client.get("/mandatory_assignments/my/email/").status_code == 405


def test_an_unknown_choice_changes_nothing(client, learner):
    client.force_login(learner)

    response = client.post("/mandatory_assignments/my/email/", {"email_reminders": "maybe"}, follow=True)

    assert "Choose whether you want reminder emails." in response.content.decode()
    assert preferences.email_reminders_enabled(learner) is True


def test_the_switch_is_the_preference_the_api_reads(client, learner):
    client.force_login(learner)
    client.post("/mandatory_assignments/my/email/", {"email_reminders": "off"})

    assert client.get("/api/mandatory_assignments/v1/me/preferences/").json() == {"email_reminders": False}


def test_due_dates_stay_when_reminders_are_off(client, course, learner, staff):
    assignment = assign(learner, staff)
    client.force_login(learner)
    client.post("/mandatory_assignments/my/email/", {"email_reminders": "off"})

    assert api.get_assignments(user=learner).get().due_date == assignment.due_date == due_in(14)
