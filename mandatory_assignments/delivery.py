"""
Exactly-once email delivery.

Every email of an assignment is a :class:`~mandatory_assignments.models.Delivery` row under a unique
constraint per (assignment, message, cycle, reminder, recipient, due date). The tick *claims* rows by
inserting them (a row that another tick inserted first is ignored), a worker *takes* a claimed row with a
conditional update before sending, and the row is marked sent only when edx-ace reports success
(``ACE_MESSAGE_SENT``: ``ace.send`` itself swallows channel errors). A row whose worker died is released
when its lease runs out and sent by a later tick. The one window where a duplicate stays possible is
between the SMTP hand-over and the write that marks the row sent.
"""

import contextlib
import contextvars
import datetime
import logging
import smtplib
import time
import uuid

from django.db import InterfaceError, OperationalError, connection
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop
from edx_ace import ace, policy
from edx_ace.channel import ChannelType

from . import compat, messages
from .conf import setting
from .models import Delivery

log = logging.getLogger(__name__)

APP_LABEL = "mandatory_assignments"
TRANSIENT_ERRORS = (OSError, smtplib.SMTPException)


class TransientSendError(Exception):
    """
    Sending failed for a reason that may pass (the mail server is down): retry later.

    ``delivery_ids`` failed; ``countdown`` is the backoff, in seconds, before they may be tried again.
    """

    def __init__(self, delivery_ids, countdown):
        super().__init__(delivery_ids, countdown)
        self.delivery_ids = delivery_ids
        self.countdown = countdown


def backoff_seconds(attempts):
    """Exponential backoff (30 s, 60 s, 120 s …), never longer than a lease."""
    return min(setting("DELIVERY_LEASE_SECONDS"), 30 * 2 ** max(attempts - 1, 0))


def lease():
    return datetime.timedelta(seconds=setting("DELIVERY_LEASE_SECONDS"))


def claim(rows, now):
    """
    Insert the given unsaved deliveries, ignoring those another tick already inserted; return the ids of
    the pending ones this call claimed.
    """
    token = str(uuid.uuid4())
    for row in rows:
        row.claim_token = token
        if row.state == Delivery.PENDING:
            row.lease_until = now + lease()
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return _pending_with(token)


def expired_claims(now, limit=10000):
    """
    Pending deliveries whose lease ran out (their worker died, or the mail server was down): re-lease
    them for this tick and return their ids. A concurrent tick re-leasing the same rows loses the race.
    """
    ids = list(
        Delivery.objects.filter(state=Delivery.PENDING, lease_until__lte=now).values_list("id", flat=True)[:limit]
    )
    if not ids:
        return []
    token = str(uuid.uuid4())
    Delivery.objects.filter(pk__in=ids, state=Delivery.PENDING, lease_until__lte=now).update(
        claim_token=token, worker_token="", lease_until=now + lease()
    )
    return _pending_with(token)


def _pending_with(token):
    """
    The ids of the pending deliveries holding claim ``token``, read through the token's index alone: with the
    state in the condition too, SQLite walked the (state, lease) index over every pending delivery (20,000
    queued "assigned" notices after a bulk job made each single assignment's claim 150 times slower).
    """
    rows = Delivery.objects.filter(claim_token=token).values_list("id", "state")
    return [delivery_id for delivery_id, state in rows if state == Delivery.PENDING]


def _take(delivery_ids, worker, now):
    """
    Take the pending deliveries no other worker holds (or whose lease ran out) for this worker, in one
    conditional update; returns the rows taken, with what composing their emails needs.
    """
    Delivery.objects.filter(pk__in=list(delivery_ids), state=Delivery.PENDING).filter(
        Q(worker_token="") | Q(lease_until__lte=now)
    ).update(worker_token=worker, lease_until=now + lease(), attempts=F("attempts") + 1)
    return list(
        Delivery.objects.filter(pk__in=list(delivery_ids), state=Delivery.PENDING, worker_token=worker)
        .select_related("assignment", "assignment__user", "assignment__assigned_by", "user", "recipient")
        .order_by("id")
    )


