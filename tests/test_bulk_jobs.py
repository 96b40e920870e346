"""
Bulk assignments in the background: progress, results, and a re-run after a worker died halfway.
"""

import pytest

from mandatory_assignments import api, bulk
from mandatory_assignments.models import Assignment, BulkJob
from sandbox import controls

from .conftest import COURSE, due_in

pytestmark = pytest.mark.usefixtures("now")


def people(count):
    return [controls.create_user(f"bulk{i}", email=f"bulk{i}@example.com") for i in range(count)]


def test_background_bulk_reports_progress_and_results(staff, django_capture_on_commit_callbacks):
    group = people(12)
    api.assign(user=group[0], target=COURSE, due_date=due_in(14), assigned_by=staff)
    with django_capture_on_commit_callbacks(execute=True):
        job = api.start_bulk_assign(
            users=[*group, "nobody@example.com"], target=COURSE, due_date=due_in(14), assigned_by=staff
        )
    status = api.get_bulk_job(job.task_id)
    assert status["state"] == "SUCCESS"
    assert (status["done"], status["total"]) == (13, 13)
    assert sorted(status["created"]) == sorted(p.username for p in group[1:])
    assert status["skipped"] == [{"user": "bulk0", "reason": "already assigned"}]
    assert [entry["value"] for entry in status["failed"]] == ["nobody@example.com"]
    assert api.get_bulk_job("no-such-task") is None


@pytest.mark.parametrize(
    "kwargs, code",
    [({"target": "course-v1:AcmeX+NOPE+2026"}, "unknown_target"), ({"reminders": [{"days": 999}]}, "invalid_reminder")],
)
def test_batch_errors_are_raised_before_anything_is_queued(staff, kwargs, code):
    kwargs.setdefault("target", COURSE)
    with pytest.raises(api.AssignmentError) as error:
        api.start_bulk_assign(users=people(2), due_date=due_in(14), assigned_by=staff, **kwargs)
    assert error.value.code == code
    assert BulkJob.objects.count() == 0


def test_a_rerun_after_a_worker_died_completes_the_rest_without_duplicates(staff, monkeypatch, settings):
    from . import filter_steps

    group = people(25)
    monkeypatch.setattr(bulk, "BULK_CHUNK_SIZE", 10)
    job = api.start_bulk_assign(users=group, target=COURSE, due_date=due_in(14), assigned_by=staff)

    def worker_lost():
        raise SystemError("worker lost")

    # The worker dies while enrolling the 15th person, in the second chunk.
    settings.OPEN_EDX_FILTERS_CONFIG = filter_steps.FILTER_CONFIG
    filter_steps.BEFORE_ENROLLING[group[14].username] = worker_lost
    try:
        with pytest.raises(SystemError):
            api.run_bulk_job(job.task_id)
    finally:
        filter_steps.BEFORE_ENROLLING.clear()
    status = api.get_bulk_job(job.task_id)
    assert status["state"] == "FAILURE" and status["done"] == 10  # the first chunk stands, the second rolled back
    assert Assignment.objects.filter(target_key=COURSE).count() == 10

    api.run_bulk_job(job.task_id)  # Celery redelivers the task (acks_late): the re-run finishes the batch
    status = api.get_bulk_job(job.task_id)
    assert status["state"] == "SUCCESS"
    assert sorted(status["created"]) == sorted(p.username for p in group)
    assert status["skipped"] == [] and status["failed"] == []
    assert Assignment.objects.filter(target_key=COURSE).count() == 25
