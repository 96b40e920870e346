"""
The people and data of the staff pages' tests: one course with its staff and instructor, a learner with an
open assignment, staff of another course, global staff, and staff of another company (site).
"""

import pytest

from mandatory_assignments import api
from sandbox import controls
from tests.conftest import COURSE, due_in

OTHER_COURSE = "course-v1:AcmeX+OTHER+2026"
ACME = "acme.example.com"
GLOBEX = "globex.example.com"
PASSWORD = "pw"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hashing the test users' passwords with PBKDF2 would take most of the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(username, **kwargs):
    kwargs.setdefault("site", ACME)
    return controls.create_user(username, email=f"{username}@example.com", password=PASSWORD, **kwargs)


@pytest.fixture
def course(db):
    controls.create_course(OTHER_COURSE, display_name="Other course")
    return controls.create_course(COURSE, display_name="Workplace Safety")


@pytest.fixture
def people(course):
    """Every role of the permission matrix, by name."""
    staff = make_user("stella")
    controls.make_course_staff(staff, COURSE)
    instructor = make_user("ivan")
    controls.make_course_staff(instructor, COURSE, role="instructor")
    other_course_staff = make_user("oscar")
    controls.make_course_staff(other_course_staff, OTHER_COURSE)
    other_company_staff = make_user("gina", site=GLOBEX)
    controls.make_course_staff(other_company_staff, COURSE)
    return {
        "anonymous": None,
        "learner": make_user("lena", time_zone="Europe/Berlin"),
        "other_course_staff": other_course_staff,
        "course_staff": staff,
        "course_instructor": instructor,
        "global_staff": make_user("gloria", is_staff=True),
        "other_company_staff": other_company_staff,
        "other_company_global_staff": make_user("gustav", site=GLOBEX, is_staff=True),
    }


@pytest.fixture
def assignment(now, people):
    """Lena's open assignment of the course, assigned by Stella."""
    return api.assign(
        user=people["learner"],
        target=COURSE,
        due_date=due_in(14),
        assigned_by=people["course_staff"],
        note="Before the audit",
    )


@pytest.fixture
def site_scope(settings):
    settings.MANDATORY_ASSIGNMENTS_SCOPE = "site"


def login(client, user):
    if user is not None:
        client.force_login(user)
    return client
