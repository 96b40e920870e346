"""
Hostile requests from the API's own OpenAPI schema (issue 10, part 3): schemathesis generates requests for
every operation — valid ones and ones that break the schema (wrong types, missing fields, strings where
numbers go, odd unicode) — and sends them through Django's WSGI application in-process, once as global
staff and once as a learner, authenticated by JWT (no CSRF round trip needed).

Every response must be: no 5xx; a status the schema documents for that operation, with the documented
content type; a body that conforms to the schema (every 4xx in the one error shape of ``errors.py``, the
schema's ``Error`` component); and input that breaks the schema refused with a 4xx.

Bounded for CI: ``MAX_EXAMPLES`` a mode and operation, derandomized, no deadline. Each example runs in a
savepoint that is rolled back, so one example's writes never reach the next.
"""

import json
import zlib

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from edx_rest_framework_extensions.auth.jwt.tests.utils import generate_jwt
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from mandatory_assignments import api
from sandbox import controls

from ..conftest import COURSE, due_in
from .conftest import served_schema

MAX_EXAMPLES = 25


class TestApp(WSGIHandler):
    """
    Django's WSGI application, as the test client runs it: a request does not close the database
    connection when it ends (the test's transaction must outlive it).
    """

    __test__ = False

    def __call__(self, environ, start_response):
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return super().__call__(environ, start_response)
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


APP = TestApp()
# The schema as the API serves it (``schema/?format=json``), read through the view (the Sites middleware
# would need the database, which collection may not touch); requests then go to APP.
schema = schemathesis.openapi.from_dict(served_schema())
schema.app = APP


def error_shape(ctx, response, case):  # pylint: disable=unused-argument
    """Every 4xx is JSON ``{code, detail, field_errors}``: a code, a human message, messages per field."""
    if 400 <= response.status_code < 500:
        content_type = response.headers.get("content-type", [""])
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith("application/json"), (response.status_code, content_type, response.content[:200])
        body = json.loads(response.content)
        assert set(body) >= {"code", "detail", "field_errors"}, body
        assert isinstance(body["code"], str) and body["code"], body
        assert isinstance(body["detail"], str) and body["detail"].strip(), body
        assert isinstance(body["field_errors"], dict), body
        for field, messages in body["field_errors"].items():
            assert isinstance(messages, list) and all(isinstance(m, str) and m for m in messages), (field, body)
    return True


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    error_shape,
]


def _aim_at_real_rows(case):
    """
    Half of the valid (positive) request bodies name a real person (without an assignment yet), the
    course and a due date in range, keeping the rest as generated: the note, reminders and repetition
    then reach ``api.assign`` and ``api.bulk_assign`` instead of stopping at an unknown user or target.
    """
    meta = getattr(case, "meta", None)
    positive = meta is not None and meta.generation.mode == GenerationMode.POSITIVE
    if not positive or not isinstance(case.body, dict) or zlib.crc32(repr(case.body).encode()) % 2:
        return
    real = {"user": "ömer", "target": COURSE, "due_date": due_in(30).isoformat()}
    for key, value in real.items():
        if key in case.body:
            case.body[key] = value
    people = case.body.get("people")
    if isinstance(people, dict) and isinstance(people.get("users"), list):
        people["users"] = ["ömer", "lena", *people["users"]]


@pytest.fixture
def world(now, course, db):
    """Global staff, a learner of the course with an open assignment, a cohort, a team and a department."""
    admin = controls.create_user("root_admin", email="admin@example.com", is_staff=True)
    learner = controls.create_user("lena", email="lena@example.com", time_zone="Europe/Berlin", department="Sales")
    controls.create_user("ömer", email="oemer@example.com", department="Sales")
    controls.create_cohort(COURSE, "Night shift", users=[learner])
    controls.create_team(COURSE, "Red team", users=[learner])
    assignment = api.assign(user=learner, target=COURSE, due_date=due_in(30), assigned_by=admin, note="Read it")
    return {"staff": admin, "learner": learner, "assignment": assignment}


@pytest.fixture(params=["staff", "learner"])
def caller(request, world):
    return world[request.param]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_hostile_requests(case, caller, world):
    # Now and then the id is that of the real assignment, so that reads, edits and withdrawals go deep.
    assignment_id = case.path_parameters.get("assignment_id") if case.path_parameters else None
    if isinstance(assignment_id, int) and assignment_id % 2 == 0:
        case.path_parameters["assignment_id"] = world["assignment"].pk
    _aim_at_real_rows(case)
    headers = {"Authorization": f"JWT {generate_jwt(caller)}"}
    with transaction.atomic():
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        finally:
            transaction.set_rollback(True)