def _release(delivery_id, worker):
    """
    Give the delivery back after a failed attempt; returns its backoff. Until the backoff ends no tick
    re-dispatches it (the sending task retries it then); afterwards any tick may.
    """
    attempts = Delivery.objects.filter(pk=delivery_id).values_list("attempts", flat=True).first() or 1
    countdown = backoff_seconds(attempts)
    Delivery.objects.filter(pk=delivery_id, state=Delivery.PENDING, worker_token=worker).update(
        worker_token="", lease_until=timezone.now() + datetime.timedelta(seconds=countdown)
    )
    return countdown


def skip(delivery_id, reason):
    Delivery.objects.filter(pk=delivery_id, state=Delivery.PENDING).update(
        state=Delivery.SKIPPED, reason=reason[:255], lease_until=None
    )


SWITCHED_OFF = gettext_noop("mandatory assignments are switched off (MANDATORY_ASSIGNMENTS_ENABLED)")


def send(delivery_ids, as_of=None):
    """
    Send these deliveries, as of ``as_of`` (default: now; the tick passes its own moment, so that a tick
    run "as of" a moment decides as of it). Returns ``(sent, skipped, failed_ids)``; raises
    :class:`TransientSendError` after trying all of them when some failed for a reason that may pass.

    Emails are built and handed over outside any web request: the platform's ``emulate_http_request``
    would otherwise turn the current request's user into the recipient.
    """
    worker = str(uuid.uuid4())
    sent = skipped = 0
    failed, countdowns = [], []
    rows = _take(delivery_ids, worker, timezone.now())
    if rows and not setting("ENABLED"):
        for row in rows:
            skip(row.pk, SWITCHED_OFF)
        return 0, len(rows), []
    as_of = as_of or timezone.now()
    with compat.outside_request(), messages.prefetched(rows):
        for row in rows:
            outcome = _send_one(row, as_of)
            if outcome == Delivery.SENT:
                sent += 1
            elif outcome == Delivery.SKIPPED:
                skipped += 1
            else:
                countdowns.append(_release(row.pk, worker))
                failed.append(row.pk)
    if failed:
        raise TransientSendError(failed, max(countdowns))
    return sent, skipped, failed


def _send_one(row, as_of):
    """Send one taken delivery; returns SENT, SKIPPED or None (failed for now)."""
    delivery_id = row.pk
    reason = messages.reason_not_to_send(row, as_of)
    if reason:
        skip(delivery_id, reason)
        return Delivery.SKIPPED
    site = messages.site_for(row.user)
    error = None
    # One emulated request to the person's site an email: the message is created in it (the platform's
    # message type reads the site's from-address then) and handed to edx-ace in it.
    with compat.emulate_http_request(site=site, user=row.recipient):
        message = messages.compose_in_request(row, site, as_of)
        try:
            with _handing_over(message, row) as handed:
                ace.send(message)
        except TRANSIENT_ERRORS as exc:
            error = exc
    if error is not None:
        _record_attempt(delivery_id, message, row)
        log.warning("Delivery %s failed, will retry: %s", delivery_id, error.__class__.__name__)
        return None
    if handed.confirmed or Delivery.objects.filter(pk=delivery_id, state=Delivery.SENT).exists():
        return Delivery.SENT
    _record_attempt(delivery_id, message, row)
    if _blocked_by_policy(message):
        skip(delivery_id, gettext_noop("blocked by an ACE policy (the recipient turned reminder emails off)"))
        return Delivery.SKIPPED
    # ace.send returned without its success signal: a channel error it swallowed. Retry later.
    log.warning("Delivery %s was not confirmed by edx-ace, will retry", delivery_id)
    return None


def _record_attempt(delivery_id, message, row):
    """An attempt that did not end sent: its message id and address stay on the row, as a sent one's do."""
    Delivery.objects.filter(pk=delivery_id).update(message_uuid=str(message.uuid), email=row.recipient.email)


def _blocked_by_policy(message):
    """Whether edx-ace's policies deny the email channel (asked only when a message was not sent)."""
    return ChannelType.EMAIL not in policy.channels_for(message)


class _HandOver:
    """The email this worker is handing to edx-ace now: its delivery, and whether edx-ace confirmed it."""

    def __init__(self, message_uuid, delivery_id, email):
        self.message_uuid = message_uuid
        self.delivery_id = delivery_id
        self.email = email
        self.confirmed = False


_HANDING_OVER = contextvars.ContextVar("mandatory_assignments_handing_over", default=None)


