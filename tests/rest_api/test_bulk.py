"""
``bulk/preview/``, ``bulk/`` and ``bulk/<task_id>/`` as a client sees them: each person once however
they are named, skipped and invalid people with their reasons, batch errors refusing everything, and
large batches in the background with their progress.
"""

import pytest

from mandatory_assignments import api
from sandbox import controls

from .conftest import API, COURSE, client_of, due_in, make_people, send

pytestmark = pytest.mark.django_db

PREVIEW = f"{API}bulk/preview/"
BULK = f"{API}bulk/"
PATH = "path-v1:AcmeX+ONBOARD+2026+all"


@pytest.fixture
def groups(now, course, staff, admin):
    """A cohort, a team and a department that overlap; Dora is already assigned."""
    anna = controls.create_user("anna", department="Logistics")
    bob = controls.create_user("bob", department="Logistics")
    carl = controls.create_user("carl")
    dora = controls.create_user("dora", department="Sales")
    cohort = controls.create_cohort(COURSE, "Night shift", users=[anna, bob])
    team = controls.create_team(COURSE, "Forklift", users=[bob, carl])
    api.assign(user=dora, target=COURSE, due_date=due_in(10), assigned_by=admin)
    return {"anna": anna, "bob": bob, "carl": carl, "dora": dora, "cohort": cohort, "team": team}


def body(people, **changes):
    return {"target": COURSE, "due_date": due_in(10).isoformat(), "people": people, **changes}


def everyone(groups):
    return {
        "users": ["dora", "carl@example.com", "ghost", "not an email@"],
        "cohorts": [groups["cohort"].id],
        "teams": [groups["team"].team_id],
        "departments": ["Logistics"],
    }


def open_assignment_users():
    return sorted(api.get_assignments(target=COURSE).values_list("user__username", flat=True))


def test_preview_counts_each_person_once_and_gives_reasons(groups, staff):
    response = send(client_of(staff), "post", PREVIEW, body(everyone(groups)))

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == 3
    assert sorted(data["create"]) == ["anna", "bob", "carl"]
    assert data["skip"] == [{"user": "dora", "reason": "already assigned"}]
    assert [item["value"] for item in data["invalid"]] == ["ghost", "not an email@"]
    assert all(item["reason"] for item in data["invalid"])
    assert open_assignment_users() == ["dora"]  # a preview writes nothing


def test_bulk_creates_skips_and_fails_per_person(groups, staff):
    response = send(client_of(staff), "post", BULK, body(everyone(groups), note="Wear boots", repeat_weeks=52))

    assert response.status_code == 200, response.content
    data = response.json()
    assert sorted(data["created"]) == ["anna", "bob", "carl"]
    assert data["skipped"] == [{"user": "dora", "reason": "already assigned"}]
    assert [item["value"] for item in data["failed"]] == ["ghost", "not an email@"]
    assert open_assignment_users() == ["anna", "bob", "carl", "dora"]
    created = api.get_assignments(user=groups["anna"]).get()
    assert (created.note, created.repeat_weeks, created.assigned_by) == ("Wear boots", 52, staff)


def test_the_preview_count_is_what_bulk_creates(groups, staff):
    client = client_of(staff)

    preview = send(client, "post", PREVIEW, body(everyone(groups))).json()
    result = send(client, "post", BULK, body(everyone(groups))).json()

    assert preview["count"] == len(result["created"])
    assert sorted(preview["create"]) == sorted(result["created"])


def test_a_person_of_another_company_is_invalid_not_assigned(groups, staff, settings):
    settings.MANDATORY_ASSIGNMENTS_SCOPE = "site"
    for user in (staff, groups["anna"], groups["bob"]):
        controls.create_user(user.username, site="acme.example.com")
    controls.create_user("carl", site="globex.example.com")

    data = send(client_of(staff), "post", PREVIEW, body({"users": ["anna", "carl"]})).json()

    assert data["create"] == ["anna"]
    assert data["invalid"] == [{"value": "carl", "reason": "This person belongs to another company."}]


