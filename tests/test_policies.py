"""
The opt-out: a person who turned reminder emails off gets no reminder or overdue email, whatever their
role; the assigned, withdrawn and new-cycle notices still reach them, and others still get theirs.
"""

import datetime
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.test import TestCase
from django.utils.module_loading import import_string
from edx_ace import ace, policy
from edx_ace.channel import ChannelType
from edx_ace.recipient import Recipient

from mandatory_assignments import api, compat, messages, notifications
from mandatory_assignments.models import Delivery
from mandatory_assignments.policies import EMAIL_REMINDERS_PREFERENCE, EmailReminderOptOutPolicy
from sandbox import controls

from .conftest import COURSE, due_in

pytestmark = pytest.mark.usefixtures("now")

AFTER_DEADLINE = datetime.datetime(2026, 12, 17, 9, 0, tzinfo=datetime.UTC)
ENTRY_POINT = "mandatory_assignments.opt_out"


def test_the_policy_is_loaded_from_its_entry_point():
    """edx-ace loads policies from the installed ``openedx.ace.policy`` entry points named in settings."""
    assert ENTRY_POINT in settings.ACE_ENABLED_POLICIES
    assert any(isinstance(loaded, EmailReminderOptOutPolicy) for loaded in policy.policies())


def opt_out(user):
    compat.set_user_preference(user, EMAIL_REMINDERS_PREFERENCE, "false")


