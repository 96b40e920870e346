"""
Status under any order and repetition of the platform's events (issue 10, part 3), with Hypothesis.

A learner with an open assignment — of a course, or of a learning path of two courses — receives any
sequence of the simulated LMS's events: passing and failing grades (which send both
``PERSISTENT_GRADE_SUMMARY_CHANGED`` and ``COURSE_PASSING_STATUS_UPDATED``), block completions,
certificates, unenrolling and enrolling again, in the target's courses and in a course outside it, while
days pass. After every event the status shown equals what SPEC §2 says for the sequence so far:

- ``completed`` once the target was passed (a course: a pass of it; a path: every course of it passing
  at once); it stays completed — a failed regrade does not un-complete it — with one history row;
- else ``overdue`` from the deadline (the end of the due date in the learner's zone);
- else ``in_progress`` after a completed block in the target (or, for a path, a course of it passed);
- else ``assigned``.

Every event is sent twice in a row: the second changes nothing (the platform repeats its events).
"""

import datetime

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mandatory_assignments import api
from mandatory_assignments.models import Assignment, AuditEntry, CompletedCycle
from sandbox import controls

from .conftest import COURSE

UTC = datetime.UTC
OTHER = "course-v1:AcmeX+FIRE201+2026"  # the path's second course
OUTSIDE = "course-v1:AcmeX+OUTSIDE+2026"  # in no target
PATH = "path-v1:AcmeX+ONBOARD+2026+core"
START = datetime.datetime(2026, 12, 1, 12, tzinfo=UTC)
DUE = datetime.date(2026, 12, 14)  # Europe/Berlin: the deadline is 14 December, 23:00 UTC
ZONE = "Europe/Berlin"
DEADLINE = datetime.datetime(2026, 12, 14, 23, tzinfo=UTC)

COURSES = (COURSE, OTHER, OUTSIDE)
KINDS = ("pass", "fail", "block", "certificate", "unenroll", "enroll")

events = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(KINDS), st.sampled_from(COURSES)),
        st.tuples(st.just("wait"), st.sampled_from([1, 6, 13])),  # days passing
    ),
    min_size=1,
    max_size=10,
)

SETTINGS = {"deadline": None, "derandomize": True, "database": None, "suppress_health_check": list(HealthCheck)}


@pytest.fixture
def platform(db):
    for key, name in ((COURSE, "Workplace Safety"), (OTHER, "Fire Safety"), (OUTSIDE, "Elsewhere")):
        controls.create_course(key, display_name=name)
    controls.create_learning_path(PATH, display_name="Onboarding", course_keys=[COURSE, OTHER])
    return controls.create_user("root_admin", email="admin@example.com", is_staff=True)


class Before:
    """What the platform holds of the person before the assignment: enrollments, grades, certificates, blocks."""

    def __init__(self):
        self.enrolled, self.passing_grade, self.certificate, self.blocks = set(), set(), set(), set()

    def apply(self, kind, course):
        if kind == "pass":
            self.passing_grade.add(course)
        elif kind == "fail":
            self.passing_grade.discard(course)
        elif kind == "certificate":
            self.certificate.add(course)
        elif kind == "block":
            self.blocks.add(course)
        elif kind == "unenroll":
            self.enrolled.discard(course)
        elif kind == "enroll":
            self.enrolled.add(course)


class Expected:
    """SPEC §2's statuses for the events seen so far, on plain values."""

    def __init__(self, target_courses, before=None):
        self.target_courses = set(target_courses)
        self.passing = set()
        self.completed = False
        self.progressed = False
        if before is not None:
            # Existing state is recognised for someone already enrolled in the target: a pass (a passing
            # grade or a certificate) of each course they are enrolled in counts in the first cycle; a
            # completed block in any course of the target is progress.
            known = self.target_courses & before.enrolled
            self.passing = {c for c in known if c in before.passing_grade or c in before.certificate}
            self.completed = self.passing == self.target_courses
            self.progressed = bool(self.passing) or bool(known and self.target_courses & before.blocks)

    def apply(self, kind, course):
        if course not in self.target_courses or self.completed:
            if kind == "fail":
                self.passing.discard(course)
            elif kind in ("pass", "certificate"):
                self.passing.add(course)
            return
        if kind in ("pass", "certificate"):
            self.passing.add(course)
            if self.passing >= self.target_courses:
                self.completed = True
            else:
                self.progressed = True  # a course of a path passed
        elif kind == "fail":
            self.passing.discard(course)
        elif kind == "block":
            self.progressed = True

    def status(self, now):
        if self.completed:
            return "completed"
        if now >= DEADLINE:
            return "overdue"
        return "in_progress" if self.progressed else "assigned"


