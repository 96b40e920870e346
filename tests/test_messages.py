"""
The five emails, rendered by the real edx-ace into Django's locmem outbox, read as a person reads them.
"""

import datetime
import json
import smtplib

import pytest
import time_machine
from django.contrib.sites.models import Site
from django.core import mail
from django.core.mail.backends import locmem
from django.test import TestCase

from mandatory_assignments import api, compat, messages
from mandatory_assignments.models import Delivery, EmailTemplate
from sandbox import controls

from .conftest import COURSE, due_in

pytestmark = pytest.mark.usefixtures("now")

UTC = datetime.UTC
COURSE_URL = f"http://127.0.0.1:8000/courses/{COURSE}/"
MY_URL = "http://127.0.0.1:8000/mandatory_assignments/my/"
DUE = due_in(14)  # 2026-12-15
DUE_EN = "Dec. 15, 2026"  # Django's English DATE_FORMAT ("N j, Y")
DUE_DE = "15. Dezember 2026"  # Django's German DATE_FORMAT ("j. F Y")
AFTER_DEADLINE = datetime.datetime(2026, 12, 17, 9, 0, tzinfo=UTC)


# Helpers ------------------------------------------------------------------------------------------


def assign(learner, staff, **kwargs):
    """Assign as staff do: the "assigned" email goes out once the assignment is committed."""
    kwargs.setdefault("target", COURSE)
    kwargs.setdefault("due_date", DUE)
    kwargs.setdefault("note", "Please finish before the audit.")
    kwargs.setdefault("reminders", [])
    with TestCase.captureOnCommitCallbacks(execute=True):
        return api.assign(user=learner, assigned_by=staff, **kwargs)


def delivery_row(assignment, message, *, recipient=None, kind="student", days=0):
    """The delivery of ``message`` (the assigned notice exists from the assignment's creation)."""
    row, _created = Delivery.objects.get_or_create(
        assignment=assignment,
        message=message,
        cycle=assignment.cycle,
        reminder_days=days,
        recipient_kind=kind,
        recipient=recipient or assignment.user,
        due_date=assignment.due_date,
        defaults={
            "user": assignment.user,
            "target_key": assignment.target_key,
            "target_type": assignment.target_type,
            "note": assignment.note,
        },
    )
    return Delivery.objects.select_related(
        "assignment", "assignment__user", "assignment__assigned_by", "user", "recipient"
    ).get(pk=row.pk)


def send(row):
    """Compose the delivery's message and send it through edx-ace, as the delivery code does."""
    from edx_ace import ace

    message = messages.compose_for_delivery(row)
    with compat.emulate_http_request(site=messages.site_for(row.user), user=row.recipient):
        ace.send(message)
    return message


def only_email():
    assert len(mail.outbox) == 1, [email.subject for email in mail.outbox]
    return mail.outbox[0]


def html_of(email):
    ((content, mimetype),) = email.alternatives
    assert mimetype == "text/html"
    return content


def send_withdrawn(learner, staff, **kwargs):
    """Assign (its "assigned" email goes out), then withdraw: the withdrawn email is sent after commit."""
    assignment = assign(learner, staff, **kwargs)
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        api.withdraw(assignment, by=staff)
    return Delivery.objects.get(user=learner, message="withdrawn")


def send_message(name, learner, staff, **kwargs):
    """Send message ``name`` of a fresh assignment to the learner; return the one email."""
    if name == "withdrawn":
        send_withdrawn(learner, staff, **kwargs)
        return only_email()
    assignment = assign(learner, staff, **kwargs)
    mail.outbox.clear()
    days = {"reminder": 3, "overdue": -1}.get(name, 0)
    row = delivery_row(assignment, name, days=days)
    if name == "overdue":
        with time_machine.travel(AFTER_DEADLINE, tick=False):
            assert messages.reason_not_to_send(row) is None
            send(row)
    else:
        assert messages.reason_not_to_send(row) is None
        send(row)
    return only_email()


ALL_MESSAGES = ["assigned", "reminder", "overdue", "withdrawn", "new_cycle"]
SUBJECTS = {
    "assigned": "New mandatory assignment: Workplace Safety",
    "reminder": f"Reminder: Workplace Safety is due {DUE_EN}",
    "overdue": f"Overdue: Workplace Safety was due {DUE_EN}",
    "withdrawn": "Withdrawn: Workplace Safety",
    "new_cycle": f"New cycle: Workplace Safety is due again {DUE_EN}",
}


