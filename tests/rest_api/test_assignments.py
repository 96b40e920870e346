"""
``assignments/`` and ``assignments/<id>/`` as a client sees them: the list (default status filter,
filters, search, sorting, pagination, the result's shape, a constant number of queries), creating,
reading, changing and withdrawing, each refusal with its code and nothing written.
"""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from edx_rest_framework_extensions.auth.jwt.tests.utils import generate_jwt

from mandatory_assignments import api
from sandbox import controls

from .conftest import API, COURSE, OTHER_COURSE, client_of, due_in, make_people, send

pytestmark = pytest.mark.django_db

LIST = f"{API}assignments/"
PATH = "path-v1:AcmeX+ONBOARD+2026+all"
CSRF_SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"
RESULT_FIELDS = {
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


def detail(assignment):
    return f"{LIST}{assignment.pk}/"


@pytest.fixture
def people(now, course, other_course):
    controls.create_learning_path(PATH, display_name="Onboarding Journey", course_keys=[COURSE, OTHER_COURSE])
    return {
        "anna": controls.create_user("anna.berg", email="anna@example.com"),
        "bob": controls.create_user("bob.zimmer", email="Bob.Zimmer@example.com"),
        "carl": controls.create_user("carl.adler", email="carl@example.com"),
    }


@pytest.fixture
def rows(people, admin):
    """Four assignments by global staff; Bob's course assignment is completed."""
    made = {
        "anna": api.assign(user=people["anna"], target=COURSE, due_date=due_in(10), assigned_by=admin, note="Hi"),
        "bob": api.assign(user=people["bob"], target=COURSE, due_date=due_in(20), assigned_by=admin),
        "carl": api.assign(user=people["carl"], target=OTHER_COURSE, due_date=due_in(5), assigned_by=admin),
        "anna_path": api.assign(user=people["anna"], target=PATH, due_date=due_in(30), assigned_by=admin),
    }
    controls.set_grade(people["bob"], COURSE, percent=0.9, passed=True)
    return made


def ids_of(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# Listing ------------------------------------------------------------------------------------------


def test_the_list_shows_open_and_overdue_by_default_and_everything_with_status_all(rows, admin):
    client = client_of(admin)

    assert set(ids_of(client.get(LIST))) == {rows[k].pk for k in ("anna", "carl", "anna_path")}
    assert set(ids_of(client.get(LIST, {"status": "all"}))) == {row.pk for row in rows.values()}
    assert ids_of(client.get(LIST, {"status": "completed"})) == [rows["bob"].pk]


def test_an_overdue_assignment_is_listed_as_overdue(rows, admin):
    with time_machine.travel(datetime.datetime(2026, 12, 7, 12, 0, tzinfo=datetime.UTC)):
        response = client_of(admin).get(LIST, {"status": "overdue"})

    assert [(row["id"], row["status"]) for row in response.json()["results"]] == [(rows["carl"].pk, "overdue")]


def test_a_result_has_exactly_the_fields_of_the_contract(rows, admin, people):
    result = client_of(admin).get(LIST, {"user": "anna.berg", "target": COURSE}).json()["results"][0]

    assert set(result) == RESULT_FIELDS
    assert result["user"] == {
        "id": people["anna"].pk,
        "username": "anna.berg",
        "name": "Anna Berg",
        "email": "anna@example.com",
    }
    assert result["target"] == {"key": COURSE, "type": "course", "display_name": "Workplace Safety"}
    assert result["assigned_by"] == {"id": admin.pk, "username": admin.username}
    assert result["due_date"] == due_in(10).isoformat()
    assert (result["status"], result["note"], result["repeat_weeks"], result["cycle"]) == ("assigned", "Hi", None, 1)
    assert result["reminders"] == [{"days": 3, "recipient": "student", "template": None}]
    assert result["completed_at"] is None
    assert result["created"].startswith("2026-12-01T12:")


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"target": COURSE, "status": "all"}, {"anna", "bob"}),
        ({"target": PATH}, {"anna_path"}),
        ({"course_id": OTHER_COURSE}, {"carl", "anna_path"}),  # the course and the paths containing it
        ({"user": "bob.zimmer@EXAMPLE.com", "status": "all"}, {"bob"}),
        ({"q": "Carl Adler"}, {"carl"}),
        ({"q": "onboarding"}, {"anna_path"}),
        ({"q": "fire drill"}, {"carl"}),
        ({"q": "berg", "target": COURSE}, {"anna"}),
        ({"q": "nobody"}, set()),
    ],
)
def test_filters_and_search(rows, admin, params, expected):
    assert set(ids_of(client_of(admin).get(LIST, params))) == {rows[key].pk for key in expected}


