"""
Grade signal handlers: a computed grade announces the learner's passing status as an openedx-event.
"""

from django.dispatch import receiver
from openedx.core.djangoapps.signals.signals import COURSE_GRADE_NOW_FAILED, COURSE_GRADE_NOW_PASSED
from openedx_events.learning.data import (
    CcxCourseData,
    CcxCoursePassingStatusData,
    CourseData,
    CoursePassingStatusData,
    UserData,
    UserPersonalData,
)
from openedx_events.learning.signals import CCX_COURSE_PASSING_STATUS_UPDATED, COURSE_PASSING_STATUS_UPDATED


@receiver(COURSE_GRADE_NOW_PASSED, dispatch_uid="sandbox.grades.listen_for_passing_grade")
def listen_for_passing_grade(sender, user, course_id, **kwargs):
    emit_course_passing_status_update(user, course_id, is_passing=True)


@receiver(COURSE_GRADE_NOW_FAILED, dispatch_uid="sandbox.grades.listen_for_failing_grade")
def listen_for_failing_grade(sender, user, course_id, **kwargs):
    emit_course_passing_status_update(user, course_id, is_passing=False)


def emit_course_passing_status_update(user, course_id, is_passing):
    """Send ``COURSE_PASSING_STATUS_UPDATED`` (``CCX_...`` for a CCX course)."""
    user_data = UserData(
        pii=UserPersonalData(username=user.username, email=user.email, name=user.get_full_name() or user.profile.name),
        id=user.id,
        is_active=user.is_active,
    )
    if hasattr(course_id, "ccx"):
        CCX_COURSE_PASSING_STATUS_UPDATED.send_event(
            course_passing_status=CcxCoursePassingStatusData(
                is_passing=is_passing,
                user=user_data,
                course=CcxCourseData(ccx_course_key=course_id, master_course_key=course_id.to_course_locator()),
            )
        )
    else:
        COURSE_PASSING_STATUS_UPDATED.send_event(
            course_passing_status=CoursePassingStatusData(
                is_passing=is_passing, user=user_data, course=CourseData(course_key=course_id)
            )
        )