@pytest.mark.parametrize(
    "people, field",
    [
        ({"cohorts": [9999]}, "people.cohorts"),
        ({"teams": ["no-such-team"]}, "people.teams"),
        ({"departments": ["Nowhere"]}, "people.departments"),
        ({"users": "anna"}, "people.users"),
        ({"everyone": True}, "people.everyone"),
    ],
)
def test_groups_that_do_not_exist_refuse_the_batch(groups, staff, people, field):
    for url in (PREVIEW, BULK):
        response = send(client_of(staff), "post", url, body(people))

        assert response.status_code == 400, response.content
        assert response.json()["code"] == "invalid"
        assert field in response.json()["field_errors"]
    assert open_assignment_users() == ["dora"]


def test_cohorts_belong_to_a_course_not_a_path(groups, admin):
    controls.create_learning_path(PATH, display_name="Onboarding", course_keys=[COURSE])

    response = send(client_of(admin), "post", PREVIEW, body({"cohorts": [groups["cohort"].id]}, target=PATH))

    assert response.status_code == 400
    assert "people.cohorts" in response.json()["field_errors"]


@pytest.mark.parametrize(
    "changes, code",
    [
        ({"due_date": "soon"}, "invalid_due_date"),
        ({"target": "course-v1:Nobody+X+2026"}, "unknown_target"),
        ({"reminders": [{"days": 999, "recipient": "student"}]}, "invalid_reminder"),
        ({"repeat_weeks": -1}, "invalid_repetition"),
        ({"note": "x" * 2001}, "invalid_note"),
    ],
)
def test_batch_errors_refuse_everything(groups, staff, changes, code):
    for url in (PREVIEW, BULK):
        response = send(client_of(staff), "post", url, body({"users": ["anna", "bob"]}, **changes))

        assert (response.status_code, response.json()["code"]) == (400, code)
    assert open_assignment_users() == ["dora"]


def test_a_due_date_too_soon_is_reported_per_person(groups, staff):
    response = send(client_of(staff), "post", PREVIEW, body({"users": ["anna", "bob"]}, due_date=due_in(1).isoformat()))

    assert (response.status_code, response.json()["count"]) == (200, 0)
    assert [item["value"] for item in response.json()["invalid"]] == ["anna", "bob"]
    assert all("on or after" in item["reason"] for item in response.json()["invalid"])


def test_a_due_date_too_soon_in_one_persons_zone_fails_that_person_alone(groups, staff):
    # Kiritimati (UTC+14) is a day ahead: the date is too soon there, not in UTC.
    controls.create_user("kiri", time_zone="Pacific/Kiritimati")
    date = due_in(3).isoformat()

    data = send(client_of(staff), "post", PREVIEW, body({"users": ["anna", "kiri"]}, due_date=date)).json()

    assert data["create"] == ["anna"]
    assert [item["value"] for item in data["invalid"]] == ["kiri"]


# In the background --------------------------------------------------------------------------------


def test_above_the_sync_limit_the_batch_runs_in_the_background(
    now, course, staff, settings, django_capture_on_commit_callbacks
):
    settings.MANDATORY_ASSIGNMENTS_BULK_SYNC_LIMIT = 3
    people = make_people("w", 5)
    client = client_of(staff)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = send(client, "post", BULK, body({"users": [p.username for p in people] + ["ghost"]}))

    assert response.status_code == 202, response.content
    task_id = response.json()["task_id"]
    pending = client.get(f"{API}bulk/{task_id}/").json()
    assert (pending["state"], pending["done"], pending["total"]) == ("PENDING", 0, 6)
    assert open_assignment_users() == []

    for callback in queued:  # the worker picks the job up
        callback()
    done = client.get(f"{API}bulk/{task_id}/").json()

    assert (done["state"], done["done"], done["total"]) == ("SUCCESS", 6, 6)
    assert sorted(done["created"]) == [p.username for p in people]
    assert done["skipped"] == []
    assert [item["value"] for item in done["failed"]] == ["ghost"]
    assert open_assignment_users() == [p.username for p in people]


def test_at_the_sync_limit_the_batch_is_done_at_once(now, course, staff, settings):
    settings.MANDATORY_ASSIGNMENTS_BULK_SYNC_LIMIT = 3
    people = make_people("s", 3)

    response = send(client_of(staff), "post", BULK, body({"users": [p.username for p in people]}))

    assert response.status_code == 200
    assert sorted(response.json()["created"]) == [p.username for p in people]


def test_an_unknown_job_is_not_found(now, staff):
    response = client_of(staff).get(f"{API}bulk/00000000-0000-0000-0000-000000000000/")

    assert (response.status_code, response.json()["code"]) == (404, "not_found")
