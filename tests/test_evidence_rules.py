"""
Status tracking from the platform's events, person by person and course by course: whose pass
completes what, what a regrade below passing takes back, what counts as progress, what is logged when
someone leaves a course, and the history row a completion leaves.
"""

import datetime

import pytest
import time_machine
from completion.models import BlockCompletion
from opaque_keys.edx.keys import CourseKey

from mandatory_assignments import api
from mandatory_assignments.models import Assignment, AuditEntry, CompletedCycle, CourseEvidence
from sandbox import controls

from .conftest import COURSE

UTC = datetime.UTC
OTHER = "course-v1:AcmeX+FIRE201+2026"
PATH = "path-v1:AcmeX+ONBOARD+2026+core"
NOW = datetime.datetime(2026, 12, 1, 12, tzinfo=UTC)
DUE = datetime.date(2026, 12, 20)


def at(year, month, day, hour=0, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def clock(db):
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def admin(clock, course):
    controls.create_course(OTHER, display_name="Fire Safety")
    controls.create_learning_path(PATH, display_name="Onboarding", course_keys=[COURSE, OTHER])
    return controls.create_user("root_admin", email="admin@example.com", is_staff=True)


def person(name):
    return controls.create_user(name, email=f"{name}@example.com")


def assign(user, admin, target=COURSE, **kwargs):
    return api.assign(user=user, target=target, due_date=DUE, assigned_by=admin, reminders=[], **kwargs)


def statuses():
    return {
        (row.user.username, row.target_key): row.status
        for row in Assignment.objects.select_related("user").order_by("id")
    }


def passes(user, course=COURSE):
    controls.set_grade(user, course, percent=0.9, passed=True)


def fails(user, course=COURSE):
    controls.set_grade(user, course, percent=0.2, passed=False)


# Whose pass completes what ----------------------------------------------------------------------------


def test_a_pass_completes_only_that_persons_assignment_of_that_course(admin):
    ana, ben = person("ana"), person("ben")
    for user in (ana, ben):
        assign(user, admin)
        assign(user, admin, target=OTHER)

    passes(ana)

    assert statuses() == {
        ("ana", COURSE): "completed",
        ("ana", OTHER): "assigned",
        ("ben", COURSE): "assigned",
        ("ben", OTHER): "assigned",
    }


def test_completing_leaves_a_history_row_and_stops_the_reminders(admin, clock):
    ana = person("ana")
    assignment = api.assign(user=ana, target=COURSE, due_date=DUE, assigned_by=admin, reminders=[{"days": 3}])
    assert assignment.reminder_rows.get().fire_at is not None
    clock.move_to(at(2026, 12, 5, 9))

    controls.issue_certificate(ana, COURSE)

    [cycle] = CompletedCycle.objects.all()
    assert (
        cycle.assignment_id,
        cycle.user_id,
        cycle.target_key,
        cycle.cycle,
        cycle.due_date,
        cycle.completed_at,
        cycle.evidence,
    ) == (assignment.pk, ana.pk, COURSE, 1, DUE, at(2026, 12, 5, 9), "certificate")
    assert assignment.reminder_rows.get().fire_at is None
    entry = AuditEntry.objects.get(assignment_id=assignment.pk, action="status_changed", changes__to="completed")
    assert entry.changes == {"from": "assigned", "to": "completed", "cycle": 1}
    assert entry.actor is None


def test_a_repeated_pass_of_a_completed_assignment_changes_nothing(admin):
    ana = person("ana")
    done = assign(ana, admin)
    assign(ana, admin, target=OTHER)  # still open: her events are processed
    passes(ana)
    passes(ana)
    controls.issue_certificate(ana, COURSE)
    assert CompletedCycle.objects.filter(assignment=done).count() == 1
    assert AuditEntry.objects.filter(assignment_id=done.pk, changes__to="completed").count() == 1


def test_a_recurring_assignment_plans_its_next_cycle_when_completed(admin, clock):
    ana = person("ana")
    assignment = assign(ana, admin, repeat_weeks=4)
    clock.move_to(at(2026, 12, 22, 15))  # completed late
    passes(ana)
    assignment.refresh_from_db()
    assert (assignment.next_due_date, assignment.next_cycle_at) == (datetime.date(2027, 1, 17), at(2026, 12, 22, 15))
    assert assignment.status == "completed"


def test_a_pass_received_at_the_very_start_of_the_next_cycle_completes_it(admin, clock):
    ana = person("ana")
    assignment = assign(ana, admin, repeat_weeks=4)
    clock.move_to(at(2026, 12, 10))
    passes(ana)
    start = at(2026, 12, 21)  # the first cycle's deadline
    clock.move_to(start)
    api.run_scheduler()
    assignment.refresh_from_db()
    assert (assignment.cycle, assignment.cycle_started_at, assignment.status) == (2, start, "assigned")

    passes(ana)  # received at that same instant

    assert Assignment.objects.get(pk=assignment.pk).status == "completed"


def test_evidence_of_the_old_cycle_stored_without_a_reception_time_does_not_count(admin, clock):
    ana = person("ana")
    assignment = assign(ana, admin, target=PATH, repeat_weeks=4)
    clock.move_to(at(2026, 12, 10))
    passes(ana)
    passes(ana, OTHER)
    clock.move_to(at(2026, 12, 21, 0, 5))
    api.run_scheduler()
    CourseEvidence.objects.filter(user=ana, course_key=OTHER).update(received_at=None)  # from before 0002
    clock.move_to(at(2026, 12, 22))

    passes(ana)

    assert Assignment.objects.get(pk=assignment.pk).status == "in_progress"


# Learning paths ------------------------------------------------------------------------------------


def test_a_path_completes_on_the_persons_own_passes_of_every_course(admin):
    ana, ben = person("ana"), person("ben")
    mine = assign(ana, admin, target=PATH)
    assign(ben, admin, target=PATH)
    passes(ben, OTHER)

    passes(ana)
    assert Assignment.objects.get(pk=mine.pk).status == "in_progress"  # ben's pass of the other is not hers
    passes(ana, OTHER)
    assert statuses() == {("ana", PATH): "completed", ("ben", PATH): "in_progress"}


def test_a_regrade_below_passing_takes_that_course_back_until_passed_again(admin):
    ana, ben = person("ana"), person("ben")
    mine = assign(ana, admin, target=PATH)
    assign(ben, admin, target=PATH)
    passes(ana)
    passes(ben)
    fails(ana)  # her pass of the first course is taken back, not ben's, not her other courses

    passes(ana, OTHER)
    assert Assignment.objects.get(pk=mine.pk).status == "in_progress"
    passes(ben, OTHER)
    assert statuses()[("ben", PATH)] == "completed"

    passes(ana)
    assert Assignment.objects.get(pk=mine.pk).status == "completed"


def test_a_regrade_below_passing_of_another_course_keeps_this_one(admin):
    ana = person("ana")
    mine = assign(ana, admin, target=PATH)
    passes(ana)
    fails(ana, OTHER)
    passes(ana, OTHER)
    assert Assignment.objects.get(pk=mine.pk).status == "completed"


def test_a_certificate_after_a_regrade_below_passing_counts_again(admin):
    ana = person("ana")
    mine = assign(ana, admin, target=PATH)
    passes(ana, OTHER)
    fails(ana, OTHER)
    controls.issue_certificate(ana, OTHER)  # no pass date from the platform: dated when received
    passes(ana)
    assert Assignment.objects.get(pk=mine.pk).status == "completed"


# Progress -----------------------------------------------------------------------------------------


def test_a_completed_block_is_progress_for_that_persons_assignments_of_that_course(admin):
    ana, ben = person("ana"), person("ben")
    assign(ana, admin, target=COURSE)
    assign(ana, admin, target=OTHER)
    assign(ana, admin, target=PATH)
    assign(ben, admin, target=COURSE)

    controls.complete_block(ana, COURSE)

    assert statuses() == {
        ("ana", COURSE): "in_progress",
        ("ana", OTHER): "assigned",
        ("ana", PATH): "in_progress",
        ("ben", COURSE): "assigned",
    }
    assert AuditEntry.objects.filter(action="status_changed", changes__to="in_progress").count() == 2


def test_recording_progress_says_how_many_assignments_it_moved(admin):
    ana = person("ana")
    assign(ana, admin, target=COURSE)
    assign(ana, admin, target=PATH)
    course_key = CourseKey.from_string(COURSE)
    assert api.record_progress(ana.id, course_key) == 2
    assert api.record_progress(ana.id, course_key) == 0  # already in progress
    assert api.record_progress(person("bystander").id, course_key) == 0


def test_a_pass_of_one_course_of_a_path_puts_the_path_in_progress_once(admin, clock):
    ana = person("ana")
    mine = assign(ana, admin, target=PATH)
    clock.move_to(at(2026, 12, 2, 9))
    passes(ana)
    clock.move_to(at(2026, 12, 3, 9))
    passes(ana)  # a regrade: still in progress since the first pass
    mine.refresh_from_db()
    assert (mine.status, mine.progressed_at) == ("in_progress", at(2026, 12, 2, 9))
    assert AuditEntry.objects.filter(assignment_id=mine.pk, changes__to="in_progress").count() == 1


def test_the_first_cycle_of_a_path_counts_a_course_passed_before_it_was_assigned(admin, clock):
    ana = person("ana")
    assign(ana, admin, target=COURSE)  # an earlier assignment: her certificate was recorded then
    controls.issue_certificate(ana, COURSE)  # a pass without a passing grade stored
    clock.move_to(at(2026, 12, 2))
    path = assign(ana, admin, target=PATH)
    clock.move_to(at(2026, 12, 3))
    passes(ana, OTHER)
    assert Assignment.objects.get(pk=path.pk).status == "completed"


def test_events_of_people_without_open_assignments_cost_one_query(admin, django_assert_num_queries):
    ana, ben = person("ana"), person("ben")
    assign(ana, admin)
    done = assign(ben, admin)
    passes(ben)
    assert Assignment.objects.get(pk=done.pk).status == "completed"
    from mandatory_assignments import evidence

    course_key = CourseKey.from_string(COURSE)
    with django_assert_num_queries(1):
        assert evidence.record_course_passed(ben.id, course_key) == []
    with django_assert_num_queries(1):
        assert evidence.record_progress(ben.id, course_key) == 0


# Leaving a course --------------------------------------------------------------------------------


def test_leaving_a_course_logs_only_that_persons_open_assignments_touching_it(admin):
    ana, ben = person("ana"), person("ben")
    of_course = assign(ana, admin, target=COURSE)
    of_path = assign(ana, admin, target=PATH)
    assign(ana, admin, target=OTHER)
    assign(ben, admin, target=COURSE)
    passes(ana)  # the course assignment is completed: leaving it now is not logged for it

    controls.unenroll(ana, COURSE)

    logged = list(AuditEntry.objects.filter(action="unenrolled").values_list("assignment_id", "changes"))
    assert logged == [(of_path.pk, {"course_key": COURSE})]
    assert Assignment.objects.filter(pk=of_course.pk).exists()


# Existing state when assigning ---------------------------------------------------------------------------


def test_only_the_persons_own_progress_in_that_course_counts_at_creation(admin):
    ana, ben, cleo = person("ana"), person("ben"), person("cleo")
    for user in (ana, ben, cleo):
        controls.enroll(user, COURSE)
    controls.complete_block(ben, COURSE)
    controls.enroll(cleo, OTHER)
    controls.complete_block(cleo, OTHER)

    for user in (ana, ben, cleo):
        assign(user, admin)

    assert statuses() == {("ana", COURSE): "assigned", ("ben", COURSE): "in_progress", ("cleo", COURSE): "assigned"}


def test_a_block_opened_but_not_completed_is_no_progress_at_creation(admin):
    ana = person("ana")
    controls.enroll(ana, COURSE)
    block = controls.complete_block(ana, COURSE)
    BlockCompletion.objects.filter(pk=block.pk).update(completion=0.0)
    assert assign(ana, admin).status == "assigned"


def test_a_bulk_assignment_recognises_each_persons_own_passes(admin):
    ana, ben, cleo = person("ana"), person("ben"), person("cleo")
    for user in (ana, ben, cleo):
        controls.enroll(user, COURSE)
    passes(ana)
    controls.complete_block(ben, COURSE)

    result = api.bulk_assign(users=[ana, ben, cleo], target=COURSE, due_date=DUE, assigned_by=admin)

    assert len(result.created) == 3
    assert statuses() == {("ana", COURSE): "completed", ("ben", COURSE): "in_progress", ("cleo", COURSE): "assigned"}
    assert CompletedCycle.objects.get().evidence == "grade"