# Every message ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL_MESSAGES)
def test_every_message_names_target_due_date_note_and_link(name, learner, staff):
    email = send_message(name, learner, staff)

    assert email.to == ["lena@example.com"]
    assert email.subject == SUBJECTS[name]
    html = html_of(email)
    for body in (email.body, html):
        assert "Workplace Safety" in body
        assert DUE_EN in body
        assert "Please finish before the audit." in body
        assert COURSE_URL in body
        assert MY_URL in body
        # The deadline is explained in the learner's own time zone.
        assert "Europe/Berlin" in body
        # No template syntax leaks into what the person reads.
        assert "{{" not in body and "{%" not in body
    assert f'href="{COURSE_URL}"' in html
    assert html.lstrip().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("name", ALL_MESSAGES)
def test_only_reminders_say_how_to_turn_them_off(name, learner, staff):
    email = send_message(name, learner, staff)

    says_so = "You can turn reminder emails off" in email.body
    assert says_so == (name in ("reminder", "overdue"))
    assert ("You can turn reminder emails off" in html_of(email)) == says_so


def test_assigned_email_says_who_assigned_it(learner, staff):
    email = send_message("assigned", learner, staff)

    assert "Stella has assigned the course Workplace Safety to you" in email.body


def test_reminder_counts_the_days_and_the_due_day_says_today(learner, staff):
    assignment = assign(learner, staff)
    mail.outbox.clear()
    send(delivery_row(assignment, "reminder", days=3))
    send(delivery_row(assignment, "reminder", days=0))

    three_days, due_day = mail.outbox
    assert "It is due in 3 days." in three_days.body
    assert f"is due today, {DUE_EN}" in due_day.body


def test_a_message_without_note_has_no_note_section(learner, staff):
    email = send_message("reminder", learner, staff, note="")

    assert "Note" not in email.body
    assert "Note" not in html_of(email)


def test_new_cycle_names_the_cycle(learner, staff):
    assignment = assign(learner, staff, repeat_weeks=52)
    assignment.cycle = 2
    assignment.save(update_fields=["cycle"])
    mail.outbox.clear()

    send(delivery_row(assignment, "new_cycle"))

    email = only_email()
    assert "a new cycle (number 2) has started" in email.body


def test_a_learning_path_is_called_a_learning_path(learner, admin, course):
    controls.create_learning_path("path-v1:AcmeX+onboarding+2026+run", display_name="Onboarding", course_keys=[COURSE])
    email = send_message("assigned", learner, admin, target="path-v1:AcmeX+onboarding+2026+run")

    assert email.subject == "New mandatory assignment: Onboarding"
    assert "the learning path Onboarding" in email.body
    assert "Learning path: Onboarding" in email.body


# The assigner's and managers' emails -------------------------------------------------------------------


def test_assigner_reminder_says_whose_assignment_it_is(learner, staff):
    assignment = assign(learner, staff)
    mail.outbox.clear()

    send(delivery_row(assignment, "reminder", recipient=staff, kind="assigned_by", days=3))

    email = only_email()
    assert email.to == ["stella@example.com"]
    assert email.subject == f"Reminder: Workplace Safety for Lena is due {DUE_EN}"
    assert "Lena has not completed the mandatory course Workplace Safety yet" in email.body
    assert "Assigned to: Lena" in email.body
    assert "Hello Stella," in email.body


def test_manager_overdue_email_names_the_person(learner, staff):
    boss = controls.create_user("bob_boss", email="boss@example.com")
    api.set_managers(learner, [boss])
    assignment = assign(learner, staff)
    mail.outbox.clear()

    with time_machine.travel(AFTER_DEADLINE, tick=False):
        row = delivery_row(assignment, "overdue", recipient=boss, kind="managers", days=-1)
        assert messages.reason_not_to_send(row) is None
        send(row)

    email = only_email()
    assert email.to == ["boss@example.com"]
    assert email.subject == f"Overdue: Workplace Safety for Lena was due {DUE_EN}"
    assert "as a manager of the person" in email.body
    assert "Status: Overdue" in email.body


