"""
Users' extended data: profile, signup site, attributes, course roles.
"""

import json

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Q
from model_utils.models import TimeStampedModel
from opaque_keys.edx.django.models import CourseKeyField

User = get_user_model()

__all__ = [
    "CourseAccessRole",
    "User",
    "UserAttribute",
    "UserProfile",
    "UserSignupSource",
    "get_user_by_username_or_email",
]


class UserProfile(models.Model):
    """
    The platform's profile of a user; ``meta`` holds the extended profile fields as JSON text.

    .. pii: name and extended profile fields.
    .. pii_types: name, other
    .. pii_retirement: local_api
    """

    user = models.OneToOneField(User, unique=True, db_index=True, related_name="profile", on_delete=models.CASCADE)
    name = models.CharField(blank=True, max_length=255, db_index=True)
    meta = models.TextField(blank=True)

    class Meta:
        app_label = "student"
        db_table = "auth_userprofile"

    def __str__(self):
        return self.name or str(self.user_id)

    def get_meta(self):
        """The extended profile fields as a dict."""
        return json.loads(self.meta) if self.meta else {}

    def set_meta(self, meta_json):
        """Replace the extended profile fields (does not save)."""
        self.meta = json.dumps(meta_json)


class UserSignupSource(models.Model):
    """
    The site (domain) a user signed up on; tenant plugins write it.

    .. no_pii:
    """

    user = models.ForeignKey(User, db_index=True, on_delete=models.CASCADE)
    site = models.CharField(max_length=255, db_index=True)

    class Meta:
        app_label = "student"

    def __str__(self):
        return f"{self.user_id}@{self.site}"


class UserAttribute(TimeStampedModel):
    """
    A named value about a user, such as ``created_on_site``.

    .. no_pii:
    """

    user = models.ForeignKey(User, related_name="attributes", on_delete=models.CASCADE)
    name = models.CharField(max_length=255, db_index=True)
    value = models.CharField(max_length=255)

    class Meta:
        app_label = "student"
        unique_together = ("user", "name")

    def __str__(self):
        return f"{self.user_id}: {self.name}={self.value}"

    @classmethod
    def set_user_attribute(cls, user, name, value):
        cls.objects.update_or_create(user=user, name=name, defaults={"value": value})

    @classmethod
    def get_user_attribute(cls, user, name):
        try:
            return cls.objects.get(user=user, name=name).value
        except cls.DoesNotExist:
            return None


class CourseAccessRole(models.Model):
    """
    A course or org role of a user; read through ``common.djangoapps.student.roles``.

    .. no_pii:
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE)
    org = models.CharField(max_length=64, db_index=True, blank=True)
    course_id = CourseKeyField(max_length=255, db_index=True, blank=True)
    role = models.CharField(max_length=64, db_index=True)

    class Meta:
        app_label = "student"
        unique_together = ("user", "org", "course_id", "role")

    def __str__(self):
        return f"{self.user_id} {self.role} {self.course_id or self.org}"


def get_user_by_username_or_email(username_or_email):
    """The user with this username or email; raises ``User.DoesNotExist``."""
    return User.objects.get(Q(username=username_or_email) | Q(email=username_or_email))
