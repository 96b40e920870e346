"""
``manage.py seed_demo``: fill the sandbox with two companies, their people, courses, groups and a
learning path, through ``sandbox.controls``, and a few assignments through the plugin's API — some of them
made weeks ago, with the ticks of those weeks replayed, so that the pages show every status and the
mailbox the emails they sent.

Idempotent: running it again (``make demo`` on an existing ``var/``) creates nothing that exists; the past
is replayed only on a database that has none of it yet.
"""

import datetime
import logging

import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from mandatory_assignments import api
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
# Global staff of one company (HR): the organisation-wide page, their own company's people only.
HR = [("hr.acme", "acme.example.com"), ("hr.globex", "globex.example.com")]
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

# Assignments made in the past: learner, target, assigned by, assigned (days ago), due (days from today),
# what the learner did (days ago, "unit" or "pass"), reminders (None: the default).
PAST_ASSIGNMENTS = [
    (
        "carol.sales",
        "course-v1:AcmeX+SAFE101+2026",
        "staff_acme",
        20,
        -6,
        [],
        [
            {"days": 3, "recipient": "student"},
            {"days": -1, "recipient": "student"},
            {"days": -1, "recipient": "assigned_by"},
        ],
    ),
    ("erin.eng", "course-v1:AcmeX+PRIV201+2026", "staff_acme", 15, 5, [(12, "unit"), (10, "pass")], None),
    ("frank.eng", "course-v1:AcmeX+SAFE101+2026", "staff_acme", 9, 4, [(4, "unit")], None),
    ("judy.globex", "course-v1:GlobexX+ONB100+2026", "staff_globex", 18, -2, [], None),
    ("ken.globex", "course-v1:GlobexX+ONB100+2026", "staff_globex", 10, 10, [(6, "unit"), (3, "pass")], None),
]
# The replayed ticks of those weeks: every few hours, as a scheduled tick would have run.
PAST_TICK_HOURS = 3


def logins():
    """Who to sign in as in the demo, and what they see: (username, description) rows."""
    rows = [("admin", "superuser: every page of both companies, the Django admin")]
    rows += [
        (username, f"global staff (HR) of {site}: the organisation page, {site} people only") for username, site in HR
    ]
    rows += [
        (username, f"instructor of {', '.join(course_keys)} ({site}): the course pages")
        for username, site, course_keys in STAFF
    ]
    rows += [
        (username, f"learner, {department}, {site}" + (f", managed by {', '.join(managers)}" if managers else ""))
        for username, site, department, __, managers in LEARNERS
    ]
    rows += [(username, f"manager, {department}, {site}") for username, site, department, __, __ in MANAGERS]
    return rows


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
        for username, site in HR:
            controls.create_user(username, password=PASSWORD, site=site, is_staff=True, time_zone="UTC")
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

        self._replay_the_past(users)
        self._assign(users)
        self._report()

    def _replay_the_past(self, users):
        """
        The assignments of ``PAST_ASSIGNMENTS``, each made at its moment, the learners' progress at theirs,
        and the ticks of those weeks in between: what a running LMS would hold and would have sent.
        """
        if any(api.get_assignments(user=users[row[0]], target=row[1]).exists() for row in PAST_ASSIGNMENTS):
            return
        now = timezone.now()
        today = now.date()
        events = []
        for username, target, by, days_ago, due_in, progress, reminders in PAST_ASSIGNMENTS:
            assign = {
                "user": users[username],
                "target": target,
                "due_date": today + datetime.timedelta(days=due_in),
                "assigned_by": get_user_model().objects.get(username=by),
                "reminders": reminders,
            }
            events.append((now - datetime.timedelta(days=days_ago, hours=1), "assign", assign))
            for progress_days_ago, step in progress:
                events.append((now - datetime.timedelta(days=progress_days_ago), step, assign))
        start = min(moment for moment, __, __ in events)
        tick_at = start
        while tick_at < now:
            events.append((tick_at, "tick", None))
            tick_at += datetime.timedelta(hours=PAST_TICK_HOURS)
        order = {"assign": 0, "unit": 1, "pass": 2, "tick": 3}
        # The scheduler logs every tick; a hundred replayed ones say nothing to the person starting the demo.
        scheduler_log = logging.getLogger("mandatory_assignments.scheduler")
        level = scheduler_log.level
        scheduler_log.setLevel(logging.WARNING)
        try:
            self._replay(sorted(events, key=lambda event: (event[0], order[event[1]])))
        finally:
            scheduler_log.setLevel(level)

    def _replay(self, events):
        for moment, what, values in events:
            with time_machine.travel(moment, tick=False):
                if what == "assign":
                    api.assign(**values)
                elif what == "unit":
                    controls.complete_block(values["user"], values["target"])
                elif what == "pass":
                    controls.set_grade(values["user"], values["target"], percent=0.9, passed=True)
                else:
                    api.run_scheduler()

    def _assign(self, users):
        """A few open assignments (through the plugin's API), so the demo has emails and reminders to show."""
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
        write(f"\nOpen {root}/ — it links every page. Sign in at {root}/login/ (password for all: {PASSWORD}):")
        for username, description in logins():
            write(f"  {username:<15} {description}")
        write(f"\nThe emails it sends: {root}/sandbox/emails/ (files in {settings.EMAIL_FILE_PATH})")
