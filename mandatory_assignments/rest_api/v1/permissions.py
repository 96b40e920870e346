"""
Permissions of the REST API. They fail closed.
"""

from rest_framework import exceptions
from rest_framework.permissions import BasePermission

from ...conf import setting


class FeatureEnabled(BasePermission):
    """
    The API exists only while ``MANDATORY_ASSIGNMENTS_ENABLED`` is on: otherwise every endpoint answers
    404 (before authentication is asked for), as if the plugin were not installed.
    """

    def has_permission(self, request, view):
        if not setting("ENABLED"):
            raise exceptions.NotFound()
        return True
