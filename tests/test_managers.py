"""
``MANDATORY_ASSIGNMENTS_MANAGER_RESOLVER``: a deployment's own resolver (a dotted path to a callable
``user -> list[User]``) decides who gets the "managers" reminders; the built-in relation is not used.
"""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core import mail

from mandatory_assignments import api
from mandatory_assignments.models import Delivery
from sandbox import controls

from .conftest import COURSE

pytestmark = pytest.mark.usefixtures("now")

ASKED = []


def managers_from_the_directory(user):
    """A resolver as a deployment would write it (say, from an HR directory): here, by username."""
    ASKED.append(user.username)
    return list(get_user_model().objects.filter(username=f"{user.username}_boss"))


@pytest.fixture
def directory(settings):
    settings.MANDATORY_ASSIGNMENTS_MANAGER_RESOLVER = "tests.test_managers.managers_from_the_directory"
    ASKED.clear()
    yield
    ASKED.clear()


def test_the_tick_asks_the_configured_resolver(directory, staff, django_capture_on_commit_callbacks):
    builtin = controls.create_user("mona", email="mona@example.com")
    learner = controls.create_user("lars", email="lars@example.com", managers=[builtin])
    controls.create_user("lars_boss", email="lars.boss@example.com")
    due = datetime.date(2026, 12, 20)
    with django_capture_on_commit_callbacks(execute=True):
        api.assign(
            user=learner,
            target=COURSE,
            due_date=due,
            assigned_by=staff,
            reminders=[{"days": 3, "recipient": "managers"}],
        )
    mail.outbox.clear()

    with time_machine.travel(datetime.datetime(2026, 12, 17, 0, 5, tzinfo=datetime.UTC), tick=False):
        counts = api.run_scheduler()

    assert counts["reminders_claimed"] == 1
    assert ASKED == ["lars"]
    assert [email.to for email in mail.outbox] == [["lars.boss@example.com"]]  # not the built-in manager
    row = Delivery.objects.get(message="reminder")
    assert (row.recipient.username, row.recipient_kind, row.state) == ("lars_boss", "managers", Delivery.SENT)
    assert api.get_managers(learner) == [get_user_model().objects.get(username="lars_boss")]


def test_a_resolver_that_finds_nobody_is_recorded_as_skipped(directory, staff, django_capture_on_commit_callbacks):
    learner = controls.create_user("nils", email="nils@example.com")  # no "nils_boss"
    with django_capture_on_commit_callbacks(execute=True):
        api.assign(
            user=learner,
            target=COURSE,
            due_date=datetime.date(2026, 12, 20),
            assigned_by=staff,
            reminders=[{"days": 3, "recipient": "managers"}],
        )
    mail.outbox.clear()
    with time_machine.travel(datetime.datetime(2026, 12, 17, 0, 5, tzinfo=datetime.UTC), tick=False):
        api.run_scheduler()
    assert mail.outbox == []
    row = Delivery.objects.get(message="reminder")
    assert (row.state, row.reason) == (Delivery.SKIPPED, "the person has no managers")
