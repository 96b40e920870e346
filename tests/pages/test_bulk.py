"""
The bulk wizard without JavaScript: Basic info -> People (Individually, By department, By learning group,
Pasted list) -> Reminders -> Preview -> Confirm -> the banner; a large batch in the background.
"""

import re
from html import unescape

import pytest
from django.test import Client

from mandatory_assignments import api
from mandatory_assignments.models import Assignment
from mandatory_assignments.views import bulk as bulk_views
from sandbox import controls
from tests.conftest import COURSE, due_in

from .conftest import login, make_user

BULK = f"/mandatory_assignments/course/{COURSE}/bulk/"
REMINDERS = {
    "reminders-TOTAL_FORMS": "1",
    "reminders-INITIAL_FORMS": "1",
    "reminders-MIN_NUM_FORMS": "0",
    "reminders-MAX_NUM_FORMS": "20",
    "reminders-0-days": "5",
    "reminders-0-recipient": "student",
    "reminders-0-template": "",
}


def _text(response):
    text = " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())
    return re.sub(r" ([,.])", r"\1", text)


@pytest.fixture
def crew(people, now):
    """A cohort "Night shift" (anna, bob, carl) and a department "Logistics" (bob, dora)."""
    anna, bob, carl = (make_user(name) for name in ("anna", "bob", "carl"))
    dora = make_user("dora", department="Logistics")
    controls.create_user("bob", department="Logistics")
    cohort = controls.create_cohort(COURSE, "Night shift", users=[anna, bob, carl])
    return {"anna": anna, "bob": bob, "carl": carl, "dora": dora, "cohort": cohort}


@pytest.fixture
def client(people):
    return login(Client(), people["course_staff"])


def _basic(client, due_date=None, **extra):
    return client.post(
        BULK, {"target": COURSE, "due_date": (due_date or due_in(21)).isoformat(), "note": "Q1", **extra}
    )


def test_the_four_steps_by_cohort_and_pasted_list_with_a_garbage_line(client, people, crew):
    api.assign(user=crew["bob"], target=COURSE, due_date=due_in(30), assigned_by=people["course_staff"])
    first = client.get(BULK)
    assert re.search(
        r'aria-current="step">\s*<span class="ma-steps__number" aria-hidden="true">1', first.content.decode()
    )
    assert all(word in _text(first) for word in ("Basic info", "People", "Reminders", "Preview", "Confirm"))

    response = _basic(client)
    assert response.status_code == 302 and response["Location"] == BULK + "people/"

    people_step = _text(client.get(BULK + "people/"))
    for word in ("Individually", "By department", "By learning group", "Pasted list", "Night shift (3 people)"):
        assert word in people_step
    response = client.post(
        BULK + "people/",
        {"cohorts": [str(crew["cohort"].pk)], "pasted": "dora\nanna@example.com, ???\n", "next": "1"},
    )
    assert response.status_code == 302 and response["Location"] == BULK + "reminders/"

    assert client.post(BULK + "reminders/", {**REMINDERS, "next": "1"})["Location"] == BULK + "preview/"

    preview = _text(client.get(BULK + "preview/"))
    assert "3 people will receive the assignment." in preview
    assert "Anna (anna)" in preview and "Carl (carl)" in preview and "Dora (dora)" in preview
    assert "Skipped (1) Bob (bob) \u2013 already assigned" in preview
    assert "Not assignable (1) ??? \u2013 No person with the username or email '???'." in preview
    assert "5 / student" in preview
    assert Assignment.objects.count() == 1  # nothing written before Confirm

    response = client.post(BULK + "preview/", {"confirm": "1"})
    assert response.status_code == 302 and "/bulk/result/" in response["Location"]
    result = _text(client.get(response["Location"]))
    assert "3 created, 1 skipped, 1 failed." in result
    assert sorted(Assignment.objects.values_list("user__username", flat=True)) == ["anna", "bob", "carl", "dora"]
    created = Assignment.objects.get(user=crew["anna"])
    assert created.note == "Q1" and created.reminders == [{"days": 5, "recipient": "student", "template": None}]
    # The wizard starts afresh.
    assert client.get(BULK + "preview/")["Location"] == BULK


