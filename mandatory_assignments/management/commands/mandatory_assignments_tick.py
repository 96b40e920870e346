"""
Run one tick of mandatory assignments: due reminders, overdue marks, new cycles.

For deployments without Celery beat (Tutor runs none): schedule it with cron every few minutes, e.g.

    */5 * * * *  ./manage.py lms mandatory_assignments_tick --quiet

Running it more often, or twice at once, sends nothing twice (deliveries are claimed under a unique
constraint). Deployments with beat get the same work from ``mandatory_assignments.tasks.tick``.
"""

from django.core.management.base import BaseCommand

from mandatory_assignments import api
from mandatory_assignments.conf import setting


class Command(BaseCommand):
    help = "Run one tick of mandatory assignments (reminders, overdue marks, new cycles) and print the counts."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Print nothing.")

    def handle(self, *args, **options):
        counts = api.run_scheduler()
        if options["quiet"]:
            return
        if not setting("ENABLED"):
            self.stdout.write("Mandatory assignments are disabled (MANDATORY_ASSIGNMENTS_ENABLED): nothing done.")
        for name, count in counts.items():
            self.stdout.write(f"{name}: {count}")
