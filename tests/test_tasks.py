"""
The Celery task ``mandatory_assignments.tasks.tick`` runs the scheduler, as beat runs it (here eagerly).
"""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core import mail

from mandatory_assignments import api
from mandatory_assignments.models import Delivery
from mandatory_assignments.tasks import tick
from sandbox import controls
from sandbox.celery import app

from .conftest import COURSE

pytestmark = pytest.mark.usefixtures("now")

FIRES = datetime.datetime(2026, 12, 17, 0, 5, tzinfo=datetime.UTC)


@pytest.fixture
def due_reminder(staff, django_capture_on_commit_callbacks):
    learner = controls.create_user("tia", email="tia@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        api.assign(user=learner, target=COURSE, due_date=datetime.date(2026, 12, 20), assigned_by=staff)
    mail.outbox.clear()


def test_the_beat_entry_names_the_registered_task():
    entry = settings.CELERYBEAT_SCHEDULE["mandatory_assignments.tick"]
    assert entry["task"] == "mandatory_assignments.tasks.tick"
    assert tick.name in app.tasks  # registered with the worker's app


@pytest.mark.parametrize("run", [lambda: tick.delay(), lambda: tick.apply()], ids=["delay", "apply"])
def test_the_task_runs_the_scheduler(due_reminder, run):
    with time_machine.travel(FIRES, tick=False):
        result = run()

    assert result.successful()
    assert result.result["reminders_claimed"] == 1
    assert [email.to for email in mail.outbox] == [["tia@example.com"]]
    assert Delivery.objects.get(message="reminder").state == Delivery.SENT


def test_the_task_looked_up_by_name_as_beat_does_sends_each_reminder_once(due_reminder):
    task = app.tasks["mandatory_assignments.tasks.tick"]
    with time_machine.travel(FIRES, tick=False):
        task.apply_async()
        task.apply_async()  # a second tick right after sends nothing twice
    assert len(mail.outbox) == 1
