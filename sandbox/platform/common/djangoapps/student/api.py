"""
The student app's public API (the names other apps, such as learning-paths-plugin, import from here).
"""

from .models import CourseEnrollment, UserProfile  # noqa: F401
from .models.course_enrollment import CourseEnrollmentException  # noqa: F401
