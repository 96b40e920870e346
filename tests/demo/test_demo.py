"""
The demo (``make demo``): its seed, its quiet log, its mailbox page, the learner's progress in one click
and the home page that says where to go and whom to sign in as.
"""

import io
import logging

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from mandatory_assignments import api
from sandbox import controls
from sandbox.log_filters import DropPlatformNoise
from sandbox.management.commands import seed_demo
from tests.conftest import COURSE, due_in

User = get_user_model()
FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def mailbox(settings, tmp_path):
    """Django's file backend writing to a temporary directory, as in the demo."""
    settings.EMAIL_BACKEND = FILE_BACKEND
    settings.EMAIL_FILE_PATH = str(tmp_path)
    return tmp_path


# The seed ---------------------------------------------------------------------------------------------


def test_the_seed_runs_twice_and_keeps_the_two_companies_apart(db, settings, mailbox, client):
    settings.MANDATORY_ASSIGNMENTS_SCOPE = "site"
    call_command("seed_demo", stdout=io.StringIO())
    first = sorted(api.get_assignments().values_list("user__username", "target_key", "recorded_status"))
    call_command("seed_demo", stdout=io.StringIO())
    assert sorted(api.get_assignments().values_list("user__username", "target_key", "recorded_status")) == first

    people = {username for username, __, __ in first}
    assert people >= {"alice.sales", "carol.sales", "erin.eng", "frank.eng", "judy.globex", "ivan.globex"}
    # The replayed weeks left every status on the pages, and their emails in the mailbox.
    statuses = {assignment.user.username: assignment.status for assignment in api.get_assignments()}
    assert statuses["carol.sales"] == "overdue"
    assert statuses["erin.eng"] == "completed"
    assert statuses["frank.eng"] == "in_progress"
    assert statuses["alice.sales"] == "assigned"
    assert any(mailbox.iterdir())

    # Each company's HR sees only their own people, on the organisation page too.
    hr_acme = User.objects.get(username="hr.acme")
    acme_seen = {a.user.username for a in api.get_assignments(by=hr_acme)}
    assert "carol.sales" in acme_seen and not acme_seen & {"ivan.globex", "judy.globex", "ken.globex"}
    client.force_login(hr_acme)
    page = client.get("/mandatory_assignments/?status=all").content.decode()
    assert "Carol Sales" in page and "Judy Globex" not in page
    client.force_login(User.objects.get(username="hr.globex"))
    page = client.get("/mandatory_assignments/?status=all").content.decode()
    assert "Judy Globex" in page and "Carol Sales" not in page


# The log ----------------------------------------------------------------------------------------------


def _record(name, message, level=logging.WARNING):
    return logging.getLogger(name).makeRecord(name, level, __file__, 1, message, (), None)


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("stevedore.extension", "Could not load 'push_notification': Model class push_notifications.models..."),
        ("stevedore.extension", "Could not load 'sailthru_email': 'Settings' object has no attribute ..."),
        ("edx_ace.channel.sailthru", "ACE_CHANNEL_SAILTHRU_API_KEY is not set, Sailthru email channel is disabled."),
        (
            "edx_django_utils.monitoring.internal.backends",
            "Could not load OPENEDX_TELEMETRY option 'edx_django_utils.monitoring.NewRelicBackend': Exception(...)",
        ),
        ("kombu.connection", "No hostname was supplied. Reverting to default 'localhost'"),
    ],
)
def test_the_platforms_notes_about_what_the_sandbox_leaves_out_are_dropped(name, message):
    assert not DropPlatformNoise().filter(_record(name, message))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("stevedore.extension", "Could not load 'mandatory_assignments.opt_out': ImportError"),
        ("edx_ace.channel.sailthru", "Something else went wrong"),
        ("mandatory_assignments.scheduler", "No hostname was supplied"),
    ],
)
def test_other_warnings_of_the_same_loggers_still_show(name, message):
    assert DropPlatformNoise().filter(_record(name, message))


def test_the_console_handler_of_the_sandbox_uses_the_filter():
    handlers = logging.getLogger().handlers
    assert any(isinstance(f, DropPlatformNoise) for handler in handlers for f in handler.filters)


