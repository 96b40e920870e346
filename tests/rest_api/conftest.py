"""
Fixtures of the REST API tests.

Every JSON response any test here receives from ``/api/mandatory_assignments/v1/`` is validated against
the OpenAPI schema the API serves (``schema/``), with openapi-core: an undocumented status, a missing or
mistyped field fails the test that got it.
"""

import json

import pytest
from django.test import Client, RequestFactory
from django.urls import resolve
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse

from sandbox import controls

from ..conftest import COURSE, due_in

API = "/api/mandatory_assignments/v1/"
SCHEMA_URL = f"{API}schema/"
OTHER_COURSE = "course-v1:AcmeX+FIRE201+2026"
ACME = "acme.example.com"
GLOBEX = "globex.example.com"

#: (method, path, status) of every response validated in this run.
VALIDATED = []


def served_schema():
    """The schema as ``GET schema/?format=json`` serves it."""
    request = RequestFactory().get(SCHEMA_URL, {"format": "json"})
    response = resolve(SCHEMA_URL).func(request)
    response.render()
    assert response.status_code == 200, response.content
    return json.loads(response.content)


@pytest.fixture(scope="session")
def openapi():
    return OpenAPI.from_dict(served_schema())


def check_response(openapi, response):
    """
    Validate ``response`` (from Django's test client) against the schema when it is a JSON (or empty)
    response of the API; returns whether it was checked. Raises openapi-core's validation error.
    """
    request = response.wsgi_request
    if not request.path.startswith(API) or request.path == SCHEMA_URL:
        return False
    if response.status_code == 405:  # a method the API does not have: no operation to check against
        return False
    content_type = response.get("Content-Type", "")
    if response.streaming or not (content_type.startswith("application/json") or response.status_code == 204):
        return False
    openapi.validate_response(DjangoOpenAPIRequest(request), DjangoOpenAPIResponse(response))
    VALIDATED.append((request.method, request.resolver_match.route, response.status_code))
    return True


@pytest.fixture(autouse=True)
def responses_match_the_schema(openapi, monkeypatch):
    """Every request a test client makes here has its response checked against the served schema."""
    original = Client.request

    def request(self, **kwargs):
        response = original(self, **kwargs)
        check_response(openapi, response)
        return response

    monkeypatch.setattr(Client, "request", request)


# Clients ------------------------------------------------------------------------------------------


def client_of(user=None):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def send(client, method, url, body=None, **extra):
    """A request with a JSON body (when given)."""
    call = getattr(client, method.lower())
    if body is None:
        return call(url, **extra)
    return call(url, data=json.dumps(body), content_type="application/json", **extra)


# People and courses -------------------------------------------------------------------------------


@pytest.fixture
def other_course(course):
    return controls.create_course(OTHER_COURSE, display_name="Fire Drill")


@pytest.fixture
def acme_staff(now, course):
    """Course staff of COURSE."""
    user = controls.create_user("stella", email="stella@example.com", site=ACME)
    controls.make_course_staff(user, COURSE)
    return user


@pytest.fixture
def acme_admin(now, db):
    """Global staff of Acme."""
    return controls.create_user("gustav", email="gustav@example.com", site=ACME, is_staff=True)


def make_people(prefix, count, **kwargs):
    return [
        controls.create_user(f"{prefix}{n:03d}", email=f"{prefix}{n:03d}@example.com", **kwargs) for n in range(count)
    ]


__all__ = ["COURSE", "due_in"]
