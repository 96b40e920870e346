"""
GDPR retirement (``USER_RETIRE_LMS_MISC``): the person's personal data goes, every assignment of theirs
closes — open ones and recurring ones waiting for their next cycle — and nothing more is sent to anyone
about them. Completed cycles stay, anonymised. Running it twice gives the same result.
"""

import datetime

import pytest
import time_machine
from common.djangoapps.student.models import CourseEnrollment
from django.core import mail
from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_MISC

from mandatory_assignments import api
from mandatory_assignments.models import (
    Assignment,
    AuditEntry,
    BulkJob,
    CompletedCycle,
    Delivery,
    ManagerRelation,
    Reminder,
)
from sandbox import controls

from .conftest import COURSE

UTC = datetime.UTC
OTHER = "course-v1:AcmeX+FIRE201+2026"
THIRD = "course-v1:AcmeX+FIRST301+2026"
NOTE = "Private remark about Rita's probation"
BULK_NOTE = "Bulk remark naming Rita"
REMINDERS = [
    {"days": 3, "recipient": "student"},
    {"days": 3, "recipient": "assigned_by"},
    {"days": 3, "recipient": "managers"},
    {"days": -1, "recipient": "assigned_by"},
]


def at(year, month, day, hour=0, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def world(course, django_capture_on_commit_callbacks):
    """
    Rita completed cycle 1 of a four-weekly assignment and waits for cycle 2 (it starts on 2 February);
    she also has an open assignment whose "assigned" email is still waiting, and a background bulk job
    that names her has not run yet.
    """
    controls.create_course(OTHER, display_name="Fire Safety")
    controls.create_course(THIRD, display_name="First Aid")
    staff = controls.create_user("stella", email="stella@example.com")
    for key in (COURSE, OTHER, THIRD):
        controls.make_course_staff(staff, key)
    manager = controls.create_user("mona", email="mona@example.com")
    rita = controls.create_user("rita", email="rita@example.com", managers=[manager])
    colleague = controls.create_user("colin", email="colin@example.com")
    with time_machine.travel(at(2026, 1, 5), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            recurring = api.assign(
                user=rita,
                target=COURSE,
                due_date=datetime.date(2026, 2, 1),
                assigned_by=staff,
                repeat_weeks=4,
                note=NOTE,
                reminders=REMINDERS,
            )
        # Not run on commit: the "assigned" email and the bulk job are still waiting for their workers.
        waiting = api.assign(user=rita, target=OTHER, due_date=datetime.date(2026, 2, 1), assigned_by=staff, note=NOTE)
        job = api.start_bulk_assign(
            users=[rita, colleague],
            target=THIRD,
            due_date=datetime.date(2026, 2, 10),
            assigned_by=staff,
            note=BULK_NOTE,
        )
        # Rita already has OTHER: this job lists her as skipped.
        skipping = api.start_bulk_assign(
            users=[rita, colleague],
            target=OTHER,
            due_date=datetime.date(2026, 2, 10),
            assigned_by=staff,
            note=BULK_NOTE,
        )
    with time_machine.travel(at(2026, 1, 20), tick=False):
        controls.set_grade(rita, COURSE, percent=0.9, passed=True)
    recurring.refresh_from_db()
    assert recurring.status == "completed" and recurring.next_cycle_at == at(2026, 2, 2)
    assert BulkJob.objects.get(pk=job.pk).params["note"] == BULK_NOTE
    mail.outbox.clear()
    return {
        "staff": staff,
        "manager": manager,
        "rita": rita,
        "recurring": recurring,
        "waiting": waiting,
        "job": job,
        "skipping": skipping,
    }


def retire(user, capture):
    with time_machine.travel(at(2026, 1, 25), tick=False), capture(execute=True):
        USER_RETIRE_LMS_MISC.send(sender=None, user=user)


def tick(moment, capture):
    with time_machine.travel(moment, tick=False), capture(execute=True):
        return api.run_scheduler()


def enrollments(user):
    return list(CourseEnrollment.objects.filter(user=user).order_by("id").values("course_id", "is_active", "mode"))


def records_of(user):
    """Everything the plugin keeps about the person, to compare runs."""
    return {
        "assignments": list(Assignment.objects.filter(user=user).order_by("id").values()),
        "reminders": list(Reminder.objects.filter(assignment__user=user).values()),
        "audit": list(AuditEntry.objects.filter(user=user).order_by("id").values()),
        "deliveries": list(Delivery.objects.filter(user=user).order_by("id").values()),
        "cycles": list(CompletedCycle.objects.filter(user=user).order_by("id").values()),
        "bulk": list(BulkJob.objects.order_by("id").values("params", "state")),
    }


def test_a_recurring_assignment_waiting_for_its_next_cycle_stops_for_good(world, django_capture_on_commit_callbacks):
    rita = world["rita"]
    # The platform's retirement unenrolls the person: no tick may enroll them again.
    controls.unenroll(rita, COURSE)
    before = enrollments(rita)

    retire(rita, django_capture_on_commit_callbacks)
    counts = [
        tick(moment, django_capture_on_commit_callbacks)
        for moment in (at(2026, 2, 2, 0, 5), at(2026, 2, 26, 0, 5), at(2026, 3, 2, 0, 5))
    ]

    assert [count["cycles_started"] for count in counts] == [0, 0, 0]
    assert [count["reminders_claimed"] for count in counts] == [0, 0, 0]
    assert mail.outbox == []  # not to Rita, her assigner or her manager
    assert enrollments(rita) == before
    recurring = Assignment.objects.get(pk=world["recurring"].pk)
    assert (recurring.cycle, recurring.status, recurring.next_cycle_at, recurring.repeat_weeks) == (
        1,
        "completed",
        None,
        None,
    )
    assert not Reminder.objects.filter(assignment__user=rita).exists()
    assert not AuditEntry.objects.filter(assignment_id=recurring.pk, action="cycle_started").exists()
    # Cycle 1 stays for the organisation's records.
    assert list(CompletedCycle.objects.filter(user=rita).values_list("cycle", "target_key")) == [(1, COURSE)]


def test_open_assignments_close_silently_and_waiting_emails_are_skipped(world, django_capture_on_commit_callbacks):
    rita = world["rita"]
    assert Delivery.objects.get(assignment=world["waiting"], message="assigned").state == Delivery.PENDING
    retire(rita, django_capture_on_commit_callbacks)

    assert not Assignment.objects.filter(pk=world["waiting"].pk).exists()
    assert mail.outbox == []
    assert not Delivery.objects.filter(user=rita, message="withdrawn").exists()
    waiting_notice = Delivery.objects.get(user=rita, target_key=OTHER, message="assigned")
    assert (waiting_notice.state, waiting_notice.reason) == (Delivery.SKIPPED, "the person's account was retired")
    assert not Delivery.objects.filter(user=rita, state=Delivery.PENDING).exists()

    # A worker that picks the skipped notice up later sends nothing.
    from mandatory_assignments.tasks import send_deliveries

    send_deliveries.apply(args=[[waiting_notice.pk]])
    assert mail.outbox == []


def test_personal_data_goes_and_the_records_stay_without_free_text(world, django_capture_on_commit_callbacks):
    rita = world["rita"]
    assert Delivery.objects.get(assignment=world["recurring"], message="assigned").email == "rita@example.com"
    audit_before = AuditEntry.objects.filter(user=rita).count()
    assert AuditEntry.objects.filter(user=rita, changes__note=NOTE).exists()

    retire(rita, django_capture_on_commit_callbacks)

    deliveries = Delivery.objects.filter(user=rita)
    assert deliveries.count() == 2  # the sent and the skipped "assigned" notices
    assert set(deliveries.values_list("email", "note")) == {("", "")}
    assert not Delivery.objects.filter(recipient=rita).exclude(email="").exists()
    assert Assignment.objects.get(pk=world["recurring"].pk).note == ""
    entries = AuditEntry.objects.filter(user=rita)
    assert entries.count() > audit_before  # kept, plus the retirement's own entries
    assert NOTE not in repr(list(entries.values_list("changes", flat=True)))
    assert entries.filter(action="retired").count() == 2  # the open one withdrawn, the recurring one stopped
    assert not ManagerRelation.objects.filter(user=rita).exists()


def test_a_bulk_job_still_waiting_that_names_the_person_loses_its_note(world, django_capture_on_commit_callbacks):
    retire(world["rita"], django_capture_on_commit_callbacks)
    job = BulkJob.objects.get(pk=world["job"].pk)
    assert world["rita"].pk in job.params["user_ids"]
    assert job.params["note"] == ""
    assert job.params["user_ids"]  # the job itself stays, to be run


def test_a_bulk_job_that_lists_the_person_as_skipped_loses_its_note_too(world, django_capture_on_commit_callbacks):
    job = BulkJob.objects.get(pk=world["skipping"].pk)
    assert [entry["id"] for entry in job.params["skipped"]] == [world["rita"].pk]
    retire(world["rita"], django_capture_on_commit_callbacks)
    assert BulkJob.objects.get(pk=job.pk).params["note"] == ""


def test_a_bulk_job_not_naming_the_person_keeps_its_note(world, django_capture_on_commit_callbacks):
    other = controls.create_user("otto")
    with time_machine.travel(at(2026, 1, 5), tick=False):
        job = api.start_bulk_assign(
            users=[other], target=THIRD, due_date=datetime.date(2026, 2, 10), assigned_by=world["staff"], note="Keep"
        )
    retire(world["rita"], django_capture_on_commit_callbacks)
    assert BulkJob.objects.get(pk=job.pk).params["note"] == "Keep"


def test_retiring_twice_gives_the_same_result(world, django_capture_on_commit_callbacks):
    rita = world["rita"]
    retire(rita, django_capture_on_commit_callbacks)
    first = records_of(rita)
    retire(rita, django_capture_on_commit_callbacks)
    assert records_of(rita) == first
    assert mail.outbox == []


def test_retiring_through_the_api_does_the_same(world, django_capture_on_commit_callbacks):
    rita = world["rita"]
    with time_machine.travel(at(2026, 1, 25), tick=False), django_capture_on_commit_callbacks(execute=True):
        api.retire_user(rita)
    assert tick(at(2026, 2, 2, 0, 5), django_capture_on_commit_callbacks)["cycles_started"] == 0
    assert mail.outbox == []
    assert Assignment.objects.get(pk=world["recurring"].pk).next_cycle_at is None
