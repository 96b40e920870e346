"""
Account signals; the retirement pipeline sends these while it retires a user.
"""

from django.dispatch import Signal

# Sent with ``user``: retire critical data first (e.g. social auth); raising aborts the retirement step.
USER_RETIRE_LMS_CRITICAL = Signal()
# Sent with ``user``: retire everything else in the LMS; synchronous and retried on error.
USER_RETIRE_LMS_MISC = Signal()
# Sent with ``user``: remove the user from mailing lists.
USER_RETIRE_MAILINGS = Signal()
