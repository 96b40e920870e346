"""
Assigning one person (``assigning.py``): enrollment, reminders, existing state, every refusal code, company scoping.
"""

import datetime

import pytest
from django.test.utils import override_settings

from mandatory_assignments import api, compat
from mandatory_assignments.models import Assignment, AuditEntry, CompletedCycle, Reminder
from sandbox import controls

from .conftest import COURSE, due_in

pytestmark = pytest.mark.usefixtures("now")


def enrolled(user, course_key=COURSE):
    from opaque_keys.edx.keys import CourseKey

    return compat.is_enrolled(user, CourseKey.from_string(course_key))


def enroll(user, course_key=COURSE):
    from opaque_keys.edx.keys import CourseKey

    compat.enroll(user, CourseKey.from_string(course_key))


def assign(learner, staff, **kwargs):
    kwargs.setdefault("target", COURSE)
    kwargs.setdefault("due_date", due_in(14))
    return api.assign(user=learner, assigned_by=staff, **kwargs)


# Creating -----------------------------------------------------------------------------------------


def test_assign_enrolls_and_schedules_the_default_reminder(learner, staff):
    assignment = assign(learner, staff, note="Before the team meeting, please")

    assert enrolled(learner)
    assert assignment.status == "assigned"
    assert assignment.target_key == COURSE
    assert assignment.cycle == 1
    assert assignment.note == "Before the team meeting, please"
    assert assignment.reminders == [{"days": 3, "recipient": "student", "template": None}]
    # The reminder fires at 00:00 Berlin time, three days before the due date.
    reminder = Reminder.objects.get(assignment=assignment)
    assert reminder.fire_at == datetime.datetime(2026, 12, 11, 23, 0, tzinfo=datetime.UTC)
    assert AuditEntry.objects.filter(assignment_id=assignment.pk, action="created", actor=staff).count() == 1


def test_explicit_empty_reminders_mean_none(learner, staff):
    assignment = assign(learner, staff, reminders=[])
    assert assignment.reminders == []


def test_target_as_key_object_and_due_date_as_string(learner, staff):
    from opaque_keys.edx.keys import CourseKey

    assignment = assign(learner, staff, target=CourseKey.from_string(COURSE), due_date=due_in(10).isoformat())
    assert assignment.due_date == due_in(10)


def test_already_enrolled_and_passed_is_completed_at_once(learner, staff):
    enroll(learner)
    controls.set_grade(learner, COURSE, percent=0.9, passed=True)
    assert api.get_assignments(user=learner).count() == 0

    assignment = assign(learner, staff)

    assert assignment.status == "completed"
    assert assignment.completed_at is not None
    assert CompletedCycle.objects.filter(user=learner, target_key=COURSE, cycle=1).count() == 1
    # A completed single assignment closes: the person may be assigned the course again.
    second = assign(learner, staff)
    assert second.pk != assignment.pk


def test_already_enrolled_with_progress_starts_in_progress(learner, staff):
    enroll(learner)
    controls.complete_block(learner, COURSE)
    assignment = assign(learner, staff)
    assert assignment.status == "in_progress"


# Errors: every code, nothing written --------------------------------------------------------------


def _nothing_written(learner):
    assert Assignment.objects.filter(user=learner).count() == 0
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize(
    "kwargs, code",
    [
        ({"due_date": due_in(2)}, "due_date_too_soon"),
        ({"target": "course-v1:AcmeX+NOPE+2026"}, "unknown_target"),
        ({"target": "not a key"}, "unknown_target"),
        ({"target": "path-v1:AcmeX+NOPE+2026+x"}, "unknown_target"),
        ({"reminders": [{"days": 400, "recipient": "student"}]}, "invalid_reminder"),
        ({"reminders": [{"days": 3, "recipient": "boss"}]}, "invalid_reminder"),
        ({"reminders": [{"days": 3, "recipient": "student", "template": "no-such-template"}]}, "invalid_reminder"),
        ({"reminders": [{"days": 1}] * 21}, "invalid_reminder"),
        ({"repeat_weeks": 0}, "invalid_repetition"),
        ({"repeat_weeks": 521}, "invalid_repetition"),
    ],
)
def test_invalid_input_is_rejected_with_its_code_and_nothing_written(learner, staff, kwargs, code):
    with pytest.raises(api.AssignmentError) as error:
        assign(learner, staff, **kwargs)
    assert error.value.code == code
    _nothing_written(learner)
    assert not enrolled(learner)


def test_lead_time_counts_in_the_learners_time_zone(staff):
    # At 12:00 UTC on 1 December it is already 2 December in Auckland (UTC+13): 4 December is too soon
    # there, yet fine for a learner in Honolulu, where it is still 1 December.
    auckland = controls.create_user("kiri", time_zone="Pacific/Auckland")
    honolulu = controls.create_user("kai", time_zone="Pacific/Honolulu")
    with pytest.raises(api.AssignmentError) as error:
        assign(auckland, staff, due_date=datetime.date(2026, 12, 4))
    assert error.value.code == "due_date_too_soon"
    assert assign(honolulu, staff, due_date=datetime.date(2026, 12, 4)).due_date == datetime.date(2026, 12, 4)