def send(kind, user, course):
    if kind == "pass":
        controls.set_grade(user, course, percent=0.9, passed=True)
    elif kind == "fail":
        controls.set_grade(user, course, percent=0.2, passed=False)
    elif kind == "block":
        controls.complete_block(user, course)
    elif kind == "certificate":
        controls.issue_certificate(user, course)
    elif kind == "unenroll":
        controls.unenroll(user, course)
    elif kind == "enroll":
        controls.enroll(user, course)


def snapshot(assignment):
    row = Assignment.objects.get(pk=assignment.pk)
    return {
        "status": row.status,
        "completed_at": row.completed_at,
        "progressed_at": row.progressed_at,
        "evidence": row.completion_evidence,
        "history": CompletedCycle.objects.filter(assignment_id=row.pk).count(),
        "status_changes": AuditEntry.objects.filter(assignment_id=row.pk, action="status_changed").count(),
    }


def check_sequence(platform, target, target_courses, sequence, history=()):
    before = Before()
    with transaction.atomic(), time_machine.travel(START, tick=False) as clock:
        try:
            learner = controls.create_user("lena", email="lena@example.com", time_zone=ZONE)
            for kind, course in history:  # what the person did before anything was assigned
                send(kind, learner, course)
                before.apply(kind, course)
            expected = Expected(target_courses, before)
            assignment = api.assign(user=learner, target=target, due_date=DUE, assigned_by=platform, reminders=[])
            now = START
            assert snapshot(assignment)["status"] == expected.status(now), (history, before.__dict__)
            for kind, value in sequence:
                if kind == "wait":
                    now += datetime.timedelta(days=value)
                    clock.move_to(now)
                    api.run_scheduler()
                else:
                    send(kind, learner, value)
                    expected.apply(kind, value)
                    first = snapshot(assignment)
                    send(kind, learner, value)  # the platform repeats its events
                    assert snapshot(assignment) == first, (kind, value)
                shown = snapshot(assignment)
                assert shown["status"] == expected.status(now), (sequence, kind, value)
                assert shown["history"] == int(expected.completed)
                assert (shown["completed_at"] is not None) == expected.completed
                listed = api.get_assignments(user=learner, statuses=[expected.status(now)])
                assert list(listed.values_list("pk", flat=True)) == [assignment.pk]
        finally:
            transaction.set_rollback(True)


@settings(max_examples=30, **SETTINGS)
@given(events)
def test_a_course_assignments_status_follows_any_sequence_of_events(platform, sequence):
    check_sequence(platform, COURSE, [COURSE], sequence)


@settings(max_examples=30, **SETTINGS)
@given(events)
def test_a_learning_paths_status_follows_any_sequence_of_events(platform, sequence):
    check_sequence(platform, PATH, [COURSE, OTHER], sequence)


history = st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(COURSES)), max_size=6)


@settings(max_examples=30, **SETTINGS)
@given(st.sampled_from(["course", "path"]), history, events)
@example("course", [("enroll", COURSE), ("certificate", COURSE)], [("wait", 1)])
@example("course", [("pass", COURSE)], [("enroll", COURSE)])  # passed while not enrolled: not recognised
@example("path", [("enroll", COURSE), ("pass", COURSE), ("fail", COURSE), ("block", OTHER)], [("pass", OTHER)])
@example("path", [("enroll", COURSE), ("enroll", OTHER), ("pass", COURSE), ("certificate", OTHER)], [("wait", 13)])
def test_existing_state_is_recognised_and_then_followed(platform, kind, earlier, sequence):
    """Events before the assignment (enrolled or not): the status starts at the person's current state."""
    if kind == "course":
        check_sequence(platform, COURSE, [COURSE], sequence, history=earlier)
    else:
        check_sequence(platform, PATH, [COURSE, OTHER], sequence, history=earlier)
