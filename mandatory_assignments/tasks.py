"""
Celery tasks. Thin: primitive arguments (ids, key strings, ISO moments), idempotent, ``acks_late``,
retried with backoff. The domain queues them by name (``outbox``), so nothing below imports this module.
"""

import datetime
import logging

from celery import shared_task

from . import api, delivery

log = logging.getLogger(__name__)


@shared_task(name="mandatory_assignments.tasks.tick", acks_late=True, ignore_result=True)
def tick():
    """Run one tick of the scheduler (Celery beat runs it every MANDATORY_ASSIGNMENTS_TICK_SECONDS)."""
    return api.run_scheduler()


@shared_task(bind=True, name="mandatory_assignments.tasks.send_deliveries", acks_late=True, max_retries=5)
def send_deliveries(self, delivery_ids, as_of=None):
    """Send a chunk of claimed deliveries, decided as of ``as_of`` (ISO moment; default: now)."""
    moment = datetime.datetime.fromisoformat(as_of) if as_of else None
    try:
        sent, skipped, _failed = delivery.send(delivery_ids, as_of=moment)
    except delivery.TransientSendError as exc:
        # The failed deliveries were released: a retry (or a later tick) sends them, once.
        if self.request.is_eager:
            # Run in-process (no broker): an immediate retry would fail the same way; a tick after the
            # backoff retries them.
            return {"sent": None, "failed": exc.delivery_ids}
        raise self.retry(args=[exc.delivery_ids], kwargs={"as_of": as_of}, exc=exc, countdown=exc.countdown) from exc
    return {"sent": sent, "skipped": skipped}


@shared_task(name="mandatory_assignments.tasks.run_bulk_job", acks_late=True, ignore_result=True)
def run_bulk_job(task_id):
    """Create a background bulk assignment; safe to run again after a worker died (no duplicates)."""
    api.run_bulk_job(task_id)
