"""
Statuses follow the platform's own events: progress, passing, certificates, deadlines.
"""

import datetime

import pytest
import time_machine

from mandatory_assignments import api
from mandatory_assignments.models import Assignment, AuditEntry, CompletedCycle
from sandbox import controls

from .conftest import COURSE, NOW, due_in

pytestmark = pytest.mark.usefixtures("now")

UTC = datetime.UTC


def status_of(assignment):
    return Assignment.objects.get(pk=assignment.pk).status


@pytest.fixture
def assignment(learner, staff):
    return api.assign(user=learner, target=COURSE, due_date=due_in(14), assigned_by=staff)


def test_a_completed_block_puts_it_in_progress(assignment, learner):
    controls.complete_block(learner, COURSE)
    assert status_of(assignment) == "in_progress"
    assert (
        AuditEntry.objects.filter(
            assignment_id=assignment.pk, action="status_changed", changes__to="in_progress"
        ).count()
        == 1
    )


def test_passing_completes_it(assignment, learner):
    controls.complete_block(learner, COURSE)
    controls.set_grade(learner, COURSE, percent=0.8, passed=True)
    assignment.refresh_from_db()
    assert assignment.status == "completed"
    assert assignment.completed_at is not None
    assert CompletedCycle.objects.filter(assignment=assignment, cycle=1).count() == 1


def test_a_grade_below_passing_does_not_complete_it(assignment, learner):
    controls.set_grade(learner, COURSE, percent=0.3, passed=False)
    assert status_of(assignment) == "assigned"


def test_a_certificate_completes_it(assignment, learner):
    controls.issue_certificate(learner, COURSE)
    assert status_of(assignment) == "completed"


def test_repeated_and_out_of_order_events_are_idempotent(assignment, learner):
    controls.issue_certificate(learner, COURSE)
    controls.set_grade(learner, COURSE, percent=0.8, passed=True)
    controls.set_grade(learner, COURSE, percent=0.8, passed=True)
    controls.complete_block(learner, COURSE)  # progress arriving after the pass changes nothing
    controls.set_grade(learner, COURSE, percent=0.2, passed=False)  # a failed regrade does not un-complete
    assignment.refresh_from_db()
    assert assignment.status == "completed"
    assert CompletedCycle.objects.filter(assignment=assignment).count() == 1
    assert (
        AuditEntry.objects.filter(assignment_id=assignment.pk, action="status_changed", changes__to="completed").count()
        == 1
    )


def test_other_peoples_events_do_not_touch_it(assignment, learner):
    other = controls.create_user("bystander")
    controls.set_grade(other, COURSE, percent=1.0, passed=True)
    controls.complete_block(other, COURSE)
    assert status_of(assignment) == "assigned"


def test_overdue_starts_at_the_end_of_the_due_date_in_the_learners_zone(staff):
    kolkata = controls.create_user("asha", time_zone="Asia/Kolkata")
    assignment = api.assign(user=kolkata, target=COURSE, due_date=datetime.date(2026, 12, 10), assigned_by=staff)
    # The deadline is 11 December 00:00 in Kolkata (UTC+5:30) = 10 December 18:30 UTC.
    assert assignment.deadline == datetime.datetime(2026, 12, 10, 18, 30, tzinfo=UTC)
    with time_machine.travel(datetime.datetime(2026, 12, 10, 18, 29, 59, tzinfo=UTC), tick=False):
        assert status_of(assignment) == "assigned"
        assert api.get_assignments(statuses=["overdue"]).count() == 0
    with time_machine.travel(datetime.datetime(2026, 12, 10, 18, 30, tzinfo=UTC), tick=False):
        assert status_of(assignment) == "overdue"
        assert list(api.get_assignments(statuses=["overdue"])) == [assignment]


def test_overdue_in_new_york_comes_later_than_in_utc(staff):
    new_york = controls.create_user("nate", time_zone="America/New_York")
    assignment = api.assign(user=new_york, target=COURSE, due_date=datetime.date(2026, 12, 10), assigned_by=staff)
    with time_machine.travel(datetime.datetime(2026, 12, 11, 4, 59, tzinfo=UTC), tick=False):
        assert status_of(assignment) == "assigned"  # still 10 December, 23:59, in New York
    with time_machine.travel(datetime.datetime(2026, 12, 11, 5, 0, tzinfo=UTC), tick=False):
        assert status_of(assignment) == "overdue"


def test_completing_after_the_deadline_turns_overdue_into_completed(assignment, learner):
    with time_machine.travel(NOW + datetime.timedelta(days=20)):
        assert status_of(assignment) == "overdue"
        controls.set_grade(learner, COURSE, percent=0.9, passed=True)
        assert status_of(assignment) == "completed"


PATH = "path-v1:AcmeX+COMPLIANCE+2026+core"
PATH_COURSES = ["course-v1:AcmeX+C1+2026", "course-v1:AcmeX+C2+2026", "course-v1:AcmeX+C3+2026"]


