"""
The Python API: assigning, editing, withdrawing and the rules of SPEC.md §2, against the simulated LMS.
"""

import datetime

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from mandatory_assignments import api, compat
from mandatory_assignments.models import Assignment, AuditEntry, CompletedCycle, Reminder
from sandbox import controls

from .conftest import COURSE, NOW, due_in

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


# Editing and withdrawing --------------------------------------------------------------------------


def test_update_changes_only_the_fields_given_and_reschedules(learner, staff):
    assignment = assign(learner, staff, note="old note", reminders=[{"days": 3, "recipient": "student"}])
    updated = api.update(assignment, by=staff, due_date=due_in(21))

    assert updated.note == "old note"
    assert updated.due_date == due_in(21)
    reminder = Reminder.objects.get(assignment=assignment)
    assert reminder.fire_at == datetime.datetime(2026, 12, 18, 23, 0, tzinfo=datetime.UTC)
    entry = AuditEntry.objects.get(assignment_id=assignment.pk, action="updated")
    assert entry.changes["due_date"] == [due_in(14).isoformat(), due_in(21).isoformat()]
    assert entry.actor == staff


def test_update_validates_before_writing(learner, staff):
    assignment = assign(learner, staff, note="keep")
    with pytest.raises(api.AssignmentError) as error:
        api.update(assignment, by=staff, note="changed", due_date=due_in(1))
    assert error.value.code == "due_date_too_soon"
    with pytest.raises(api.AssignmentError) as error:
        api.update(assignment, by=staff, note="changed", repeat_weeks=-1)
    assert error.value.code == "invalid_repetition"
    assignment.refresh_from_db()
    assert assignment.note == "keep" and assignment.due_date == due_in(14)


def test_withdraw_deletes_keeps_audit_and_enrollment(learner, staff):
    assignment = assign(learner, staff)
    api.withdraw(assignment, by=staff)
    assert not Assignment.objects.filter(pk=assignment.pk).exists()
    assert AuditEntry.objects.filter(assignment_id=assignment.pk, action="withdrawn", actor=staff).exists()
    assert enrolled(learner)


def test_withdraw_needs_permission(learner, staff):
    assignment = assign(learner, staff)
    with pytest.raises(api.AssignmentError) as error:
        api.withdraw(assignment, by=controls.create_user("nobody"))
    assert error.value.code == "not_allowed"
    assert Assignment.objects.filter(pk=assignment.pk).exists()


def test_get_assignments_filters_by_computed_status(learner, staff):
    other = controls.create_user("olga")
    first = assign(learner, staff)
    second = assign(other, staff)
    controls.complete_block(other, COURSE)
    assert list(api.get_assignments(statuses=["in_progress"])) == [second]
    assert list(api.get_assignments(user=learner)) == [first]
    assert api.get_assignments(statuses=None).count() == 2
    with time_machine.travel(NOW + datetime.timedelta(days=20)):
        assert api.get_assignments(statuses=["overdue"]).count() == 2


# Bulk ---------------------------------------------------------------------------------------------


def _people(count, prefix="p"):
    from common.djangoapps.student.models import UserProfile
    from django.contrib.auth import get_user_model

    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com") for i in range(count)]
    )
    users = list(User.objects.filter(username__startswith=prefix).order_by("id"))
    UserProfile.objects.bulk_create([UserProfile(user=user, name=user.username) for user in users])
    return users


def _queries_of_one_enrollment():
    person = controls.create_user("measure_enrollment")
    from opaque_keys.edx.keys import CourseKey

    # As bulk_assign does it: each person's enrollment in a savepoint of its own (all-or-nothing per person).
    with CaptureQueriesContext(connection) as captured, transaction.atomic():
        compat.enroll(person, CourseKey.from_string(COURSE))
    return len(captured)


def _bulk_queries(staff, count, prefix):
    people = _people(count, prefix)
    with CaptureQueriesContext(connection) as captured:
        result = api.bulk_assign(users=people, target=COURSE, due_date=due_in(14), assigned_by=staff)
    assert len(result.created) == count
    return len(captured)


@pytest.mark.django_db(transaction=False)
def test_bulk_of_1000_with_10_assigned_and_5_unknown(staff):
    people = _people(1000)
    for person in people[:10]:
        assign(person, staff)
    values = people + ["ghost1", "ghost2", "ghost3@example.com", "", "p0-not"] + people[:3]

    result = api.bulk_assign(users=values, target=COURSE, due_date=due_in(14), assigned_by=staff, note="Q4 wave")

    assert len(result.created) == 990
    assert sorted(user.username for user, _reason in result.skipped) == sorted(p.username for p in people[:10])
    assert all(reason == "already assigned" for _user, reason in result.skipped)
    assert sorted(value for value, _message in result.failed) == sorted(
        ["ghost1", "ghost2", "ghost3@example.com", "", "p0-not"]
    )
    assert Assignment.objects.filter(target_key=COURSE).count() == 1000
    assert Reminder.objects.filter(assignment__target_key=COURSE).count() == 1000
    assert all(enrolled(person) for person in people[::97])
    assert {a.note for a in result.created} == {"Q4 wave"}


