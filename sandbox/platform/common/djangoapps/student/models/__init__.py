"""
Models of the student app; like the platform's package, it re-exports its two modules.
"""

from .course_enrollment import *  # noqa: F401,F403
from .user import *  # noqa: F401,F403
