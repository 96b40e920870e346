"""
Shared fixtures: a small company in the simulated LMS, and time held at a known moment.
"""

import datetime

import pytest
import time_machine
from django.utils import translation

from sandbox import controls

COURSE = "course-v1:AcmeX+SAFE101+2026"
# A Tuesday in late autumn 2026, 12:00 UTC: far from DST changes unless a test moves it.
NOW = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _language_of_each_test_its_own():
    """
    A request in German leaves German active in the thread (Django's LocaleMiddleware activates the
    request's language and nothing deactivates it after the test client's response): each test starts and
    ends in the settings' language, so that no test reads another's.
    """
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def now():
    """Time stands at NOW (ticking), so that due dates in the tests are fixed dates."""
    with time_machine.travel(NOW, tick=True) as traveller:
        yield traveller


@pytest.fixture
def course(db):
    return controls.create_course(COURSE, display_name="Workplace Safety")


@pytest.fixture
def staff(course):
    user = controls.create_user("stella", email="stella@example.com", password="pw")
    controls.make_course_staff(user, COURSE)
    return user


@pytest.fixture
def admin(db):
    return controls.create_user("root_admin", email="admin@example.com", is_staff=True)


@pytest.fixture
def learner(db):
    return controls.create_user("lena", email="lena@example.com", time_zone="Europe/Berlin")


def due_in(days, base=None):
    """A due date ``days`` after NOW's date (UTC)."""
    return (base or NOW).date() + datetime.timedelta(days=days)
