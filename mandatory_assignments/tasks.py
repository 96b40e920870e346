"""
Celery tasks. Thin: primitive arguments, idempotent, ``acks_late``, retried with backoff.
"""

import logging

from celery import shared_task
from django.utils import timezone

log = logging.getLogger(__name__)


@shared_task(name="mandatory_assignments.tasks.tick", acks_late=True, ignore_result=True)
def tick():
    """Run one tick of the scheduler (Celery beat runs it every MANDATORY_ASSIGNMENTS_TICK_SECONDS)."""
    from . import api  # pylint: disable=import-outside-toplevel

    return api.run_scheduler()


def _send_with_retry(task, delivery_ids):
    from . import delivery  # pylint: disable=import-outside-toplevel

    try:
        sent, skipped, _failed = delivery.send(delivery_ids)
    except delivery.TransientSendError as exc:
        # The failed deliveries were released: a retry (or a later tick) sends them, once.
        if task.request.is_eager:
            # Run in-process (no broker): an immediate retry would fail the same way; a tick after the
            # backoff retries them.
            return {"sent": None, "failed": exc.delivery_ids}
        raise task.retry(args=[exc.delivery_ids], exc=exc, countdown=exc.countdown) from exc
    return {"sent": sent, "skipped": skipped}


@shared_task(bind=True, name="mandatory_assignments.tasks.send_deliveries", acks_late=True, max_retries=5)
def send_deliveries(self, delivery_ids):
    """Send a chunk of claimed deliveries."""
    return _send_with_retry(self, delivery_ids)


@shared_task(bind=True, name="mandatory_assignments.tasks.send_notices", acks_late=True, max_retries=5)
def send_notices(self, message, assignment_ids):
    """Claim and send the "assigned" or "new cycle" notice of these assignments."""
    from . import delivery, messages  # pylint: disable=import-outside-toplevel

    rows = messages.notice_deliveries(message, assignment_ids)
    delivery_ids = delivery.claim(rows, timezone.now())
    if not delivery_ids:
        return {"sent": 0, "skipped": 0}
    return _send_with_retry(self, delivery_ids)


@shared_task(bind=True, name="mandatory_assignments.tasks.send_withdrawn_notice", acks_late=True, max_retries=5)
def send_withdrawn_notice(self, notice):
    """Tell the person their assignment was withdrawn (the assignment row is gone: ``notice`` holds its data)."""
    from . import delivery, messages  # pylint: disable=import-outside-toplevel

    try:
        messages.send_withdrawn(notice)
    except delivery.TRANSIENT_ERRORS as exc:
        if self.request.is_eager:
            log.warning("Withdrawn notice for assignment %s not sent: %s", notice.get("assignment_id"), exc)
            return
        raise self.retry(exc=exc, countdown=min(600, 30 * 2**self.request.retries)) from exc


@shared_task(name="mandatory_assignments.tasks.run_bulk_job", acks_late=True, ignore_result=True)
def run_bulk_job(task_id):
    """Create a background bulk assignment; safe to run again after a worker died (no duplicates)."""
    from . import api  # pylint: disable=import-outside-toplevel

    api.run_bulk_job(task_id)
