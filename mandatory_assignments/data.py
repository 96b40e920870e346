"""
Plain data passed across the plugin's boundaries.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Target:
    """A course or learning path that can be assigned."""

    key: str
    type: str  # "course" or "path"
    display_name: str
    course_keys: tuple  # the course itself, or the courses of the path in order
    org: str = ""


@dataclass
class BulkResult:
    """The outcome of a bulk assignment, per person."""

    created: list = field(default_factory=list)  # Assignment
    skipped: list = field(default_factory=list)  # (user, reason)
    failed: list = field(default_factory=list)  # (user or the value given, message)


UNCHANGED = object()  # ``update``'s default: leave this field as it is
