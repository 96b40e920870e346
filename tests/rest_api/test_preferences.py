"""
``GET / PUT /api/mandatory_assignments/v1/me/preferences/``, the preference behind it, and the API's
error shape.
"""

import json

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.test import Client
from django.urls import reverse
from edx_rest_framework_extensions.auth.jwt.tests.utils import generate_jwt
from rest_framework import exceptions

from mandatory_assignments import api, compat, preferences
from mandatory_assignments.rest_api.v1 import errors
from sandbox import controls

URL = "/api/mandatory_assignments/v1/me/preferences/"
KEY = preferences.EMAIL_REMINDERS_PREFERENCE
CSRF_SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"  # 32 characters: a valid unmasked CSRF secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return controls.create_user("petra", email="petra@example.com", password="pw")


@pytest.fixture
def client(person):
    client = Client()
    client.force_login(person)
    return client


def put(client, body, **extra):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.put(URL, data=data, content_type="application/json", **extra)


def stored(person):
    return compat.get_user_preference(person, KEY)


def test_url_is_the_contract():
    assert reverse("mandatory_assignments:v1:me-preferences") == URL


def test_reminders_are_on_by_default(client, person):
    response = client.get(URL)

    assert response.status_code == 200
    assert response.json() == {"email_reminders": True}
    assert stored(person) is None


def test_turning_reminders_off_and_on_writes_the_platform_preference(client, person):
    response = put(client, {"email_reminders": False})

    assert response.status_code == 200
    assert response.json() == {"email_reminders": False}
    assert client.get(URL).json() == {"email_reminders": False}
    assert stored(person) == "false"

    response = put(client, {"email_reminders": True})

    assert response.json() == {"email_reminders": True}
    assert stored(person) == "true"


def test_the_preference_set_elsewhere_is_what_get_shows(client, person):
    compat.set_user_preference(person, KEY, "false")

    assert client.get(URL).json() == {"email_reminders": False}


@pytest.mark.parametrize(
    "body, field_errors",
    [
        ({}, {"email_reminders": ["This field is required."]}),
        ({"email_reminders": "maybe"}, {"email_reminders": ["Must be true or false."]}),
        ({"email_reminders": 0}, {"email_reminders": ["Must be true or false."]}),
        ({"email_reminders": None}, {"email_reminders": ["This field may not be null."]}),
        ({"email_reminders": False, "emails": False}, {"emails": ["Unknown field."]}),
        ({"reminders": False}, {"email_reminders": ["This field is required."], "reminders": ["Unknown field."]}),
    ],
)
def test_an_invalid_body_is_refused_and_nothing_is_written(client, person, body, field_errors):
    response = put(client, body)

    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "invalid"
    assert data["field_errors"] == field_errors
    assert isinstance(data["detail"], str) and data["detail"]
    assert stored(person) is None


@pytest.mark.parametrize("body", ["not json", "[false]", "false"])
def test_a_body_that_is_no_object_is_refused(client, person, body):
    response = put(client, body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()) == {"code", "detail", "field_errors"}
    assert stored(person) is None


