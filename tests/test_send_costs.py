"""
What sending costs the database (issue 10): one write an email — the delivery marked sent with its
message id and address in one UPDATE — besides a constant number of queries a chunk.
"""

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from mandatory_assignments import api, delivery
from mandatory_assignments.models import Delivery
from sandbox import controls

from .conftest import COURSE, NOW, due_in
from .test_delivery_exactly_once import reminder


@pytest.fixture
def assignments(db, staff):
    """Six people's assignments of the course whose "assigned" emails went out."""
    with time_machine.travel(NOW, tick=False):
        people = [controls.create_user(f"sender{i}", email=f"sender{i}@example.com") for i in range(6)]
        with TestCase.captureOnCommitCallbacks(execute=True):
            rows = [
                api.assign(user=person, target=COURSE, due_date=due_in(10), assigned_by=staff, reminders=[])
                for person in people
            ]
    mail.outbox.clear()
    return rows


def _send(ids):
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as captured:
        assert delivery.send(ids) == (len(ids), 0, [])
    return [query["sql"] for query in captured.captured_queries]


def test_each_email_costs_one_write_and_a_chunk_a_constant_number_of_queries(assignments):
    two = delivery.claim([reminder(row) for row in assignments[:2]], NOW)
    six = delivery.claim([reminder(row, days=2) for row in assignments], NOW)

    small, large = _send(two), _send(six)

    assert len(large) - len(small) == 4  # four more emails: four more writes, nothing else
    state = f"{connection.ops.quote_name('state')} = "  # "state" on SQLite, `state` on MariaDB
    updates = [sql for sql in large if sql.startswith("UPDATE") and state in sql.split("WHERE")[0]]
    assert len(updates) == 6
    assert len(mail.outbox) == 8


def test_the_write_marks_sent_with_the_message_id_and_address_and_frees_the_row(assignments):
    [pk] = delivery.claim([reminder(assignments[0])], NOW)
    from edx_ace.signals import ACE_MESSAGE_SENT

    reported = []

    def listen(sender, message, **kwargs):
        reported.append(message["uuid"])

    ACE_MESSAGE_SENT.connect(listen)
    try:
        _send([pk])
    finally:
        ACE_MESSAGE_SENT.disconnect(listen)

    sent = Delivery.objects.get(pk=pk)
    assert (sent.state, sent.message_uuid, sent.email, sent.worker_token, sent.lease_until) == (
        Delivery.SENT,
        reported[0],
        "sender0@example.com",
        "",
        None,
    )
    assert sent.sent_at == NOW


def test_the_write_changes_nothing_once_the_row_is_no_longer_pending(assignments):
    [pk] = delivery.claim([reminder(assignments[0])], NOW)
    Delivery.objects.filter(pk=pk).update(state=Delivery.SKIPPED, reason="skipped meanwhile")

    assert delivery._mark_handed_over_sent(pk, "00000000-0000-0000-0000-000000000000", "x@example.com") == 0
    skipped = Delivery.objects.get(pk=pk)
    assert (skipped.state, skipped.message_uuid, skipped.email) == (Delivery.SKIPPED, "", "")


def test_the_context_is_made_json_safe_as_a_json_round_trip_would():
    """The context edx-ace serialises: the same values as ``json.loads(json.dumps(context, default=str))``."""
    import datetime
    import json

    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext_lazy

    from mandatory_assignments.message_context import _json_safe

    context = {
        "safe": mark_safe("<b>Fire safety</b>"),
        "lazy": gettext_lazy("Course"),
        "date": datetime.date(2026, 12, 15),
        "moment": datetime.datetime(2026, 12, 15, 22, 59, tzinfo=datetime.UTC),
        "items": (1, 2.5, None, True, ["nested", {"deep": datetime.date(2027, 1, 1)}]),
        7: "a number as key",
        None: "none as key",
        mark_safe("safe key"): "v",
        "text": 'ünï"code',
    }

    made = _json_safe(context)

    assert made == json.loads(json.dumps(context, default=str))
    assert all(type(key) is str for key in made)
    assert type(made["safe"]) is str and type(made["lazy"]) is str
