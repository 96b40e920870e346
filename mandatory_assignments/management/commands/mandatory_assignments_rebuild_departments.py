"""
Copy every person's department from the profiles into the plugin's department index.

The index follows profile saves by itself; run this once after installing the plugin into an LMS with
existing profiles, or after changing ``MANDATORY_ASSIGNMENTS_DEPARTMENT_FIELD``::

    ./manage.py lms mandatory_assignments_rebuild_departments
"""

from django.core.management.base import BaseCommand

from mandatory_assignments import api


class Command(BaseCommand):
    help = "Copy every person's department from the profiles into the department index."

    def handle(self, *args, **options):
        count = api.rebuild_departments()
        self.stdout.write(f"{count} people with a department.")
