"""
The write after the hand-over (the record that an email went out) on SQLite: when the database refuses it
for a reason that may pass — MariaDB's lock wait timeout or deadlock, a lost or refused connection — it is
tried again, with a growing pause, for up to half a lease, so that the email is recorded sent once and not
sent again by a later attempt; an error that will not pass, or one inside the caller's own transaction,
reaches the caller at once.

The database's refusal is played by a statement wrapper that raises the error MariaDB's driver raises
(``OperationalError(code, message)``) for that one UPDATE; edx-ace, the email and the rows are real. The
retries run only outside a transaction: these tests commit (``transaction=True``).
"""

import time

import pytest
import time_machine
from django.core import mail
from django.db import InterfaceError, OperationalError, connection, transaction
from django.test import override_settings

from mandatory_assignments import api, delivery
from mandatory_assignments.models import Delivery

from .conftest import COURSE, NOW, due_in
from .test_delivery_exactly_once import reminder

pytestmark = pytest.mark.django_db(transaction=True)

RETRYABLE = {
    1205: "Lock wait timeout exceeded; try restarting transaction",
    1213: "Deadlock found when trying to get lock; try restarting transaction",
    2002: "Can't connect to local MySQL server through socket",
    2003: "Can't connect to MySQL server",
    2006: "MySQL server has gone away",
    2013: "Lost connection to MySQL server during query",
}


class RefusedWrite:
    """
    The database refuses the write that records a handed-over email as sent, ``times`` times (with
    ``error``), then accepts it; ``attempts`` counts the tries, ``moments`` when each was made.
    """

    def __init__(self, error, times=1):
        self.error, self.times, self.attempts, self.moments = error, times, 0, []

    def __call__(self, execute, sql, params, many, context):
        head = sql.lstrip().upper()
        if head.startswith("UPDATE") and "SENT_AT" in head and "MESSAGE_UUID" in head.split("WHERE")[0]:
            self.attempts += 1
            self.moments.append(time.monotonic())
            if self.attempts <= self.times:
                raise self.error
        return execute(sql, params, many, context)

    def __enter__(self):
        self.wrapper = connection.execute_wrapper(self)
        self.wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self.wrapper.__exit__(*exc)


@pytest.fixture
def pending(course, staff, learner):
    """A claimed reminder of a course assignment, ready to be sent; the clock stands at NOW."""
    with time_machine.travel(NOW, tick=False):
        assignment = api.assign(user=learner, target=COURSE, due_date=due_in(10), assigned_by=staff, reminders=[])
        [pk] = delivery.claim([reminder(assignment)], NOW)
    mail.outbox.clear()
    with time_machine.travel(NOW, tick=False):
        yield pk


def state(pk):
    return Delivery.objects.values_list("state", flat=True).get(pk=pk)


@pytest.mark.parametrize("code", sorted(RETRYABLE))
def test_a_refused_record_of_a_sent_email_is_written_again_and_the_email_counts_once(pending, code):
    with RefusedWrite(OperationalError(code, RETRYABLE[code])) as refused:
        assert delivery.send([pending]) == (1, 0, [])

    assert refused.attempts == 2
    assert state(pending) == Delivery.SENT
    assert len(mail.outbox) == 1
    # Sent: no later attempt sends it again.
    assert delivery.send([pending]) == (0, 0, [])
    assert delivery.expired_claims(NOW + delivery.lease()) == []
    assert len(mail.outbox) == 1


def test_a_lost_connection_reported_by_the_driver_as_an_interface_error_is_retried_too(pending):
    with RefusedWrite(InterfaceError(2013, RETRYABLE[2013])) as refused:
        assert delivery.send([pending]) == (1, 0, [])
    assert refused.attempts == 2 and state(pending) == Delivery.SENT


@pytest.mark.parametrize(
    "error",
    [
        OperationalError(1045, "Access denied for user"),
        OperationalError(1054, "Unknown column 'sent_at' in 'field list'"),
        OperationalError("database is locked"),  # SQLite's own: no code
        OperationalError(),
        OperationalError("1205"),  # a code in words is no code
    ],
    ids=["access denied", "unknown column", "no code", "nothing", "code as text"],
)
def test_an_error_that_will_not_pass_reaches_the_caller_after_one_try(pending, error):
    with RefusedWrite(error) as refused, pytest.raises(OperationalError) as raised:
        delivery.send([pending])

    assert raised.value is error
    assert refused.attempts == 1
    assert len(mail.outbox) == 1  # handed over, but not recorded: the row stays pending
    assert state(pending) == Delivery.PENDING


def test_inside_the_callers_transaction_the_write_is_not_tried_again(pending):
    """A refused statement inside a transaction leaves it unusable: a retry there cannot succeed."""
    with (
        RefusedWrite(OperationalError(1213, RETRYABLE[1213])) as refused,
        pytest.raises(OperationalError),
        transaction.atomic(),
    ):
        delivery.send([pending])
    assert refused.attempts == 1


@override_settings(MANDATORY_ASSIGNMENTS_DELIVERY_LEASE_SECONDS=1)
def test_a_write_refused_for_half_a_lease_is_given_up_with_pauses_doubling_from_50_ms(pending):
    """
    Lease 1 s: tries at 0, 0.05, 0.15 and 0.35 s; the next pause (0.4 s) would end past half the lease, so
    the error reaches the caller (the task fails; the lease brings the row back to a later tick).
    """
    error = OperationalError(1205, RETRYABLE[1205])
    with RefusedWrite(error, times=8) as refused, pytest.raises(OperationalError) as raised:
        delivery.send([pending])

    assert raised.value is error
    assert refused.attempts == 4
    pauses = [later - earlier for earlier, later in zip(refused.moments, refused.moments[1:], strict=False)]
    for pause, planned in zip(pauses, (0.05, 0.1, 0.2), strict=True):
        assert planned <= pause < planned + 0.1
    assert state(pending) == Delivery.PENDING
