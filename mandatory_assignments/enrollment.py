"""
Forced enrollment in an assignment's target: the course, or the learning path and every course of it.

``compat.enroll`` never changes an existing enrollment's mode (docs: PLATFORM.md, "Enrollment").
"""

from django.utils.translation import gettext as _
from opaque_keys.edx.keys import CourseKey

from . import compat, targets
from .errors import AssignmentError


def enroll(user, target, states=None):
    """
    Enroll the person in the target; a refusal of the platform is ``not_allowed``. ``states``: the
    enrollments of the person's chunk, read in bulk (``compat.enrollment_states``), so that nothing is
    read again per person.
    """
    try:
        if target.type == "path":
            targets.enroll_in_path(user, target.key)
        for course_key in target.course_keys:
            if states is None:
                compat.enroll(user, CourseKey.from_string(course_key))
            else:
                compat.enroll_known(user, CourseKey.from_string(course_key), states.get((user.pk, course_key)))
    except compat.EnrollmentError as exc:
        raise AssignmentError(
            "not_allowed", _("The platform refused the enrollment: {reason}").format(reason=exc)
        ) from exc
