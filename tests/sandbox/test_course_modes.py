"""
The simulated LMS's course modes and what ``CourseEnrollment.enroll`` does with them, as in the LMS:
``mode=None`` is the course's default mode, also for someone already enrolled, whose mode is then changed
(with ``COURSE_ENROLLMENT_CHANGED``, ``ENROLLMENT_TRACK_UPDATED`` and the tracking events).
"""

from contextlib import contextmanager

import pytest
from common.djangoapps.course_modes.models import CourseMode
from common.djangoapps.student.models import AlreadyEnrolledError, CourseEnrollment
from common.djangoapps.student.signals import ENROLL_STATUS_CHANGE, ENROLLMENT_TRACK_UPDATED, UNENROLL_DONE
from eventtracking import tracker
from opaque_keys.edx.keys import CourseKey
from openedx.core.djangoapps.enrollments.api import _default_course_mode
from openedx_events.learning.signals import (
    COURSE_ENROLLMENT_CHANGED,
    COURSE_ENROLLMENT_CREATED,
    COURSE_UNENROLLMENT_COMPLETED,
)

from sandbox import controls

from .test_simulated_lms import capture

COURSE = "course-v1:AcmeX+MODES101+2026"
COURSE_KEY = CourseKey.from_string(COURSE)

pytestmark = pytest.mark.django_db


class _Recorder:
    """An eventtracking backend that keeps what it is sent."""

    def __init__(self):
        self.events = []

    def send(self, event):
        self.events.append(event)


@contextmanager
def tracking_events():
    """The names and data of the tracking events emitted inside the block."""
    recorder = _Recorder()
    backends = tracker.get_tracker().backends
    backends["test_recorder"] = recorder
    try:
        yield recorder.events
    finally:
        backends.pop("test_recorder")


@pytest.fixture
def course(db):
    return controls.create_course(COURSE, display_name="Modes")


@pytest.fixture
def learner(db):
    return controls.create_user("molly")


@pytest.mark.parametrize(
    ("modes", "default"),
    [
        ((), "audit"),
        (("audit", "verified"), "audit"),
        (("honor",), "honor"),
        (("honor", "verified"), "honor"),
        (("verified",), "audit"),  # the platform falls back to its default mode
    ],
)
def test_the_default_mode_follows_the_courses_modes(course, modes, default):
    controls.add_course_modes(COURSE, *modes)
    assert _default_course_mode(COURSE) == default


def test_a_course_without_modes_offers_the_default_mode(course):
    assert [mode.slug for mode in CourseMode.modes_for_course(COURSE_KEY)] == [CourseMode.DEFAULT_MODE_SLUG]
    assert CourseMode.mode_for_course(COURSE_KEY, "verified") is None
    controls.add_course_modes(COURSE, "audit", "verified")
    assert CourseMode.mode_for_course(COURSE_KEY, "verified").slug == "verified"
    assert sorted(CourseMode.modes_for_course_dict(COURSE_KEY)) == ["audit", "verified"]


@pytest.mark.parametrize(
    ("modes", "expected"), [((), "audit"), (("honor",), "honor"), (("audit", "verified"), "audit")]
)
def test_a_new_enrollment_without_mode_gets_the_default_mode(course, learner, modes, expected):
    controls.add_course_modes(COURSE, *modes)
    enrollment = CourseEnrollment.enroll(learner, COURSE_KEY, check_access=False)
    assert (enrollment.mode, enrollment.is_active) == (expected, True)


@pytest.mark.parametrize("paid_mode", ["verified", "professional"])
def test_enrolling_a_paid_learner_again_without_mode_moves_them_to_the_default_mode(course, learner, paid_mode):
    """The platform behaviour the plugin must not trigger: enroll() on an active paid enrollment."""
    controls.add_course_modes(COURSE, "audit", paid_mode)
    controls.enroll(learner, COURSE, mode=paid_mode)

    with (
        capture(COURSE_ENROLLMENT_CHANGED, COURSE_ENROLLMENT_CREATED, ENROLLMENT_TRACK_UPDATED) as sent,
        tracking_events() as tracked,
    ):
        enrollment = CourseEnrollment.enroll(learner, COURSE_KEY, check_access=False)

    assert (enrollment.mode, enrollment.is_active) == ("audit", True)
    assert CourseEnrollment.enrollment_mode_for_user(learner, COURSE_KEY) == ("audit", True)
    [changed] = sent[COURSE_ENROLLMENT_CHANGED]
    assert (changed["enrollment"].mode, changed["enrollment"].is_active) == ("audit", True)
    assert len(sent[COURSE_ENROLLMENT_CREATED]) == 1
    [track] = sent[ENROLLMENT_TRACK_UPDATED]
    assert (track["user"], track["course_key"], track["mode"]) == (learner, COURSE_KEY, "audit")
    assert [(event["name"], event["data"]["mode"]) for event in tracked] == [
        ("edx.course.enrollment.mode_changed", "audit")
    ]