def test_a_plus_left_unencoded_in_a_course_key_still_filters(rows, admin):
    response = client_of(admin).get(f"{LIST}?course_id=course-v1:AcmeX+FIRE201+2026")

    assert set(ids_of(response)) == {rows["carl"].pk, rows["anna_path"].pk}


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("due_date", ["carl", "anna", "anna_path"]),
        ("-due_date", ["anna_path", "anna", "carl"]),
        ("person", ["anna", "anna_path", "carl"]),
        ("-person", ["carl", "anna_path", "anna"]),  # fully reversed, ties too
    ],
)
def test_sorting(rows, admin, sort, expected):
    assert ids_of(client_of(admin).get(LIST, {"sort": sort})) == [rows[key].pk for key in expected]


def test_sorting_by_status(rows, admin, people):
    controls.complete_block(people["carl"], OTHER_COURSE)

    response = client_of(admin).get(LIST, {"sort": "status", "status": "all"})

    statuses = [row["status"] for row in response.json()["results"]]
    assert statuses == ["assigned", "assigned", "in_progress", "completed"]
    desc = client_of(admin).get(LIST, {"sort": "status", "order": "desc", "status": "all"}).json()["results"]
    assert [row["status"] for row in desc] == statuses[::-1]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "finished"}, "status"),
        ({"sort": "name"}, "sort"),
        ({"target": "not-a-key"}, "target"),
        ({"course_id": PATH}, "course_id"),
    ],
)
def test_parameters_that_cannot_be_read_are_refused_naming_them(rows, admin, params, field):
    response = client_of(admin).get(LIST, params)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["field_errors"]) == {field}


def test_pagination(now, course, admin):
    people = make_people("p", 25)
    api.bulk_assign(users=people, target=COURSE, due_date=due_in(10), assigned_by=admin)
    client = client_of(admin)

    first = client.get(LIST, {"page_size": 10}).json()
    second = client.get(first["next"]).json()
    last = client.get(LIST, {"page_size": 10, "page": 3}).json()

    assert (first["count"], len(first["results"]), first["previous"]) == (25, 10, None)
    assert "page=2" in first["next"]
    assert len(second["results"]) == 10 and second["previous"]
    assert (len(last["results"]), last["next"]) == (5, None)
    seen = [row["id"] for page in (first, second, last) for row in page["results"]]
    assert len(set(seen)) == 25
    assert len(client.get(LIST).json()["results"]) == 20  # the default page size
    assert len(client.get(LIST, {"page_size": 1000}).json()["results"]) == 25  # at most 100 a page


def test_a_page_past_the_end_is_not_found(rows, admin):
    response = client_of(admin).get(LIST, {"page": 9})

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("caller", ["admin", "staff"])
def test_the_list_needs_the_same_number_of_queries_for_10_and_1000_rows(
    now, course, admin, staff, caller, django_assert_max_num_queries
):
    client = client_of(admin if caller == "admin" else staff)
    params = {"course_id": COURSE, "page_size": 100, "status": "all"}
    api.bulk_assign(users=make_people("a", 10), target=COURSE, due_date=due_in(10), assigned_by=admin)
    client.get(LIST, params)  # warm the session and caches
    with CaptureQueriesContext(connection) as at_ten:
        assert len(client.get(LIST, params).json()["results"]) == 10

    api.bulk_assign(users=make_people("b", 990), target=COURSE, due_date=due_in(10), assigned_by=admin)
    with django_assert_max_num_queries(len(at_ten)):
        page = client.get(LIST, params).json()
    assert (page["count"], len(page["results"])) == (1000, 100)


