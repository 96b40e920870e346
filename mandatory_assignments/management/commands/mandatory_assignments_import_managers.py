"""
Import the built-in manager relation from a CSV file.

The file has a header row with the columns ``username`` and ``manager_username`` (others are ignored),
then one row per (person, manager) pair; a person with several managers has several rows::

    username,manager_username
    lena,maria
    lena,otto

**Each person named in the file gets exactly the managers the file lists for them** (replace): managers
they had before and the file no longer names are removed, so the file can be re-imported from the HR
system as it stands. People the file does not name keep their managers. With ``--add`` the listed
managers are added and nobody loses a manager.

Every row is reported with its line number: imported, or rejected and why (unknown person, unknown
manager, self-management, duplicate row, malformed row). Rejected rows are left out; the others are
imported, and the command ends with ``imported N, rejected M`` and exit code 0. With ``--strict`` a
single rejected row makes the command fail and write nothing. ``--dry-run`` reports and writes nothing.
A file without the header is refused as a whole.

The import writes the plugin's own relation (``api.set_managers``); it has no effect on reminders when
``MANDATORY_ASSIGNMENTS_MANAGER_RESOLVER`` names another resolver.
"""

import csv
import io
import sys
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from mandatory_assignments import api
from mandatory_assignments.conf import setting
from mandatory_assignments.settings.common import DEFAULTS

USER_COLUMN = "username"
MANAGER_COLUMN = "manager_username"
LOOKUP_CHUNK = 1000


@dataclass
class Row:
    line: int
    username: str = ""
    manager_username: str = ""
    problem: str = ""  # empty: accepted


class Command(BaseCommand):
    help = (
        "Import managers from a CSV file with the header 'username,manager_username' ('-': standard input). "
        "Each listed person gets exactly the managers listed for them (--add: only add)."
    )
    # Tests pass a file object as standard input.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file, or '-' for standard input.")
        parser.add_argument(
            "--add",
            action="store_true",
            help="Only add the listed managers; keep the managers people already have.",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report what would be imported; write nothing.")
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Fail, writing nothing, when any row is rejected.",
        )

    def handle(self, *args, **options):
        rows = self.read_rows(options["path"], options.get("stdin"))
        users = self.find_users({name for row in rows for name in (row.username, row.manager_username) if name})
        check_rows(rows, users)
        accepted = [row for row in rows if not row.problem]
        rejected = [row for row in rows if row.problem]

        for row in rows:
            self.stdout.write(describe(row))
        if options["strict"] and rejected:
            raise CommandError(f"{len(rejected)} row(s) rejected; nothing imported (--strict).")

        plan = managers_by_user(accepted)
        for username, manager_names in plan.items():
            self.apply(users[username], [users[name] for name in manager_names], options)

        if options["dry_run"]:
            self.stdout.write(f"Dry run, nothing written: would import {len(accepted)}, rejected {len(rejected)}")
        else:
            self.stdout.write(f"imported {len(accepted)}, rejected {len(rejected)}")
        self.warn_about_resolver()

    # Reading --------------------------------------------------------------------------------------

    def read_rows(self, path, stdin=None):
        if path == "-":
            return parse_csv(stdin or sys.stdin)
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                return parse_csv(handle)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path} is not UTF-8 text.") from exc

    @staticmethod
    def find_users(usernames):
        User = get_user_model()
        names = sorted(usernames)
        found = {}
        for start in range(0, len(names), LOOKUP_CHUNK):
            for user in User.objects.filter(username__in=names[start : start + LOOKUP_CHUNK]):
                found[user.username] = user
        return found

    # Writing --------------------------------------------------------------------------------------

    def apply(self, user, managers, options):
        before = api.builtin_manager_ids(user)
        if options["add"]:
            keep = list(get_user_model().objects.filter(pk__in=before))
            managers = keep + [manager for manager in managers if manager.pk not in before]
        removed = sorted(
            get_user_model()
            .objects.filter(pk__in=before - {manager.pk for manager in managers})
            .values_list("username", flat=True)
        )
        if removed:
            verb = "would remove" if options["dry_run"] else "removed"
            self.stdout.write(f"{user.username}: {verb} manager(s) not in the file: {', '.join(removed)}")
        if not options["dry_run"]:
            api.set_managers(user, managers)

    def warn_about_resolver(self):
        resolver = setting("MANAGER_RESOLVER")
        if resolver != DEFAULTS["MANDATORY_ASSIGNMENTS_MANAGER_RESOLVER"]:
            self.stderr.write(
                f"Note: MANDATORY_ASSIGNMENTS_MANAGER_RESOLVER is {resolver}; reminders to managers use it, "
                "not the relation imported here."
            )


def parse_csv(handle):
    """The rows of the file, each with its line number; a file without the header is refused."""
    text = handle.read()
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in (USER_COLUMN, MANAGER_COLUMN) if name not in header]
    if missing:
        raise CommandError(
            f"The file needs a header row with the columns {USER_COLUMN},{MANAGER_COLUMN} "
            f"(missing: {', '.join(missing)}); nothing imported."
        )
    reader.fieldnames = header
    rows = []
    try:
        for record in reader:
            rows.append(to_row(record, reader.line_num))
    except csv.Error as exc:
        raise CommandError(f"Line {reader.line_num}: not valid CSV ({exc}); nothing imported.") from exc
    return rows


def to_row(record, line):
    username = (record.get(USER_COLUMN) or "").strip()
    manager_username = (record.get(MANAGER_COLUMN) or "").strip()
    row = Row(line=line, username=username, manager_username=manager_username)
    if record.get(None):
        row.problem = "malformed row: more values than columns"
    elif not username:
        row.problem = f"malformed row: no {USER_COLUMN}"
    elif not manager_username:
        row.problem = f"malformed row: no {MANAGER_COLUMN}"
    return row


def check_rows(rows, users):
    """Mark each row's problem, if it has one: unknown people, self-management, duplicates."""
    seen = {}
    for row in rows:
        if row.problem:
            continue
        if row.username not in users:
            row.problem = f'unknown user "{row.username}"'
        elif row.manager_username not in users:
            row.problem = f'unknown manager "{row.manager_username}"'
        elif row.username == row.manager_username:
            row.problem = f'"{row.username}" cannot be their own manager'
        elif (row.username, row.manager_username) in seen:
            row.problem = f"duplicate of line {seen[(row.username, row.manager_username)]}"
        else:
            seen[(row.username, row.manager_username)] = row.line


def managers_by_user(accepted):
    """``{username: [manager_username, ...]}`` in file order."""
    plan = {}
    for row in accepted:
        plan.setdefault(row.username, []).append(row.manager_username)
    return plan


def describe(row):
    if row.problem:
        return f"line {row.line}: rejected: {row.problem}"
    return f"line {row.line}: imported: {row.manager_username} manages {row.username}"
