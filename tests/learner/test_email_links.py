"""
Emails that lead somewhere: every message type, sent by the plugin's real flows (assigning, the tick,
withdrawing) through edx-ace into Django's locmem outbox; every link of every email is followed with
the test client as the email's recipient, and must answer 200 or send them to the login, never 404.
"""

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail

from mandatory_assignments import api, compat
from sandbox import controls

from ..conftest import COURSE, due_in
from .conftest import OTHER_COURSE, PATH

pytestmark = pytest.mark.usefixtures("now")

UTC = datetime.UTC
ROOT = settings.LMS_ROOT_URL
DUE = due_in(14)  # 2026-12-15
# 00:00 in Berlin on the reminder days, and a moment after the deadline (end of 2026-12-15 in Berlin).
THREE_DAYS_BEFORE = datetime.datetime(2026, 12, 11, 23, 0, 30, tzinfo=UTC)
AFTER_DEADLINE = datetime.datetime(2026, 12, 16, 0, 5, tzinfo=UTC)
EVERYONE = [
    {"days": 3, "recipient": "student"},
    {"days": 3, "recipient": "assigned_by"},
    {"days": 3, "recipient": "managers"},
    {"days": -1, "recipient": "student"},
    {"days": -1, "recipient": "assigned_by"},
    {"days": -1, "recipient": "managers"},
]


@pytest.fixture
def boss(learner):
    manager = controls.create_user("bob_boss", email="boss@example.com", password="pw")
    api.set_managers(learner, [manager])
    return manager


def html_of(email):
    ((content, mimetype),) = email.alternatives
    assert mimetype == "text/html"
    return content


def links_of(email):
    """Every link a person can follow: the HTML's hrefs and the URLs in the plain text."""
    hrefs = re.findall(r'href="([^"]+)"', html_of(email))
    text_urls = re.findall(r"https?://[^\s<>\"]+", email.body)
    return sorted(set(hrefs) | {url.rstrip(".,;)") for url in text_urls})


def recipient_of(email):
    return get_user_model().objects.get(email=email.to[0])


def follow_every_link(client, email):
    """Follow each link as the recipient; return ``{url: final status}``. Fails on a dead link."""
    recipient = recipient_of(email)
    client.force_login(recipient)
    results = {}
    for url in links_of(email):
        assert url.startswith(ROOT + "/"), f"{email.subject}: {url} leads outside the LMS"
        parts = urlsplit(url)
        response = client.get(parts.path, QUERY_STRING=parts.query)
        if response.status_code == 302 and not response["Location"].startswith(settings.LOGIN_URL):
            response = client.get(response["Location"])
        assert response.status_code == 200 or (
            response.status_code == 302 and response["Location"].startswith(settings.LOGIN_URL)
        ), f"{email.subject} to {recipient.username}: {url} answers {response.status_code}"
        results[url] = response.status_code
    return results


def assign(learner, by, django_capture_on_commit_callbacks, **kwargs):
    kwargs.setdefault("target", COURSE)
    kwargs.setdefault("due_date", DUE)
    kwargs.setdefault("note", "Please finish before the audit.")
    kwargs.setdefault("reminders", EVERYONE)
    with django_capture_on_commit_callbacks(execute=True):
        return api.assign(user=learner, assigned_by=by, **kwargs)


def tick(at, django_capture_on_commit_callbacks):
    with time_machine.travel(at, tick=False), django_capture_on_commit_callbacks(execute=True):
        api.run_scheduler()


def emails_to(address):
    return [email for email in mail.outbox if email.to == [address]]


def only(emails):
    assert len(emails) == 1, [email.subject for email in emails]
    return emails[0]


# Every message, every link --------------------------------------------------------------------------


@pytest.fixture
def all_messages(course, other_course, learner, staff, admin, boss, django_capture_on_commit_callbacks):
    """
    Every message type: one assignment assigned, reminded and dunned to everyone; another one withdrawn;
    a recurring one's new cycle. Returns the first assignment.
    """
    assignment = assign(learner, staff, django_capture_on_commit_callbacks)
    withdrawn = assign(learner, admin, django_capture_on_commit_callbacks, target=OTHER_COURSE, reminders=[])
    with django_capture_on_commit_callbacks(execute=True):
        api.withdraw(withdrawn, by=admin)
    tick(THREE_DAYS_BEFORE, django_capture_on_commit_callbacks)
    tick(AFTER_DEADLINE, django_capture_on_commit_callbacks)
    other = controls.create_user("rita", email="rita@example.com", time_zone="Europe/Berlin")
    assign(other, staff, django_capture_on_commit_callbacks, repeat_weeks=52, reminders=[])
    controls.set_grade(other, COURSE, percent=0.9, passed=True)
    tick(AFTER_DEADLINE, django_capture_on_commit_callbacks)
    return assignment


def test_every_message_type_is_sent(all_messages):
    subjects = sorted(email.subject for email in mail.outbox)
    assert subjects == sorted(
        [
            "New mandatory assignment: Workplace Safety",  # Lena
            "New mandatory assignment: Fire Safety",  # Lena, then withdrawn
            "Reminder: Workplace Safety is due Dec. 15, 2026",
            "Reminder: Workplace Safety for Lena is due Dec. 15, 2026",  # Stella
            "Reminder: Workplace Safety for Lena is due Dec. 15, 2026",  # the manager
            "Overdue: Workplace Safety was due Dec. 15, 2026",
            "Overdue: Workplace Safety for Lena was due Dec. 15, 2026",
            "Overdue: Workplace Safety for Lena was due Dec. 15, 2026",
            "Withdrawn: Fire Safety",
            "New mandatory assignment: Workplace Safety",  # Rita
            "New cycle: Workplace Safety is due again Dec. 14, 2027",
        ]
    ), subjects


