"""
Bulk assignment (``bulk.py``): per-person outcomes, chunks, query counts, re-runs, refused enrollments.
"""

import datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from mandatory_assignments import api, compat
from mandatory_assignments.models import Assignment, AuditEntry, Reminder
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


def _nothing_written(learner):
    assert Assignment.objects.filter(user=learner).count() == 0
    assert AuditEntry.objects.count() == 0


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