# Language -----------------------------------------------------------------------------------------


def test_german_learner_gets_the_german_date(learner, staff):
    compat.set_user_preference(learner, "pref-lang", "de")

    email = send_message("reminder", learner, staff)

    assert DUE_DE in email.subject
    assert DUE_DE in email.body
    assert DUE_DE in html_of(email)
    assert DUE_EN not in email.body


def test_the_language_is_the_recipients_not_the_learners(learner, staff):
    compat.set_user_preference(learner, "pref-lang", "de")
    assignment = assign(learner, staff)
    mail.outbox.clear()

    send(delivery_row(assignment, "reminder", recipient=staff, kind="assigned_by", days=3))

    assert DUE_EN in only_email().subject


def test_an_unsupported_language_falls_back_to_the_default(learner, staff):
    compat.set_user_preference(learner, "pref-lang", "xx-unknown")

    assert DUE_EN in send_message("reminder", learner, staff).subject


# Safety of what staff and learners write ----------------------------------------------------------


def test_html_in_the_note_and_the_name_is_escaped_in_default_templates(learner, staff):
    from common.djangoapps.student.models import UserProfile

    UserProfile.objects.filter(user=learner).update(name='<img src=x onerror="alert(1)">Lena')
    email = send_message("reminder", learner, staff, note="<script>alert('x')</script>\nSecond line")

    html = html_of(email)
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "&lt;img src=x" in html
    assert "Second line" in html
    # The plain-text body shows what was written, unescaped (text is never interpreted).
    assert "<script>alert('x')</script>" in email.body
    assert "&lt;" not in email.body and "&#x27;" not in email.body


def test_a_custom_template_named_by_the_reminder_is_used(learner, staff):
    from common.djangoapps.student.models import UserProfile

    EmailTemplate.objects.create(
        name="friendly",
        subject="Hey {{ learner_name }}: {{ target_name }} by {{ due_date }}",
        body_text="Dear {{ learner_name }},\n{{ note }}\nStart here: {{ target_url }}",
        body_html='<p>Dear {{ learner_name }},</p><p>{{ note }}</p><p><a href="{{ target_url }}">Start</a></p>',
    )
    UserProfile.objects.filter(user=learner).update(name="<b>Lena</b>")
    assignment = assign(
        learner,
        staff,
        note="<script>alert(1)</script>",
        reminders=[{"days": 3, "recipient": "student", "template": "friendly"}],
    )
    mail.outbox.clear()

    send(delivery_row(assignment, "reminder", days=3))

    email = only_email()
    assert email.subject == f"Hey <b>Lena</b>: Workplace Safety by {DUE_EN}"
    assert email.body.startswith(f"Dear <b>Lena</b>,\n<script>alert(1)</script>\nStart here: {COURSE_URL}")
    assert "This is a reminder" not in email.body
    html = html_of(email)
    assert "<p>Dear &lt;b&gt;Lena&lt;/b&gt;,</p>" in html
    assert "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>" in html
    assert f'<a href="{COURSE_URL}" rel="noopener noreferrer">Start</a>' in html  # sanitised by nh3
    assert "<script>" not in html and "<b>Lena</b>" not in html
    assert "This is a reminder" not in html
    # The footer with the way to turn reminders off stays.
    assert "You can turn reminder emails off" in email.body


def test_custom_template_without_html_body_gets_an_escaped_html_version(learner, staff):
    EmailTemplate.objects.create(
        name="plain", subject="Due {{ due_date }}", body_text="Line one <b>\nNote: {{ note }}", body_html=""
    )
    assignment = assign(
        learner, staff, note="a & b", reminders=[{"days": 3, "recipient": "student", "template": "plain"}]
    )
    mail.outbox.clear()

    send(delivery_row(assignment, "reminder", days=3))

    html = html_of(only_email())
    assert "Line one &lt;b&gt;<br>Note: a &amp; b" in html


def test_reminders_without_a_template_keep_the_default_wording(learner, staff):
    EmailTemplate.objects.create(name="friendly", subject="Hey", body_text="Hey")
    assignment = assign(
        learner,
        staff,
        reminders=[
            {"days": 3, "recipient": "student", "template": "friendly"},
            {"days": 1, "recipient": "student"},
        ],
    )
    mail.outbox.clear()

    send(delivery_row(assignment, "reminder", days=1))

    assert only_email().subject == f"Reminder: Workplace Safety is due {DUE_EN}"


