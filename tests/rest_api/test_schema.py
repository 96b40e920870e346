"""
The OpenAPI schema served at ``schema/``, and the check (``conftest.check_response``) that holds every
response of this suite to it.
"""

import json

import pytest
import yaml
from django.test import Client
from openapi_core.validation.response.exceptions import InvalidData
from rest_framework.settings import api_settings

from .conftest import API, SCHEMA_URL, VALIDATED, check_response, client_of

pytestmark = pytest.mark.django_db

SPEC_OPERATIONS = {
    ("get", "assignments/"),
    ("post", "assignments/"),
    ("get", "assignments/{assignment_id}/"),
    ("patch", "assignments/{assignment_id}/"),
    ("delete", "assignments/{assignment_id}/"),
    ("post", "bulk/preview/"),
    ("post", "bulk/"),
    ("get", "bulk/{task_id}/"),
    ("get", "people/"),
    ("get", "groups/"),
    ("get", "assignments/export.csv"),
    ("get", "me/assignments/"),
    ("get", "me/preferences/"),
    ("put", "me/preferences/"),
}


@pytest.fixture
def schema():
    response = Client().get(SCHEMA_URL, {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_schema_documents_every_endpoint_of_the_spec(schema):
    operations = {
        (method, path.removeprefix(API))
        for path, methods in schema["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    }

    assert schema["openapi"] == "3.1.0"
    assert operations == SPEC_OPERATIONS


def test_every_operation_documents_the_error_shape(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            for code in ("400", "401", "403", "404"):
                content = operation["responses"][code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}, (path, method, code)
    assert schema["components"]["schemas"]["Error"]["required"] == ["code", "detail", "field_errors"]
    assert "409" in schema["paths"][f"{API}assignments/{{assignment_id}}/"]["delete"]["responses"]


def test_the_result_shape_is_the_contract(schema):
    assignment = schema["components"]["schemas"]["Assignment"]

    assert set(assignment["properties"]) == {
        "id",
        "user",
        "target",
        "due_date",
        "status",
        "note",
        "repeat_weeks",
        "cycle",
        "assigned_by",
        "reminders",
        "created",
        "completed_at",
    }
    listing = schema["paths"][f"{API}assignments/"]["get"]["responses"]["200"]["content"]["application/json"]
    paginated = schema["components"]["schemas"][listing["schema"]["$ref"].rsplit("/", 1)[1]]
    assert set(paginated["properties"]) == {"count", "next", "previous", "results"}


def test_both_authentications_are_described(schema):
    assert set(schema["components"]["securitySchemes"]) == {"jwtAuth", "sessionAuth"}


def test_the_schema_is_also_served_as_yaml(now):
    response = Client().get(SCHEMA_URL)

    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"] == "Mandatory assignments API"


def test_the_plugin_leaves_the_lms_schema_settings_alone(settings):
    assert api_settings.DEFAULT_SCHEMA_CLASS.__module__ == "rest_framework.schemas.openapi"
    assert not hasattr(settings, "SPECTACULAR_SETTINGS")
    assert "drf_spectacular" not in settings.INSTALLED_APPS


def test_the_schema_is_absent_when_the_feature_is_off(settings):
    settings.MANDATORY_ASSIGNMENTS_ENABLED = False

    assert Client().get(SCHEMA_URL).status_code == 404


def test_a_response_that_strays_from_the_schema_is_caught(openapi, now, admin):
    response = client_of(admin).get(f"{API}me/preferences/")
    assert check_response(openapi, response)

    response.content = json.dumps({"email_reminders": "yes"}).encode()
    with pytest.raises(InvalidData):
        check_response(openapi, response)

    response.content = json.dumps({"email_reminders": True, "extra": 1}).encode()
    check_response(openapi, response)  # extra fields are allowed by the schema (clients ignore them)


def test_an_undocumented_status_is_caught(openapi, now, admin):
    response = client_of(admin).get(f"{API}me/preferences/")
    response.status_code = 418

    with pytest.raises(Exception, match="418|response"):
        check_response(openapi, response)


def test_responses_of_this_suite_are_being_validated():
    assert VALIDATED, "the schema check saw no response"
