"""
The enrollments API (reduced): the default mode an enrollment gets when no mode is given.
"""

from common.djangoapps.course_modes.models import CourseMode
from opaque_keys.edx.keys import CourseKey


def _default_course_mode(course_id):
    """
    The mode ``CourseEnrollment.enroll(..., mode=None)`` enrolls in: the default mode (audit) where the
    course offers it, else audit, else honor (a course offering only honor), else the default mode.
    """
    course_modes = CourseMode.modes_for_course(CourseKey.from_string(course_id))
    available_modes = [mode.slug for mode in course_modes]

    if CourseMode.DEFAULT_MODE_SLUG in available_modes:
        return CourseMode.DEFAULT_MODE_SLUG
    if "audit" in available_modes:
        return "audit"
    if "honor" in available_modes:
        return "honor"
    return CourseMode.DEFAULT_MODE_SLUG
