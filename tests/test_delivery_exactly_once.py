"""
Exactly-once delivery on SQLite: what a claim, a lease, a worker, a retry and edx-ace's confirmation
leave in the Delivery records and in the outbox.

These pin the machinery in ``make test`` (the concurrent ticks themselves need MariaDB's row locks and
run in the MariaDB run): each test here is the check an operator would make on the records — who holds
a delivery and until when, what was sent, what was skipped and why, and when a failed one is tried again.
"""

import datetime
import smtplib
import uuid

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test import TestCase, override_settings

from mandatory_assignments import api, delivery
from mandatory_assignments.models import Delivery
from sandbox import controls

from .conftest import COURSE, NOW, due_in

LEASE = datetime.timedelta(seconds=900)  # MANDATORY_ASSIGNMENTS_DELIVERY_LEASE_SECONDS by default
SECOND = datetime.timedelta(seconds=1)
REFUSING = "tests.test_delivery_exactly_once.RefusingBackend"


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every email (edx-ace swallows the error: no success signal)."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("the mail server went away")


class UnreachableBackend(BaseEmailBackend):
    """No mail server listens (the error reaches the sending code)."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("connection refused")


@pytest.fixture
def clock(db):
    """Time stands still at NOW; ``clock.move_to(moment)`` moves it."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def assignment(clock, staff, learner):
    """A course assignment whose "assigned" email went out: no delivery is pending."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        created = api.assign(user=learner, target=COURSE, due_date=due_in(10), assigned_by=staff, reminders=[])
    assert Delivery.objects.get(message="assigned").state == Delivery.SENT
    mail.outbox.clear()
    return created


def reminder(assignment, *, days=3, recipient=None, kind="student", state=Delivery.PENDING, reason=""):
    """An unsaved reminder delivery, as the tick builds it."""
    return Delivery(
        assignment=assignment,
        user_id=assignment.user_id,
        target_key=assignment.target_key,
        target_type=assignment.target_type,
        message="overdue" if days < 0 else "reminder",
        cycle=assignment.cycle,
        reminder_days=days,
        recipient_kind=kind,
        recipient=recipient or assignment.user,
        due_date=assignment.due_date,
        state=state,
        reason=reason,
    )


def claimed(assignment, now=None, **kwargs):
    """A claimed (pending, leased) reminder delivery; returns the row."""
    [pk] = delivery.claim([reminder(assignment, **kwargs)], now or NOW)
    return Delivery.objects.get(pk=pk)


def row(pk):
    return Delivery.objects.get(pk=pk)


class before_statement:  # noqa: N801 - used as a context manager, reads as a sentence
    """
    Run ``action`` once, just before the first SQL statement that starts with ``prefix`` and mentions
    ``needle``: what another tick or worker does between two statements of this one.
    """

    def __init__(self, prefix, needle, action):
        self.prefix, self.needle, self.action, self.done = prefix, needle, action, False

    def __call__(self, execute, sql, params, many, context):
        if not self.done and sql.lstrip().upper().startswith(self.prefix) and self.needle in sql:
            self.done = True
            self.action()
        return execute(sql, params, many, context)

    def __enter__(self):
        self.wrapper = connection.execute_wrapper(self)
        self.wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self.wrapper.__exit__(*exc)
        assert self.done, "the statement never ran"


# Claims ---------------------------------------------------------------------------------------------


def test_a_claim_leases_only_its_pending_rows_until_a_lease_from_now(assignment, staff):
    other_tick = claimed(assignment, days=7)
    rows = [
        reminder(assignment, days=3),
        reminder(assignment, days=1, state=Delivery.SKIPPED, reason="superseded"),
        reminder(assignment, days=3, recipient=staff, kind="assigned_by"),
    ]

    ids = delivery.claim(rows, NOW + SECOND)

    pending = Delivery.objects.filter(message="reminder", state=Delivery.PENDING).exclude(pk=other_tick.pk)
    assert sorted(ids) == sorted(pending.values_list("pk", flat=True)) and len(ids) == 2
    assert {row(pk).lease_until for pk in ids} == {NOW + SECOND + LEASE}
    skipped = Delivery.objects.get(state=Delivery.SKIPPED)
    assert skipped.lease_until is None and skipped.reason == "superseded"
    assert row(other_tick.pk).lease_until == NOW + LEASE  # another claim's row is not this claim's


def test_claiming_the_same_reminders_twice_claims_nothing_the_second_time(assignment):
    first = delivery.claim([reminder(assignment, days=3), reminder(assignment, days=-1)], NOW)
    second = delivery.claim([reminder(assignment, days=3), reminder(assignment, days=-1)], NOW + SECOND)

    assert len(first) == 2
    assert second == []
    assert Delivery.objects.filter(message__in=["reminder", "overdue"]).count() == 2
    assert {row(pk).lease_until for pk in first} == {NOW + LEASE}  # the second claim did not re-lease them


@override_settings(MANDATORY_ASSIGNMENTS_DELIVERY_LEASE_SECONDS=60)
def test_the_lease_follows_the_operators_setting(assignment):
    assert claimed(assignment).lease_until == NOW + datetime.timedelta(seconds=60)


# Expired claims -------------------------------------------------------------------------------------


def test_a_claim_is_re_leased_exactly_when_its_lease_runs_out(assignment):
    pk = claimed(assignment).pk
    delivery._take([pk], "dead-worker", NOW)  # noqa: SLF001 - a worker took it, then died

    assert delivery.expired_claims(NOW + LEASE - SECOND) == []
    later = NOW + LEASE
    assert delivery.expired_claims(later) == [pk]
    taken = row(pk)
    assert (taken.state, taken.worker_token, taken.lease_until) == (Delivery.PENDING, "", later + LEASE)
    assert delivery.expired_claims(later + SECOND) == []  # re-leased: not again until that lease ends


def test_sent_and_skipped_rows_are_never_re_leased(assignment):
    stale = claimed(assignment, days=7)
    Delivery.objects.filter(pk=stale.pk).update(state=Delivery.SENT)  # sent, with its lease left behind
    skipped = claimed(assignment, days=5)
    delivery.skip(skipped.pk, "the assignment is completed")
    expired = claimed(assignment, days=3)

    assert delivery.expired_claims(NOW + LEASE, limit=1) == [expired.pk]
    assert row(stale.pk).state == Delivery.SENT and row(skipped.pk).state == Delivery.SKIPPED


def test_a_tick_re_leases_at_most_its_limit_and_leaves_the_rest_for_the_next(assignment):
    running = claimed(assignment, days=7, now=NOW + LEASE)  # claimed later: its lease still runs
    first, second = claimed(assignment, days=3), claimed(assignment, days=1)
    moment = NOW + LEASE

    assert delivery.expired_claims(moment, limit=1) == [first.pk]
    assert row(second.pk).lease_until == NOW + LEASE  # untouched, for the next tick
    assert delivery.expired_claims(moment, limit=1) == [second.pk]
    assert row(running.pk).lease_until == NOW + 2 * LEASE
    assert delivery.expired_claims(moment) == []


def test_a_row_sent_while_the_tick_re_leases_it_stays_sent(assignment):
    pk = claimed(assignment).pk

    def a_worker_sends_it():
        Delivery.objects.filter(pk=pk).update(state=Delivery.SENT, lease_until=None)

    with before_statement("UPDATE", "claim_token", a_worker_sends_it):
        assert delivery.expired_claims(NOW + LEASE) == []
    assert row(pk).state == Delivery.SENT and row(pk).lease_until is None


def test_of_two_ticks_re_leasing_the_same_row_only_the_first_gets_it(assignment):
    pk = claimed(assignment).pk
    moment = NOW + LEASE
    other = {}

    def another_tick_re_leases_it():
        other["ids"] = delivery.expired_claims(moment)

    with before_statement("UPDATE", "claim_token", another_tick_re_leases_it):
        assert delivery.expired_claims(moment) == []
    assert other["ids"] == [pk]


# Taking, sending and counting ----------------------------------------------------------------------


def test_a_send_returns_what_it_sent_and_skipped(assignment, learner, staff):
    completed = api.assign(
        user=controls.create_user("cora", email="cora@example.com"),
        target=COURSE,
        due_date=due_in(10),
        assigned_by=staff,
        reminders=[],
    )
    to_send = claimed(assignment)
    to_skip = claimed(completed)
    controls.set_grade(completed.user, COURSE, percent=1.0, passed=True)
    mail.outbox.clear()

    assert delivery.send([to_send.pk, to_skip.pk]) == (1, 1, [])

    assert [email.to for email in mail.outbox] == [[learner.email]]
    sent = row(to_send.pk)
    assert (sent.state, sent.email, sent.sent_at, sent.worker_token, sent.lease_until) == (
        Delivery.SENT,
        learner.email,
        NOW,
        "",
        None,
    )
    assert sent.attempts == 1
    skipped = row(to_skip.pk)
    assert (skipped.state, skipped.reason, skipped.lease_until) == (
        Delivery.SKIPPED,
        "the assignment is completed",
        None,
    )


def test_a_sent_delivery_records_the_message_id_edx_ace_reported(assignment):
    from edx_ace.signals import ACE_MESSAGE_SENT

    reported = []

    def listen(sender, message, **kwargs):
        reported.append(message["uuid"])

    ACE_MESSAGE_SENT.connect(listen)
    try:
        pk = claimed(assignment).pk
        assert delivery.send([pk]) == (1, 0, [])
    finally:
        ACE_MESSAGE_SENT.disconnect(listen)
    assert [row(pk).message_uuid] == reported


def test_two_emails_sent_in_one_chunk_count_two(assignment, staff):
    ids = delivery.claim([reminder(assignment), reminder(assignment, recipient=staff, kind="assigned_by")], NOW)
    assert delivery.send(ids) == (2, 0, [])
    assert sorted(email.to[0] for email in mail.outbox) == ["lena@example.com", "stella@example.com"]


def test_sending_one_delivery_leaves_the_others_of_the_claim_alone(assignment, staff):
    first = claimed(assignment, days=3)
    second = claimed(assignment, days=3, recipient=staff, kind="assigned_by")

    assert delivery.send([first.pk]) == (1, 0, [])

    untouched = row(second.pk)
    assert (untouched.state, untouched.email, untouched.message_uuid, untouched.worker_token) == (
        Delivery.PENDING,
        "",
        "",
        "",
    )
    assert delivery.send([second.pk]) == (1, 0, [])  # its own worker can take it at once
    assert [email.to[0] for email in mail.outbox] == ["lena@example.com", "stella@example.com"]


def test_a_row_another_worker_holds_is_not_sent_until_its_lease_runs_out(assignment, clock):
    pk = claimed(assignment).pk
    delivery._take([pk], "other-worker", NOW)  # noqa: SLF001

    clock.move_to(NOW + LEASE - SECOND)
    assert delivery.send([pk]) == (0, 0, [])
    assert mail.outbox == [] and row(pk).worker_token == "other-worker"

    clock.move_to(NOW + LEASE)
    assert delivery.send([pk]) == (1, 0, [])
    assert len(mail.outbox) == 1 and row(pk).attempts == 2


def test_sending_a_delivery_again_after_it_was_sent_changes_nothing(assignment):
    pk = claimed(assignment).pk
    assert delivery.send([pk]) == (1, 0, [])
    before = Delivery.objects.filter(pk=pk).values().get()

    assert delivery.send([pk]) == (0, 0, [])
    assert Delivery.objects.filter(pk=pk).values().get() == before
    assert len(mail.outbox) == 1


def test_an_overdue_email_sent_as_of_a_moment_is_decided_as_of_it(assignment):
    pk = claimed(assignment, days=-1).pk
    after_deadline = assignment.deadline + datetime.timedelta(minutes=5)

    assert delivery.send([pk], as_of=after_deadline) == (1, 0, [])  # the clock still stands before the deadline
    assert row(pk).state == Delivery.SENT
    [email] = mail.outbox
    assert "Status: Overdue" in email.body  # told as of that moment too


def test_without_a_moment_an_overdue_email_before_the_deadline_is_skipped(assignment):
    pk = claimed(assignment, days=-1).pk
    assert delivery.send([pk]) == (0, 1, [])
    assert row(pk).reason == "not overdue"


@override_settings(MANDATORY_ASSIGNMENTS_ENABLED=False)
def test_switched_off_queued_emails_are_skipped_not_sent(assignment, staff):
    ids = delivery.claim([reminder(assignment), reminder(assignment, recipient=staff, kind="assigned_by")], NOW)
    assert delivery.send(ids) == (0, 2, [])
    assert mail.outbox == []
    assert set(Delivery.objects.filter(pk__in=ids).values_list("state", "reason", "lease_until")) == {
        (Delivery.SKIPPED, delivery.SWITCHED_OFF, None)
    }


def test_a_long_reason_is_cut_to_the_column(assignment):
    pk = claimed(assignment).pk
    delivery.skip(pk, "x" * 300)
    assert row(pk).reason == "x" * 255


def test_skipping_one_delivery_leaves_the_others_pending(assignment, staff):
    skipped = claimed(assignment)
    other = claimed(assignment, recipient=staff, kind="assigned_by")
    delivery.skip(skipped.pk, "the assignment is completed")
    assert (row(other.pk).state, row(other.pk).reason) == (Delivery.PENDING, "")
    assert delivery.send([other.pk]) == (1, 0, [])


def test_skipping_does_not_undo_a_sent_email(assignment):
    pk = claimed(assignment).pk
    delivery.send([pk])
    delivery.skip(pk, "the assignment is completed")
    assert (row(pk).state, row(pk).reason) == (Delivery.SENT, "")


# Failures and the retry backoff ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "attempts, seconds", [(0, 30), (1, 30), (2, 60), (3, 120), (4, 240), (5, 480), (6, 900), (7, 900), (20, 900)]
)
def test_the_retry_backoff_doubles_from_30_seconds_up_to_the_lease(attempts, seconds):
    assert delivery.backoff_seconds(attempts) == seconds


@override_settings(MANDATORY_ASSIGNMENTS_DELIVERY_LEASE_SECONDS=100)
def test_the_retry_backoff_never_exceeds_a_shorter_lease():
    assert [delivery.backoff_seconds(attempts) for attempts in (1, 2, 3, 4)] == [30, 60, 100, 100]


@override_settings(EMAIL_BACKEND=REFUSING)
def test_a_refused_email_is_retried_after_30_then_60_seconds(assignment, clock):
    pk = claimed(assignment).pk

    with pytest.raises(delivery.TransientSendError) as first:
        delivery.send([pk])
    assert (first.value.delivery_ids, first.value.countdown) == ([pk], 30)
    failed = row(pk)
    assert (failed.state, failed.worker_token, failed.lease_until, failed.attempts) == (
        Delivery.PENDING,
        "",
        NOW + datetime.timedelta(seconds=30),
        1,
    )
    assert delivery.expired_claims(NOW + datetime.timedelta(seconds=29)) == []
    assert delivery.expired_claims(NOW + datetime.timedelta(seconds=30)) == [pk]

    clock.move_to(NOW + datetime.timedelta(seconds=30))
    with pytest.raises(delivery.TransientSendError) as second:
        delivery.send([pk])
    assert second.value.countdown == 60
    assert row(pk).lease_until == NOW + datetime.timedelta(seconds=90)


@override_settings(EMAIL_BACKEND=REFUSING)
def test_each_failed_delivery_gets_its_own_backoff_and_the_task_waits_for_the_longest(assignment, staff):
    tried = claimed(assignment)
    Delivery.objects.filter(pk=tried.pk).update(attempts=2)  # failed twice before
    fresh = claimed(assignment, recipient=staff, kind="assigned_by")

    with pytest.raises(delivery.TransientSendError) as failure:
        delivery.send([tried.pk, fresh.pk])

    assert sorted(failure.value.delivery_ids) == sorted([tried.pk, fresh.pk])
    assert failure.value.countdown == 120
    assert row(tried.pk).lease_until == NOW + datetime.timedelta(seconds=120)
    assert row(fresh.pk).lease_until == NOW + datetime.timedelta(seconds=30)
    assert {row(tried.pk).worker_token, row(fresh.pk).worker_token} == {""}


@pytest.mark.parametrize("backend", [REFUSING, "tests.test_delivery_exactly_once.UnreachableBackend"])
def test_a_failed_attempt_keeps_its_address_and_message_id_on_its_own_row(assignment, staff, backend):
    tried = claimed(assignment)
    other = claimed(assignment, recipient=staff, kind="assigned_by")

    with override_settings(EMAIL_BACKEND=backend), pytest.raises(delivery.TransientSendError):
        delivery.send([tried.pk])

    failed = row(tried.pk)
    assert (failed.state, failed.email) == (Delivery.PENDING, "lena@example.com")
    assert str(uuid.UUID(failed.message_uuid)) == failed.message_uuid
    assert (row(other.pk).email, row(other.pk).message_uuid) == ("", "")


def test_a_failed_email_is_not_counted_as_sent_because_another_one_was(assignment, staff):
    sent = claimed(assignment)
    delivery.send([sent.pk])
    failing = claimed(assignment, recipient=staff, kind="assigned_by")

    with override_settings(EMAIL_BACKEND=REFUSING), pytest.raises(delivery.TransientSendError):
        delivery.send([failing.pk])
    assert row(failing.pk).state == Delivery.PENDING


def test_a_worker_that_died_holding_a_row_blocks_it_only_for_its_lease(assignment, clock):
    pk = claimed(assignment).pk
    taken_at = NOW + datetime.timedelta(minutes=1)
    delivery._take([pk], "dead-worker", taken_at)  # noqa: SLF001
    assert row(pk).lease_until == taken_at + LEASE

    clock.move_to(taken_at + datetime.timedelta(minutes=5))
    assert delivery.send([pk]) == (0, 0, [])
    clock.move_to(taken_at + LEASE)
    assert delivery.send([pk]) == (1, 0, [])


# edx-ace's confirmation (ACE_MESSAGE_SENT) -------------------------------------------------------


def composed(assignment):
    """A pending delivery whose email was handed to edx-ace (message uuid recorded), not yet confirmed."""
    pk = claimed(assignment).pk
    Delivery.objects.filter(pk=pk).update(message_uuid="0b2f8c8e-6d5a-4a43-9e0c-6f1f8d2b7a10")
    return pk


@pytest.mark.parametrize(
    "message",
    [
        {"app_label": "another_app", "uuid": "0b2f8c8e-6d5a-4a43-9e0c-6f1f8d2b7a10"},
        {"app_label": "mandatory_assignments", "uuid": "11111111-2222-3333-4444-555555555555"},
        {"app_label": "mandatory_assignments", "uuid": ""},
        {"app_label": "mandatory_assignments"},
        {"uuid": "0b2f8c8e-6d5a-4a43-9e0c-6f1f8d2b7a10"},
        "0b2f8c8e-6d5a-4a43-9e0c-6f1f8d2b7a10",
        None,
    ],
    ids=["another app", "another uuid", "empty uuid", "no uuid", "no app", "not a dict", "nothing"],
)
def test_a_confirmation_of_another_message_marks_nothing(assignment, message):
    pk = composed(assignment)
    unsent = claimed(assignment, days=1).pk  # no message uuid yet

    delivery.mark_sent(message)

    assert row(pk).state == Delivery.PENDING and row(unsent).state == Delivery.PENDING


def test_the_confirmation_of_this_message_marks_only_its_delivery_sent(assignment, clock):
    pk = composed(assignment)
    delivery._take([pk], "a-worker", NOW)  # noqa: SLF001 - the worker sending it holds it
    unsent = claimed(assignment, days=1).pk
    clock.move_to(NOW + datetime.timedelta(minutes=2))

    delivery.mark_sent({"app_label": "mandatory_assignments", "uuid": "0b2f8c8e-6d5a-4a43-9e0c-6f1f8d2b7a10"})

    confirmed = row(pk)
    assert (confirmed.state, confirmed.sent_at, confirmed.lease_until, confirmed.worker_token) == (
        Delivery.SENT,
        NOW + datetime.timedelta(minutes=2),
        None,
        "",
    )
    assert row(unsent).state == Delivery.PENDING


def test_a_late_confirmation_does_not_overturn_a_skip(assignment):
    pk = composed(assignment)
    delivery.skip(pk, "blocked by an ACE policy (the recipient turned reminder emails off)")
    delivery.mark_sent({"app_label": "mandatory_assignments", "uuid": "0b2f8c8e-6d5a-4a43-9e0c-6f1f8d2b7a10"})
    assert row(pk).state == Delivery.SKIPPED


def test_the_email_goes_out_from_the_persons_company_site(staff):
    from django.contrib.sites.models import Site
    from openedx.core.djangoapps.site_configuration.models import SiteConfiguration

    with time_machine.travel(NOW, tick=False):
        carl = controls.create_user("carl", email="carl@acme.example.com", site="acme.example.com")
        SiteConfiguration.objects.create(
            site=Site.objects.get(domain="acme.example.com"),
            enabled=True,
            site_values={"email_from_address": "learning@acme.example.com", "platform_name": "Acme Academy"},
        )
        acme = api.assign(user=carl, target=COURSE, due_date=due_in(10), assigned_by=staff, reminders=[])
        mail.outbox.clear()
        pk = claimed(acme).pk
        assert delivery.send([pk]) == (1, 0, [])
    [email] = mail.outbox
    assert email.from_email == "learning@acme.example.com"
    assert "Acme Academy" in email.body