@contextlib.contextmanager
def _handing_over(message, row):
    """
    While ``ace.send`` runs, its confirmation (``ACE_MESSAGE_SENT``, sent synchronously by edx-ace) marks
    this delivery sent by its id, recording the message id and the address in the same write.
    """
    handed = _HandOver(str(message.uuid), row.pk, row.recipient.email)
    token = _HANDING_OVER.set(handed)
    try:
        yield handed
    finally:
        _HANDING_OVER.reset(token)


# MySQL/MariaDB errors after which the same write may succeed: lock wait timeout, deadlock, server gone
# away, connection lost (also while reconnecting: cannot connect).
_RETRYABLE_WRITE_ERRORS = {1205, 1213, 2002, 2003, 2006, 2013}


def _retryable(exc):
    code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
    return code in _RETRYABLE_WRITE_ERRORS


def _write_after_hand_over(write):
    """
    Run ``write`` — the record that an email was handed over — until it succeeds. The email is out: losing
    this write to a deadlock (the tick re-leasing rows in the same index) or to a database restart would
    leave the row pending, and a later attempt would send the email again. Retried with a growing pause
    for up to half a lease (after a lease another worker may take the row); outside a transaction only.
    """
    deadline = time.monotonic() + setting("DELIVERY_LEASE_SECONDS") / 2
    pause = 0.05
    while True:
        try:
            return write()
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block or not _retryable(exc) or time.monotonic() + pause > deadline:
                raise
            log.warning("Recording a sent email failed (%s), retrying in %.2f s", exc.args[0], pause)
            if exc.args[0] not in (1205, 1213):
                connection.close()  # the next query opens a new connection
            time.sleep(pause)
            pause = min(pause * 2, 2.0)


# The columns the write after a hand-over sets, and those its condition reads.
_SENT_COLUMNS = ("state", "sent_at", "message_uuid", "email", "worker_token", "lease_until")


def _mark_handed_over_sent(delivery_id, message_uuid, email):
    """
    The one write an email costs: the delivery, still pending, marked sent with its message id and
    address — ``Delivery.objects.filter(pk=delivery_id, state=PENDING).update(state=SENT, sent_at=now,
    message_uuid=…, email=…, worker_token="", lease_until=None)``, as one UPDATE whose SQL is built once
    per connection vendor (building it through the ORM cost more than running it). Returns the rows
    changed (0 or 1).
    """
    db = connection
    if db.vendor not in _SENT_SQL:
        quote = db.ops.quote_name
        column = {name: quote(Delivery._meta.get_field(name).column) for name in (*_SENT_COLUMNS, "id")}
        _SENT_SQL[db.vendor] = (
            f"UPDATE {quote(Delivery._meta.db_table)} SET "
            + ", ".join(f"{column[name]} = %s" for name in _SENT_COLUMNS)
            + f" WHERE {column['id']} = %s AND {column['state']} = %s",
            [Delivery._meta.get_field(name) for name in _SENT_COLUMNS],
        )
    sql, fields = _SENT_SQL[db.vendor]
    values = (Delivery.SENT, timezone.now(), message_uuid, email, "", None)
    params = [field.get_db_prep_save(value, db) for field, value in zip(fields, values, strict=True)]
    with db.cursor() as cursor:
        cursor.execute(sql, [*params, delivery_id, Delivery.PENDING])
        return cursor.rowcount


_SENT_SQL = {}


def mark_sent(message):
    """Handle ``ACE_MESSAGE_SENT``: ``message`` is edx-ace's serialisable dict of the sent message."""
    if not isinstance(message, dict) or message.get("app_label") != APP_LABEL or not message.get("uuid"):
        return
    handed = _HANDING_OVER.get()
    if handed is not None and handed.message_uuid == message["uuid"]:
        write = lambda: _mark_handed_over_sent(handed.delivery_id, handed.message_uuid, handed.email)  # noqa: E731
        handed.confirmed = bool(_write_after_hand_over(write))
        return

    def write():
        # By the message id's index, then by primary key (as in _pending_with: a condition on the state beside
        # the message id let SQLite walk every pending delivery).
        ids = list(Delivery.objects.filter(message_uuid=message["uuid"]).values_list("id", flat=True))
        return Delivery.objects.filter(pk__in=ids, state=Delivery.PENDING).update(
            state=Delivery.SENT, sent_at=timezone.now(), worker_token="", lease_until=None
        )

    _write_after_hand_over(write)
