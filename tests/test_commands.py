"""
The management commands: ``mandatory_assignments_tick`` and ``mandatory_assignments_import_managers``.
"""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from mandatory_assignments import api
from mandatory_assignments.models import ManagerRelation
from sandbox import controls
from tests.conftest import COURSE, due_in

pytestmark = pytest.mark.django_db

IMPORT = "mandatory_assignments_import_managers"


def run(command, *args, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command(command, *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


# The tick ------------------------------------------------------------------------------------------


def test_tick_prints_its_counts_and_claims_a_due_reminder(now, staff, learner):
    due_date = due_in(10)
    api.assign(
        user=learner,
        target=COURSE,
        due_date=due_date,
        assigned_by=staff,
        reminders=[{"days": 3, "recipient": "student"}],
    )

    out, _err = run("mandatory_assignments_tick")
    assert "reminders_claimed: 0" in out.splitlines()

    # The reminder fires at 00:00 Berlin time three days before the due date.
    fire_at = datetime.datetime.combine(
        due_date - datetime.timedelta(days=3), datetime.time(0, 1), tzinfo=ZoneInfo("Europe/Berlin")
    )
    with time_machine.travel(fire_at, tick=False):
        out, _err = run("mandatory_assignments_tick")

    lines = out.splitlines()
    assert "reminders_claimed: 1" in lines
    assert "marked_overdue: 0" in lines
    assert "cycles_started: 0" in lines


def test_tick_quiet_prints_nothing(db):
    out, err = run("mandatory_assignments_tick", "--quiet")

    assert out == "" and err == ""


def test_tick_says_when_the_feature_is_off(db, settings):
    settings.MANDATORY_ASSIGNMENTS_ENABLED = False

    out, _err = run("mandatory_assignments_tick")

    assert "disabled" in out


# Importing managers --------------------------------------------------------------------------------


@pytest.fixture
def people(db):
    names = ("lena", "maria", "otto", "eve", "paul")
    return {name: controls.create_user(name, email=f"{name}@example.com") for name in names}


CSV = """username,manager_username
lena,maria
lena,otto
ghost,maria
lena,nobody
maria,maria
lena,maria
otto
,maria
paul,otto,extra
"""

REPORT = [
    "line 2: imported: maria manages lena",
    "line 3: imported: otto manages lena",
    'line 4: rejected: unknown user "ghost"',
    'line 5: rejected: unknown manager "nobody"',
    'line 6: rejected: "maria" cannot be their own manager',
    "line 7: rejected: duplicate of line 2",
    "line 8: rejected: malformed row: no manager_username",
    "line 9: rejected: malformed row: no username",
    "line 10: rejected: malformed row: more values than columns",
]


def write(tmp_path, text):
    path = tmp_path / "managers.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def usernames(users):
    return [user.username for user in users]


def test_import_reports_every_row_and_replaces_the_listed_peoples_managers(tmp_path, people):
    api.set_managers(people["lena"], [people["eve"]])
    api.set_managers(people["paul"], [people["eve"]])

    out, _err = run(IMPORT, write(tmp_path, CSV))

    assert out.splitlines() == [
        *REPORT,
        "lena: removed manager(s) not in the file: eve",
        "imported 2, rejected 7",
    ]
    assert usernames(api.get_managers(people["lena"])) == ["maria", "otto"]
    assert usernames(api.get_managers(people["paul"])) == ["eve"]  # not in the file: untouched


def test_import_is_idempotent(tmp_path, people):
    path = write(tmp_path, CSV)
    run(IMPORT, path)

    out, _err = run(IMPORT, path)

    assert "removed" not in out
    assert ManagerRelation.objects.filter(user=people["lena"]).count() == 2


def test_import_with_add_keeps_existing_managers(tmp_path, people):
    api.set_managers(people["lena"], [people["eve"]])

    out, _err = run(IMPORT, write(tmp_path, CSV), "--add")

    assert "removed" not in out
    assert usernames(api.get_managers(people["lena"])) == ["eve", "maria", "otto"]


def test_dry_run_writes_nothing(tmp_path, people):
    api.set_managers(people["lena"], [people["eve"]])

    out, _err = run(IMPORT, write(tmp_path, CSV), "--dry-run")

    assert out.splitlines() == [
        *REPORT,
        "lena: would remove manager(s) not in the file: eve",
        "Dry run, nothing written: would import 2, rejected 7",
    ]
    assert usernames(api.get_managers(people["lena"])) == ["eve"]


def test_strict_fails_on_a_rejected_row_and_writes_nothing(tmp_path, people):
    with pytest.raises(CommandError, match="7 row"):
        run(IMPORT, write(tmp_path, CSV), "--strict")

    assert not ManagerRelation.objects.exists()


def test_strict_imports_a_clean_file(tmp_path, people):
    out, _err = run(IMPORT, write(tmp_path, "username,manager_username\nlena,maria\n"), "--strict")

    assert out.splitlines()[-1] == "imported 1, rejected 0"
    assert usernames(api.get_managers(people["lena"])) == ["maria"]


def test_import_reads_standard_input(people):
    out, _err = run(IMPORT, "-", stdin=io.StringIO("username,manager_username\r\nlena,otto\r\n"))

    assert out.splitlines() == ["line 2: imported: otto manages lena", "imported 1, rejected 0"]
    assert usernames(api.get_managers(people["lena"])) == ["otto"]


def test_header_with_bom_spaces_and_extra_columns_is_accepted(tmp_path, people):
    text = "\ufeffusername, manager_username ,note\nlena, maria ,team lead\n"

    out, _err = run(IMPORT, write(tmp_path, text))

    assert out.splitlines() == ["line 2: imported: maria manages lena", "imported 1, rejected 0"]


@pytest.mark.parametrize("text", ["", "user,manager\nlena,maria\n", "lena,maria\n"])
def test_a_file_without_the_header_is_refused_whole(tmp_path, people, text):
    with pytest.raises(CommandError, match="header"):
        run(IMPORT, write(tmp_path, text))

    assert not ManagerRelation.objects.exists()


def test_a_missing_file_is_a_clear_error(tmp_path, db):
    with pytest.raises(CommandError, match="Cannot read"):
        run(IMPORT, str(tmp_path / "absent.csv"))


def test_the_resolver_note_appears_only_with_another_resolver(tmp_path, people, settings):
    _out, err = run(IMPORT, write(tmp_path, "username,manager_username\nlena,maria\n"))
    assert err == ""

    settings.MANDATORY_ASSIGNMENTS_MANAGER_RESOLVER = "hr.managers_of"
    _out, err = run(IMPORT, write(tmp_path, "username,manager_username\nlena,maria\n"))
    assert "hr.managers_of" in err
