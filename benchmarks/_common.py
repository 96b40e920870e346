"""
Shared set-up of the benchmark scripts: environment, a fresh database, Django, and a query counter.

Import this module before anything that touches Django; call :func:`setup` once.
"""

import contextlib
import os
import re
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlparse

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

DEFAULT_MYSQL_URL = "mysql://root@127.0.0.1:3306/ma_bench"
DEFAULT_SQLITE_URL = f"sqlite:///{REPO_ROOT}/var/benchmark.sqlite3"


def _mysql_connect(parsed):
    import MySQLdb  # pylint: disable=import-outside-toplevel

    return MySQLdb.connect(
        host=parsed.hostname or "127.0.0.1", port=parsed.port or 3306,
        user=unquote(parsed.username or "root"), passwd=unquote(parsed.password or ""),
    )


def _mysql_name(parsed):
    name = unquote(parsed.path.lstrip("/"))
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise SystemExit(f"refusing to drop database {name!r}")
    return name


def drop_database(url):
    """Drop the MySQL/MariaDB database of ``url``."""
    parsed = urlparse(url)
    conn = _mysql_connect(parsed)
    try:
        conn.cursor().execute(f"DROP DATABASE IF EXISTS `{_mysql_name(parsed)}`")
    finally:
        conn.close()


def fresh_database(url):
    """Drop and re-create the database of ``url`` (a MySQL/MariaDB database, or an SQLite file)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = Path(unquote(parsed.path))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    name = _mysql_name(parsed)
    conn = _mysql_connect(parsed)
    try:
        cursor = conn.cursor()
        cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    finally:
        conn.close()


def setup(database_url):
    """Environment for the sandbox, a fresh database, ``django.setup()`` and ``migrate``."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.pop("CELERY_BROKER_URL", None)  # Celery runs eagerly, in this process
    os.environ.setdefault("SANDBOX_DEBUG", "0")  # as in production: no per-query debug logging
    os.environ.setdefault("SANDBOX_LOG_LEVEL", "WARNING")
    fresh_database(database_url)

    import django  # pylint: disable=import-outside-toplevel

    django.setup()
    from django.core import mail  # pylint: disable=import-outside-toplevel
    from django.core.management import call_command  # pylint: disable=import-outside-toplevel

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    mail.outbox = []
    return time.perf_counter() - started


def vendor_description():
    from django.db import connection  # pylint: disable=import-outside-toplevel

    if connection.vendor == "mysql":
        return f"{connection.display_name} {'.'.join(map(str, connection.mysql_version))}"
    import sqlite3  # pylint: disable=import-outside-toplevel

    return f"SQLite {sqlite3.sqlite_version}"


_IN_LIST = re.compile(r"IN \((?:%s, )*%s\)")
_VALUES = re.compile(r"VALUES (?:\((?:%s, )*%s\), )*\((?:%s, )*%s\)")


def _shape(sql):
    """The SQL with its IN lists and multi-row VALUES folded, so that per-row queries group together."""
    sql = _IN_LIST.sub("IN (...)", sql)
    return _VALUES.sub("VALUES (...)", sql)


def _origin():
    """The innermost plugin line (mandatory_assignments/…) on the stack, with the line that called it."""
    plugin = str(REPO_ROOT / "mandatory_assignments")
    frames = [frame for frame in traceback.extract_stack()[:-3] if frame.filename.startswith(plugin)]
    if not frames:
        return "(outside the plugin)"
    inner = frames[-1]
    where = f"{Path(inner.filename).relative_to(REPO_ROOT)}:{inner.lineno} {inner.name}"
    if len(frames) > 1:
        outer = frames[-2]
        where += f"  <- {Path(outer.filename).name}:{outer.lineno} {outer.name}"
    return where


class QueryCounter:
    """Counts every SQL statement the default connection executes (no 9000-query cap), by shape."""

    def __init__(self, attribute=False):
        self.total = 0
        self.seconds = 0.0  # spent in the database driver, round trips included
        self.shapes = Counter()
        self.attribute = attribute
        self.origins = Counter()

    def __call__(self, execute, sql, params, many, context):
        self.total += 1
        self.shapes[_shape(sql)] += 1
        if self.attribute:
            self.origins[_origin()] += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started

    def count_starting(self, *prefixes):
        return sum(count for sql, count in self.shapes.items() if sql.lstrip().upper().startswith(prefixes))

    def top_origins(self, limit=12):
        return "\n".join(f"    {count:>7}  {where}" for where, count in self.origins.most_common(limit))

    @contextlib.contextmanager
    def counting(self):
        from django.db import connection  # pylint: disable=import-outside-toplevel

        with connection.execute_wrapper(self):
            yield self

    def top(self, limit=8, width=150):
        lines = []
        for sql, count in self.shapes.most_common(limit):
            text = " ".join(sql.split())
            lines.append(f"    {count:>7}  {text[:width]}{'…' if len(text) > width else ''}")
        return "\n".join(lines)


def make_people(count, prefix):
    """``count`` active users with profiles, created in bulk as tests/test_api.py::_people does."""
    from common.djangoapps.student.models import UserProfile  # pylint: disable=import-outside-toplevel
    from django.contrib.auth import get_user_model  # pylint: disable=import-outside-toplevel

    User = get_user_model()
    User.objects.bulk_create(
        [User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com") for i in range(count)], batch_size=1000
    )
    users = list(User.objects.filter(username__startswith=prefix).order_by("id"))
    UserProfile.objects.bulk_create([UserProfile(user=user, name=user.username) for user in users], batch_size=1000)
    return users


@contextlib.contextmanager
def notices_held_back(held):
    """
    Keep ``bulk_assign``'s "assigned" notices from being sent eagerly: their assignment ids go to ``held``.

    In the LMS the notices are Celery tasks run by a worker after commit, not part of the request; with
    eager Celery they would otherwise be sent inside ``bulk_assign`` (one email per person).
    """
    from mandatory_assignments import notifications  # pylint: disable=import-outside-toplevel

    original = notifications.assigned
    notifications.assigned = held.extend
    try:
        yield held
    finally:
        notifications.assigned = original


def seconds(value):
    return f"{value:.2f} s"
