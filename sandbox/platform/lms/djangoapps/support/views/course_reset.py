"""
Course reset helpers of the support tool (its REST view is not simulated).
"""

from lms.djangoapps.grades.api import CourseGradeFactory
from lms.djangoapps.support.models import CourseResetAudit


def get_latest_audit(course_enrollment):
    try:
        return course_enrollment.courseresetaudit_set.latest("modified")
    except CourseResetAudit.DoesNotExist:
        return None


def can_enrollment_be_reset(course_enrollment):
    """
    ``(allowed, status message or None)``: a course must be running, the learner must not hold a passing
    grade, and an earlier reset of this enrollment must have failed (or there must be none).
    """
    course_overview = course_enrollment.course_overview
    if not course_overview.has_started():
        return False, "Course Not Started"
    if course_overview.has_ended():
        return False, "Course Ended"
    if _user_has_passing_grade_in_course(course_enrollment):
        return False, "Learner Has Passing Grade"

    audit = get_latest_audit(course_enrollment)
    if audit is None:
        return True, None
    if audit.status == CourseResetAudit.CourseResetStatus.FAILED:
        return True, audit.status_message()
    return False, audit.status_message()


def _user_has_passing_grade_in_course(enrollment):
    course_grade = CourseGradeFactory().read(enrollment.user, enrollment.course_overview, create_if_needed=False)
    return bool(course_grade and course_grade.passed)
