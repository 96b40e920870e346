"""
The REST API's error responses, in one shape (SPEC §3):

    {"code": "...", "detail": "...", "field_errors": {"field": ["message", ...]}}

``code`` is one of ``api.ERROR_CODES`` for a rule of mandatory assignments, ``"invalid"`` for input
that does not validate, and DRF's own code (``not_authenticated``, ``permission_denied``,
``not_found``, ...) for everything else. ``detail`` is always present, as in DRF's default responses, so
that generic clients keep working.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from ... import api

INVALID = "invalid"

# Rules whose refusal is not a 400. Every other AssignmentError is a 400.
STATUS_BY_CODE = {
    "not_allowed": status.HTTP_403_FORBIDDEN,
    "completed_cannot_withdraw": status.HTTP_409_CONFLICT,
}


def error_body(code, detail, field_errors=None):
    return {"code": code, "detail": str(detail), "field_errors": field_errors or {}}


def error_response(code, detail, field_errors=None, status_code=status.HTTP_400_BAD_REQUEST, headers=None):
    return Response(error_body(code, detail, field_errors), status=status_code, headers=headers)


def exception_handler(exc, context):
    """
    A DRF exception handler (a view's ``get_exception_handler`` returns it) that renders every error in
    the API's shape: ``AssignmentError``, Django and DRF validation errors, and DRF's other errors.
    """
    if isinstance(exc, api.AssignmentError):
        set_rollback()
        return assignment_error_response(exc)
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return django_validation_error_response(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # not an API error: a 500, raised as usual
    if isinstance(exc, exceptions.ValidationError):
        response.data = validation_error_body(exc)
    elif isinstance(exc, exceptions.ParseError):
        # A body that is not JSON is invalid input like any other.
        response.data = error_body(INVALID, _detail_of(response.data))
    else:
        response.data = error_body(_code_of(response.data), _detail_of(response.data))
    return response


def assignment_error_response(exc):
    """The response to a request that a rule of mandatory assignments refused."""
    message = " ".join(exc.messages)
    field_errors = {exc.field: list(exc.messages)} if exc.field else {}
    return error_response(exc.code, message, field_errors, STATUS_BY_CODE.get(exc.code, status.HTTP_400_BAD_REQUEST))


def django_validation_error_response(exc):
    if hasattr(exc, "error_dict"):
        field_errors = {field: [str(message) for message in messages] for field, messages in exc.message_dict.items()}
        non_field = field_errors.pop("__all__", [])
        return error_response(INVALID, _summary(non_field, field_errors), field_errors)
    code = getattr(exc, "code", None)
    code = code if code in api.ERROR_CODES else INVALID
    return error_response(code, " ".join(exc.messages))


def validation_error_body(exc):
    """A DRF ``ValidationError`` (from a serializer) in the API's shape."""
    field_errors, non_field = {}, []
    for path, messages in _flatten(exc.detail):
        # A nested serializer's own errors ("people.non_field_errors": not an object) belong to its field.
        path = path.removesuffix(f".{api_settings.NON_FIELD_ERRORS_KEY}")
        if path in ("", api_settings.NON_FIELD_ERRORS_KEY):
            non_field.extend(messages)
        else:
            field_errors.setdefault(path, []).extend(messages)
    codes = {code for _path, codes in _flatten(exc.get_codes()) for code in codes}
    # A serializer may refuse with one of the API's rule codes; any other code is plain invalid input.
    code = codes.pop() if len(codes) == 1 and next(iter(codes)) in api.ERROR_CODES else INVALID
    return error_body(code, _summary(non_field, field_errors), field_errors)


def _flatten(detail, prefix=""):
    """``(path, [message, ...])`` pairs of a nested DRF error detail; paths like ``reminders[0].days``."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(detail, (list, tuple)):
        if all(not isinstance(item, (dict, list, tuple)) for item in detail):
            if detail:
                yield prefix, [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                if item:
                    yield from _flatten(item, f"{prefix}[{index}]")
    else:
        yield prefix, [str(detail)]


def _summary(non_field, field_errors):
    if non_field:
        return " ".join(non_field)
    parts = [f"{field}: {' '.join(messages)}" for field, messages in field_errors.items()]
    return "; ".join(parts) if parts else _("The request is not valid.")


def _code_of(data):
    detail = data.get("detail") if isinstance(data, dict) else None
    return getattr(detail, "code", None) or "error"


def _detail_of(data):
    if isinstance(data, dict) and "detail" in data:
        return data["detail"]
    return data