@pytest.mark.parametrize(
    "pasted, values",
    [
        ("anna\nbob@example.com\n", ["anna", "bob@example.com"]),
        ("anna, bob; carl\r\ndora", ["anna", "bob", "carl", "dora"]),
        ("anna bob  carl", ["anna", "bob", "carl"]),
        ("Dora Smith <dora@example.com>", ["dora@example.com"]),
        ("#?! not a person\n\n  \nanna", ["#?! not a person", "anna"]),
    ],
)
def test_pasted_lists_are_read_line_by_line(pasted, values):
    assert bulk_views._pasted_values(pasted) == values


def test_people_individually_by_department_and_removed_again(client, crew):
    _basic(client)
    added = client.post(BULK + "people/", {"person": "anna", "add_person": "1"})
    assert "Anna (anna)" in _text(added) and "1 person chosen" in _text(added)
    unknown = client.post(BULK + "people/", {"person": "nobody", "add_person": "1"})
    assert unknown.status_code == 400 and 'id="ma-bulk-person-error" role="alert"' in unknown.content.decode()
    client.post(BULK + "people/", {"person": "carl", "add_person": "1"})
    client.post(BULK + "people/", {"remove_person": "anna"})
    client.post(BULK + "people/", {"departments": ["Logistics"], "next": "1"})
    client.post(BULK + "reminders/", {**REMINDERS, "next": "1"})
    preview = _text(client.get(BULK + "preview/"))
    assert "3 people will receive the assignment." in preview
    assert "Anna" not in preview.split("Will receive")[1]


def test_nobody_chosen_is_an_error(client, crew):
    _basic(client)
    response = client.post(BULK + "people/", {"pasted": "", "next": "1"})
    assert response.status_code == 400
    assert "Choose at least one person" in _text(response)


def test_basic_info_refuses_a_too_early_due_date_at_the_field(client, crew):
    response = _basic(client, due_date=due_in(1))
    assert response.status_code == 400
    assert 'id="id_due_date-error" role="alert"' in response.content.decode()
    assert client.get(BULK + "people/")["Location"] == BULK  # no step is skipped


def test_a_large_batch_runs_in_the_background_with_its_progress(
    client, crew, settings, django_capture_on_commit_callbacks
):
    settings.MANDATORY_ASSIGNMENTS_BULK_SYNC_LIMIT = 2
    _basic(client)
    client.post(BULK + "people/", {"cohorts": [str(crew["cohort"].pk)], "next": "1"})
    client.post(BULK + "reminders/", {**REMINDERS, "next": "1"})
    assert "runs in the background" in _text(client.get(BULK + "preview/"))
    with django_capture_on_commit_callbacks(execute=False):
        result_url = client.post(BULK + "preview/", {"confirm": "1"})["Location"]
    running = client.get(result_url).content.decode()
    task_id = re.search(r'data-ma-bulk-job="/api/mandatory_assignments/v1/bulk/([0-9a-f-]+)/"', running).group(1)
    assert '<progress id="ma-progress-bar" max="3" value="0"' in running
    api.run_bulk_job(task_id)
    assert "3 created, 0 skipped, 0 failed." in _text(client.get(result_url))


def test_results_belong_to_the_session_that_made_them(client, people, crew):
    _basic(client)
    client.post(BULK + "people/", {"pasted": "anna", "next": "1"})
    client.post(BULK + "reminders/", {**REMINDERS, "next": "1"})
    result_url = client.post(BULK + "preview/", {"confirm": "1"})["Location"]
    colleague = login(Client(), people["course_instructor"])
    assert colleague.get(result_url).status_code == 404


def test_learning_groups_need_a_course_target(people, crew):
    path = "path-v1:AcmeX+ONBOARD+2026+all"
    controls.create_learning_path(path, display_name="Onboarding", course_keys=[COURSE])
    client = login(Client(), people["global_staff"])
    client.post("/mandatory_assignments/bulk/", {"target": path, "due_date": due_in(21).isoformat()})
    page = _text(client.get("/mandatory_assignments/bulk/people/"))
    assert "Learning groups (cohorts and teams) belong to a course" in page
    assert "Logistics" in page
