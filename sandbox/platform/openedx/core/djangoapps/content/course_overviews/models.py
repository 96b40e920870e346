"""
The LMS's cached metadata of a course run, reduced to what the plugin reads.
"""

from django.db import models
from django.utils import timezone
from model_utils.models import TimeStampedModel
from opaque_keys.edx.django.models import CourseKeyField
from opaque_keys.edx.keys import CourseKey


class CourseOverview(TimeStampedModel):
    """
    A course run as the LMS lists it.

    .. no_pii:
    """

    id = CourseKeyField(db_index=True, primary_key=True, max_length=255)
    display_name = models.TextField(null=True)  # noqa: DJ001 -- as in the platform
    org = models.TextField(max_length=255, default="outdated_entry")
    start = models.DateTimeField(null=True)
    end = models.DateTimeField(null=True)

    class Meta:
        app_label = "course_overviews"

    def __str__(self):
        return str(self.id)

    @classmethod
    def get_from_id(cls, course_id):
        """The overview of ``course_id``; raises ``CourseOverview.DoesNotExist`` for an unknown course."""
        return cls.objects.get(id=_as_course_key(course_id))

    @classmethod
    def get_from_ids(cls, course_ids):
        """``{course_key: CourseOverview or None}`` for every key asked for."""
        keys = [_as_course_key(course_id) for course_id in course_ids]
        found = {overview.id: overview for overview in cls.objects.filter(id__in=keys)}
        return {key: found.get(key) for key in keys}

    def has_started(self):
        return self.start is None or self.start <= timezone.now()

    def has_ended(self):
        return self.end is not None and self.end < timezone.now()

    @property
    def display_name_with_default(self):
        return self.display_name or str(self.id)


def _as_course_key(course_id):
    return course_id if isinstance(course_id, CourseKey) else CourseKey.from_string(str(course_id))