# Context ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["assigned", "reminder", "overdue", "new_cycle"])
def test_context_has_no_course_ids_and_is_json(name, learner, staff):
    assignment = assign(learner, staff)

    message = messages.compose_for_delivery(delivery_row(assignment, name, days=-1 if name == "overdue" else 3))

    assert "course_ids" not in message.context
    assert json.loads(json.dumps(message.context)) == message.context
    assert message.app_label == "mandatory_assignments"
    assert message.name == name
    assert message.recipient.lms_user_id == learner.id
    assert message.recipient.email_address == "lena@example.com"


def test_withdrawn_context_has_no_course_ids(learner, staff):
    from edx_ace.signals import ACE_MESSAGE_SENT

    seen = []

    def record(sender, message=None, **kwargs):
        seen.append(message)

    ACE_MESSAGE_SENT.connect(record, weak=False)
    try:
        send_withdrawn(learner, staff)
    finally:
        ACE_MESSAGE_SENT.disconnect(record)
    (sent,) = [message for message in seen if message["name"] == "withdrawn"]
    assert "course_ids" not in sent["context"]
    assert sent["app_label"] == "mandatory_assignments"


def test_every_placeholder_has_a_value_in_the_context(learner, staff):
    from mandatory_assignments import email_templates

    assignment = assign(learner, staff)
    message = messages.compose_for_delivery(delivery_row(assignment, "reminder", days=3))

    values = messages.placeholder_values(message.context)
    assert set(values) == set(email_templates.PLACEHOLDERS)
    assert values["learner_name"] == "Lena"
    assert values["target_name"] == "Workplace Safety"
    assert values["due_date"] == DUE_EN
    assert values["days"] == 3
    assert values["platform_name"]


def test_message_types_are_platform_message_types():
    base = compat.base_message_type()
    for name in ALL_MESSAGES:
        cls = messages.message_type(name)
        assert issubclass(cls, base)
        assert messages.message_type(name) is cls
        instance = cls(context={})
        assert (instance.app_label, instance.name) == ("mandatory_assignments", name)
    with pytest.raises(ValueError):
        messages.message_type("nudge")


# Site -------------------------------------------------------------------------------------------


def test_the_company_site_gives_its_from_address(staff):
    from openedx.core.djangoapps.site_configuration.models import SiteConfiguration

    learner = controls.create_user("carl", email="carl@acme.example.com", site="acme.example.com")
    site = Site.objects.get(domain="acme.example.com")
    SiteConfiguration.objects.create(
        site=site,
        enabled=True,
        site_values={"email_from_address": "learning@acme.example.com", "platform_name": "Acme Academy"},
    )

    assert messages.site_for(learner) == site
    email = send_message("reminder", learner, staff)

    assert email.from_email == "learning@acme.example.com"
    assert "Acme Academy" in email.body
    assert "Acme Academy" in html_of(email)


def test_site_for_a_person_without_company_is_the_current_site(learner):
    assert messages.site_for(learner) == Site.objects.get_current()


# When not to send -----------------------------------------------------------------------------------


def test_reasons_not_to_send(learner, staff):
    assignment = assign(learner, staff)
    reminder = delivery_row(assignment, "reminder", days=3)
    overdue = delivery_row(assignment, "overdue", days=-1)
    to_staff = delivery_row(assignment, "reminder", recipient=staff, kind="assigned_by", days=3)

    assert messages.reason_not_to_send(reminder) is None
    assert messages.reason_not_to_send(overdue) == "not overdue"
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert messages.reason_not_to_send(overdue) is None

    staff.is_active = False
    staff.save()
    to_staff.recipient.refresh_from_db()
    assert "not active" in messages.reason_not_to_send(to_staff)

    api.update(assignment, by=controls.create_user("admin2", is_staff=True), due_date=due_in(20))
    reminder.assignment.refresh_from_db()
    assert messages.reason_not_to_send(reminder) == "the due date was changed"

    reminder.assignment.cycle = 2
    assert messages.reason_not_to_send(reminder) == "the assignment is in another cycle now"

    reminder.assignment.completed_at = AFTER_DEADLINE
    assert messages.reason_not_to_send(reminder) == "the assignment is completed"