def test_every_link_of_every_learner_email_leads_somewhere(client, all_messages):
    learner_emails = emails_to("lena@example.com") + emails_to("rita@example.com")
    assert {email.subject.split(":")[0] for email in learner_emails} == {
        "New mandatory assignment",
        "Reminder",
        "Overdue",
        "Withdrawn",
        "New cycle",
    }
    for email in learner_emails:
        followed = follow_every_link(client, email)
        assert f"{ROOT}/mandatory_assignments/my/" in followed, email.subject
        assert any(url.startswith(f"{ROOT}/courses/") for url in followed), email.subject


def test_every_link_of_the_assigners_emails_leads_to_the_assignments_page(client, all_messages):
    staff_page = f"{ROOT}/mandatory_assignments/assignments/{all_messages.pk}/"
    for email in emails_to("stella@example.com"):
        followed = follow_every_link(client, email)
        assert staff_page in followed or f"{ROOT}/mandatory_assignments/assignment/{all_messages.pk}/" in followed
        assert f"{ROOT}/courses/{COURSE}/" not in followed, "the assigner is sent to the assignment, not the course"


def test_every_link_of_the_managers_emails_leads_somewhere(client, all_messages):
    for email in emails_to("boss@example.com"):
        followed = follow_every_link(client, email)
        assert f"{ROOT}/courses/{COURSE}/" not in followed, "the manager is sent to the assignment, not the course"


def test_the_managers_emails_link_to_the_assignment_not_the_course(all_messages):
    for email in emails_to("boss@example.com"):
        links = links_of(email)
        assert any(re.search(rf"/mandatory_assignments/assignments?/{all_messages.pk}/$", link) for link in links)
        assert f"{ROOT}/courses/{COURSE}/" not in links
        assert f"{ROOT}/mandatory_assignments/my/" in links  # where their email switch is


def test_a_learning_paths_links_lead_somewhere(client, path, learner, admin, django_capture_on_commit_callbacks):
    assign(learner, admin, django_capture_on_commit_callbacks, target=PATH)
    tick(THREE_DAYS_BEFORE, django_capture_on_commit_callbacks)

    emails = emails_to("lena@example.com")
    assert [email.subject for email in emails] == [
        "New mandatory assignment: Onboarding",
        "Reminder: Onboarding is due Dec. 15, 2026",
    ]
    for email in emails:
        followed = follow_every_link(client, email)
        assert f"{ROOT}/learning-paths/{PATH}" in followed


# What the emails say --------------------------------------------------------------------------------


def test_the_due_date_names_the_zone_in_words_and_the_end_of_that_day(all_messages):
    email = only([e for e in emails_to("lena@example.com") if e.subject.startswith("Reminder")])

    for body in (email.body, html_of(email)):
        assert "The deadline is the end of that day: 11:59 p.m. Central European Time (Europe/Berlin)." in body
        assert "by Dec. 15, 2026 (end of that day, 11:59 p.m. Central European Time — Europe/Berlin)" in body


def test_the_zone_is_the_learners_and_the_words_the_recipients(course, staff, boss, django_capture_on_commit_callbacks):
    yuki = controls.create_user("yuki", email="yuki@example.com", time_zone="America/New_York")
    api.set_managers(yuki, [boss])
    compat.set_user_preference(boss, "pref-lang", "de")
    assign(yuki, staff, django_capture_on_commit_callbacks)
    # 00:00 in New York on 2026-12-12: the three-day reminders.
    tick(datetime.datetime(2026, 12, 12, 5, 0, 30, tzinfo=UTC), django_capture_on_commit_callbacks)

    manager_email = only(emails_to("boss@example.com"))
    assert "Nordamerikanische Ostküstenzeit (America/New_York)" in manager_email.body


def test_recurring_assignments_say_that_they_repeat_and_when(
    course, learner, staff, django_capture_on_commit_callbacks
):
    assign(learner, staff, django_capture_on_commit_callbacks, repeat_weeks=52)

    email = only(emails_to("lena@example.com"))
    expected = (
        "This assignment repeats every 52 weeks: once this cycle is over, a new cycle starts, due 52 weeks after "
        "this due date (the next one: Dec. 14, 2027)."
    )
    assert expected in email.body
    assert expected in html_of(email)


def test_single_assignments_do_not_speak_of_repetition(all_messages):
    for email in emails_to("lena@example.com"):
        assert "repeats" not in email.body


def test_the_footer_speaks_to_the_assigner_and_the_manager(all_messages):
    for email in emails_to("stella@example.com"):
        assert "You receive this email because you made this mandatory assignment for Lena." in email.body
        assert "All mandatory assignments are listed" not in email.body
        assert "also stops the reminders you receive as a manager or as the person who made an assignment" in (
            email.body
        )
    for email in emails_to("boss@example.com"):
        assert "You receive this email as a manager of Lena." in email.body
        assert "You receive this email as a manager of Lena." in html_of(email)
        assert "View the assignment of Lena" in email.body


def test_the_learners_footer_still_points_to_their_page(all_messages):
    for email in emails_to("lena@example.com"):
        assert "All mandatory assignments are listed on the My mandatory assignments page" in email.body
        assert "You receive this email as" not in email.body
