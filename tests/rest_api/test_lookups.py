"""
``people/`` (autocomplete) and ``groups/`` (cohorts, teams, departments with sizes) as a client sees them.
"""

import pytest

from sandbox import controls

from .conftest import ACME, API, COURSE, GLOBEX, client_of

pytestmark = pytest.mark.django_db

PEOPLE = f"{API}people/"
GROUPS = f"{API}groups/"


@pytest.fixture
def folks(now, course):
    return {
        "anna": controls.create_user("anna.berg", email="a.berg@acme.example", department="Logistics"),
        "bert": controls.create_user("bert.anders", email="bert@acme.example", department="Logistics"),
        "cleo": controls.create_user("cleo", email="cleo@acme.example", department="Sales"),
    }


def usernames(response):
    assert response.status_code == 200, response.content
    return [person["username"] for person in response.json()]


@pytest.mark.parametrize(
    "q, expected",
    [
        ("berg", ["anna.berg"]),  # username
        ("ANDERS", ["bert.anders"]),  # full name, any case
        ("cleo@", ["cleo"]),  # email
        ("acme.example", ["anna.berg", "bert.anders", "cleo"]),
        ("", []),
        ("zzz", []),
    ],
)
def test_people_search_by_username_name_or_email(folks, staff, q, expected):
    assert usernames(client_of(staff).get(PEOPLE, {"q": q, "target": COURSE})) == expected


def test_people_show_id_username_name_and_email(folks, staff):
    person = client_of(staff).get(PEOPLE, {"q": "anna", "target": COURSE}).json()[0]

    assert person == {
        "id": folks["anna"].pk,
        "username": "anna.berg",
        "name": "Anna Berg",
        "email": "a.berg@acme.example",
    }


def test_at_most_twenty_people_and_no_inactive_ones(now, course, admin):
    for number in range(25):
        controls.create_user(f"worker{number:02d}")
    retired = controls.create_user("worker_retired")
    retired.is_active = False
    retired.save()

    found = usernames(client_of(admin).get(PEOPLE, {"q": "worker"}))

    assert len(found) == 20
    assert "worker_retired" not in found


def test_people_are_of_the_callers_company(now, course, settings):
    settings.MANDATORY_ASSIGNMENTS_SCOPE = "site"
    staff = controls.create_user("stella", site=ACME)
    controls.make_course_staff(staff, COURSE)
    controls.create_user("sam.acme", site=ACME)
    controls.create_user("sam.globex", site=GLOBEX)

    assert usernames(client_of(staff).get(PEOPLE, {"q": "sam", "target": COURSE})) == ["sam.acme"]


def test_an_unknown_target_is_refused(folks, staff):
    response = client_of(staff).get(PEOPLE, {"q": "anna", "target": "course-v1:No+Such+Course"})

    assert (response.status_code, response.json()["code"]) == (400, "unknown_target")


def test_groups_of_a_course_with_their_sizes(folks, staff):
    cohort = controls.create_cohort(COURSE, "Night shift", users=[folks["anna"], folks["bert"]])
    controls.create_cohort(COURSE, "Empty")
    team = controls.create_team(COURSE, "Forklift", users=[folks["cleo"]])

    response = client_of(staff).get(GROUPS, {"course_id": COURSE})

    assert response.status_code == 200, response.content
    data = response.json()
    assert {(c["name"], c["size"]) for c in data["cohorts"]} >= {("Night shift", 2), ("Empty", 0)}
    assert next(c for c in data["cohorts"] if c["name"] == "Night shift")["id"] == cohort.id
    assert data["teams"] == [{"id": team.team_id, "name": "Forklift", "size": 1}]
    assert data["departments"] == [
        {"id": "Logistics", "name": "Logistics", "size": 2},
        {"id": "Sales", "name": "Sales", "size": 1},
    ]


def test_without_a_course_global_staff_get_the_departments(folks, admin):
    data = client_of(admin).get(GROUPS).json()

    assert (data["cohorts"], data["teams"]) == ([], [])
    assert [d["name"] for d in data["departments"]] == ["Logistics", "Sales"]


def test_group_sizes_count_the_callers_company(now, course, settings):
    settings.MANDATORY_ASSIGNMENTS_SCOPE = "site"
    staff = controls.create_user("stella", site=ACME)
    controls.make_course_staff(staff, COURSE)
    ours = controls.create_user("ours", site=ACME, department="Logistics")
    theirs = controls.create_user("theirs", site=GLOBEX, department="Logistics")
    controls.create_cohort(COURSE, "Mixed", users=[ours, theirs])

    data = client_of(staff).get(GROUPS, {"course_id": COURSE}).json()

    assert [(c["name"], c["size"]) for c in data["cohorts"]] == [("Mixed", 1)]
    assert data["departments"] == [{"id": "Logistics", "name": "Logistics", "size": 1}]


@pytest.mark.parametrize("course_id", ["not-a-key", "path-v1:AcmeX+ONBOARD+2026+all", "course-v1:No+Such+Course"])
def test_groups_of_something_that_is_no_course_are_refused(folks, admin, course_id):
    response = client_of(admin).get(GROUPS, {"course_id": course_id})

    assert (response.status_code, response.json()["code"]) == (400, "unknown_target")
    assert "course_id" in response.json()["field_errors"]
