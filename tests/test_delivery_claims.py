"""
Exactly-once claims on SQLite (not only on MariaDB): two claims of the same reminder rows — two ticks that
read the same due reminders — insert the delivery once; the second claims nothing; one email goes out.
Leases are set in the future, so a fresh claim is not re-dispatched by the next tick.
"""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mandatory_assignments import api, delivery, scheduler
from mandatory_assignments.models import Delivery, Reminder
from sandbox import controls

from .conftest import COURSE

UTC = datetime.UTC
FIRES = datetime.datetime(2026, 12, 17, 0, 5, tzinfo=UTC)
LEASE = datetime.timedelta(seconds=900)


@pytest.fixture
def due_reminders(course, django_capture_on_commit_callbacks):
    staff = controls.create_user("stella", email="stella@example.com")
    controls.make_course_staff(staff, COURSE)
    people = [controls.create_user(f"dup{i}", email=f"dup{i}@example.com") for i in range(3)]
    with (
        time_machine.travel(datetime.datetime(2026, 12, 1, tzinfo=UTC), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        api.bulk_assign(users=people, target=COURSE, due_date=datetime.date(2026, 12, 20), assigned_by=staff)
    mail.outbox.clear()
    return list(
        Reminder.objects.filter(fire_at__lte=FIRES).select_related("assignment__user", "assignment__assigned_by")
    )


def test_two_claims_of_the_same_reminders_insert_each_delivery_once(due_reminders):
    assert len(due_reminders) == 3
    with time_machine.travel(FIRES, tick=False):
        # Two ticks read the same due reminders before either marked them done.
        first = delivery.claim(scheduler._deliveries_for(due_reminders, FIRES), FIRES)  # noqa: SLF001
        second = delivery.claim(scheduler._deliveries_for(due_reminders, FIRES), FIRES)  # noqa: SLF001
        assert len(first) == 3 and second == []
        sent, skipped, failed = delivery.send(first + second, as_of=FIRES)
        assert (sent, skipped, failed) == (3, 0, [])
        assert delivery.send(first, as_of=FIRES) == (0, 0, [])  # sending the same ids again: nothing

    assert sorted(email.to[0] for email in mail.outbox) == [f"dup{i}@example.com" for i in range(3)]
    assert Delivery.objects.filter(message="reminder").count() == 3
    assert Delivery.objects.filter(message="reminder", state=Delivery.SENT).count() == 3


def test_a_fresh_claim_is_leased_into_the_future(due_reminders):
    with time_machine.travel(FIRES, tick=False):
        claimed = delivery.claim(scheduler._deliveries_for(due_reminders, FIRES), FIRES)  # noqa: SLF001
    rows = Delivery.objects.filter(pk__in=claimed)
    assert {row.lease_until for row in rows} == {FIRES + LEASE}
    # The next tick does not take it from the worker that is sending it...
    assert delivery.expired_claims(FIRES + datetime.timedelta(minutes=5)) == []
    # ...but after the lease (the worker died) one tick takes it over, and only one.
    later = FIRES + LEASE + datetime.timedelta(seconds=1)
    assert sorted(delivery.expired_claims(later)) == sorted(claimed)
    assert delivery.expired_claims(later) == []


def test_skipped_rows_get_no_lease_and_are_never_sent(due_reminders):
    rows = scheduler._deliveries_for(due_reminders, FIRES)  # noqa: SLF001
    rows[0].state, rows[0].reason = Delivery.SKIPPED, "superseded by a later reminder that was due at the same time"
    with time_machine.travel(FIRES, tick=False):
        claimed = delivery.claim(rows, FIRES)
    assert len(claimed) == 2
    skipped = Delivery.objects.get(state=Delivery.SKIPPED)
    assert skipped.lease_until is None
    # Once the leases run out, only the pending rows come back, never the skipped one.
    assert sorted(delivery.expired_claims(FIRES + LEASE * 10)) == sorted(claimed)


def test_retries_back_off_exponentially_up_to_one_lease(settings):
    settings.MANDATORY_ASSIGNMENTS_DELIVERY_LEASE_SECONDS = 900
    assert [delivery.backoff_seconds(attempt) for attempt in range(1, 8)] == [30, 60, 120, 240, 480, 900, 900]
    assert delivery.backoff_seconds(0) == 30


def test_only_edx_aces_report_of_this_apps_message_marks_a_delivery_sent(due_reminders):
    with time_machine.travel(FIRES, tick=False):
        [claimed, *_rest] = delivery.claim(scheduler._deliveries_for(due_reminders, FIRES), FIRES)  # noqa: SLF001
    Delivery.objects.filter(pk=claimed).update(message_uuid="0b7e6c1e-0000-4000-8000-000000000001")

    for message in (
        None,
        "0b7e6c1e-0000-4000-8000-000000000001",
        {"app_label": "another_app", "uuid": "0b7e6c1e-0000-4000-8000-000000000001"},
        {"app_label": "mandatory_assignments", "uuid": ""},
        {"app_label": "mandatory_assignments", "uuid": "ffffffff-0000-4000-8000-000000000000"},
    ):
        delivery.mark_sent(message)
        assert Delivery.objects.get(pk=claimed).state == Delivery.PENDING, message

    delivery.mark_sent({"app_label": "mandatory_assignments", "uuid": "0b7e6c1e-0000-4000-8000-000000000001"})
    row = Delivery.objects.get(pk=claimed)
    assert (row.state, row.lease_until, row.worker_token) == (Delivery.SENT, None, "")
    assert row.sent_at is not None


def _plan(sql, params):
    """The index the database chooses for ``sql`` (SQLite's query plan, MySQL/MariaDB's EXPLAIN key)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return " ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}", params)
        columns = [column[0] for column in cursor.description]
        return " ".join(str(dict(zip(columns, row, strict=True))["key"]) for row in cursor.fetchall())


@pytest.mark.parametrize("claiming", ["a new claim", "re-leasing expired claims"])
def test_a_claim_reads_its_rows_through_the_claim_tokens_index_not_every_pending_delivery(due_reminders, claiming):
    """
    After a bulk job, thousands of "assigned" notices wait pending: reading a claim's rows by token *and*
    state let SQLite walk the (state, lease) index over all of them — each single assignment's claim then
    cost 6 ms instead of 0.04. The read goes through the claim token's index.
    """
    with time_machine.travel(FIRES, tick=False):
        rows = scheduler._deliveries_for(due_reminders, FIRES)  # noqa: SLF001
        if claiming == "a new claim":
            with CaptureQueriesContext(connection) as queries:
                claimed = delivery.claim(rows, FIRES)
        else:
            delivery.claim(rows, FIRES)  # the worker that took them died: their lease runs out
            with CaptureQueriesContext(connection) as queries:
                claimed = delivery.expired_claims(FIRES + 2 * LEASE)

    assert len(claimed) == 3
    [read] = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith("SELECT") and "claim_token" in query["sql"]
    ]
    token = Delivery.objects.get(pk=claimed[0]).claim_token
    assert "claim_token" in _plan(read.replace(f"'{token}'", "%s"), [token])


def test_a_report_outside_a_hand_over_finds_its_delivery_by_the_message_ids_index(due_reminders):
    """edx-ace's report of a sent message that no worker of this process is handing over (another process's
    send) is matched by the message id: through its index, not by walking every pending delivery."""
    with time_machine.travel(FIRES, tick=False):
        [claimed, *_rest] = delivery.claim(scheduler._deliveries_for(due_reminders, FIRES), FIRES)  # noqa: SLF001
    Delivery.objects.filter(pk=claimed).update(message_uuid="0b7e6c1e-0000-4000-8000-000000000002")

    with CaptureQueriesContext(connection) as queries:
        delivery.mark_sent({"app_label": "mandatory_assignments", "uuid": "0b7e6c1e-0000-4000-8000-000000000002"})

    assert Delivery.objects.get(pk=claimed).state == Delivery.SENT
    statements = [query["sql"] for query in queries.captured_queries if Delivery._meta.db_table in query["sql"]]
    assert statements
    for sql in statements:  # as run, its values written in (Django's record of the executed statement)
        plan = _plan(sql, [])
        assert "state_lease" not in plan, (sql, plan)
