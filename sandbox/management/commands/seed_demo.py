"""
``manage.py seed_demo``: fill the sandbox with two companies, their people, courses, groups and a
learning path, through ``sandbox.controls``. Running it again changes nothing.
"""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from sandbox import controls

PASSWORD = "demo-password"

SITES = {
    "acme.example.com": ["AcmeX"],
    "globex.example.com": ["GlobexX"],
}

COURSES = {
    "course-v1:AcmeX+SAFE101+2026": "Workplace Safety",
    "course-v1:AcmeX+PRIV201+2026": "Data Privacy Essentials",
    "course-v1:AcmeX+ETH150+2026": "Business Ethics",
    "course-v1:GlobexX+ONB100+2026": "Globex Onboarding",
}

LEARNING_PATH = (
    "path-v1:AcmeX+COMPLIANCE+2026+core",
    "Annual Compliance",
    [
        "course-v1:AcmeX+SAFE101+2026",
        "course-v1:AcmeX+PRIV201+2026",
        "course-v1:AcmeX+ETH150+2026",
    ],
)

# username, site, department, time zone, managers
MANAGERS = [
    ("mona.manager", "acme.example.com", "Sales", "America/New_York", ()),
    ("eric.lead", "acme.example.com", "Engineering", "Europe/Berlin", ()),
    ("gina.boss", "globex.example.com", "Support", "Asia/Kolkata", ()),
]
LEARNERS = [
    ("alice.sales", "acme.example.com", "Sales", "America/New_York", ("mona.manager",)),
    ("bob.sales", "acme.example.com", "Sales", "America/Chicago", ("mona.manager",)),
    ("carol.sales", "acme.example.com", "Sales", "Europe/London", ("mona.manager",)),
    ("dave.eng", "acme.example.com", "Engineering", "Europe/Berlin", ("eric.lead",)),
    ("erin.eng", "acme.example.com", "Engineering", "Asia/Kolkata", ("eric.lead",)),
    ("frank.eng", "acme.example.com", "Engineering", "America/Los_Angeles", ("eric.lead", "mona.manager")),
    ("grace.support", "acme.example.com", "Support", "Australia/Sydney", ("mona.manager",)),
    ("heidi.support", "acme.example.com", "Support", "Europe/Paris", ("mona.manager",)),
    ("ivan.globex", "globex.example.com", "Support", "Asia/Kolkata", ("gina.boss",)),
    ("judy.globex", "globex.example.com", "Sales", "America/Sao_Paulo", ("gina.boss",)),
    ("ken.globex", "globex.example.com", "Engineering", "Asia/Tokyo", ("gina.boss",)),
    ("laura.globex", "globex.example.com", "Support", "Europe/Madrid", ("gina.boss",)),
]
STAFF = [
    (
        "staff_acme",
        "acme.example.com",
        ["course-v1:AcmeX+SAFE101+2026", "course-v1:AcmeX+PRIV201+2026", "course-v1:AcmeX+ETH150+2026"],
    ),
    ("staff_globex", "globex.example.com", ["course-v1:GlobexX+ONB100+2026"]),
]
COHORTS = {
    "course-v1:AcmeX+SAFE101+2026": {
        "Sales team": ["alice.sales", "bob.sales", "carol.sales"],
        "Engineers": ["dave.eng", "erin.eng", "frank.eng"],
    },
    "course-v1:GlobexX+ONB100+2026": {"New hires": ["ivan.globex", "judy.globex"]},
}
TEAMS = {
    "course-v1:AcmeX+PRIV201+2026": {"Red team": ["dave.eng", "erin.eng"], "Blue team": ["grace.support"]},
    "course-v1:GlobexX+ONB100+2026": {"Support squad": ["ivan.globex", "laura.globex"]},
}


