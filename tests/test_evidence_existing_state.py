"""
Existing state when assigning (evidence.recognise_existing_state), as the staff page shows it afterwards:
a downloadable certificate is a pass even when no passing grade is stored, and the completion says which
evidence it rests on; a person's earlier progress counts only while they are enrolled in the target.
"""

import pytest
import time_machine

from mandatory_assignments import api
from mandatory_assignments.models import Assignment, CompletedCycle
from sandbox import controls

from .conftest import COURSE
from .test_evidence_rules import DUE, NOW, OTHER, PATH, person, statuses


@pytest.fixture
def admin(course):
    with time_machine.travel(NOW, tick=False):
        controls.create_course(OTHER, display_name="Fire Safety")
        controls.create_learning_path(PATH, display_name="Onboarding", course_keys=[COURSE, OTHER])
        yield controls.create_user("root_admin", email="admin@example.com", is_staff=True)


def evidence():
    """{person: the evidence their completed cycle rests on}."""
    return {
        row.assignment.user.username: row.evidence for row in CompletedCycle.objects.select_related("assignment__user")
    }


def test_a_certificate_without_a_passing_grade_completes_a_bulk_assignment_at_once_as_certificate(admin):
    ana, ben, cleo = person("ana"), person("ben"), person("cleo")
    for user in (ana, ben, cleo):
        controls.enroll(user, COURSE)
    controls.issue_certificate(ana, COURSE)  # certified, no grade stored
    controls.set_grade(ben, COURSE, percent=0.9, passed=True)

    result = api.bulk_assign(users=[ana, ben, cleo], target=COURSE, due_date=DUE, assigned_by=admin)

    assert len(result.created) == 3
    assert statuses() == {("ana", COURSE): "completed", ("ben", COURSE): "completed", ("cleo", COURSE): "assigned"}
    assert evidence() == {"ana": "certificate", "ben": "grade"}
    assert {row.user.username: row.completion_evidence for row in Assignment.objects.select_related("user")} == {
        "ana": "certificate",
        "ben": "grade",
        "cleo": "",
    }


def test_a_certificate_alone_completes_a_single_assignment_at_once(admin):
    ana = person("ana")
    controls.enroll(ana, COURSE)
    controls.issue_certificate(ana, COURSE)

    assignment = api.assign(user=ana, target=COURSE, due_date=DUE, assigned_by=admin, reminders=[])

    assert assignment.status == "completed"
    assert evidence() == {"ana": "certificate"}


def test_a_path_passed_by_a_grade_in_one_course_and_a_certificate_in_the_other_rests_on_the_grade(admin):
    ana = person("ana")
    for course_key in (COURSE, OTHER):
        controls.enroll(ana, course_key)
    controls.issue_certificate(ana, COURSE)
    controls.set_grade(ana, OTHER, percent=0.9, passed=True)

    assert api.assign(user=ana, target=PATH, due_date=DUE, assigned_by=admin, reminders=[]).status == "completed"
    assert evidence() == {"ana": "grade"}


def test_progress_of_someone_who_left_the_course_does_not_count_when_assigning(admin):
    """Existing state is read for those enrolled in the target; someone who left it starts afresh."""
    ana, ulla = person("ana"), person("ulla")
    controls.enroll(ana, COURSE)
    controls.enroll(ulla, COURSE)
    controls.complete_block(ulla, COURSE)
    controls.unenroll(ulla, COURSE)

    result = api.bulk_assign(users=[ana, ulla], target=COURSE, due_date=DUE, assigned_by=admin)

    assert len(result.created) == 2
    assert statuses() == {("ana", COURSE): "assigned", ("ulla", COURSE): "assigned"}
