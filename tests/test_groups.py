"""
People by cohort, team and department, each once; groups listed with their sizes; company scoping.
"""

import pytest
from django.test.utils import override_settings

from mandatory_assignments import api
from sandbox import controls

from .conftest import COURSE


@pytest.fixture
def company(course, staff):
    ann = controls.create_user("ann", department="Sales", site="acme.example.com")
    bob = controls.create_user("bob", department="Sales", site="acme.example.com")
    cid = controls.create_user("cid", department="Engineering", site="acme.example.com")
    dan = controls.create_user("dan", department="Sales", site="globex.example.com")
    cohort = controls.create_cohort(COURSE, "Morning group", users=[ann, cid])
    controls.create_team(COURSE, "Blue team", users=[bob, cid])
    return {"ann": ann, "bob": bob, "cid": cid, "dan": dan, "cohort": cohort}


def names(users):
    return sorted(user.username for user in users)


def test_people_from_groups_each_once(company, staff):
    people, invalid = api.people_in(
        by=staff,
        course_key=COURSE,
        users=["ann", "ghost"],
        cohorts=[company["cohort"].id],
        teams=[controls_team_id()],
        departments_=["Engineering"],
    )
    assert names(people) == ["ann", "bob", "cid"]
    assert [value for value, _reason in invalid] == ["ghost"]


def controls_team_id():
    from lms.djangoapps.teams.models import CourseTeam

    return CourseTeam.objects.get(name="Blue team").team_id


def test_unknown_groups_are_reported(company, staff):
    people, invalid = api.people_in(
        by=staff, course_key=COURSE, cohorts=[99999], teams=["nope"], departments_=["Legal"]
    )
    assert people == []
    assert [value for value, _reason in invalid] == [99999, "nope", "Legal"]


def test_departments_span_companies_without_scoping(company, staff):
    people, _invalid = api.people_in(by=staff, departments_=["Sales"])
    assert names(people) == ["ann", "bob", "dan"]


@override_settings(MANDATORY_ASSIGNMENTS_SCOPE="site")
def test_scoping_keeps_staff_within_their_company(company):
    acme_staff = controls.create_user("acme_boss", site="acme.example.com")
    controls.make_course_staff(acme_staff, COURSE)
    people, invalid = api.people_in(by=acme_staff, departments_=["Sales"], users=["dan"])
    assert names(people) == ["ann", "bob"]
    assert [value for value, _reason in invalid] == ["dan"]
    groups = api.list_groups(by=acme_staff, course_key=COURSE)
    assert {d["name"]: d["size"] for d in groups["departments"]} == {"Engineering": 1, "Sales": 2}


def test_list_groups_with_sizes(company, staff):
    groups = api.list_groups(by=staff, course_key=COURSE)
    assert [(c["name"], c["size"]) for c in groups["cohorts"]] == [("Morning group", 2)]
    assert [(t["name"], t["size"]) for t in groups["teams"]] == [("Blue team", 2)]
    assert {d["name"]: d["size"] for d in groups["departments"]} == {"Engineering": 1, "Sales": 3}