# learner, target, assigned by, days until due, repeat weeks, note, reminders (None: the default)
ASSIGNMENTS = [
    (
        "alice.sales",
        "course-v1:AcmeX+SAFE101+2026",
        "staff_acme",
        10,
        None,
        "Before the Q1 sales kick-off, please.",
        [
            {"days": 7, "recipient": "student"},
            {"days": 3, "recipient": "student"},
            {"days": 1, "recipient": "student"},
            {"days": -1, "recipient": "student"},
            {"days": -1, "recipient": "assigned_by"},
        ],
    ),
    ("bob.sales", "course-v1:AcmeX+PRIV201+2026", "staff_acme", 5, None, "", None),
    (
        "dave.eng",
        "path-v1:AcmeX+COMPLIANCE+2026+core",
        "admin",
        30,
        52,
        "Annual compliance training.",
        [{"days": 3, "recipient": "student"}, {"days": -1, "recipient": "managers"}],
    ),
    ("ivan.globex", "course-v1:GlobexX+ONB100+2026", "staff_globex", 14, None, "Welcome aboard!", None),
]


class Command(BaseCommand):
    help = "Create the sandbox's demo companies, people, courses, groups and learning path (idempotent)."

    def handle(self, *args, **options):
        for domain, orgs in SITES.items():
            controls.set_site_orgs(domain, orgs, platform_name=f"{orgs[0]} Academy")
        for course_key, name in COURSES.items():
            controls.create_course(course_key, display_name=name)
        path_key, path_name, path_courses = LEARNING_PATH
        controls.create_learning_path(path_key, display_name=path_name, course_keys=path_courses)

        users = {}
        for username, site, department, time_zone, managers in MANAGERS + LEARNERS:
            users[username] = controls.create_user(
                username,
                password=PASSWORD,
                site=site,
                department=department,
                time_zone=time_zone,
                managers=[users[name] for name in managers],
            )
        for username, site, course_keys in STAFF:
            staff = controls.create_user(username, password=PASSWORD, site=site, time_zone="UTC")
            for course_key in course_keys:
                controls.make_course_staff(staff, course_key, role="instructor")
        admin = controls.create_user("admin", password=PASSWORD, is_staff=True, time_zone="UTC")
        if not admin.is_superuser:
            admin.is_superuser = True
            admin.save(update_fields=["is_superuser"])

        for course_key, groups in COHORTS.items():
            for name, members in groups.items():
                controls.create_cohort(course_key, name, users=[users[member] for member in members])
        for course_key, groups in TEAMS.items():
            for name, members in groups.items():
                controls.create_team(course_key, name, users=[users[member] for member in members])

        self._assign(users)
        self._report()

    def _assign(self, users):
        """A few open assignments (through the plugin's API), so the demo has emails and reminders to show."""
        from django.contrib.auth import get_user_model

        from mandatory_assignments import api

        today = timezone.now().date()
        for username, target, by, days, repeat_weeks, note, reminders in ASSIGNMENTS:
            user = users[username]
            if api.get_assignments(user=user, target=target, statuses=["assigned", "in_progress", "overdue"]).exists():
                continue
            api.assign(
                user=user,
                target=target,
                due_date=today + datetime.timedelta(days=days),
                assigned_by=get_user_model().objects.get(username=by),
                repeat_weeks=repeat_weeks,
                note=note,
                reminders=reminders,
            )

    def _report(self):
        root = settings.LMS_ROOT_URL
        write = self.stdout.write
        write(self.style.SUCCESS("Sandbox demo data is ready."))
        write("\nPages:")
        write(f"  {root}/login/                                   sign in")
        write(f"  {root}/admin/mandatory_assignments/             assignments, deliveries (what was sent), audit log")
        write(f"  {root}/api/mandatory_assignments/v1/me/preferences/   a learner's reminder-email switch")
        write(f"  {root}/courses/<course id>/unit/                a course unit")
        write("  (the staff and learner pages of the plugin are not built yet)")
        write(f"\nDemo assignments: {len(ASSIGNMENTS)}, assigned emails in {settings.EMAIL_FILE_PATH}")
        write(f"\nLogins (password for all: {PASSWORD}):")
        write("  admin                         global staff and superuser: every page, learning paths")
        for username, site, course_keys in STAFF:
            write(f"  {username:<29} instructor of {', '.join(course_keys)} ({site})")
        for username, site, department, __, managers in MANAGERS + LEARNERS:
            role = f"managed by {', '.join(managers)}" if managers else "manager"
            write(f"  {username:<29} {department:<12} {site:<20} {role}")
        write(f"\nLearning path: {LEARNING_PATH[0]} ({', '.join(LEARNING_PATH[2])})")
