"""
Course and org roles, backed by ``CourseAccessRole``; global staff is ``user.is_staff``.
"""

from abc import ABCMeta, abstractmethod

from django.contrib.auth import get_user_model
from opaque_keys.edx.django.models import CourseKeyField

from .models import CourseAccessRole

User = get_user_model()


class AccessRole(metaclass=ABCMeta):
    """A role a user may hold."""

    @abstractmethod
    def has_user(self, user):
        """True if ``user`` holds this role."""

    @abstractmethod
    def add_users(self, *users):
        """Give the role to ``users``."""

    @abstractmethod
    def remove_users(self, *users):
        """Take the role from ``users``."""

    @abstractmethod
    def users_with_role(self):
        """The users who hold this role."""


class GlobalStaff(AccessRole):
    """The platform's global staff: ``user.is_staff``."""

    def has_user(self, user):
        return bool(user and user.is_staff)

    def add_users(self, *users):
        for user in users:
            if user.is_authenticated and user.is_active:
                user.is_staff = True
                user.save(update_fields=["is_staff"])

    def remove_users(self, *users):
        for user in users:
            user.is_staff = False
            user.save(update_fields=["is_staff"])

    def users_with_role(self):
        raise Exception("This operation is un-indexed, and shouldn't be used")  # as in the platform


class RoleBase(AccessRole):
    """A role stored as ``CourseAccessRole`` rows for an org and/or course."""

    def __init__(self, role_name, org="", course_key=None):
        self.role = role_name
        self.org = org
        self.course_key = course_key

    @property
    def _course_id(self):
        # Org roles store an empty course id (opaque-keys' ``Empty``, never NULL).
        return CourseKeyField.Empty if self.course_key is None else self.course_key

    def _rows(self):
        return CourseAccessRole.objects.filter(role=self.role, org=self.org, course_id=self._course_id)

    def has_user(self, user, check_user_activation=True):
        if user is None or not user.is_authenticated:
            return False
        if check_user_activation and not user.is_active:
            return False
        return self._rows().filter(user=user).exists()

    def add_users(self, *users):
        for user in users:
            if user.is_authenticated and user.is_active:
                CourseAccessRole.objects.get_or_create(
                    user=user, role=self.role, org=self.org, course_id=self._course_id
                )

    def remove_users(self, *users):
        self._rows().filter(user__in=users).delete()

    def users_with_role(self):
        return User.objects.filter(courseaccessrole__in=self._rows())


class CourseRole(RoleBase):
    """A role in one course run."""

    def __init__(self, role, course_key):
        super().__init__(role, course_key.org, course_key)


class OrgRole(RoleBase):
    """A role in every course of an org."""

    def __init__(self, role, org):
        super().__init__(role, org)


class CourseStaffRole(CourseRole):
    """Course staff."""

    ROLE = "staff"

    def __init__(self, *args, **kwargs):
        super().__init__(self.ROLE, *args, **kwargs)


class CourseInstructorRole(CourseRole):
    """Course instructor (also course admin)."""

    ROLE = "instructor"

    def __init__(self, *args, **kwargs):
        super().__init__(self.ROLE, *args, **kwargs)


class OrgStaffRole(OrgRole):
    """Staff of every course of an org."""

    def __init__(self, *args, **kwargs):
        super().__init__("staff", *args, **kwargs)


class OrgInstructorRole(OrgRole):
    """Instructor of every course of an org."""

    def __init__(self, *args, **kwargs):
        super().__init__("instructor", *args, **kwargs)