def test_bulk_query_count_does_not_grow_with_people_beyond_enrollment(staff):
    per_enrollment = _queries_of_one_enrollment()
    small = _bulk_queries(staff, 100, "small")
    large = _bulk_queries(staff, 1000, "large")
    print(f"\nbulk_assign queries: 100 people -> {small}, 1000 people -> {large}, one enrollment -> {per_enrollment}")
    # Everything but the per-person enrollment is done per chunk, not per person.
    assert large - small <= 900 * per_enrollment + 20


def test_bulk_rerun_creates_no_duplicates(staff):
    people = _people(30)
    first = api.bulk_assign(users=people[:20], target=COURSE, due_date=due_in(14), assigned_by=staff)
    second = api.bulk_assign(users=people, target=COURSE, due_date=due_in(14), assigned_by=staff)
    assert len(first.created) == 20
    assert len(second.created) == 10 and len(second.skipped) == 20
    assert Assignment.objects.filter(target_key=COURSE).count() == 30


def test_bulk_batch_level_errors_raise(staff, learner):
    with pytest.raises(api.AssignmentError) as error:
        api.bulk_assign(users=[learner], target="course-v1:X+Y+Z", due_date=due_in(14), assigned_by=staff)
    assert error.value.code == "unknown_target"
    with pytest.raises(api.AssignmentError) as error:
        api.bulk_assign(users=[learner], target=COURSE, due_date=due_in(14), assigned_by=staff, reminders="x")
    assert error.value.code == "invalid_reminder"


def test_bulk_due_date_too_soon_fails_per_person(staff):
    auckland = controls.create_user("kiri2", time_zone="Pacific/Auckland")
    honolulu = controls.create_user("kai2", time_zone="Pacific/Honolulu")
    result = api.bulk_assign(
        users=[auckland, honolulu], target=COURSE, due_date=datetime.date(2026, 12, 4), assigned_by=staff
    )
    assert [a.user for a in result.created] == [honolulu]
    assert [user for user, _message in result.failed] == [auckland]


@pytest.fixture
def enrollment_filter(settings):
    from . import filter_steps

    settings.OPEN_EDX_FILTERS_CONFIG = filter_steps.FILTER_CONFIG
    yield filter_steps
    filter_steps.REFUSED.clear()
    filter_steps.BEFORE_ENROLLING.clear()


def test_a_refused_enrollment_assigns_nothing(learner, staff, enrollment_filter):
    enrollment_filter.REFUSED.add(learner.username)
    with pytest.raises(api.AssignmentError) as error:
        assign(learner, staff)
    assert error.value.code == "not_allowed"
    assert "Enrollment is closed" in error.value.message
    _nothing_written(learner)


def test_bulk_reports_a_refused_enrollment_and_creates_the_others(staff, enrollment_filter):
    people = _people(4, "gate")
    enrollment_filter.REFUSED.add("gate1")
    result = api.bulk_assign(users=people, target=COURSE, due_date=due_in(14), assigned_by=staff)
    assert sorted(a.user.username for a in result.created) == ["gate0", "gate2", "gate3"]
    assert [(user.username, "Enrollment is closed" in message) for user, message in result.failed] == [("gate1", True)]
    assert not Assignment.objects.filter(user=people[1]).exists()
    assert not enrolled(people[1])


def test_bulk_skips_a_person_assigned_by_someone_else_meanwhile(staff, enrollment_filter):
    people = _people(5, "race")
    # While the bulk enrolls race2, a colleague assigns race2 the same course.
    enrollment_filter.BEFORE_ENROLLING["race2"] = lambda: api.assign(
        user=people[2], target=COURSE, due_date=due_in(30), assigned_by=staff
    )
    result = api.bulk_assign(users=people, target=COURSE, due_date=due_in(14), assigned_by=staff)
    assert sorted(a.user.username for a in result.created) == ["race0", "race1", "race3", "race4"]
    assert [(user.username, reason) for user, reason in result.skipped] == [("race2", "already assigned")]
    assert result.failed == []
    assert Assignment.objects.get(user=people[2]).due_date == due_in(30)
    assert Reminder.objects.filter(assignment__target_key=COURSE).count() == 5
