"""
Run one tick of mandatory assignments: due reminders, overdue marks, new cycles.

For deployments without Celery beat (Tutor runs none): schedule it with cron every few minutes, e.g.

    */5 * * * *  ./manage.py lms mandatory_assignments_tick --quiet

Running it more often, or twice at once, sends nothing twice (deliveries are claimed under a unique
constraint). Deployments with beat get the same work from ``mandatory_assignments.tasks.tick``.

``--now 2027-01-15T00:05`` runs the tick as of that moment (a moment without a zone is read in
``settings.TIME_ZONE``), deciding what is due, overdue and sent as of it: to see what happens a week
later in the demo, or to replay a tick after downtime.
"""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from mandatory_assignments import api
from mandatory_assignments.conf import setting


def parse_moment(value):
    """An aware datetime from ISO text; a naive one is read in the server's time zone."""
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--now: {value!r} is not an ISO date and time, e.g. 2027-01-15T00:05") from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class Command(BaseCommand):
    help = "Run one tick of mandatory assignments (reminders, overdue marks, new cycles) and print the counts."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")
        parser.add_argument(
            "--changes-only", action="store_true", help="Print one line, and only when the tick did something."
        )
        parser.add_argument("--now", type=parse_moment, default=None, help="Run as of this moment (ISO 8601).")

    def handle(self, *args, **options):
        now = options["now"]
        counts = api.run_scheduler(now)
        if options["quiet"]:
            return
        if not setting("ENABLED"):
            self.stdout.write("Mandatory assignments are disabled (MANDATORY_ASSIGNMENTS_ENABLED): nothing done.")
            return
        if options["changes_only"]:
            done = {name: count for name, count in counts.items() if count}
            if done:
                moment = (now or timezone.now()).isoformat(timespec="seconds")
                self.stdout.write(f"tick {moment}: " + ", ".join(f"{name} {count}" for name, count in done.items()))
            return
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")
