"""
Course enrollments: who is enrolled in which course run, in which mode.

``enroll``/``unenroll`` run the platform's openedx-filters and send its openedx-events at the same moments
as the LMS: ``COURSE_ENROLLMENT_CHANGED`` whenever the mode or activation changes, then
``COURSE_ENROLLMENT_CREATED`` on every ``enroll`` call, and ``COURSE_UNENROLLMENT_COMPLETED`` on deactivation.

As in the LMS, ``enroll`` without a ``mode`` uses the course's default mode (audit, or honor where the course
offers only honor) *also for someone already enrolled*: ``update_enrollment(is_active=True, mode=mode)``
moves a verified or professional learner to that mode, with ``COURSE_ENROLLMENT_CHANGED``, the
``ENROLLMENT_TRACK_UPDATED`` signal (on which the LMS regrades) and the ``edx.course.enrollment.mode_changed``
tracking event.
"""

import logging

from django.contrib.auth import get_user_model
from django.db import models
from eventtracking import tracker
from opaque_keys.edx.keys import CourseKey
from openedx.core.djangoapps.content.course_overviews.models import CourseOverview
from openedx.core.djangoapps.enrollments.api import _default_course_mode
from openedx_events.learning.data import CourseData, CourseEnrollmentData, UserData, UserPersonalData
from openedx_events.learning.signals import (
    COURSE_ENROLLMENT_CHANGED,
    COURSE_ENROLLMENT_CREATED,
    COURSE_UNENROLLMENT_COMPLETED,
)
from openedx_filters.learning.filters import CourseEnrollmentStarted, CourseUnenrollmentStarted

from common.djangoapps.course_modes.models import CourseMode

from ..signals import ENROLL_STATUS_CHANGE, ENROLLMENT_TRACK_UPDATED, UNENROLL_DONE

log = logging.getLogger(__name__)
User = get_user_model()

DEFAULT_MODE_SLUG = CourseMode.DEFAULT_MODE_SLUG

EVENT_NAME_ENROLLMENT_ACTIVATED = "edx.course.enrollment.activated"
EVENT_NAME_ENROLLMENT_DEACTIVATED = "edx.course.enrollment.deactivated"
EVENT_NAME_ENROLLMENT_MODE_CHANGED = "edx.course.enrollment.mode_changed"
SCORE_RECALCULATION_DELAY_ON_ENROLLMENT_UPDATE = 30


class EnrollStatusChange:
    """The ``event`` values of ``ENROLL_STATUS_CHANGE``."""

    enroll = "enroll"
    unenroll = "unenroll"


__all__ = [
    "AlreadyEnrolledError",
    "CourseEnrollment",
    "CourseEnrollmentException",
    "CourseFullError",
    "EnrollmentClosedError",
    "EnrollmentNotAllowed",
    "EnrollStatusChange",
    "NonExistentCourseError",
    "UnenrollmentNotAllowed",
]


class CourseEnrollmentException(Exception):
    """Base of every enrollment error."""


class NonExistentCourseError(CourseEnrollmentException):
    pass


class EnrollmentClosedError(CourseEnrollmentException):
    pass


class CourseFullError(CourseEnrollmentException):
    pass


class AlreadyEnrolledError(CourseEnrollmentException):
    pass


class EnrollmentNotAllowed(CourseEnrollmentException):
    """A ``CourseEnrollmentStarted`` pipeline step prevented the enrollment."""


class UnenrollmentNotAllowed(CourseEnrollmentException):
    """A ``CourseUnenrollmentStarted`` pipeline step prevented the unenrollment."""


class CourseEnrollmentManager(models.Manager):
    """Queries over enrollments."""

    def users_enrolled_in(self, course_id, include_inactive=False, verified_only=False):
        """The users enrolled in ``course_id`` (active enrollments unless ``include_inactive``)."""
        filters = {"courseenrollment__course_id": course_id}
        if not include_inactive:
            filters["courseenrollment__is_active"] = True
        if verified_only:
            filters["courseenrollment__mode"] = CourseMode.VERIFIED
        return User.objects.filter(**filters)


