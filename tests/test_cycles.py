"""
Recurring assignments: next due dates, new cycles at the previous deadline, course resets, history.
"""

import datetime

import pytest
import time_machine

from mandatory_assignments import api
from mandatory_assignments.models import Assignment, AuditEntry, CompletedCycle
from sandbox import controls

from .conftest import COURSE

UTC = datetime.UTC

pytestmark = pytest.mark.django_db(transaction=True)


def at(year, month, day, hour=0, minute=0):
    return datetime.datetime(year, month, day, hour, minute, tzinfo=UTC)


def tick(moment):
    with time_machine.travel(moment, tick=False):
        return api.run_scheduler()


@pytest.fixture
def staff(course):
    user = controls.create_user("stella", email="stella@example.com")
    controls.make_course_staff(user, COURSE)
    return user


@pytest.fixture
def learner(db):
    return controls.create_user("rita", email="rita@example.com")


def assign_annual(learner, staff, created=None, due=datetime.date(2026, 2, 1), weeks=52):
    with time_machine.travel(created or at(2026, 1, 5), tick=False):
        return api.assign(user=learner, target=COURSE, due_date=due, assigned_by=staff, repeat_weeks=weeks)


def reset_entries(assignment):
    return [
        entry.changes
        for entry in AuditEntry.objects.filter(assignment_id=assignment.pk, action="cycle_started")
        if "course_reset" in entry.changes
    ]


def test_the_next_cycle_starts_at_the_previous_deadline(learner, staff):
    assignment = assign_annual(learner, staff)
    with time_machine.travel(at(2026, 1, 20), tick=False):
        controls.set_grade(learner, COURSE, percent=0.9, passed=True)
    tick(at(2026, 1, 31, 23, 59))
    assert Assignment.objects.get(pk=assignment.pk).cycle == 1
    counts = tick(at(2026, 2, 2, 0, 0))
    assignment.refresh_from_db()
    assert counts["cycles_started"] == 1
    assert (assignment.cycle, assignment.status, assignment.due_date) == (2, "assigned", datetime.date(2027, 1, 31))
    assert assignment.reminders == [{"days": 3, "recipient": "student", "template": None}]


def test_a_late_completion_starts_the_next_cycle_at_once(learner, staff):
    assignment = assign_annual(learner, staff, weeks=4)
    with time_machine.travel(at(2026, 2, 20), tick=False):  # overdue since 2 February
        controls.set_grade(learner, COURSE, percent=0.9, passed=True)
    assignment.refresh_from_db()
    # 1 February + 4 weeks = 1 March is too soon after 20 February (3 days' lead): rolled on by 4 weeks.
    assert assignment.next_due_date == datetime.date(2026, 3, 1)
    tick(at(2026, 2, 20, 0, 5))
    assignment.refresh_from_db()
    assert assignment.cycle == 2 and assignment.due_date == datetime.date(2026, 3, 1)


def test_next_due_date_rolls_forward_past_the_lead_time(learner, staff):
    assignment = assign_annual(learner, staff, weeks=1)
    with time_machine.travel(at(2026, 2, 20), tick=False):
        controls.set_grade(learner, COURSE, percent=0.9, passed=True)
    assignment.refresh_from_db()
    # 1 Feb + 1 week steps: 8, 15, 22 (too soon on the 20th: needs >= 23), 1 March.
    assert assignment.next_due_date == datetime.date(2026, 3, 1)


def test_withdrawing_a_recurring_assignment_stops_it_and_keeps_its_history(learner, staff):
    assignment = assign_annual(learner, staff)
    with time_machine.travel(at(2026, 1, 20), tick=False):
        controls.set_grade(learner, COURSE, percent=0.9, passed=True)
        api.withdraw(Assignment.objects.get(pk=assignment.pk), by=staff)
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert tick(at(2026, 2, 2))["cycles_started"] == 0
    [cycle] = CompletedCycle.objects.filter(user=learner, target_key=COURSE)
    assert (cycle.cycle, cycle.due_date) == (1, datetime.date(2026, 2, 1))


def test_a_new_cycle_resets_the_course_where_it_opted_in(learner, staff):
    from completion.models import BlockCompletion
    from lms.djangoapps.support.models import CourseResetCourseOptIn

    CourseResetCourseOptIn.objects.create(course_id=COURSE, active=True)
    assignment = assign_annual(learner, staff)
    with time_machine.travel(at(2026, 1, 20), tick=False):
        controls.complete_block(learner, COURSE)
        controls.issue_certificate(learner, COURSE)  # completed by a certificate, grade not stored as passing
    assert Assignment.objects.get(pk=assignment.pk).status == "completed"

    tick(at(2026, 2, 2))

    assert reset_entries(assignment) == [{"course_reset": COURSE, "queued": True, "reason": ""}]
    assert not BlockCompletion.objects.filter(user=learner, context_key=COURSE).exists()
    # After the reset, a fresh pass completes the second cycle.
    with time_machine.travel(at(2026, 6, 1), tick=False):
        controls.set_grade(learner, COURSE, percent=0.9, passed=True)
    assignment.refresh_from_db()
    assert (assignment.cycle, assignment.status) == (2, "completed")


def test_no_reset_for_a_learner_with_a_passing_grade_is_logged(learner, staff):
    from lms.djangoapps.support.models import CourseResetCourseOptIn

    CourseResetCourseOptIn.objects.create(course_id=COURSE, active=True)
    assignment = assign_annual(learner, staff)
    with time_machine.travel(at(2026, 1, 20), tick=False):
        controls.set_grade(learner, COURSE, percent=0.9, passed=True)
    tick(at(2026, 2, 2))
    assert reset_entries(assignment) == [
        {"course_reset": COURSE, "queued": False, "reason": "Learner Has Passing Grade"}
    ]


def test_no_reset_where_the_course_did_not_opt_in(learner, staff):
    assignment = assign_annual(learner, staff)
    with time_machine.travel(at(2026, 1, 20), tick=False):
        controls.set_grade(learner, COURSE, percent=0.9, passed=True)
    tick(at(2026, 2, 2))
    assert reset_entries(assignment) == [
        {"course_reset": COURSE, "queued": False, "reason": "course not opted in to course reset"}
    ]


def test_new_cycle_re_enrolls_a_learner_who_left(learner, staff):
    from opaque_keys.edx.keys import CourseKey

    from mandatory_assignments import compat

    assign_annual(learner, staff)
    with time_machine.travel(at(2026, 1, 20), tick=False):
        controls.set_grade(learner, COURSE, percent=0.9, passed=True)
        controls.unenroll(learner, COURSE)
    tick(at(2026, 2, 2))
    assert compat.is_enrolled(learner, CourseKey.from_string(COURSE))


def test_in_a_new_cycle_work_is_progress_and_a_pass_received_after_its_start_completes_it(learner, staff):
    assignment = assign_annual(learner, staff)
    with time_machine.travel(at(2026, 1, 20), tick=False):
        controls.set_grade(learner, COURSE, percent=0.9, passed=True)
    tick(at(2026, 2, 2))
    with time_machine.travel(at(2026, 3, 1), tick=False):
        controls.complete_block(learner, COURSE)  # works in the course again, the old pass still stands
    assert Assignment.objects.get(pk=assignment.pk).status == "in_progress"  # progress, never completion
    with time_machine.travel(at(2026, 3, 2), tick=False):
        # The platform reports the pass again (its passed_timestamp stays in January): received now.
        controls.set_grade(learner, COURSE, percent=0.95, passed=True)
    assignment.refresh_from_db()
    assert (assignment.cycle, assignment.status) == (2, "completed")
