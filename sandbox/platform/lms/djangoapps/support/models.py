"""
Course reset: courses that opted in, and an audit row per learner reset.
"""

from common.djangoapps.student.models import CourseEnrollment
from django.contrib.auth import get_user_model
from django.db.models import CASCADE, DO_NOTHING, BooleanField, CharField, DateTimeField, ForeignKey, TextChoices
from model_utils.models import TimeStampedModel
from opaque_keys.edx.django.models import CourseKeyField

User = get_user_model()


class CourseResetCourseOptIn(TimeStampedModel):
    """
    A course that has opted in to the course reset feature.

    .. no_pii:
    """

    course_id = CourseKeyField(unique=True, max_length=255)
    active = BooleanField()

    class Meta:
        app_label = "support"

    def __str__(self):
        return f"{self.course_id} - {'ACTIVE' if self.active else 'INACTIVE'}"

    @staticmethod
    def all_active():
        return CourseResetCourseOptIn.objects.filter(active=True)

    @staticmethod
    def all_active_course_ids():
        return [course.course_id for course in CourseResetCourseOptIn.all_active()]


class CourseResetAudit(TimeStampedModel):
    """
    One requested reset of a learner's progress in a course, and how it went.

    .. no_pii:
    """

    class CourseResetStatus(TextChoices):
        IN_PROGRESS = "in_progress"
        COMPLETE = "complete"
        ENQUEUED = "enqueued"
        FAILED = "failed"

    course = ForeignKey(CourseResetCourseOptIn, on_delete=CASCADE)
    course_enrollment = ForeignKey(CourseEnrollment, on_delete=DO_NOTHING)
    reset_by = ForeignKey(User, on_delete=DO_NOTHING)
    status = CharField(max_length=12, choices=CourseResetStatus.choices, default=CourseResetStatus.ENQUEUED)
    completed_at = DateTimeField(default=None, null=True, blank=True)
    comment = CharField(max_length=255, default="", blank=True)

    class Meta:
        app_label = "support"

    def __str__(self):
        return f"reset of enrollment {self.course_enrollment_id}: {self.status}"

    def status_message(self):
        """A message about this reset's status."""
        if self.status == self.CourseResetStatus.FAILED:
            return f"Failed on {self.modified}"
        if self.status == self.CourseResetStatus.ENQUEUED:
            return f"Enqueued - Created {self.created} by {self.reset_by.username}"
        if self.status == self.CourseResetStatus.COMPLETE:
            return f"Completed on {self.completed_at} by {self.reset_by.username}"
        if self.status == self.CourseResetStatus.IN_PROGRESS:
            return f"In progress - Started on {self.modified} by {self.reset_by.username}"
        return self.status
