"""
``GET /api/mandatory_assignments/v1/me/assignments/``: the learner's page as data.
"""

import datetime

import pytest
import time_machine

from sandbox import controls

from ..conftest import COURSE
from .conftest import OTHER_COURSE, PATH, assign

pytestmark = pytest.mark.usefixtures("now")

URL = "/api/mandatory_assignments/v1/me/assignments/"


def test_needs_authentication(client, db):
    assert client.get(URL).status_code in (401, 403)


def test_only_the_callers_own_overdue_first(client, course, other_course, learner, admin):
    other = controls.create_user("otto")
    assign(other, admin, target=COURSE)
    assign(learner, admin, target=COURSE, days=20)
    assign(learner, admin, target=OTHER_COURSE, days=5)
    client.force_login(learner)

    with time_machine.travel(datetime.datetime(2026, 12, 8, 12, 0, tzinfo=datetime.UTC), tick=False):
        data = client.get(URL).json()

    assert [(item["target"]["key"], item["status"]) for item in data["assignments"]] == [
        (OTHER_COURSE, "overdue"),
        (COURSE, "assigned"),
    ]
    assert data["time_zone"] == {"id": "Europe/Berlin", "name": "Central European Time"}


def test_an_assignment_as_data(client, course, learner, staff):
    assignment = assign(learner, staff, note="A note", repeat_weeks=52)
    client.force_login(learner)

    (item,) = client.get(URL).json()["assignments"]

    assert item["id"] == assignment.pk
    assert item["target"] == {
        "key": COURSE,
        "type": "course",
        "type_label": "Course",
        "display_name": "Workplace Safety",
        "url": f"http://127.0.0.1:8000/courses/{COURSE}/",
        "courses": [],
    }
    assert item["due_date"] == "2026-12-15"
    assert item["deadline"] == "2026-12-15T23:00:00+00:00"  # midnight in Berlin
    assert item["due"]["zone_name"] == "Central European Time"
    assert item["due"]["zone_id"] == "Europe/Berlin"
    assert item["due"]["full"] == "Dec. 15, 2026 (end of that day, 11:59 p.m. Central European Time — Europe/Berlin)"
    assert (item["status"], item["status_label"], item["overdue"]) == ("assigned", "Assigned", False)
    assert item["note"] == "A note"
    assert item["cycle"] == 1
    assert item["repeats"]["every_weeks"] == 52
    assert item["repeats"]["next_due_date"] == "2027-12-14"
    assert item["action"] == {"url": f"http://127.0.0.1:8000/courses/{COURSE}/", "label": "Start"}
    assert item["calendar_url"] == f"http://127.0.0.1:8000/mandatory_assignments/my/{assignment.pk}.ics"


def test_a_path_with_its_courses_and_completed_cycles(client, path, learner, admin):
    assign(learner, admin, target=PATH)
    controls.set_grade(learner, COURSE, percent=0.9, passed=True)
    client.force_login(learner)

    data = client.get(URL).json()

    (item,) = data["assignments"]
    assert item["status"] == "in_progress"
    assert [(course["key"], course["passed"]) for course in item["target"]["courses"]] == [
        (COURSE, True),
        (OTHER_COURSE, False),
    ]
    controls.set_grade(learner, OTHER_COURSE, percent=0.9, passed=True)
    data = client.get(URL).json()
    assert data["assignments"] == []
    (cycle,) = data["completed_cycles"]
    assert cycle["target"]["display_name"] == "Onboarding"
    assert cycle["on_time"] is True
    assert cycle["cycle"] == 1


def test_answers_in_the_callers_language(client, course, learner, staff):
    assign(learner, staff)
    client.force_login(learner)

    (item,) = client.get(URL, HTTP_ACCEPT_LANGUAGE="de").json()["assignments"]

    assert item["due"]["date"] == "15. Dezember 2026"
    assert item["due"]["zone_name"] == "Mitteleuropäische Zeit"
