"""
Django system checks: what an operator's settings can break without an error of their own.
"""

from django.conf import settings
from django.core.checks import Warning as CheckWarning
from django.core.checks import register

from .settings.common import ACE_POLICY_NAME


@register()
def check_ace_policy(app_configs, **kwargs):  # pylint: disable=unused-argument
    """
    The opt-out policy must be in ``ACE_ENABLED_POLICIES`` after every setting ran: another plugin's
    settings (``ace_common``) may replace the list, and then reminders reach people who turned them off.
    """
    policies = getattr(settings, "ACE_ENABLED_POLICIES", None) or []
    if ACE_POLICY_NAME in policies:
        return []
    return [
        CheckWarning(
            f"{ACE_POLICY_NAME!r} is not in ACE_ENABLED_POLICIES: people who turned mandatory-assignment reminder "
            "emails off would still get them.",
            hint=f"Append {ACE_POLICY_NAME!r} to ACE_ENABLED_POLICIES in the LMS settings applied last.",
            id="mandatory_assignments.W001",
        )
    ]
