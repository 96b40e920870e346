"""
The README's commands work as written.

Its shell blocks marked ``.. runnable`` run here, one command a line, against the demo's data in a
temporary directory (migrated and seeded as ``make demo`` does): ``./manage.py lms <command>`` as the
sandbox's ``manage.py <command>`` (the sandbox is the LMS here), ``make tick``/``make shell`` with the
demo's database and mailbox moved to the temporary directory. A ``.. runnable-file: NAME`` block is
written to NAME there first (the sample CSV). What the README names — make targets, management commands,
settings, images — exists.
"""

import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.core.management import get_commands

from mandatory_assignments.settings.common import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.rst").read_text(encoding="utf-8")
MAKE_TARGETS_RUN_HERE = {"tick", "shell"}
TIMEOUT = 300


def runnable_blocks(text):
    """``(file name or None, [lines])`` of each code block that follows a ``runnable`` comment."""
    lines = text.splitlines()
    blocks = []
    for number, line in enumerate(lines):
        marker = re.match(r"^\s*\.\. runnable(?:-file: (?P<name>\S+))?\s*$", line)
        if not marker:
            continue
        directive = next(i for i in range(number + 1, len(lines)) if lines[i].strip())
        assert lines[directive].strip().startswith(".. code-block::"), f"README line {number + 1}: no code block"
        indent = len(lines[directive]) - len(lines[directive].lstrip())
        body = []
        for following in lines[directive + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            body.append(following)
        blocks.append((marker["name"], textwrap.dedent("\n".join(body)).strip().splitlines()))
    return blocks


def commands():
    """Each command line of the runnable shell blocks, split as the shell would (comments dropped)."""
    found = []
    for name, lines in runnable_blocks(README):
        if name is None:
            found += [shlex.split(line, comments=True) for line in lines if shlex.split(line, comments=True)]
    return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo's data in a temporary directory: a migrated, seeded database and a mailbox."""
    directory = tmp_path_factory.mktemp("readme")
    database = directory / "demo.sqlite3"
    mailbox = directory / "emails"
    mailbox.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "DATABASE_URL": f"sqlite:///{database}",  # an absolute path: sqlite:////tmp/...
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mailbox),
        "MANDATORY_ASSIGNMENTS_SCOPE": "site",
        "SANDBOX_LOG_LEVEL": "WARNING",
    }
    env.pop("CELERY_BROKER_URL", None)
    for command in (["migrate", "--verbosity", "0"], ["seed_demo"]):
        run([sys.executable, str(ROOT / "manage.py"), *command], cwd=directory, env=env)
    for name, lines in runnable_blocks(README):
        if name is not None:
            (directory / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"directory": directory, "database": database, "mailbox": mailbox, "env": env}


def run(argv, *, cwd, env):
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert result.returncode == 0, f"{shlex.join(argv)} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return result


def as_run_here(argv, demo):
    """The command line of the README, as it runs here."""
    if argv[:2] == ["./manage.py", "lms"]:
        return [sys.executable, str(ROOT / "manage.py"), *argv[2:]]
    if argv[0] == "make" and argv[1] in MAKE_TARGETS_RUN_HERE:
        return [
            "make",
            "--no-print-directory",
            "-C",
            str(ROOT),
            *argv[1:],
            f"PY={sys.executable}",
            f"DEMO_DB={demo['database']}",
            f"DEMO_EMAILS={demo['mailbox']}",
        ]
    raise AssertionError(f"a runnable README command this test cannot run: {shlex.join(argv)}")


def test_the_readme_marks_commands_runnable():
    ran = [shlex.join(argv) for argv in commands()]
    assert "make tick DAYS=8" in ran
    assert any("mandatory_assignments_import_managers managers.csv --dry-run" in line for line in ran)
    assert any("mandatory_assignments_rebuild_departments" in line for line in ran)


@pytest.mark.parametrize("argv", commands(), ids=shlex.join)
def test_a_runnable_command_of_the_readme_works(argv, demo):
    emails_before = sorted(demo["mailbox"].iterdir())
    result = run(as_run_here(argv, demo), cwd=demo["directory"], env=demo["env"])
    assert result.stdout.strip()
    if "mandatory_assignments_tick" in argv or argv[:2] == ["make", "tick"]:
        # As "Try this" says: the tick a week later sends that week's reminders, and they arrive.
        assert int(re.search(r"reminders_claimed: (\d+)", result.stdout)[1]) > 0
        assert sorted(demo["mailbox"].iterdir()) != emails_before


def test_the_make_targets_the_readme_names_exist():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z0-9][a-z0-9-]*)\s*:", makefile, flags=re.MULTILINE))
    named = set(re.findall(r"``make ([a-z0-9-]+)", README)) | set(re.findall(r", ``make ([a-z0-9-]+)``", README))
    assert named and named <= targets, named - targets


def test_the_management_commands_the_readme_names_exist(db):
    named = set(re.findall(r"manage\.py lms (mandatory_assignments_\w+)", README))
    assert named >= {"mandatory_assignments_tick", "mandatory_assignments_rebuild_departments"}
    assert named <= set(get_commands())


def test_every_setting_is_documented_with_its_default():
    for name in DEFAULTS:
        assert f"``{name}``" in README, name


def test_the_images_the_readme_shows_exist():
    images = re.findall(r"^\s*\.\. image:: (docs/\S+)$", README, flags=re.MULTILINE)
    assert len(images) >= 3
    for image in images:
        assert (ROOT / image).is_file(), image
