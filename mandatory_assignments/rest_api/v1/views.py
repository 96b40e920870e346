"""
Views of the REST API, version 1 (SPEC §3: ``/api/mandatory_assignments/v1/``).

Every view derives from :class:`MandatoryAssignmentsAPIView`: JWT and session authentication (CSRF
enforced for session and JWT-cookie requests; nothing is exempted), authenticated callers only, the
feature switch, and errors in the API's shape (``errors.exception_handler``).
"""

from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema
from edx_rest_framework_extensions.auth.jwt.authentication import JwtAuthentication
from edx_rest_framework_extensions.auth.session.authentication import SessionAuthenticationAllowInactiveUser
from edx_rest_framework_extensions.permissions import NotJwtRestrictedApplication
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from ... import access, api, preferences, targets
from . import errors, permissions
from .serializers import PreferencesSerializer


class SafeJSONParser(JSONParser):
    """
    DRF's JSON parser, except that a body nested too deeply for Python's parser (``[[[[…]]]]``, which
    raises ``RecursionError``, not a parse error) is refused as invalid input (400), not a server error.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(_("The JSON body is nested too deeply.")) from None


class MandatoryAssignmentsAPIView(APIView):
    """The base of the API's views: authentication, permissions, formats and the error shape."""

    authentication_classes = (JwtAuthentication, SessionAuthenticationAllowInactiveUser)
    # The feature switch first, so that a disabled plugin answers 404 even to anonymous callers.
    # Restricted JWTs (OAuth client-credentials applications) act for no person: refused.
    permission_classes = (permissions.FeatureEnabled, IsAuthenticated, NotJwtRestrictedApplication)
    parser_classes = (SafeJSONParser,)
    renderer_classes = (JSONRenderer,)
    # The plugin's own schema inspector: the LMS's DEFAULT_SCHEMA_CLASS is left alone (schema.py).
    schema = AutoSchema()

    def get_exception_handler(self):
        return errors.exception_handler

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in cls.http_method_names:
            schema_class = getattr(cls.__dict__.get(name), "kwargs", {}).get("schema")
            if schema_class is not None:
                _base_on_plugin_schema(schema_class)


def _base_on_plugin_schema(schema_class):
    """
    ``@extend_schema`` on a view method builds the operation's schema class on the project's
    ``DEFAULT_SCHEMA_CLASS`` — the LMS's, which a plugin leaves alone — not on the view's own ``schema``.
    Re-base it on drf-spectacular's ``AutoSchema``, the inspector the API's views carry, so that plain
    ``@extend_schema`` works on them.
    """
    klass = schema_class
    while klass is not None and not issubclass(klass, AutoSchema):
        bases = klass.__bases__
        if len(bases) == 1 and bases[0] is api_settings.DEFAULT_SCHEMA_CLASS:
            klass.__bases__ = (AutoSchema,)
            return
        klass = bases[0] if len(bases) == 1 else None


def managed_target(by, key, field="target"):
    """
    The :class:`~mandatory_assignments.data.Target` named by ``key`` when ``by`` may manage it. Unknown:
    400 ``unknown_target``; not theirs: 403 ``not_allowed``; with company scoping, a course of another
    company's orgs: 400 ``other_company`` (as ``api.assign`` refuses it).
    """
    target = targets.resolve(key)
    if target is None:
        raise api.AssignmentError(
            "unknown_target", _("There is no course or learning path {key}.").format(key=key), field
        )
    if not api.can_manage(by, target.key):
        raise api.AssignmentError(
            "not_allowed", _("You may not assign or change assignments of {name}.").format(name=target.display_name)
        )
    if access.scoped() and not access.unrestricted(by) and not access.target_in_company(target, access.company_of(by)):
        raise api.AssignmentError("other_company", _("This course belongs to another company."), field)
    return target


class UnknownPathView(MandatoryAssignmentsAPIView):
    """
    Any path under the API that names no endpoint (``assignments/-1/``, ``assignments/abc/``, a typo):
    404 in the API's error shape, whatever the method, instead of Django's HTML page. It reveals nothing,
    so it answers before authentication; not an operation of the API (no schema).
    """

    authentication_classes = ()
    permission_classes = (permissions.FeatureEnabled,)
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()


class MyPreferencesView(MandatoryAssignmentsAPIView):
    """
    ``GET / PUT me/preferences/``: the caller's own settings, ``{"email_reminders": bool}``.

    ``email_reminders`` false turns off every reminder and overdue email addressed to the caller (as
    learner, assigner or manager); the assigned, withdrawn and new-cycle notices still go out. It is the
    platform user preference ``mandatory_assignments_email_reminders``, written through the platform's
    preferences API.
    """

    @extend_schema(responses=PreferencesSerializer)
    def get(self, request):
        return Response(self._preferences_of(request.user))

    @extend_schema(request=PreferencesSerializer, responses=PreferencesSerializer)
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
