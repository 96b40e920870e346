"""
Platform-internal Django signals that the simulated apps send (the grade signals).
"""

from django.dispatch import Signal

# Sent after a course grade is computed: sender, user, course_grade, course_key, deadline.
COURSE_GRADE_CHANGED = Signal()
# Sent after a course grade is computed as passing: sender, user, course_id.
COURSE_GRADE_NOW_PASSED = Signal()
# Sent after a course grade is computed as failing: sender, user, course_id, grade.
COURSE_GRADE_NOW_FAILED = Signal()
# Sent when a learner's persisted course grade passes for the first time: sender, user_id, course_id.
COURSE_GRADE_PASSED_FIRST_TIME = Signal()
