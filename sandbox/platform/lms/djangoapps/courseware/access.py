"""
``has_access``: may this user do this to that course? Reduced to course staff, instructor and load checks.
"""

from opaque_keys.edx.keys import CourseKey

from common.djangoapps.student.models import CourseEnrollment
from common.djangoapps.student.roles import (
    CourseInstructorRole,
    CourseStaffRole,
    GlobalStaff,
    OrgInstructorRole,
    OrgStaffRole,
)
from openedx.core.djangoapps.content.course_overviews.models import CourseOverview


class AccessResponse:
    """The answer of an access check; truthy when access is granted."""

    def __init__(self, has_access, error_code=None, developer_message=None, user_message=None):
        self.has_access = has_access
        self.error_code = error_code
        self.developer_message = developer_message
        self.user_message = user_message

    def __bool__(self):
        return self.has_access

    def __repr__(self):
        return f"AccessResponse({self.has_access!r}, {self.error_code!r})"


ACCESS_GRANTED = AccessResponse(True)
ACCESS_DENIED = AccessResponse(False, error_code="access_denied")


def has_access(user, action, obj, course_key=None):
    """
    Check whether ``user`` may perform ``action`` on ``obj`` (a course key, a ``CourseOverview`` or "global").

    Actions: "staff" (course staff, instructors, org staff and global staff), "instructor",
    "load" (staff, or an active enrollment). Raises ``TypeError`` for an unknown kind of object.
    """
    if isinstance(obj, CourseOverview):
        obj = obj.id
    if isinstance(obj, CourseKey):
        return _has_access_course_key(user, action, obj)
    if obj == "global":
        return _grant(action == "staff" and GlobalStaff().has_user(user))
    raise TypeError(f"Unknown object type in has_access(): '{type(obj)}'")


def _has_access_course_key(user, action, course_key):
    if user is None or not user.is_authenticated:
        return ACCESS_DENIED
    if action == "instructor":
        return _grant(_is_instructor(user, course_key))
    if action == "staff":
        return _grant(_is_staff(user, course_key))
    if action == "load":
        return _grant(_is_staff(user, course_key) or CourseEnrollment.is_enrolled(user, course_key))
    raise ValueError(f"Unknown action for a course: {action!r}")


def _is_instructor(user, course_key):
    return (
        GlobalStaff().has_user(user)
        or CourseInstructorRole(course_key).has_user(user)
        or OrgInstructorRole(course_key.org).has_user(user)
    )


def _is_staff(user, course_key):
    return (
        _is_instructor(user, course_key)
        or CourseStaffRole(course_key).has_user(user)
        or OrgStaffRole(course_key.org).has_user(user)
    )


def _grant(allowed):
    return ACCESS_GRANTED if allowed else ACCESS_DENIED