def test_only_json_is_accepted(client, person):
    response = client.put(URL, data="email_reminders=false", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert stored(person) is None


def test_post_is_not_a_method_of_it(client):
    assert client.post(URL, data="{}", content_type="application/json").status_code == 405


@pytest.mark.parametrize("method", ["get", "put"])
def test_anonymous_callers_are_refused(method, person):
    client = Client()
    response = client.get(URL) if method == "get" else put(client, {"email_reminders": False})

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert stored(person) is None


def test_session_put_without_csrf_token_is_refused(person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)

    assert client.get(URL).status_code == 200  # safe methods need no token
    response = put(client, {"email_reminders": False})

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert stored(person) is None


def test_session_put_with_csrf_token_passes(person):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    client.cookies["csrftoken"] = CSRF_SECRET

    response = put(client, {"email_reminders": False}, HTTP_X_CSRFTOKEN=CSRF_SECRET)

    assert response.status_code == 200
    assert stored(person) == "false"


def test_jwt_authentication_works_without_session_or_csrf(person):
    client = Client(enforce_csrf_checks=True)
    header = {"HTTP_AUTHORIZATION": f"JWT {generate_jwt(person)}"}

    response = put(client, {"email_reminders": False}, **header)

    assert response.status_code == 200
    assert client.get(URL, **header).json() == {"email_reminders": False}
    assert stored(person) == "false"


def test_a_restricted_jwt_acts_for_nobody(person):
    header = {"HTTP_AUTHORIZATION": f"JWT {generate_jwt(person, is_restricted=True)}"}

    response = put(Client(), {"email_reminders": False}, **header)

    assert response.status_code == 403
    assert stored(person) is None


def test_a_bad_jwt_is_refused(person):
    response = Client().get(URL, HTTP_AUTHORIZATION="JWT not-a-token")

    assert response.status_code == 401


def test_the_api_is_absent_when_the_feature_is_off(client, settings):
    settings.MANDATORY_ASSIGNMENTS_ENABLED = False

    assert client.get(URL).status_code == 404
    assert put(client, {"email_reminders": False}).status_code == 404
    assert Client().get(URL).status_code == 404


# The preference ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, enabled",
    [(None, True), ("true", True), ("false", False), ("False", False), (" false ", False), ("", True), ("0", True)],
)
def test_only_false_turns_reminders_off(value, enabled):
    assert preferences.reminders_enabled_value(value) is enabled


def test_set_email_reminders_goes_through_the_platform_api(person):
    preferences.set_email_reminders(person, False, requesting_user=person)

    assert preferences.email_reminders_enabled(person) is False
    assert stored(person) == "false"


# The error shape -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, status",
    [("due_date_too_soon", 400), ("not_allowed", 403), ("completed_cannot_withdraw", 409), ("already_assigned", 400)],
)
def test_assignment_errors_render_in_the_api_shape(code, status):
    response = errors.exception_handler(api.AssignmentError(code, "Refused.", "due_date"), {})

    assert response.status_code == status
    assert response.data == {"code": code, "detail": "Refused.", "field_errors": {"due_date": ["Refused."]}}


def test_an_assignment_error_without_field_has_no_field_errors():
    response = errors.exception_handler(api.AssignmentError("completed_cannot_edit", "Done."), {})

    assert response.data == {"code": "completed_cannot_edit", "detail": "Done.", "field_errors": {}}


def test_nested_serializer_errors_are_flattened():
    exc = exceptions.ValidationError({"reminders": [{}, {"days": ["Too far."]}], "non_field_errors": ["Bad."]})

    response = errors.exception_handler(exc, {})

    assert response.status_code == 400
    assert response.data == {"code": "invalid", "detail": "Bad.", "field_errors": {"reminders[1].days": ["Too far."]}}


def test_a_serializer_may_refuse_with_a_rule_code():
    exc = exceptions.ValidationError({"due_date": ["Too soon."]}, code="due_date_too_soon")

    assert errors.exception_handler(exc, {}).data["code"] == "due_date_too_soon"


def test_django_validation_errors_are_invalid_input():
    response = errors.exception_handler(DjangoValidationError("Enter the due date as YYYY-MM-DD.", code="invalid"), {})

    assert response.status_code == 400
    assert response.data == {"code": "invalid", "detail": "Enter the due date as YYYY-MM-DD.", "field_errors": {}}


def test_what_the_api_writes_is_what_the_opt_out_policy_reads(client, person):
    from edx_ace.channel import ChannelType  # pylint: disable=import-outside-toplevel
    from edx_ace.message import Message  # pylint: disable=import-outside-toplevel
    from edx_ace.recipient import Recipient  # pylint: disable=import-outside-toplevel

    from mandatory_assignments import policies  # pylint: disable=import-outside-toplevel

    reminder = Message(
        app_label="mandatory_assignments",
        name="reminder",
        recipient=Recipient(lms_user_id=person.id, email_address=person.email),
        context={},
    )
    assert policies.EMAIL_REMINDERS_PREFERENCE == preferences.EMAIL_REMINDERS_PREFERENCE
    assert policies.EmailReminderOptOutPolicy().check(reminder).deny == set()

    put(client, {"email_reminders": False})

    assert policies.EmailReminderOptOutPolicy().check(reminder).deny == {ChannelType.EMAIL}
