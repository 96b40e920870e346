"""
Costs that must not grow with history or group sizes (issue 6, part 3), each measured at two sizes.

Query counts catch a query per row; for the tick's overdue marking, which reads rows in one query, the
work SQLite does (its virtual-machine steps) shows whether completed history is scanned at all.
"""

import contextlib
import datetime

import pytest
import time_machine
from common.djangoapps.student.models import CourseEnrollment, UserProfile
from completion.models import BlockCompletion
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lms.djangoapps.grades.models import PersistentCourseGrade
from lms.djangoapps.teams.models import CourseTeamMembership
from opaque_keys.edx.keys import CourseKey

from mandatory_assignments import api, receivers, rules, scheduler
from mandatory_assignments.models import Assignment, CompletedCycle, DepartmentMembership
from sandbox import controls

from .conftest import COURSE, NOW, due_in

UTC = datetime.UTC
SIZES = (10, 1000)
User = get_user_model()


def make_people(count, prefix):
    User.objects.bulk_create([User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com") for i in range(count)])
    people = list(User.objects.filter(username__startswith=prefix).order_by("id"))
    UserProfile.objects.bulk_create([UserProfile(user=person, name=person.username) for person in people])
    return people


def add_completed_history(count, prefix):
    """``count`` completed assignments (and their cycles) of past years: history, nothing left to do."""
    people = make_people(count, prefix)
    due = datetime.date(2024, 3, 1)
    deadline = datetime.datetime(2024, 3, 2, tzinfo=UTC)
    done = datetime.datetime(2024, 2, 20, tzinfo=UTC)
    rows = Assignment.objects.bulk_create(
        [
            Assignment(
                user=person,
                target_key=COURSE,
                target_type="course",
                due_date=due,
                deadline=deadline,
                cycle=1,
                cycle_started_at=datetime.datetime(2024, 1, 1, tzinfo=UTC),
                completed_at=done,
                completion_evidence="grade",
                recorded_status=rules.COMPLETED,
                is_open=None,
            )
            for person in people
        ]
    )
    CompletedCycle.objects.bulk_create(
        [
            CompletedCycle(assignment=row, user=row.user, target_key=COURSE, cycle=1, due_date=due, completed_at=done)
            for row in Assignment.objects.filter(user__in=people)
        ]
    )
    assert len(rows) == count
    return people


def queries(call, *args, **kwargs):
    with CaptureQueriesContext(connection) as captured:
        call(*args, **kwargs)
    return captured


@contextlib.contextmanager
def sqlite_steps():
    """Count SQLite's virtual-machine steps (in hundreds) while the block runs: the work the queries do."""
    if connection.vendor != "sqlite":
        pytest.skip("counts SQLite's own steps")
    connection.ensure_connection()
    raw = connection.connection
    counter = [0]

    def step():
        counter[0] += 1
        return 0

    raw.set_progress_handler(step, 100)
    try:
        yield counter
    finally:
        raw.set_progress_handler(None, 100)


# The tick ------------------------------------------------------------------------------------------


@pytest.fixture
def one_open(course, learner, django_capture_on_commit_callbacks):
    """One open assignment, not yet due (its "assigned" email sent), so that the tick looks at something."""
    staff = controls.create_user("stella", email="stella@example.com")
    controls.make_course_staff(staff, COURSE)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        return api.assign(user=learner, target=COURSE, due_date=due_in(30), assigned_by=staff)


def measure_tick(count, prefix):
    add_completed_history(count, prefix)
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        tick = queries(api.run_scheduler)
        overdue = queries(scheduler.mark_overdue, NOW + datetime.timedelta(days=1))
        with sqlite_steps() as steps:
            scheduler.mark_overdue(NOW + datetime.timedelta(days=1))
    return len(tick), len(overdue), steps[0]


@pytest.mark.django_db
def test_an_idle_tick_does_not_grow_with_completed_history(one_open):
    small = measure_tick(SIZES[0], "small")
    large = measure_tick(SIZES[1] - SIZES[0], "large")  # 1,000 completed assignments in all
    assert Assignment.objects.filter(completed_at__isnull=False).count() == SIZES[1]
    tick_small, overdue_small, _steps = small
    tick_large, overdue_large, _steps = large
    assert tick_large == tick_small
    assert overdue_large == overdue_small <= 3  # a savepoint around one indexed read
    assert tick_small <= 8


@pytest.mark.django_db
def test_marking_overdue_reads_only_open_assignments(one_open):
    """Not only as many queries: as much work, with 1,000 completed assignments in the table as with 10."""
    _tick, _overdue, small = measure_tick(SIZES[0], "small")
    _tick, _overdue, large = measure_tick(SIZES[1] * 10, "large")  # 10,010 completed: a scan would show
    print(f"\nmark_overdue, SQLite steps (hundreds): 10 completed -> {small}, 10,010 completed -> {large}")
    assert large <= small + 5, (small, large)


@pytest.mark.django_db
def test_marking_overdue_still_marks_and_logs_each_once(one_open):
    add_completed_history(50, "hist")
    later = one_open.deadline + datetime.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        assert scheduler.mark_overdue(later) == 1
        assert scheduler.mark_overdue(later) == 0
    assert Assignment.objects.get(pk=one_open.pk).recorded_status == rules.OVERDUE


# Groups and departments ----------------------------------------------------------------------------


def fill_groups(count, prefix, site=None):
    people = make_people(count, prefix)
    DepartmentMembership.objects.bulk_create([DepartmentMembership(user=person, name="Sales") for person in people])
    cohort = controls.create_cohort(COURSE, f"Cohort {prefix}")
    cohort.users.add(*people)
    team = controls.create_team(COURSE, f"Team {prefix}")
    CourseTeamMembership.objects.bulk_create(
        [CourseTeamMembership(user=person, team=team, last_activity_at=NOW) for person in people]
    )
    if site:
        from common.djangoapps.student.models import UserSignupSource

        controls.get_or_create_site(site)
        UserSignupSource.objects.bulk_create([UserSignupSource(user=person, site=site) for person in people])
    return people


@pytest.fixture
def global_staff(course):
    return controls.create_user("gina", is_staff=True, site="acme.example.com")


def group_costs(by):
    listing = queries(api.list_groups, by=by, course_key=COURSE)
    departments = queries(api.departments, by=by)
    return len(listing), len(departments)


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["none", "site"])
def test_groups_cost_the_same_for_10_and_1000_members(global_staff, settings, scope):
    settings.MANDATORY_ASSIGNMENTS_SCOPE = scope
    group_costs(global_staff)  # warm up: the default site is cached after its first read
    fill_groups(SIZES[0], "small", site="acme.example.com")
    small = group_costs(global_staff)
    fill_groups(SIZES[1], "large", site="acme.example.com")
    large = group_costs(global_staff)

    assert large == small
    groups = api.list_groups(by=global_staff, course_key=COURSE)
    assert sorted(cohort["size"] for cohort in groups["cohorts"]) == list(SIZES)
    assert sorted(team["size"] for team in groups["teams"]) == list(SIZES)
    assert groups["departments"] == [{"id": "Sales", "name": "Sales", "size": sum(SIZES)}]
    assert len(api.departments(by=global_staff)["Sales"]) == sum(SIZES)


# Bulk: existing grades -----------------------------------------------------------------------------

PATH = "path-v1:AcmeX+COSTS+2026+core"
PATH_COURSES = ["course-v1:AcmeX+K1+2026", "course-v1:AcmeX+K2+2026"]


def enrolled_with_grades(count, prefix, course_keys):
    """People already enrolled in the courses, half of them with a passing grade in each."""
    people = make_people(count, prefix)
    for key in course_keys:
        course_key = CourseKey.from_string(key)
        CourseEnrollment.objects.bulk_create(
            [CourseEnrollment(user=person, course_id=course_key, mode="audit") for person in people]
        )
        PersistentCourseGrade.objects.bulk_create(
            [
                PersistentCourseGrade(
                    user_id=person.id,
                    course_id=course_key,
                    grading_policy_hash="sandbox",
                    percent_grade=0.9 if index % 2 == 0 else 0.3,
                    letter_grade="Pass" if index % 2 == 0 else "",
                    passed_timestamp=NOW - datetime.timedelta(days=30) if index % 2 == 0 else None,
                )
                for index, person in enumerate(people)
            ]
        )
    return people


def grade_reads(captured):
    return [query for query in captured if "grades_persistentcoursegrade" in query["sql"]]


@pytest.mark.django_db
@pytest.mark.usefixtures("now")
@pytest.mark.parametrize("count", [10, 200])
def test_bulk_reads_existing_grades_once_per_course(course, count):
    staff = controls.create_user("stella", is_staff=True)
    people = enrolled_with_grades(count, "graded", [COURSE])
    captured = queries(api.bulk_assign, users=people, target=COURSE, due_date=due_in(14), assigned_by=staff)

    assert len(grade_reads(captured)) == 1
    statuses = [row.status for row in Assignment.objects.filter(user__in=people).order_by("user_id")]
    assert statuses.count("completed") == count // 2  # the existing passes are recognised


@pytest.mark.django_db
@pytest.mark.usefixtures("now")
@pytest.mark.parametrize("count", [10, 200])
def test_bulk_for_a_path_reads_grades_once_per_course_of_the_path(count):
    for key in PATH_COURSES:
        controls.create_course(key, display_name=key)
    controls.create_learning_path(PATH, display_name="Costs", course_keys=PATH_COURSES)
    staff = controls.create_user("stella", is_staff=True)
    people = enrolled_with_grades(count, "graded", PATH_COURSES)
    captured = queries(api.bulk_assign, users=people, target=PATH, due_date=due_in(14), assigned_by=staff)

    assert len(grade_reads(captured)) == len(PATH_COURSES)
    assert Assignment.objects.filter(user__in=people, completed_at__isnull=False).count() == count // 2


# Receivers -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("history", SIZES)
def test_a_block_completion_costs_one_query_for_a_person_without_open_assignments(course, history):
    people = add_completed_history(history, "done")
    person = people[0]  # completed history of their own, nothing open
    completion = BlockCompletion(
        user=person,
        context_key=CourseKey.from_string(COURSE),
        block_key=CourseKey.from_string(COURSE).make_usage_key("html", "b1"),
        completion=1.0,
    )
    with CaptureQueriesContext(connection) as captured:
        receivers.on_block_completion_saved(sender=BlockCompletion, instance=completion)
    assert len(captured) == 1
    stranger = controls.create_user("stranger")
    completion.user = stranger
    with CaptureQueriesContext(connection) as captured:
        receivers.on_block_completion_saved(sender=BlockCompletion, instance=completion)
    assert len(captured) == 1