def test_invalid_time_zone_preference_falls_back(staff):
    person = controls.create_user("tz_broken")
    from openedx.core.djangoapps.user_api.models import UserPreference

    UserPreference.objects.create(user=person, key="time_zone", value="Mars/Olympus_Mons")
    assignment = assign(person, staff)
    assert assignment.deadline == datetime.datetime.combine(
        assignment.due_date + datetime.timedelta(days=1), datetime.time(0), tzinfo=datetime.UTC
    )


def test_unknown_or_inactive_user(staff, learner):
    learner.is_active = False
    learner.save()
    with pytest.raises(api.AssignmentError) as error:
        assign(learner, staff)
    assert error.value.code == "unknown_user"
    with pytest.raises(api.AssignmentError) as error:
        assign(None, staff)
    assert error.value.code == "unknown_user"
    _nothing_written(learner)


def test_duplicate_open_assignment_is_rejected(learner, staff):
    assign(learner, staff)
    with pytest.raises(api.AssignmentError) as error:
        assign(learner, staff, due_date=due_in(30))
    assert error.value.code == "already_assigned"
    assert Assignment.objects.filter(user=learner).count() == 1


def test_only_course_staff_may_assign(learner, course):
    outsider = controls.create_user("otto")
    with pytest.raises(api.AssignmentError) as error:
        assign(learner, outsider)
    assert error.value.code == "not_allowed"
    _nothing_written(learner)
    assert not enrolled(learner)


def test_learning_paths_need_global_staff(learner, staff, admin):
    controls.create_course("course-v1:AcmeX+P1+2026", display_name="P1")
    controls.create_learning_path(
        "path-v1:AcmeX+PATH+2026+core", display_name="Path", course_keys=["course-v1:AcmeX+P1+2026"]
    )
    with pytest.raises(api.AssignmentError) as error:
        assign(learner, staff, target="path-v1:AcmeX+PATH+2026+core")
    assert error.value.code == "not_allowed"
    assert assign(learner, admin, target="path-v1:AcmeX+PATH+2026+core").target_type == "path"


def test_completed_cannot_be_edited_or_withdrawn(learner, staff):
    enroll(learner)
    controls.set_grade(learner, COURSE, percent=1.0, passed=True)
    assignment = assign(learner, staff)
    with pytest.raises(api.AssignmentError) as error:
        api.update(assignment, by=staff, note="new")
    assert error.value.code == "completed_cannot_edit"
    with pytest.raises(api.AssignmentError) as error:
        api.withdraw(assignment, by=staff)
    assert error.value.code == "completed_cannot_withdraw"
    assignment.refresh_from_db()
    assert assignment.note == ""


# Company scoping ----------------------------------------------------------------------------------


@pytest.fixture
def two_companies(course):
    acme_staff = controls.create_user("acme_staff", site="acme.example.com")
    controls.make_course_staff(acme_staff, COURSE)
    acme_learner = controls.create_user("acme_learner", site="acme.example.com")
    globex_learner = controls.create_user("globex_learner", site="globex.example.com")
    return acme_staff, acme_learner, globex_learner


@override_settings(MANDATORY_ASSIGNMENTS_SCOPE="site")
def test_scoping_on_refuses_people_of_another_company(two_companies):
    acme_staff, acme_learner, globex_learner = two_companies
    assert assign(acme_learner, acme_staff).user == acme_learner
    with pytest.raises(api.AssignmentError) as error:
        assign(globex_learner, acme_staff)
    assert error.value.code == "other_company"
    assert not enrolled(globex_learner)

    result = api.bulk_assign(users=[globex_learner], target=COURSE, due_date=due_in(14), assigned_by=acme_staff)
    assert result.created == [] and [user for user, _message in result.failed] == [globex_learner]


@override_settings(MANDATORY_ASSIGNMENTS_SCOPE="site")
def test_scoping_on_refuses_courses_outside_the_company_orgs(two_companies):
    acme_staff, acme_learner, _globex = two_companies
    controls.set_site_orgs("acme.example.com", ["AcmeX"])
    other = "course-v1:GlobexX+ONB100+2026"
    controls.create_course(other, display_name="Onboarding")
    controls.make_course_staff(acme_staff, other)
    with pytest.raises(api.AssignmentError) as error:
        assign(acme_learner, acme_staff, target=other)
    assert error.value.code == "other_company"
    assert assign(acme_learner, acme_staff).target_key == COURSE


def test_scoping_off_allows_everyone(two_companies):
    acme_staff, _acme_learner, globex_learner = two_companies
    assert assign(globex_learner, acme_staff).user == globex_learner
