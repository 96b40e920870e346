"""
Fixtures of the learner's side: a learner in Berlin with assignments, and a clean request cache (the
courseware banner caches per request, and tests run the filter outside requests).
"""

import crum
import pytest
from django.conf import settings
from django.utils import translation
from edx_django_utils.cache import RequestCache

from mandatory_assignments import api
from sandbox import controls

from ..browser.conftest import browser_page, chromium  # noqa: F401 -- the staff pages' browser fixtures
from ..conftest import COURSE, due_in

OTHER_COURSE = "course-v1:AcmeX+FIRE201+2026"
PATH = "path-v1:AcmeX+onboarding+2026+run"
ROOT = "http://127.0.0.1:8000"
MY_URL = f"{ROOT}/mandatory_assignments/my/"


@pytest.fixture(autouse=True)
def fresh_request_state():
    """Outside requests, the request cache, the current user and the language outlive a test: reset them."""
    RequestCache.clear_all_namespaces()
    crum.set_current_user(None)
    translation.activate(settings.LANGUAGE_CODE)
    yield
    RequestCache.clear_all_namespaces()
    crum.set_current_user(None)
    translation.deactivate()


@pytest.fixture
def other_course(db):
    return controls.create_course(OTHER_COURSE, display_name="Fire Safety")


@pytest.fixture
def path(course, other_course):
    return controls.create_learning_path(PATH, display_name="Onboarding", course_keys=[COURSE, OTHER_COURSE])


def assign(user, by, target=COURSE, days=14, **kwargs):
    kwargs.setdefault("reminders", [])
    return api.assign(user=user, target=target, due_date=due_in(days), assigned_by=by, **kwargs)
