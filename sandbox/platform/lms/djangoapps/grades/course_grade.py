"""
Course grade objects as ``CourseGradeFactory`` returns them.
"""


class CourseGradeBase:
    """A learner's grade in a course: ``percent`` (0–1), ``letter_grade``, ``passed``."""

    def __init__(self, user, course_key, percent=0.0, letter_grade=None, passed=False, last_updated=None):
        self.user = user
        self.course_key = course_key
        self.percent = percent
        self.letter_grade = letter_grade
        self.passed = passed
        self.last_updated = last_updated

    def __str__(self):
        return f"Course Grade: percent: {self.percent}, letter_grade: {self.letter_grade}, passed: {self.passed}"

    @property
    def attempted(self):
        return True


class CourseGrade(CourseGradeBase):
    """A grade read from (or written to) storage."""


class ZeroCourseGrade(CourseGradeBase):
    """The grade of a learner without a stored grade: zero, not passed."""

    @property
    def attempted(self):
        return False
