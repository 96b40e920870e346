"""
Views of the REST API, version 1 (SPEC §3: ``/api/mandatory_assignments/v1/``).

Every view derives from :class:`MandatoryAssignmentsAPIView`: JWT and session authentication (CSRF
enforced for session and JWT-cookie requests; nothing is exempted), authenticated callers only, the
feature switch, and errors in the API's shape (``errors.exception_handler``).
"""

from edx_rest_framework_extensions.auth.jwt.authentication import JwtAuthentication
from edx_rest_framework_extensions.auth.session.authentication import SessionAuthenticationAllowInactiveUser
from edx_rest_framework_extensions.permissions import NotJwtRestrictedApplication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ... import preferences
from . import errors, permissions
from .serializers import PreferencesSerializer


class MandatoryAssignmentsAPIView(APIView):
    """The base of the API's views: authentication, permissions, formats and the error shape."""

    authentication_classes = (JwtAuthentication, SessionAuthenticationAllowInactiveUser)
    # The feature switch first, so that a disabled plugin answers 404 even to anonymous callers.
    # Restricted JWTs (OAuth client-credentials applications) act for no person: refused.
    permission_classes = (permissions.FeatureEnabled, IsAuthenticated, NotJwtRestrictedApplication)
    parser_classes = (JSONParser,)
    renderer_classes = (JSONRenderer,)

    def get_exception_handler(self):
        return errors.exception_handler


class MyPreferencesView(MandatoryAssignmentsAPIView):
    """
    ``GET / PUT me/preferences/``: the caller's own settings, ``{"email_reminders": bool}``.

    ``email_reminders`` false turns off every reminder and overdue email addressed to the caller (as
    learner, assigner or manager); the assigned, withdrawn and new-cycle notices still go out. It is the
    platform user preference ``mandatory_assignments_email_reminders``, written through the platform's
    preferences API.
    """

    def get(self, request):
        return Response(self._preferences_of(request.user))

    def put(self, request):
        serializer = PreferencesSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        preferences.set_email_reminders(
            request.user, serializer.validated_data["email_reminders"], requesting_user=request.user
        )
        return Response(self._preferences_of(request.user))

    @staticmethod
    def _preferences_of(user):
        return {"email_reminders": preferences.email_reminders_enabled(user)}
