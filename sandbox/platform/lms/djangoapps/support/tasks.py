"""
The course reset task: wipes a learner's progress in a course.

The sandbox's courses have no blocks with student state: a reset deletes the learner's block completions
and course grade, the two kinds of progress the sandbox stores.
"""

import logging

from celery import shared_task
from common.djangoapps.student.models import CourseEnrollment, get_user_by_username_or_email
from completion.models import BlockCompletion
from django.utils import timezone

from lms.djangoapps.grades.api import clear_user_course_grades

from .models import CourseResetAudit

log = logging.getLogger(__name__)


def update_audit_status(audit_instance, status):
    audit_instance.status = status
    if status == CourseResetAudit.CourseResetStatus.COMPLETE:
        audit_instance.completed_at = timezone.now()
    audit_instance.save()


@shared_task
def reset_student_course(course_id, learner_email, reset_by_user_email):
    """
    Reset a learner's progress in a course. The caller has created the ``ENQUEUED`` audit row for the
    learner's active enrollment; the task moves it to ``IN_PROGRESS`` and then ``COMPLETE`` (or ``FAILED``).
    """
    user = get_user_by_username_or_email(learner_email)
    enrollment = CourseEnrollment.objects.get(course=course_id, user=user, is_active=True)
    audit = CourseResetAudit.objects.get(
        course_enrollment=enrollment, status=CourseResetAudit.CourseResetStatus.ENQUEUED
    )
    update_audit_status(audit, CourseResetAudit.CourseResetStatus.IN_PROGRESS)
    try:
        BlockCompletion.objects.clear_learning_context_completion(user, enrollment.course_id)
        clear_user_course_grades(user.id, enrollment.course_id)
    except Exception:  # noqa: BLE001 -- the platform records any failure on the audit row
        log.exception("Error occurred for Course Audit with ID %s", audit.id)
        update_audit_status(audit, CourseResetAudit.CourseResetStatus.FAILED)
    else:
        update_audit_status(audit, CourseResetAudit.CourseResetStatus.COMPLETE)
