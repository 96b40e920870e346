"""
The student app's Django signals that enrollment changes send (the LMS's ``student.signals``).

``ENROLLMENT_TRACK_UPDATED`` is sent when an enrollment's mode changes; in the LMS the grades app
recalculates the learner's grades on it, and certificates and schedules react to it too.
"""

from django.dispatch import Signal

# providing_args=["event", "user", "course_id", "mode", "cost", "currency"]
ENROLL_STATUS_CHANGE = Signal()

# providing_args=["course_enrollment", "skip_refund"]
UNENROLL_DONE = Signal()

# providing_args=["user", "course_key", "mode", "countdown"]
ENROLLMENT_TRACK_UPDATED = Signal()