# The mailbox ------------------------------------------------------------------------------------------


def _send(subject, to, html=None):
    text = f"Text of {subject} \u2014 \u201cdue\u201d: http://127.0.0.1:8000/x/"
    message = mail.EmailMultiAlternatives(subject, text, to=[to])
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


def test_the_emails_page_shows_every_email_newest_first_to_global_staff(db, mailbox, client, time_machine):
    time_machine.move_to("2026-12-01T09:00Z")
    _send("First", "lena@example.com", html="<html><head></head><body><p>Hello <b>Lena</b></p></body></html>")
    time_machine.move_to("2026-12-02T09:00Z")
    with mail.get_connection() as connection:  # two messages in one file, as ACE may write them
        mail.EmailMessage("Second", "two", to=["max@example.com"], connection=connection).send()
        mail.EmailMessage("Third <b>", "three", to=["lena@example.com"], connection=connection).send()

    client.force_login(controls.create_user("gloria", is_staff=True))
    page = client.get(reverse("sandbox-emails")).content.decode()

    assert page.index("Third &lt;b&gt;") < page.index("Second") < page.index("First")
    assert "max@example.com" in page and "lena@example.com" in page
    # The HTML as sent, in a sandboxed frame (escaped into srcdoc), its links opening in a new tab.
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in page
    assert 'srcdoc="&lt;html&gt;&lt;head&gt;&lt;base target=&quot;_blank&quot;&gt;&lt;/head&gt;' in page
    assert "Hello &lt;b&gt;Lena&lt;/b&gt;" in page
    assert '<a href="http://127.0.0.1:8000/x/"' in page  # the text's links
    # An 8bit UTF-8 body comes out as written (not as the escapes a str parse would give).
    assert "Text of First \u2014 \u201cdue\u201d" in page and "\\u2014" not in page


def test_a_learner_sees_only_the_emails_sent_to_them(db, mailbox, client):
    _send("For Lena", "lena@example.com")
    _send("For Max", "max@example.com")
    client.force_login(controls.create_user("lena", email="lena@example.com"))
    page = client.get(reverse("sandbox-emails")).content.decode()
    assert "For Lena" in page and "For Max" not in page


def test_the_emails_page_needs_a_sign_in(db, mailbox, client):
    response = client.get(reverse("sandbox-emails"))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_emails_page_says_where_emails_go_without_the_file_backend(db, settings, client):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    client.force_login(controls.create_user("gloria", is_staff=True))
    assert "not kept where this page can read them" in client.get(reverse("sandbox-emails")).content.decode()


# Progress in one click --------------------------------------------------------------------------------


def test_a_learner_moves_their_assignment_to_in_progress_then_completed(now, course, staff, client):
    learner = controls.create_user("lena", email="lena@example.com")
    api.assign(user=learner, target=COURSE, due_date=due_in(10), assigned_by=staff)
    client.force_login(learner)
    url = reverse("sandbox-progress", args=[COURSE])

    assert client.get(url).status_code == 405
    client.post(url, {"action": "complete_unit"})
    assert api.get_assignments(user=learner).get().status == "in_progress"
    response = client.post(url, {"action": "pass_course"}, follow=True)
    assert api.get_assignments(user=learner).get().status == "completed"
    assert "You passed Workplace Safety" in response.content.decode()


def test_only_an_enrolled_learner_records_progress(now, course, client):
    client.force_login(controls.create_user("max"))
    assert client.post(reverse("sandbox-progress", args=[COURSE]), {"action": "pass_course"}).status_code == 404


# The home page ----------------------------------------------------------------------------------------


def test_the_home_page_links_the_pages_and_says_whom_to_sign_in_as(db, client, course):
    controls.create_user("admin", is_staff=True)
    page = client.get(reverse("home")).content.decode()
    for link in (
        "/mandatory_assignments/",
        f"/mandatory_assignments/course/{COURSE}/",
        "/mandatory_assignments/my/",
        "/sandbox/emails/",
        "/admin/",
        "/api/mandatory_assignments/v1/schema/",
    ):
        assert f'href="{link}"' in page
    for username, __ in seed_demo.logins():
        assert f"<code>{username}</code>" in page
    assert seed_demo.PASSWORD in page