def test_enrolling_again_in_the_same_mode_changes_nothing(course, learner):
    controls.add_course_modes(COURSE, "audit", "verified")
    controls.enroll(learner, COURSE, mode="verified")
    with capture(COURSE_ENROLLMENT_CHANGED, ENROLLMENT_TRACK_UPDATED) as sent, tracking_events() as tracked:
        enrollment = CourseEnrollment.enroll(learner, COURSE_KEY, mode="verified")
    assert enrollment.mode == "verified"
    assert sent == {COURSE_ENROLLMENT_CHANGED: [], ENROLLMENT_TRACK_UPDATED: []}
    assert tracked == []


def test_an_inactive_enrollment_reactivated_in_its_own_mode_keeps_it(course, learner):
    controls.add_course_modes(COURSE, "professional")
    controls.enroll(learner, COURSE, mode="professional")
    controls.unenroll(learner, COURSE)

    with (
        capture(COURSE_ENROLLMENT_CHANGED, ENROLLMENT_TRACK_UPDATED, ENROLL_STATUS_CHANGE) as sent,
        tracking_events() as tracked,
    ):
        enrollment = CourseEnrollment.enroll(learner, COURSE_KEY, mode="professional")

    assert (enrollment.mode, enrollment.is_active) == ("professional", True)
    assert [(e["enrollment"].mode, e["enrollment"].is_active) for e in sent[COURSE_ENROLLMENT_CHANGED]] == [
        ("professional", True)
    ]
    assert sent[ENROLLMENT_TRACK_UPDATED] == []
    assert [e["event"] for e in sent[ENROLL_STATUS_CHANGE]] == ["enroll"]
    assert [event["name"] for event in tracked] == ["edx.course.enrollment.activated"]


def test_an_inactive_enrollment_reactivated_without_mode_takes_the_default_mode(course, learner):
    controls.add_course_modes(COURSE, "audit", "verified")
    controls.enroll(learner, COURSE, mode="verified")
    controls.unenroll(learner, COURSE)
    with capture(ENROLLMENT_TRACK_UPDATED) as sent:
        enrollment = CourseEnrollment.enroll(learner, COURSE_KEY)
    assert (enrollment.mode, enrollment.is_active) == ("audit", True)
    assert [e["mode"] for e in sent[ENROLLMENT_TRACK_UPDATED]] == ["audit"]


def test_check_access_refuses_an_active_enrollment_and_changes_nothing(course, learner):
    controls.add_course_modes(COURSE, "audit", "verified")
    controls.enroll(learner, COURSE, mode="verified")
    with pytest.raises(AlreadyEnrolledError):
        CourseEnrollment.enroll(learner, COURSE_KEY, check_access=True)
    assert CourseEnrollment.enrollment_mode_for_user(learner, COURSE_KEY) == ("verified", True)


def test_unenrolling_sends_the_unenrollment_signals(course, learner):
    controls.enroll(learner, COURSE, mode="audit")
    with (
        capture(UNENROLL_DONE, ENROLL_STATUS_CHANGE, COURSE_UNENROLLMENT_COMPLETED) as sent,
        tracking_events() as tracked,
    ):
        controls.unenroll(learner, COURSE)
    assert [e["course_enrollment"].is_active for e in sent[UNENROLL_DONE]] == [False]
    assert [e["event"] for e in sent[ENROLL_STATUS_CHANGE]] == ["unenroll"]
    assert len(sent[COURSE_UNENROLLMENT_COMPLETED]) == 1
    assert [event["name"] for event in tracked] == ["edx.course.enrollment.deactivated"]
