"""
Who may open which staff page (SPEC §3, fail closed): anonymous callers are sent to the login, everyone
else who may not see a page or an assignment gets 404 — the page does not reveal that it exists. Every
page, every role; company scoping (MANDATORY_ASSIGNMENTS_SCOPE = "site") for the staff of another company.
"""

import pytest
from django.test import Client

from mandatory_assignments.models import Assignment
from tests.conftest import COURSE

from .conftest import login

ROLES = (
    "anonymous",
    "learner",
    "other_course_staff",
    "course_staff",
    "course_instructor",
    "global_staff",
    "other_company_staff",
    "other_company_global_staff",
)
COURSE_PAGE = f"/mandatory_assignments/course/{COURSE}/"
ORG_PAGES = ["/mandatory_assignments/", "/mandatory_assignments/new/", "/mandatory_assignments/bulk/"]
COURSE_PAGES = [COURSE_PAGE, f"{COURSE_PAGE}new/", f"{COURSE_PAGE}bulk/"]
ASSIGNMENT_PAGES = ["", "edit/", "withdraw/"]

# role -> expected status of the organisation pages, the course pages and the assignment's pages, with
# company scoping on (the course staff of another company manage the course, but not Acme's people).
EXPECTED = {
    "anonymous": (302, 302, 302),
    "learner": (404, 404, 404),
    "other_course_staff": (404, 404, 404),
    "course_staff": (404, 200, 200),
    "course_instructor": (404, 200, 200),
    "global_staff": (200, 200, 200),
    "other_company_staff": (404, 200, 404),
    "other_company_global_staff": (200, 200, 404),
}


@pytest.fixture(autouse=True)
def _scoped(site_scope):
    """The matrix runs with company scoping on: it must change nothing for people of the same company."""


def _status(client, url):
    return client.get(url).status_code


@pytest.mark.parametrize("role", ROLES)
def test_organisation_pages(role, people, assignment):
    client = login(Client(), people[role])
    for url in ORG_PAGES:
        assert _status(client, url) == EXPECTED[role][0], url


@pytest.mark.parametrize("role", ROLES)
def test_course_pages(role, people, assignment):
    client = login(Client(), people[role])
    for url in COURSE_PAGES:
        assert _status(client, url) == EXPECTED[role][1], url


@pytest.mark.parametrize("role", ROLES)
def test_assignment_pages(role, people, assignment):
    client = login(Client(), people[role])
    for suffix in ASSIGNMENT_PAGES:
        url = f"/mandatory_assignments/assignments/{assignment.pk}/{suffix}"
        assert _status(client, url) == EXPECTED[role][2], url


def test_anonymous_callers_are_sent_to_the_login_with_the_page_to_come_back_to(people):
    response = Client().get(COURSE_PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/mandatory_assignments/course/")


@pytest.mark.parametrize("role", [role for role in ROLES if EXPECTED[role][2] != 200])
def test_who_may_not_see_an_assignment_cannot_withdraw_or_edit_it(role, people, assignment):
    client = login(Client(), people[role])
    base = f"/mandatory_assignments/assignments/{assignment.pk}/"
    assert client.post(base + "withdraw/").status_code in (302, 404)
    assert client.post(base + "edit/", {"due_date": "2027-01-30"}).status_code in (302, 404)
    assignment.refresh_from_db()
    assert Assignment.objects.filter(pk=assignment.pk).exists()
    assert assignment.due_date.isoformat() != "2027-01-30"


def test_the_other_companys_course_staff_see_the_course_page_without_acmes_people(people, assignment):
    client = login(Client(), people["other_company_staff"])
    page = client.get(COURSE_PAGE).content.decode()
    assert "lena" not in page
    staff_page = login(Client(), people["course_staff"]).get(COURSE_PAGE).content.decode()
    assert "lena" in staff_page


def test_the_other_companys_global_staff_see_the_organisation_page_without_acmes_people(people, assignment):
    page = login(Client(), people["other_company_global_staff"]).get("/mandatory_assignments/").content.decode()
    assert "lena" not in page
    assert "lena" in login(Client(), people["global_staff"]).get("/mandatory_assignments/").content.decode()


def test_unknown_assignments_and_courses_are_not_found(people):
    client = login(Client(), people["global_staff"])
    assert client.get("/mandatory_assignments/assignments/999999/").status_code == 404
    assert client.get("/mandatory_assignments/course/course-v1:NoOrg+None+2026/").status_code == 404
    assert client.get(f"{COURSE_PAGE}bulk/nonsense/").status_code == 404


def test_the_pages_disappear_with_the_feature_switch(settings, people, assignment):
    settings.MANDATORY_ASSIGNMENTS_ENABLED = False
    client = login(Client(), people["global_staff"])
    for url in ORG_PAGES + COURSE_PAGES + [f"/mandatory_assignments/assignments/{assignment.pk}/"]:
        assert _status(client, url) == 404, url
    assert _status(Client(), COURSE_PAGE) == 404


def test_every_form_needs_the_csrf_token(people, assignment):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["course_staff"])
    base = f"/mandatory_assignments/assignments/{assignment.pk}/"
    for url, data in [
        (f"{COURSE_PAGE}new/", {"person": "lena", "due_date": "2027-01-30"}),
        (f"{COURSE_PAGE}bulk/", {"due_date": "2027-01-30"}),
        (base + "edit/", {"due_date": "2027-01-30"}),
        (base + "withdraw/", {}),
    ]:
        assert client.post(url, data).status_code == 403, url
    assert Assignment.objects.filter(pk=assignment.pk).exists()
