"""
``assignments/export.csv``: the filtered list as a streamed CSV file, with each assignment's history.
"""

import csv
import datetime
import io

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mandatory_assignments import api, listing
from sandbox import controls

from .conftest import API, COURSE, OTHER_COURSE, client_of, due_in, make_people

pytestmark = pytest.mark.django_db

EXPORT = f"{API}assignments/export.csv"


def rows_of(response):
    assert response.status_code == 200, response.content
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


@pytest.fixture
def assigned(now, course, other_course, admin, staff):
    anna = controls.create_user("anna", time_zone="Europe/Berlin")
    bob = controls.create_user("bob")
    return {
        "anna": api.assign(user=anna, target=COURSE, due_date=due_in(10), assigned_by=staff, repeat_weeks=52),
        "bob": api.assign(user=bob, target=COURSE, due_date=due_in(12), assigned_by=staff, note="@SUM(A1)"),
        "other": api.assign(user=bob, target=OTHER_COURSE, due_date=due_in(8), assigned_by=admin),
        "people": {"anna": anna, "bob": bob},
    }


def test_the_export_is_a_streamed_csv_attachment(assigned, staff):
    response = client_of(staff).get(EXPORT, {"course_id": COURSE})

    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="mandatory-assignments-2026-12-01.csv"'
    rows = rows_of(response)
    assert [row["ID"] for row in rows] == [str(assigned["anna"].pk), str(assigned["bob"].pk)]
    assert rows[1]["Note"] == "'@SUM(A1)"  # no formula for spreadsheets
    assert rows[0]["Repetition (weeks)"] == "52"


def test_the_export_has_the_lists_filters_and_order(assigned, admin):
    client = client_of(admin)

    listed = [row["id"] for row in client.get(f"{API}assignments/", {"sort": "-due_date"}).json()["results"]]
    exported = [int(row["ID"]) for row in rows_of(client.get(EXPORT, {"sort": "-due_date"}))]

    assert exported == listed == [assigned[k].pk for k in ("bob", "anna", "other")]
    assert [row["Username"] for row in rows_of(client.get(EXPORT, {"q": "anna"}))] == ["anna"]


def test_the_export_carries_completed_cycles_and_reminders_sent(assigned, staff, django_capture_on_commit_callbacks):
    anna = assigned["people"]["anna"]
    # The reminder three days before fires at 00:00 Berlin time on 2026-12-08; Anna then passes.
    with time_machine.travel(datetime.datetime(2026, 12, 8, 1, 0, tzinfo=datetime.UTC), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            api.run_scheduler()
        controls.set_grade(anna, COURSE, percent=0.95, passed=True)

    row = rows_of(client_of(staff).get(EXPORT, {"course_id": COURSE, "user": "anna", "status": "all"}))[0]

    assert row["Completed cycles"] == f"cycle 1: due {due_in(10).isoformat()}, completed 2026-12-08T01:00:00Z"
    assert row["Reminders sent"].startswith("2026-12-08T01:00")
    assert row["Reminders sent"].endswith("to student: sent")
    assert row["Reminders"] == "3 day(s) before, to student"


def test_export_queries_do_not_grow_with_the_rows(now, course, admin, django_assert_max_num_queries):
    client = client_of(admin)
    api.bulk_assign(users=make_people("a", 10), target=COURSE, due_date=due_in(10), assigned_by=admin)
    rows_of(client.get(EXPORT))
    with CaptureQueriesContext(connection) as at_ten:
        assert len(rows_of(client.get(EXPORT))) == 10

    api.bulk_assign(users=make_people("b", 990), target=COURSE, due_date=due_in(10), assigned_by=admin)
    with CaptureQueriesContext(connection) as at_thousand:
        assert len(rows_of(client.get(EXPORT))) == 1000
    # Streamed in chunks (flat memory): the ids in one query, then the queries grow with the chunks — the
    # chunk's rows by id and four prefetches (reminders, completed cycles, emails, their recipients) — never
    # with the rows.
    chunks = -(-1000 // listing.EXPORT_CHUNK_SIZE)
    assert len(at_thousand) == len(at_ten) + (chunks - 1) * 5


@pytest.mark.parametrize("accept", ["text/csv", "application/json", "*/*"])
def test_errors_of_the_export_are_json_whatever_the_client_accepts(assigned, staff, accept):
    bad = client_of(staff).get(EXPORT, {"status": "late"}, HTTP_ACCEPT=accept)
    anonymous = Client().get(EXPORT, HTTP_ACCEPT=accept)

    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
    assert set(bad.json()["field_errors"]) == {"status"}
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