def test_notices_are_sent_even_when_the_assignment_is_overdue(learner, staff):
    assignment = assign(learner, staff)
    row = delivery_row(assignment, "assigned")
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        assert messages.reason_not_to_send(row) is None


def test_a_deleted_recipient_is_a_reason(learner, staff):
    assignment = assign(learner, staff)
    row = delivery_row(assignment, "reminder", days=3)
    row.recipient = None
    assert messages.reason_not_to_send(row) == "the recipient no longer exists"


def test_assigning_records_the_assigned_notice_with_the_person_target_and_note(learner, staff):
    note = "Please finish before the audit."
    first = api.assign(user=learner, assigned_by=staff, target=COURSE, due_date=DUE, note=note)
    other = controls.create_user("otto", email="otto@example.com")
    second = api.assign(user=other, assigned_by=staff, target=COURSE, due_date=due_in(20), note=note)

    rows = Delivery.objects.filter(message="assigned").order_by("id")

    assert [(row.assignment_id, row.user_id, row.recipient_id, row.due_date, row.cycle) for row in rows] == [
        (first.pk, learner.pk, learner.pk, DUE, 1),
        (second.pk, other.pk, other.pk, due_in(20), 1),
    ]
    assert all(row.target_key == COURSE and row.note == "Please finish before the audit." for row in rows)
    assert all(row.state == Delivery.PENDING and row.recipient_kind == "student" for row in rows)


def test_withdrawn_notice_for_an_inactive_person_is_not_sent(learner, staff):
    with TestCase.captureOnCommitCallbacks(execute=True):
        assignment = assign(learner, staff)
    learner.is_active = False
    learner.save()
    mail.outbox.clear()

    with TestCase.captureOnCommitCallbacks(execute=True):
        api.withdraw(assignment, by=staff)

    assert mail.outbox == []
    row = Delivery.objects.get(user=learner, message="withdrawn")
    assert (row.state, row.reason) == (Delivery.SKIPPED, "the recipient's account is not active")


class RefusingBackend(locmem.EmailBackend):
    """A mail server that drops the connection."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("down")


def test_withdrawn_notice_waits_for_the_mail_server_and_goes_out_once(learner, staff, settings):
    with TestCase.captureOnCommitCallbacks(execute=True):
        assignment = assign(learner, staff)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    with TestCase.captureOnCommitCallbacks(execute=True):
        api.withdraw(assignment, by=staff)
    row = Delivery.objects.get(user=learner, message="withdrawn")
    # edx-ace swallows the SMTP error; without its success signal the row stays pending, released.
    assert (row.state, row.attempts, row.worker_token) == (Delivery.PENDING, 1, "")

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    with time_machine.travel(row.lease_until + datetime.timedelta(seconds=1), tick=False):
        api.run_scheduler()
        api.run_scheduler()

    row.refresh_from_db()
    assert row.state == Delivery.SENT
    assert [email.subject for email in mail.outbox] == ["Withdrawn: Workplace Safety"]


# End to end ----------------------------------------------------------------------------------------


def test_assigning_sends_the_assigned_email(learner, staff, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assign(learner, staff)

    email = only_email()
    assert email.subject == "New mandatory assignment: Workplace Safety"
    assert Delivery.objects.get(message="assigned").state == Delivery.SENT


def test_withdrawing_sends_the_withdrawn_email(learner, staff, django_capture_on_commit_callbacks):
    assignment = assign(learner, staff)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        api.withdraw(assignment, by=staff)

    assert only_email().subject == "Withdrawn: Workplace Safety"


def test_the_tick_sends_the_reminder(learner, staff, django_capture_on_commit_callbacks):
    assign(learner, staff, reminders=[{"days": 3, "recipient": "student"}])
    mail.outbox.clear()
    # 00:00 Berlin on 12 December is 23:00 UTC on 11 December.
    with time_machine.travel(datetime.datetime(2026, 12, 11, 23, 5, tzinfo=UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            api.run_scheduler()

    email = only_email()
    assert email.subject == f"Reminder: Workplace Safety is due {DUE_EN}"
    assert "It is due in 3 days." in email.body
