"""
The grades app's public Python API (reduced).
"""

from .course_grade_factory import CourseGradeFactory  # noqa: F401
from .models import PersistentCourseGrade


def clear_user_course_grades(user_id, course_key):
    """Delete a learner's stored grade in a course (used by the course reset)."""
    PersistentCourseGrade.delete_course_grade_for_learner(course_key, user_id)