def assign(learner, staff):
    """Assign as staff do: the "assigned" email goes out once the assignment is committed."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return api.assign(user=learner, assigned_by=staff, target=COURSE, due_date=due_in(14), reminders=[])


def message_for(assignment, name, recipient=None, kind="student"):
    days = {"reminder": 3, "overdue": -1}.get(name, 0)
    row, _created = Delivery.objects.get_or_create(
        assignment=assignment,
        message=name,
        cycle=assignment.cycle,
        reminder_days=days,
        recipient_kind=kind,
        recipient=recipient or assignment.user,
        due_date=assignment.due_date,
        defaults={"user": assignment.user, "target_key": assignment.target_key, "note": assignment.note},
    )
    row = Delivery.objects.select_related(
        "assignment", "assignment__user", "assignment__assigned_by", "user", "recipient"
    ).get(pk=row.pk)
    return messages.compose_for_delivery(row)


def send(message, user):
    with compat.emulate_http_request(site=messages.site_for(user), user=user):
        ace.send(message)


def subjects_to(address):
    return [email.subject for email in mail.outbox if address in email.to]


# Through edx-ace --------------------------------------------------------------------------------------


def test_opted_out_learner_gets_no_reminder_or_overdue_email(learner, staff):
    opt_out(learner)
    assignment = assign(learner, staff)
    mail.outbox.clear()

    send(message_for(assignment, "reminder"), learner)
    with time_machine.travel(AFTER_DEADLINE, tick=False):
        send(message_for(assignment, "overdue"), learner)

    assert subjects_to("lena@example.com") == []


def test_opted_out_learner_still_gets_the_service_notices(learner, staff):
    opt_out(learner)
    mail.outbox.clear()
    assignment = assign(learner, staff)

    with TestCase.captureOnCommitCallbacks(execute=True):
        notifications.new_cycle([assignment.pk])
    with TestCase.captureOnCommitCallbacks(execute=True):
        api.withdraw(assignment, by=staff)

    assert subjects_to("lena@example.com") == [
        "New mandatory assignment: Workplace Safety",
        "New cycle: Workplace Safety is due again Dec. 15, 2026",
        "Withdrawn: Workplace Safety",
    ]


def test_the_assigner_without_opt_out_still_gets_theirs(learner, staff):
    opt_out(learner)
    assignment = assign(learner, staff)
    mail.outbox.clear()

    send(message_for(assignment, "reminder"), learner)
    send(message_for(assignment, "reminder", recipient=staff, kind="assigned_by"), staff)

    assert subjects_to("lena@example.com") == []
    assert subjects_to("stella@example.com") == ["Reminder: Workplace Safety for Lena is due Dec. 15, 2026"]


def test_an_opted_out_manager_gets_no_reminders_about_others(learner, staff):
    boss = controls.create_user("bob_boss", email="boss@example.com")
    opt_out(boss)
    assignment = assign(learner, staff)
    mail.outbox.clear()

    send(message_for(assignment, "reminder", recipient=boss, kind="managers"), boss)
    send(message_for(assignment, "reminder"), learner)

    assert subjects_to("boss@example.com") == []
    assert subjects_to("lena@example.com") == ["Reminder: Workplace Safety is due Dec. 15, 2026"]


@pytest.mark.parametrize("value", [None, "true", "True"])
def test_reminders_are_on_unless_explicitly_turned_off(value, learner, staff):
    if value is not None:
        compat.set_user_preference(learner, EMAIL_REMINDERS_PREFERENCE, value)
    assignment = assign(learner, staff)
    mail.outbox.clear()

    send(message_for(assignment, "reminder"), learner)

    assert len(subjects_to("lena@example.com")) == 1


def test_the_tick_records_the_opt_out_as_skipped(learner, staff, django_capture_on_commit_callbacks):
    opt_out(learner)
    with django_capture_on_commit_callbacks(execute=True):
        api.assign(
            user=learner,
            assigned_by=staff,
            target=COURSE,
            due_date=due_in(14),
            reminders=[{"days": 3, "recipient": "student"}, {"days": 3, "recipient": "assigned_by"}],
        )
    mail.outbox.clear()
    with time_machine.travel(datetime.datetime(2026, 12, 11, 23, 5, tzinfo=datetime.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            api.run_scheduler()

    assert subjects_to("lena@example.com") == []
    assert subjects_to("stella@example.com") == ["Reminder: Workplace Safety for Lena is due Dec. 15, 2026"]
    to_learner = Delivery.objects.get(message="reminder", recipient=learner)
    assert to_learner.state == Delivery.SKIPPED
    assert "turned reminder emails off" in to_learner.reason


# The policy itself ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, denied",
    [
        ("assigned", set()),
        ("reminder", {ChannelType.EMAIL}),
        ("overdue", {ChannelType.EMAIL}),
        ("new_cycle", set()),
    ],
)
def test_policy_denies_email_only_for_reminders(name, denied, learner, staff):
    opt_out(learner)
    assignment = assign(learner, staff)

    assert EmailReminderOptOutPolicy().check(message_for(assignment, name)).deny == denied


def test_policy_ignores_other_apps_messages(learner):
    from edx_ace.message import Message

    opt_out(learner)
    message = Message(
        app_label="schedules",
        name="reminder",
        context={},
        recipient=Recipient(lms_user_id=learner.id, email_address=learner.email),
    )
    assert EmailReminderOptOutPolicy().check(message).deny == set()


@pytest.mark.parametrize("user_id", [None, 987654, "not-a-number"])
def test_policy_allows_when_there_is_no_such_user(user_id, db):
    message = messages.message_type("reminder")(context={}).personalize(
        recipient=Recipient(lms_user_id=user_id, email_address="gone@example.com"), language="en", user_context={}
    )
    assert EmailReminderOptOutPolicy().check(message).deny == set()


# Registration ----------------------------------------------------------------------------------------


def test_policy_is_enabled_in_the_platform_settings():
    assert ENTRY_POINT in settings.ACE_ENABLED_POLICIES


def test_policy_entry_point_names_the_policy_class():
    setup_py = (Path(__file__).resolve().parent.parent / "setup.py").read_text()
    match = re.search(rf'"{re.escape(ENTRY_POINT)}\s*=\s*([\w.]+):(\w+)"', setup_py)
    assert match, "the openedx.ace.policy entry point is missing from setup.py"
    assert import_string(f"{match.group(1)}.{match.group(2)}") is EmailReminderOptOutPolicy