@pytest.fixture
def path_assignment(learner, admin):
    for index, key in enumerate(PATH_COURSES, start=1):
        controls.create_course(key, display_name=f"Compliance part {index}")
    controls.create_learning_path(PATH, display_name="Compliance", course_keys=PATH_COURSES)
    return api.assign(user=learner, target=PATH, due_date=due_in(30), assigned_by=admin)


def test_a_path_enrolls_in_the_path_and_every_course(path_assignment, learner):
    from learning_paths.models import LearningPathEnrollment
    from opaque_keys.edx.keys import CourseKey

    from mandatory_assignments import compat

    assert LearningPathEnrollment.objects.filter(user=learner, learning_path__key=PATH, is_active=True).exists()
    assert all(compat.is_enrolled(learner, CourseKey.from_string(key)) for key in PATH_COURSES)


def test_a_path_completes_only_at_the_third_pass(path_assignment, learner):
    controls.set_grade(learner, PATH_COURSES[0], percent=0.9, passed=True)
    assert status_of(path_assignment) == "in_progress"
    controls.set_grade(learner, PATH_COURSES[2], percent=0.9, passed=True)
    assert status_of(path_assignment) == "in_progress"
    controls.set_grade(learner, PATH_COURSES[2], percent=0.95, passed=True)  # a regrade
    assert status_of(path_assignment) == "in_progress"
    controls.set_grade(learner, PATH_COURSES[1], percent=0.9, passed=True)
    assert status_of(path_assignment) == "completed"


def test_unenrolling_keeps_the_assignment_and_logs_it(assignment, learner):
    controls.unenroll(learner, COURSE)
    from opaque_keys.edx.keys import CourseKey

    from mandatory_assignments import compat

    assert not compat.is_enrolled(learner, CourseKey.from_string(COURSE))
    assert status_of(assignment) == "assigned"
    assert AuditEntry.objects.filter(assignment_id=assignment.pk, action="unenrolled").count() == 1


def test_time_zone_change_moves_the_deadline(assignment, learner):
    from openedx.core.djangoapps.user_api.preferences.api import set_user_preference

    set_user_preference(learner, "time_zone", "America/New_York")
    assignment.refresh_from_db()
    assert assignment.deadline == datetime.datetime.combine(due_in(15), datetime.time(5, 0), tzinfo=UTC)


def test_retirement_removes_personal_data_and_keeps_completed_cycles(learner, staff):
    other_course = "course-v1:AcmeX+OTHER+2026"
    controls.create_course(other_course, display_name="Other")
    controls.make_course_staff(staff, other_course)
    done = api.assign(user=learner, target=COURSE, due_date=due_in(14), assigned_by=staff, note="personal note")
    controls.set_grade(learner, COURSE, percent=1.0, passed=True)
    open_one = api.assign(user=learner, target=other_course, due_date=due_in(14), assigned_by=staff, note="x")

    from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_MISC

    for _ in range(2):
        USER_RETIRE_LMS_MISC.send(sender=None, user=learner)

    assert not Assignment.objects.filter(pk=open_one.pk).exists()
    done.refresh_from_db()
    assert done.note == "" and done.status == "completed"
    assert CompletedCycle.objects.filter(user=learner).count() == 1
    assert not AuditEntry.objects.filter(user=learner, changes__note="personal note").exists()


def test_a_ccx_pass_completes_an_assignment_of_that_ccx(learner, admin):
    from ccx_keys.locator import CCXLocator
    from opaque_keys.edx.keys import CourseKey
    from openedx_events.learning.data import CcxCourseData, CcxCoursePassingStatusData, UserData, UserPersonalData
    from openedx_events.learning.signals import CCX_COURSE_PASSING_STATUS_UPDATED

    master = CourseKey.from_string(COURSE)
    ccx = CCXLocator.from_course_locator(master, "7")
    controls.create_course(str(ccx), display_name="Safety (CCX)")
    assignment = api.assign(user=learner, target=str(ccx), due_date=due_in(14), assigned_by=admin)

    def send(course_key):
        CCX_COURSE_PASSING_STATUS_UPDATED.send_event(
            course_passing_status=CcxCoursePassingStatusData(
                is_passing=True,
                user=UserData(
                    id=learner.id,
                    is_active=True,
                    pii=UserPersonalData(username=learner.username, email=learner.email, name=""),
                ),
                course=CcxCourseData(ccx_course_key=course_key, master_course_key=master),
            )
        )

    other = CCXLocator.from_course_locator(master, "8")
    send(other)
    assert status_of(assignment) == "assigned"
    send(ccx)
    assert status_of(assignment) == "completed"


def test_removing_the_time_zone_preference_falls_back_to_the_default(learner, staff):
    assignment = api.assign(user=learner, target=COURSE, due_date=due_in(14), assigned_by=staff)  # Berlin
    from openedx.core.djangoapps.user_api.models import UserPreference

    UserPreference.objects.filter(user=learner, key="time_zone").delete()
    assignment.refresh_from_db()
    assert assignment.deadline == datetime.datetime.combine(due_in(15), datetime.time(0), tzinfo=UTC)
    reminder = assignment.reminder_rows.get()
    assert reminder.fire_at == datetime.datetime.combine(due_in(11), datetime.time(0), tzinfo=UTC)
