"""
The refusals of mandatory assignments: :class:`AssignmentError` and its codes (SPEC §3).
"""

from django.core.exceptions import ValidationError

ERROR_CODES = (
    "due_date_too_soon",
    "unknown_target",
    "unknown_user",
    "other_company",
    "already_assigned",
    "completed_cannot_withdraw",
    "completed_cannot_edit",
    "invalid_reminder",
    "invalid_repetition",
    "invalid_note",
    "invalid_due_date",
    "not_allowed",
)


class AssignmentError(ValidationError):
    """
    A request the rules of mandatory assignments refuse; ``code`` says which rule.

    ``field`` names the input at fault, where there is one.
    """

    def __init__(self, code, message, field=None):
        if code not in ERROR_CODES:
            raise ValueError(f"unknown error code {code!r}")
        super().__init__(message, code=code)
        self.field = field
