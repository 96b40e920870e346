"""
The OpenAPI 3 schema of the REST API, served at ``/api/mandatory_assignments/v1/schema/`` (drf-spectacular).

A plugin must not change how the LMS documents its other APIs: the LMS's ``DEFAULT_SCHEMA_CLASS`` and
``SPECTACULAR_SETTINGS`` stay as they are. The plugin's views carry their own inspector
(``schema = AutoSchema()`` on the base view) and this view generates from the plugin's URLs alone
(``schema_urls``) with its own settings (``custom_settings``), among them a hook that documents the
API's error responses — the one shape of ``errors.py`` — on every operation.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.views import SpectacularAPIView

from . import permissions
from .views import MandatoryAssignmentsAPIView

API_PREFIX = "/api/mandatory_assignments/v1"

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error of the API. code: a rule of mandatory assignments (SPEC §3), 'invalid' "
    "for input that does not validate, or the framework's code (not_authenticated, permission_denied, "
    "not_found, ...).",
    "properties": {
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "field_errors": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["code", "detail", "field_errors"],
}

ERROR_DESCRIPTIONS = {
    "400": "Invalid input, or a rule of mandatory assignments refused the request (see code).",
    "401": "Not authenticated.",
    "403": "The caller may not act on this target, or a CSRF token is missing.",
    "404": "No such object, or one the caller may not see.",
    "409": "A completed assignment cannot be withdrawn (completed_cannot_withdraw).",
    "415": "The body is not JSON.",
}


def error_codes_of(method):
    """The error statuses an operation may answer with."""
    codes = ["400", "401", "403", "404"]
    if method in ("post", "put", "patch"):
        codes.append("415")
    if method == "delete":
        codes.append("409")
    return codes


def add_error_responses(result, generator, request, public):  # pylint: disable=unused-argument
    """drf-spectacular post-processing hook: the error shape, on every operation's error statuses."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"$ref": "#/components/schemas/Error"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for code in error_codes_of(method):
                responses.setdefault(
                    code,
                    {"description": ERROR_DESCRIPTIONS[code], "content": {"application/json": {"schema": reference}}},
                )
    return result


SCHEMA_SETTINGS = {
    "TITLE": "Mandatory assignments API",
    "DESCRIPTION": "Assign courses and learning paths with due dates, reminders and repetition (SPEC §3). "
    "Authentication: JWT (Authorization: JWT <token>) or the LMS session (with the CSRF token on writes).",
    "VERSION": "1.0.0",
    # 3.1: a nullable object is oneOf [object, null]; 3.0.3 says nullable beside allOf does not admit null.
    "OAS_VERSION": "3.1.0",
    "SCHEMA_PATH_PREFIX": API_PREFIX,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "mandatory_assignments.rest_api.v1.schema.add_error_responses",
    ],
}


class JwtAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the schema describes edx-drf-extensions' JWT authentication (an LMS extension for it wins)."""

    target_class = "edx_rest_framework_extensions.auth.jwt.authentication.JwtAuthentication"
    name = "jwtAuth"
    priority = -1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A JWT from the LMS: 'JWT <token>' (or the LMS's JWT cookies, with the CSRF token).",
        }


class SessionAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the schema describes the LMS session (an LMS extension for it wins)."""

    target_class = "edx_rest_framework_extensions.auth.session.authentication.SessionAuthenticationAllowInactiveUser"
    name = "sessionAuth"
    priority = -1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "The LMS session; writes need the CSRF token (X-CSRFToken header).",
        }


class SchemaView(SpectacularAPIView):
    """``GET schema/``: the API's OpenAPI 3 schema (YAML; JSON with ``?format=json``); public, like API docs."""

    authentication_classes = MandatoryAssignmentsAPIView.authentication_classes
    permission_classes = (permissions.FeatureEnabled,)
    urlconf = "mandatory_assignments.rest_api.v1.schema_urls"
    custom_settings = SCHEMA_SETTINGS
    serve_public = True
    schema = None  # not an operation of the API it documents

    def get_exception_handler(self):
        return MandatoryAssignmentsAPIView.get_exception_handler(self)
