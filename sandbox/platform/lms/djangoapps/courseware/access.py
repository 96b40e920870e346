"""
``has_access``: may this user do this to that course? Reduced to the staff, instructor and load checks.
"""

from common.djangoapps.student.roles import (
    CourseInstructorRole,
    CourseStaffRole,
    GlobalStaff,
    OrgInstructorRole,
    OrgStaffRole,
)
from opaque_keys.edx.keys import CourseKey
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
    Check whether ``user`` may perform ``action`` on ``obj``; returns an ``AccessResponse``.

    - a ``CourseOverview``: "staff" (course staff, instructors, org staff, global staff), "instructor",
      "load" (the course has started, or staff; like the LMS, enrollment is *not* checked here);
    - a ``CourseKey``: "staff", "instructor";
    - a string: only "global" grants anything ("staff": global staff); any other string, such as a
      course id *string*, is denied, as in the LMS.

    An unknown action raises ``ValueError``; an unknown kind of object ``TypeError``.
    """
    if isinstance(obj, CourseOverview):
        return _has_access_course(user, action, obj)
    if isinstance(obj, CourseKey):
        return _dispatch({"staff": _is_staff, "instructor": _is_instructor}, action, user, obj)
    if isinstance(obj, str):
        return _has_access_string(user, action, obj)
    raise TypeError(f"Unknown object type in has_access(): '{type(obj)}'")


def _has_access_course(user, action, overview):
    def can_load(user, course_key):
        return overview.has_started() or _is_staff(user, course_key)

    checkers = {"load": can_load, "staff": _is_staff, "instructor": _is_instructor}
    return _dispatch(checkers, action, user, overview.id)


def _has_access_string(user, action, perm):
    def check_staff(user, perm):
        return perm == "global" and GlobalStaff().has_user(user)

    return _dispatch({"staff": check_staff, "support": check_staff}, action, user, perm)


def _dispatch(checkers, action, user, obj):
    if action not in checkers:
        raise ValueError(f"Unknown action for object type '{type(obj)}': '{action}'")
    if user is None or not user.is_authenticated:
        return ACCESS_DENIED
    return _grant(checkers[action](user, obj))


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