# Creating -----------------------------------------------------------------------------------------


def new(people, **changes):
    return {"user": "anna.berg", "target": COURSE, "due_date": due_in(10).isoformat(), **changes}


@pytest.mark.parametrize("user", ["anna.berg", "anna@example.com", "ANNA@example.com"])
def test_course_staff_assign_by_username_or_email(people, staff, user):
    response = send(client_of(staff), "post", LIST, new(people, user=user, note="Room 4", repeat_weeks=52))

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == RESULT_FIELDS
    assert body["user"]["username"] == "anna.berg"
    assert (body["note"], body["repeat_weeks"], body["status"]) == ("Room 4", 52, "assigned")
    assert body["assigned_by"]["username"] == staff.username
    assert api.get_assignments(user=people["anna"], target=COURSE).get().pk == body["id"]


def test_reminders_given_are_kept_and_an_empty_list_means_none(people, staff):
    reminders = [{"days": 7, "recipient": "student"}, {"days": -1, "recipient": "managers", "template": None}]
    client = client_of(staff)

    with_reminders = send(client, "post", LIST, new(people, reminders=reminders)).json()
    without = send(client, "post", LIST, new(people, user="bob.zimmer", reminders=[])).json()

    assert with_reminders["reminders"] == [
        {"days": 7, "recipient": "student", "template": None},
        {"days": -1, "recipient": "managers", "template": None},
    ]
    assert without["reminders"] == []


@pytest.mark.parametrize(
    "changes, code, field",
    [
        ({"user": "nobody"}, "unknown_user", "user"),
        ({"target": "course-v1:Nobody+X+2026"}, "unknown_target", "target"),
        ({"due_date": due_in(1).isoformat()}, "due_date_too_soon", "due_date"),
        ({"due_date": "11.12.2026"}, "invalid_due_date", "due_date"),
        ({"due_date": "2026-02-30"}, "invalid_due_date", "due_date"),
        ({"due_date": 20261211}, "invalid_due_date", "due_date"),
        ({"note": "x" * 2001}, "invalid_note", "note"),
        ({"note": ["not", "text"]}, "invalid_note", "note"),
        ({"reminders": [{"days": 400, "recipient": "student"}]}, "invalid_reminder", "reminders"),
        ({"reminders": [{"days": 1, "recipient": "boss"}]}, "invalid_reminder", "reminders"),
        ({"reminders": [{"days": 1, "recipient": "student", "template": "nope"}]}, "invalid_reminder", "reminders"),
        ({"reminders": "weekly"}, "invalid_reminder", "reminders"),
        ({"repeat_weeks": 0}, "invalid_repetition", "repeat_weeks"),
        ({"repeat_weeks": "52"}, "invalid_repetition", "repeat_weeks"),
        ({"colour": "red"}, "invalid", "colour"),
    ],
)
def test_a_refused_assignment_says_why_and_writes_nothing(people, staff, changes, code, field):
    response = send(client_of(staff), "post", LIST, new(people, **changes))

    assert response.status_code == 400, response.content
    assert response.json()["code"] == code
    assert field in response.json()["field_errors"]
    assert not api.get_assignments().exists()


def test_a_missing_field_is_named(people, staff):
    response = send(client_of(staff), "post", LIST, {"user": "anna.berg"})

    assert response.status_code == 400
    assert set(response.json()["field_errors"]) == {"target", "due_date"}


def test_a_second_open_assignment_is_refused(people, staff):
    client = client_of(staff)
    send(client, "post", LIST, new(people))

    response = send(client, "post", LIST, new(people))

    assert (response.status_code, response.json()["code"]) == (400, "already_assigned")
    assert api.get_assignments().count() == 1


def test_only_json_bodies_are_read(people, staff):
    response = client_of(staff).post(LIST, data="user=anna.berg", content_type="application/x-www-form-urlencoded")

    assert response.status_code == 415
    assert not api.get_assignments().exists()


