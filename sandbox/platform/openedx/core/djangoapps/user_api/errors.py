"""
Errors raised by the user API.
"""


class UserAPIError(Exception):
    """Base of the user API errors."""


class UserAPIInternalError(UserAPIError):
    """An unexpected internal error."""


class UserAPIRequestError(UserAPIError):
    """The request cannot be done (caller's error)."""


class UserNotFound(UserAPIRequestError):
    """No such user."""


class UserNotAuthorized(UserAPIRequestError):
    """The requesting user may not act on that user."""


class PreferenceRequestError(UserAPIRequestError):
    """Base of the preference errors."""


class PreferenceValidationError(PreferenceRequestError):
    """Invalid key or value; ``preference_errors`` maps each key to its developer and user messages."""

    def __init__(self, preference_errors):
        super().__init__(preference_errors)
        self.preference_errors = preference_errors


class PreferenceUpdateError(PreferenceRequestError):
    """Saving the preference failed."""

    def __init__(self, developer_message, user_message=None):
        super().__init__(developer_message)
        self.developer_message = developer_message
        self.user_message = user_message
