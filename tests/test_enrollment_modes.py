"""
Assigning never changes the mode of an existing enrollment (issue 6, defect 1).

The platform's ``CourseEnrollment.enroll`` without ``mode`` applies the course's default mode, also to
someone already enrolled: a verified or professional learner would be moved to audit (with
``COURSE_ENROLLMENT_CHANGED`` and a regrade). The plugin leaves an active enrollment alone, re-activates an
inactive one in its own mode, and lets only a new enrollment take the course's default mode.
"""

import datetime
from contextlib import contextmanager

import pytest
import time_machine
from common.djangoapps.student.models import CourseEnrollment
from common.djangoapps.student.signals import ENROLLMENT_TRACK_UPDATED
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.signals import COURSE_ENROLLMENT_CHANGED, COURSE_ENROLLMENT_CREATED

from mandatory_assignments import api
from mandatory_assignments.models import Assignment
from sandbox import controls

from .conftest import COURSE, due_in

UTC = datetime.UTC
PATH = "path-v1:AcmeX+MODES+2026+core"
PATH_COURSES = ["course-v1:AcmeX+M1+2026", "course-v1:AcmeX+M2+2026", "course-v1:AcmeX+M3+2026"]


@contextmanager
def enrollment_events():
    """
    What the platform announces about enrollments inside the block, received by real receivers of its
    signals: ``{"changed": [(username, course, mode, is_active)], "created": [...], "track_updated": [...]}``.
    """
    received = {"changed": [], "created": [], "track_updated": []}

    def on_changed(sender, enrollment, **kwargs):  # noqa: ARG001
        received["changed"].append(_described(enrollment))

    def on_created(sender, enrollment, **kwargs):  # noqa: ARG001
        received["created"].append(_described(enrollment))

    def on_track_updated(sender, user, course_key, mode, **kwargs):  # noqa: ARG001
        received["track_updated"].append((user.username, str(course_key), mode))

    connections = [
        (COURSE_ENROLLMENT_CHANGED, on_changed),
        (COURSE_ENROLLMENT_CREATED, on_created),
        (ENROLLMENT_TRACK_UPDATED, on_track_updated),
    ]
    for signal, receiver in connections:
        signal.connect(receiver)
    try:
        yield received
    finally:
        for signal, receiver in connections:
            signal.disconnect(receiver)


def _described(enrollment):
    return (enrollment.user.pii.username, str(enrollment.course.course_key), enrollment.mode, enrollment.is_active)


def mode_of(user, course_key):
    """``(mode, is_active)`` of the person's enrollment, as the platform reports it."""
    return CourseEnrollment.enrollment_mode_for_user(user, CourseKey.from_string(course_key))


def assign(user, by, target=COURSE, **kwargs):
    return api.assign(user=user, target=target, due_date=due_in(14), assigned_by=by, **kwargs)


