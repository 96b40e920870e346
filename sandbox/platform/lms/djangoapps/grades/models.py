"""
The persisted course grade of a learner, and the event the LMS sends whenever it is written.
"""

from django.db import models
from django.utils.timezone import now
from model_utils.models import TimeStampedModel
from opaque_keys.edx.django.models import CourseKeyField
from openedx.core.djangoapps.signals.signals import COURSE_GRADE_PASSED_FIRST_TIME
from openedx_events.learning.data import CourseData, PersistentCourseGradeData
from openedx_events.learning.signals import PERSISTENT_GRADE_SUMMARY_CHANGED


class PersistentCourseGrade(TimeStampedModel):
    """
    A learner's course grade as last computed. ``percent_grade`` is a 0–1 fraction; ``letter_grade`` is
    empty when the grade does not pass; ``passed_timestamp`` is set on the first pass and kept.

    .. no_pii:
    """

    user_id = models.IntegerField(blank=False, db_index=True)
    course_id = CourseKeyField(blank=False, max_length=255)
    course_edited_timestamp = models.DateTimeField("Last content edit timestamp", blank=True, null=True)
    course_version = models.CharField("Course content version identifier", blank=True, max_length=255)
    grading_policy_hash = models.CharField("Hash of grading policy", blank=False, max_length=255)
    percent_grade = models.FloatField(blank=False)
    letter_grade = models.CharField("Letter grade for course", blank=False, max_length=255)
    passed_timestamp = models.DateTimeField("Date learner earned a passing grade", blank=True, null=True)

    class Meta:
        app_label = "grades"
        unique_together = [("course_id", "user_id")]
        indexes = [
            models.Index(fields=["passed_timestamp", "course_id"], name="passed_timestamp_course_id_idx"),
            models.Index(fields=["modified", "course_id"], name="modified_course_id_idx"),
        ]

    def __str__(self):
        return f"PersistentCourseGrade user: {self.user_id}, percent grade: {self.percent_grade}"

    @classmethod
    def read(cls, user_id, course_id):
        """The stored grade; raises ``PersistentCourseGrade.DoesNotExist``."""
        return cls.objects.get(user_id=user_id, course_id=course_id)

    @classmethod
    def update_or_create(cls, user_id, course_id, **kwargs):
        """Store a computed grade (``passed`` among the kwargs) and send ``PERSISTENT_GRADE_SUMMARY_CHANGED``."""
        passed = kwargs.pop("passed")
        if kwargs.get("course_version") is None:
            kwargs["course_version"] = ""
        grade, __ = cls.objects.update_or_create(user_id=user_id, course_id=course_id, defaults=kwargs)
        if passed and not grade.passed_timestamp:
            COURSE_GRADE_PASSED_FIRST_TIME.send(sender=None, course_id=course_id, user_id=user_id)
            grade.passed_timestamp = now()
            grade.save()
        cls._emit_openedx_persistent_grade_summary_changed_event(course_id, user_id, grade)
        return grade

    @classmethod
    def delete_course_grade_for_learner(cls, course_id, user_id):
        cls.objects.filter(user_id=user_id, course_id=course_id).delete()

    @staticmethod
    def _emit_openedx_persistent_grade_summary_changed_event(course_id, user_id, grade):
        PERSISTENT_GRADE_SUMMARY_CHANGED.send_event(
            grade=PersistentCourseGradeData(
                user_id=user_id,
                course=CourseData(course_key=course_id),
                course_edited_timestamp=grade.course_edited_timestamp,
                course_version=grade.course_version,
                grading_policy_hash=grade.grading_policy_hash,
                percent_grade=grade.percent_grade,
                letter_grade=grade.letter_grade,
                passed_timestamp=grade.passed_timestamp,
            )
        )