def test_session_writes_need_the_csrf_token(people, staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)

    refused = send(client, "post", LIST, new(people))
    client.cookies["csrftoken"] = CSRF_SECRET
    accepted = send(client, "post", LIST, new(people), HTTP_X_CSRFTOKEN=CSRF_SECRET)

    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert accepted.status_code == 201


def test_jwt_callers_need_no_session(people, staff):
    header = {"HTTP_AUTHORIZATION": f"JWT {generate_jwt(staff)}"}

    response = send(Client(enforce_csrf_checks=True), "post", LIST, new(people), **header)

    assert response.status_code == 201


def test_errors_speak_the_callers_language(people):
    response = Client().get(LIST, HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 401
    assert response.json()["detail"] == "Anmeldedaten fehlen."


# Reading, changing, withdrawing -------------------------------------------------------------------


def test_read_one(rows, staff):
    body = client_of(staff).get(detail(rows["anna"])).json()

    assert set(body) == RESULT_FIELDS
    assert (body["id"], body["user"]["name"], body["target"]["display_name"]) == (
        rows["anna"].pk,
        "Anna Berg",
        "Workplace Safety",
    )


def test_edit_changes_only_what_is_given(rows, staff):
    response = send(client_of(staff), "patch", detail(rows["anna"]), {"due_date": due_in(40).isoformat()})

    assert response.status_code == 200, response.content
    assert (response.json()["due_date"], response.json()["note"]) == (due_in(40).isoformat(), "Hi")
    changed = api.get_assignments().get(pk=rows["anna"].pk)
    assert changed.due_date == due_in(40)
    assert changed.reminder_rows.get().fire_at.date() == due_in(37)  # rescheduled against the new date


def test_edit_note_reminders_and_repetition(rows, staff):
    body = {"note": "", "reminders": [{"days": 0, "recipient": "assigned_by"}], "repeat_weeks": 26}

    response = send(client_of(staff), "patch", detail(rows["anna"]), body)

    data = response.json()
    assert (data["note"], data["repeat_weeks"]) == ("", 26)
    assert data["reminders"] == [{"days": 0, "recipient": "assigned_by", "template": None}]


@pytest.mark.parametrize(
    "body, code",
    [
        ({"due_date": due_in(1).isoformat()}, "due_date_too_soon"),
        ({"due_date": "tomorrow"}, "invalid_due_date"),
        ({"repeat_weeks": 521}, "invalid_repetition"),
        ({"status": "completed"}, "invalid"),
    ],
)
def test_a_refused_edit_changes_nothing(rows, staff, body, code):
    response = send(client_of(staff), "patch", detail(rows["anna"]), body)

    assert (response.status_code, response.json()["code"]) == (400, code)
    unchanged = api.get_assignments().get(pk=rows["anna"].pk)
    assert (unchanged.due_date, unchanged.repeat_weeks) == (due_in(10), None)


def test_a_completed_assignment_cannot_be_edited(rows, staff):
    response = send(client_of(staff), "patch", detail(rows["bob"]), {"note": "late"})

    assert (response.status_code, response.json()["code"]) == (400, "completed_cannot_edit")
    assert api.get_assignments().get(pk=rows["bob"].pk).note == ""


def test_withdraw(rows, staff):
    client = client_of(staff)

    response = client.delete(detail(rows["anna"]))

    assert response.status_code == 204
    assert response.content == b""
    assert client.get(detail(rows["anna"])).status_code == 404
    assert client.delete(detail(rows["anna"])).status_code == 404


def test_a_completed_assignment_cannot_be_withdrawn(rows, staff):
    response = client_of(staff).delete(detail(rows["bob"]))

    assert response.status_code == 409
    assert response.json()["code"] == "completed_cannot_withdraw"
    assert api.get_assignments().filter(pk=rows["bob"].pk).exists()


def test_the_feature_switch_hides_every_endpoint(rows, admin, settings):
    settings.MANDATORY_ASSIGNMENTS_ENABLED = False
    client = client_of(admin)

    for response in (client.get(LIST), client.get(detail(rows["anna"])), Client().get(LIST)):
        assert response.status_code == 404