@pytest.mark.django_db
class TestAssigning:
    @pytest.mark.parametrize("paid_mode", ["verified", "professional"])
    def test_a_paid_learner_assigned_the_course_keeps_their_mode(self, now, course, staff, learner, paid_mode):
        controls.add_course_modes(COURSE, "audit", paid_mode)
        controls.enroll(learner, COURSE, mode=paid_mode)

        with enrollment_events() as received:
            assign(learner, staff)

        assert mode_of(learner, COURSE) == (paid_mode, True)
        assert received == {"changed": [], "created": [], "track_updated": []}

    def test_an_inactive_professional_enrollment_is_reactivated_as_professional(self, now, course, staff, learner):
        controls.add_course_modes(COURSE, "professional")
        controls.enroll(learner, COURSE, mode="professional")
        controls.unenroll(learner, COURSE)

        with enrollment_events() as received:
            assign(learner, staff)

        assert mode_of(learner, COURSE) == ("professional", True)
        assert received["changed"] == [("lena", COURSE, "professional", True)]
        assert received["track_updated"] == []

    @pytest.mark.parametrize(("modes", "default"), [(("audit", "verified"), "audit"), (("honor",), "honor")])
    def test_a_new_learner_gets_the_courses_default_mode(self, now, course, staff, learner, modes, default):
        controls.add_course_modes(COURSE, *modes)

        with enrollment_events() as received:
            assign(learner, staff)

        assert mode_of(learner, COURSE) == (default, True)
        assert received["created"] == [("lena", COURSE, default, True)]

    def test_bulk_assigning_keeps_each_persons_mode(self, now, course, staff):
        controls.add_course_modes(COURSE, "audit", "verified", "professional")
        verified = controls.create_user("vera")
        controls.enroll(verified, COURSE, mode="verified")
        left = controls.create_user("paul")
        controls.enroll(left, COURSE, mode="professional")
        controls.unenroll(left, COURSE)
        newcomer = controls.create_user("nina")

        result = api.bulk_assign(
            users=[verified, left, newcomer], target=COURSE, due_date=due_in(14), assigned_by=staff
        )

        assert len(result.created) == 3
        assert mode_of(verified, COURSE) == ("verified", True)
        assert mode_of(left, COURSE) == ("professional", True)
        assert mode_of(newcomer, COURSE) == ("audit", True)

    def test_a_learning_path_keeps_the_mode_of_each_course(self, now, admin, learner):
        for key in PATH_COURSES:
            controls.create_course(key, display_name=key)
        controls.add_course_modes(PATH_COURSES[0], "audit", "verified")
        controls.add_course_modes(PATH_COURSES[1], "audit", "professional")
        controls.add_course_modes(PATH_COURSES[2], "honor")
        controls.create_learning_path(PATH, display_name="Modes path", course_keys=PATH_COURSES)
        controls.enroll(learner, PATH_COURSES[0], mode="verified")
        controls.enroll(learner, PATH_COURSES[1], mode="professional")
        controls.unenroll(learner, PATH_COURSES[1])

        with enrollment_events() as received:
            assign(learner, admin, target=PATH)

        assert [mode_of(learner, key) for key in PATH_COURSES] == [
            ("verified", True),
            ("professional", True),
            ("honor", True),
        ]
        assert received["changed"] == [
            ("lena", PATH_COURSES[1], "professional", True),
            ("lena", PATH_COURSES[2], "honor", True),
        ]
        # Only the new enrollment: the platform creates its row in the default mode (audit), then moves
        # it to the honor-only course's default mode.
        assert received["track_updated"] == [("lena", PATH_COURSES[2], "honor")]


# Recurring assignments: the new cycle's re-enrollment -----------------------------------------------


def at(year, month, day, hour=0):
    return datetime.datetime(year, month, day, hour, tzinfo=UTC)


def tick(moment):
    with time_machine.travel(moment, tick=False):
        return api.run_scheduler(now=moment)


@pytest.fixture
def annual(course, staff, learner):
    """A verified learner with an annual assignment due 2026-02-01, passed on 2026-01-20."""
    controls.add_course_modes(COURSE, "audit", "verified")
    with time_machine.travel(at(2026, 1, 5), tick=False):
        controls.enroll(learner, COURSE, mode="verified")
        assignment = api.assign(
            user=learner, target=COURSE, due_date=datetime.date(2026, 2, 1), assigned_by=staff, repeat_weeks=52
        )
    with time_machine.travel(at(2026, 1, 20), tick=False):
        controls.set_grade(learner, COURSE, percent=0.9, passed=True)
    return assignment


@pytest.mark.django_db(transaction=True)
def test_a_new_cycle_keeps_a_verified_learner_verified(annual, learner):
    with enrollment_events() as received:
        tick(at(2026, 2, 2))

    assert Assignment.objects.get(pk=annual.pk).cycle == 2  # the second cycle has started
    assert mode_of(learner, COURSE) == ("verified", True)
    assert received == {"changed": [], "created": [], "track_updated": []}


@pytest.mark.django_db(transaction=True)
def test_a_new_cycle_re_enrolls_a_verified_learner_who_left_as_verified(annual, learner):
    with time_machine.travel(at(2026, 1, 25), tick=False):
        controls.unenroll(learner, COURSE)

    with enrollment_events() as received:
        tick(at(2026, 2, 2))

    assert Assignment.objects.get(pk=annual.pk).cycle == 2  # the second cycle has started
    assert mode_of(learner, COURSE) == ("verified", True)
    assert received["changed"] == [("lena", COURSE, "verified", True)]
    assert received["track_updated"] == []
