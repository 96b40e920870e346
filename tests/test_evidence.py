"""
Completion evidence in a later cycle of a recurring assignment: a pass *received* after the cycle's start
completes it, whatever the grade's ``passed_timestamp`` says (the platform keeps it at the first pass);
a completed block is progress, never completion (ADR 0001).
"""

import datetime

import pytest
import time_machine
from lms.djangoapps.grades.handlers import emit_course_passing_status_update
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.data import CourseData, PersistentCourseGradeData
from openedx_events.learning.signals import PERSISTENT_GRADE_SUMMARY_CHANGED

from mandatory_assignments import api
from mandatory_assignments.models import Assignment, CompletedCycle
from sandbox import controls

from .conftest import COURSE

UTC = datetime.UTC
FIRST_PASS = datetime.datetime(2026, 1, 20, tzinfo=UTC)
CYCLE_2_START = datetime.datetime(2026, 2, 2, tzinfo=UTC)  # the deadline of cycle 1 (due 1 February, UTC)


def at(year, month, day, hour=0, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def rita(db):
    return controls.create_user("rita", email="rita@example.com")  # no zone: UTC


@pytest.fixture
def in_cycle_2(course, rita):
    """An annual assignment passed in cycle 1 (20 January) and now in cycle 2 (since 2 February)."""
    staff = controls.create_user("stella", email="stella@example.com")
    controls.make_course_staff(staff, COURSE)
    with time_machine.travel(at(2026, 1, 5), tick=False):
        assignment = api.assign(
            user=rita, target=COURSE, due_date=datetime.date(2026, 2, 1), assigned_by=staff, repeat_weeks=52
        )
    with time_machine.travel(FIRST_PASS, tick=False):
        controls.set_grade(rita, COURSE, percent=0.9, passed=True)
    with time_machine.travel(at(2026, 2, 2, 0, 5), tick=False):
        api.run_scheduler()
    assignment.refresh_from_db()
    assert (assignment.cycle, assignment.cycle_started_at, assignment.status) == (2, CYCLE_2_START, "assigned")
    return assignment


def state(assignment):
    row = Assignment.objects.get(pk=assignment.pk)
    return row.cycle, row.status


def grade_summary_event(user, passed_timestamp):
    """``PERSISTENT_GRADE_SUMMARY_CHANGED`` as the platform sends it on a regrade of a learner who passes."""
    PERSISTENT_GRADE_SUMMARY_CHANGED.send_event(
        grade=PersistentCourseGradeData(
            user_id=user.id,
            course=CourseData(course_key=CourseKey.from_string(COURSE)),
            course_edited_timestamp=None,
            course_version="",
            grading_policy_hash="sandbox",
            percent_grade=0.9,
            letter_grade="Pass",
            passed_timestamp=passed_timestamp,
        )
    )


def test_a_regrade_received_in_the_new_cycle_completes_it(in_cycle_2, rita):
    with time_machine.travel(at(2026, 3, 1), tick=False):
        controls.set_grade(rita, COURSE, percent=0.95, passed=True)

    from lms.djangoapps.grades.models import PersistentCourseGrade

    # The platform still dates the pass at the first one...
    assert PersistentCourseGrade.objects.get(user_id=rita.id).passed_timestamp == FIRST_PASS
    # ...but the evidence arrived in cycle 2: completed, with cycle 2 in the history.
    assert state(in_cycle_2) == (2, "completed")
    assert list(CompletedCycle.objects.filter(assignment=in_cycle_2).values_list("cycle", "completed_at")) == [
        (1, FIRST_PASS),
        (2, at(2026, 3, 1)),
    ]


def test_a_grade_summary_dated_in_cycle_1_but_received_in_cycle_2_completes_it(in_cycle_2, rita):
    with time_machine.travel(at(2026, 3, 1), tick=False):
        grade_summary_event(rita, passed_timestamp=FIRST_PASS)
    assert state(in_cycle_2) == (2, "completed")


def test_a_passing_status_received_in_cycle_2_completes_it(in_cycle_2, rita):
    with time_machine.travel(at(2026, 3, 1), tick=False):
        emit_course_passing_status_update(rita, CourseKey.from_string(COURSE), is_passing=True)
    assert state(in_cycle_2) == (2, "completed")


def test_a_certificate_received_in_cycle_2_completes_it(in_cycle_2, rita):
    with time_machine.travel(at(2026, 3, 1), tick=False):
        controls.issue_certificate(rita, COURSE)
    assert state(in_cycle_2) == (2, "completed")


def test_a_completed_block_while_the_old_pass_stands_is_only_progress(in_cycle_2, rita):
    with time_machine.travel(at(2026, 3, 1), tick=False):
        controls.complete_block(rita, COURSE)
        controls.complete_block(rita, COURSE)
    assert state(in_cycle_2) == (2, "in_progress")
    assert not CompletedCycle.objects.filter(assignment=in_cycle_2, cycle=2).exists()
    # Until a pass arrives.
    with time_machine.travel(at(2026, 3, 2), tick=False):
        controls.set_grade(rita, COURSE, percent=0.95, passed=True)
    assert state(in_cycle_2) == (2, "completed")


def test_evidence_received_before_the_cycle_started_does_not_complete_it(course, rita):
    """The pass of cycle 1, repeated before cycle 2 starts, is not evidence for cycle 2."""
    staff = controls.create_user("stella", email="stella@example.com")
    controls.make_course_staff(staff, COURSE)
    with time_machine.travel(at(2026, 1, 5), tick=False):
        assignment = api.assign(
            user=rita, target=COURSE, due_date=datetime.date(2026, 2, 1), assigned_by=staff, repeat_weeks=52
        )
    with time_machine.travel(FIRST_PASS, tick=False):
        controls.set_grade(rita, COURSE, percent=0.9, passed=True)
    with time_machine.travel(at(2026, 1, 25), tick=False):
        controls.set_grade(rita, COURSE, percent=0.95, passed=True)  # a regrade while cycle 1 is completed
        controls.issue_certificate(rita, COURSE)
    with time_machine.travel(at(2026, 2, 2, 0, 5), tick=False):
        api.run_scheduler()
    assert state(assignment) == (2, "assigned")


# Existing state at creation -------------------------------------------------------------------------

PATH = "path-v1:AcmeX+ONBOARD+2026+core"
PATH_COURSES = ["course-v1:AcmeX+ONB1+2026", "course-v1:AcmeX+ONB2+2026"]


@pytest.fixture
def path(db):
    for number, key in enumerate(PATH_COURSES, start=1):
        controls.create_course(key, display_name=f"Onboarding {number}")
    return controls.create_learning_path(PATH, display_name="Onboarding", course_keys=PATH_COURSES)


def test_a_learning_path_partly_passed_at_creation_starts_in_progress(path, rita):
    admin = controls.create_user("root_admin", email="admin@example.com", is_staff=True)
    controls.enroll(rita, PATH_COURSES[0])
    with time_machine.travel(at(2026, 1, 2), tick=False):
        controls.set_grade(rita, PATH_COURSES[0], percent=0.9, passed=True)
    with time_machine.travel(at(2026, 1, 5), tick=False):
        assignment = api.assign(user=rita, target=PATH, due_date=datetime.date(2026, 2, 1), assigned_by=admin)
        assert (assignment.status, assignment.completed_at) == ("in_progress", None)
    # Passing the other course completes the path.
    with time_machine.travel(at(2026, 1, 10), tick=False):
        controls.set_grade(rita, PATH_COURSES[1], percent=0.9, passed=True)
    assert state(assignment) == (1, "completed")


def test_a_learning_path_fully_passed_at_creation_is_completed_at_once(path, rita):
    admin = controls.create_user("root_admin", email="admin@example.com", is_staff=True)
    with time_machine.travel(at(2026, 1, 2), tick=False):
        for key in PATH_COURSES:
            controls.enroll(rita, key)
            controls.set_grade(rita, key, percent=0.9, passed=True)
    with time_machine.travel(at(2026, 1, 5), tick=False):
        assignment = api.assign(user=rita, target=PATH, due_date=datetime.date(2026, 2, 1), assigned_by=admin)
    assert state(assignment) == (1, "completed")
