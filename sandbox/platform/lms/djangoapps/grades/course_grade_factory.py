"""
``CourseGradeFactory``: reads stored course grades and (re)computes them.

The sandbox has no course content to compute a grade from: a grade is *set* (``sandbox.controls.set_grade``
calls ``persist_course_grade``) and ``update`` recomputes it as the stored one. Both go through the same
steps as the LMS's ``CourseGradeFactory._update``: persist, then the grade signals, whose handlers send
``COURSE_PASSING_STATUS_UPDATED`` — on every regrade, passing or not.
"""

import logging
from collections import namedtuple

from opaque_keys.edx.keys import CourseKey
from openedx.core.djangoapps.signals.signals import (
    COURSE_GRADE_CHANGED,
    COURSE_GRADE_NOW_FAILED,
    COURSE_GRADE_NOW_PASSED,
)

from .course_grade import CourseGrade, ZeroCourseGrade
from .models import PersistentCourseGrade

log = logging.getLogger(__name__)

PASSING_LETTER_GRADE = "Pass"


class CourseGradeFactory:
    """Factory of course grade objects."""

    GradeResult = namedtuple("GradeResult", ["student", "course_grade", "error"])

    def read(
        self,
        user,
        course=None,
        collected_block_structure=None,
        course_structure=None,
        course_key=None,
        create_if_needed=True,
    ):
        """The stored grade of ``user`` in the course, or a zero grade when none is stored."""
        key = _course_key(course, course_key)
        try:
            stored = PersistentCourseGrade.read(user.id, key)
        except PersistentCourseGrade.DoesNotExist:
            return ZeroCourseGrade(user, key)
        return _grade_from_stored(user, key, stored)

    def update(
        self,
        user,
        course=None,
        collected_block_structure=None,
        course_structure=None,
        course_key=None,
        force_update_subsections=False,
    ):
        """Recompute (here: re-persist the stored values), send the grade signals, return the grade."""
        key = _course_key(course, course_key)
        current = self.read(user, course_key=key)
        return persist_course_grade(user, key, current.percent, current.passed)

    def iter(self, users, course=None, collected_block_structure=None, course_key=None, force_update=False):
        """A ``GradeResult`` for each of ``users``."""
        method = self.update if force_update else self.read
        for user in users:
            try:
                yield self.GradeResult(user, method(user, course=course, course_key=course_key), None)
            except Exception as exc:  # noqa: BLE001 -- the platform keeps marching on, logging the error
                log.exception("Cannot grade student %s in course %s", user.id, course_key)
                yield self.GradeResult(user, None, exc)


def persist_course_grade(user, course_key, percent, passed):
    """
    Store a computed course grade the way ``CourseGradeFactory._update`` does and send its signals.

    ``percent`` is a 0–1 fraction. Returns the ``CourseGrade``.
    """
    if not 0 <= percent <= 1:
        raise ValueError(f"percent is a 0-1 fraction, got {percent!r}")
    course_key = _course_key(None, course_key)
    stored = PersistentCourseGrade.update_or_create(
        user_id=user.id,
        course_id=course_key,
        course_version="",
        course_edited_timestamp=None,
        grading_policy_hash="sandbox",
        percent_grade=percent,
        letter_grade=PASSING_LETTER_GRADE if passed else "",
        passed=passed,
    )
    course_grade = _grade_from_stored(user, course_key, stored)
    COURSE_GRADE_CHANGED.send_robust(
        sender=None, user=user, course_grade=course_grade, course_key=course_key, deadline=None
    )
    if course_grade.passed:
        COURSE_GRADE_NOW_PASSED.send(sender=CourseGradeFactory, user=user, course_id=course_key)
    else:
        COURSE_GRADE_NOW_FAILED.send(sender=CourseGradeFactory, user=user, course_id=course_key, grade=course_grade)
    return course_grade


def _grade_from_stored(user, course_key, stored):
    return CourseGrade(
        user,
        course_key,
        percent=stored.percent_grade,
        letter_grade=stored.letter_grade,
        passed=stored.letter_grade != "",
        last_updated=stored.modified,
    )


def _course_key(course, course_key):
    """The course key from a course object (anything with ``.id``) or a key or its string."""
    key = course_key if course_key is not None else getattr(course, "id", None)
    if key is None:
        raise ValueError("a course or a course_key is required")
    return key if isinstance(key, CourseKey) else CourseKey.from_string(str(key))