class CourseEnrollment(models.Model):
    """
    A user's enrollment in a course run; an inactive row is an unenrollment.

    .. no_pii:
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    # No database constraint: the LMS allows enrollments in courses it has no overview for (yet).
    course = models.ForeignKey(CourseOverview, db_constraint=False, on_delete=models.DO_NOTHING)
    created = models.DateTimeField(auto_now_add=True, null=True, db_index=True)
    is_active = models.BooleanField(default=True)
    mode = models.CharField(default=DEFAULT_MODE_SLUG, max_length=100)

    objects = CourseEnrollmentManager()

    class Meta:
        app_label = "student"
        unique_together = (("user", "course"),)
        indexes = [models.Index(fields=["user", "is_active"], name="student_ce_user_active_idx")]

    def __str__(self):
        return f"[CourseEnrollment] {self.user_id}: {self.course_id} ({self.created}); active: ({self.is_active})"

    @property
    def course_overview(self):
        """The enrolled course's overview, or None when the LMS has none."""
        try:
            return self.course
        except CourseOverview.DoesNotExist:
            return None

    # Reads ----------------------------------------------------------------------------------------

    @classmethod
    def get_enrollment(cls, user, course_key, select_related=None):
        """The enrollment of ``user`` in the course, active or not; None if there is none."""
        if user is None or not user.is_authenticated:
            return None
        query = cls.objects.filter(user=user, course_id=course_key)
        if select_related:
            query = query.select_related(*select_related)
        return query.first()

    @classmethod
    def is_enrolled(cls, user, course_key):
        """True if ``user`` has an active enrollment in the course."""
        if user is None or not user.is_authenticated:
            return False
        return cls.objects.filter(user=user, course_id=course_key, is_active=True).exists()

    @classmethod
    def enrollment_mode_for_user(cls, user, course_id):
        """``(mode, is_active)`` of the enrollment, ``(None, None)`` without one."""
        enrollment = cls.get_enrollment(user, course_id)
        if enrollment is None:
            return None, None
        return enrollment.mode, enrollment.is_active

    @classmethod
    def enrollments_for_user(cls, user):
        return cls.objects.filter(user=user, is_active=True).select_related("user")

    # Changes --------------------------------------------------------------------------------------

    @classmethod
    def get_or_create_enrollment(cls, user, course_key):
        """The enrollment row of ``user`` in the course, created inactive if missing."""
        enrollment, __ = cls.objects.get_or_create(
            user=user, course_id=course_key, defaults={"mode": DEFAULT_MODE_SLUG, "is_active": False}
        )
        return enrollment

    @classmethod
    def enroll(cls, user, course_key, mode=None, check_access=False, can_upgrade=False, enterprise_uuid=None):
        """
        Enroll ``user`` in the course (or re-activate the enrollment) and return the enrollment.

        ``mode=None`` means the course's default mode (``_default_course_mode``) — for an existing
        enrollment too, whose mode is then changed to it, as in the LMS. With ``check_access`` the course
        must exist and the user must not be enrolled yet (this reduced LMS has no enrollment windows or
        course limits). Raises subclasses of ``CourseEnrollmentException``.
        """
        try:
            user, course_key, mode = CourseEnrollmentStarted.run_filter(user=user, course_key=course_key, mode=mode)
        except CourseEnrollmentStarted.PreventEnrollment as exc:
            raise EnrollmentNotAllowed(str(exc)) from exc

        course_key = _as_course_key(course_key)
        if mode is None:
            mode = _default_course_mode(str(course_key))
        try:
            course = CourseOverview.get_from_id(course_key)
            course_data = CourseData(course_key=course.id, display_name=course.display_name or "")
        except CourseOverview.DoesNotExist:
            course_data = CourseData(course_key=course_key)
            if check_access:
                log.warning("User %s failed to enroll in non-existent course %s", user.id, course_key)
                raise NonExistentCourseError  # noqa: B904 -- the platform raises it bare
        if cls.is_enrolled(user, course_key):
            # The LMS only logs this without check_access, and goes on to update the enrollment's mode.
            log.warning("User %s attempted to enroll in %s, but they were already enrolled", user.id, course_key)
            if check_access:
                raise AlreadyEnrolledError

        enrollment = cls.get_or_create_enrollment(user, course_key)
        enrollment.update_enrollment(is_active=True, mode=mode, enterprise_uuid=enterprise_uuid)
        enrollment.send_signal(EnrollStatusChange.enroll)
        COURSE_ENROLLMENT_CREATED.send_event(enrollment=enrollment._event_data(course_data))
        return enrollment

    @classmethod
    def unenroll(cls, user, course_id, skip_refund=False):
        """Deactivate the enrollment of ``user``; a missing enrollment is logged, not raised."""
        try:
            record = cls.objects.get(user=user, course_id=course_id)
        except cls.DoesNotExist:
            log.error("Tried to unenroll student %s from %s but they were not enrolled", user.id, course_id)
            return
        try:
            record = CourseUnenrollmentStarted.run_filter(enrollment=record)
        except CourseUnenrollmentStarted.PreventUnenrollment as exc:
            raise UnenrollmentNotAllowed(str(exc)) from exc
        record.update_enrollment(is_active=False, skip_refund=skip_refund)

    def update_enrollment(self, mode=None, is_active=None, skip_refund=False, enterprise_uuid=None):
        """
        Change mode and/or activation; saves and sends the events only when something changed.

        Activation: ``edx.course.enrollment.activated`` (or ``deactivated``, ``UNENROLL_DONE``,
        ``ENROLL_STATUS_CHANGE`` and ``COURSE_UNENROLLMENT_COMPLETED``); a mode change:
        ``edx.course.enrollment.mode_changed`` and ``ENROLLMENT_TRACK_UPDATED`` (the LMS regrades on it).
        """
        activation_changed = is_active is not None and self.is_active != is_active
        mode_changed = mode is not None and self.mode != mode
        if activation_changed:
            self.is_active = is_active
        if mode_changed:
            self.mode = mode
        if not (activation_changed or mode_changed):
            return

        self.save()
        overview = self.course_overview
        course_data = CourseData(
            course_key=self.course_id, display_name=(overview.display_name or "") if overview else ""
        )
        COURSE_ENROLLMENT_CHANGED.send_event(enrollment=self._event_data(course_data))
        if activation_changed:
            if self.is_active:
                self.emit_event(EVENT_NAME_ENROLLMENT_ACTIVATED)
            else:
                UNENROLL_DONE.send(sender=None, course_enrollment=self, skip_refund=skip_refund)
                self.emit_event(EVENT_NAME_ENROLLMENT_DEACTIVATED)
                self.send_signal(EnrollStatusChange.unenroll)
                COURSE_UNENROLLMENT_COMPLETED.send_event(enrollment=self._event_data(course_data))
        if mode_changed:
            self.emit_event(EVENT_NAME_ENROLLMENT_MODE_CHANGED)
            ENROLLMENT_TRACK_UPDATED.send(
                sender=None,
                user=self.user,
                course_key=self.course_id,
                mode=self.mode,
                countdown=SCORE_RECALCULATION_DELAY_ON_ENROLLMENT_UPDATE,
            )

    def send_signal(self, event, cost=None, currency=None):
        """Announce an enrollment status change (``ENROLL_STATUS_CHANGE``)."""
        ENROLL_STATUS_CHANGE.send(
            sender=None,
            event=event,
            user=self.user,
            mode=self.mode,
            course_id=self.course_id,
            cost=cost,
            currency=currency,
        )

    def emit_event(self, event_name):
        """The tracking event ``event_name`` (``user_id``, ``course_id``, ``mode``), as the LMS emits it."""
        tracker.emit(event_name, {"user_id": self.user.id, "course_id": str(self.course_id), "mode": self.mode})

    def activate(self):
        self.update_enrollment(is_active=True)

    def deactivate(self):
        self.update_enrollment(is_active=False)

    def change_mode(self, mode):
        self.update_enrollment(mode=mode)

    def _event_data(self, course_data):
        user = self.user
        return CourseEnrollmentData(
            user=UserData(
                pii=UserPersonalData(username=user.username, email=user.email, name=user.profile.name),
                id=user.id,
                is_active=user.is_active,
            ),
            course=course_data,
            mode=self.mode,
            is_active=self.is_active,
            creation_date=self.created,
        )


def _as_course_key(course_key):
    return course_key if isinstance(course_key, CourseKey) else CourseKey.from_string(str(course_key))
