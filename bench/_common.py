"""
Shared set-up of the benchmarks: environment, a fresh database, Django, a query counter, timing and
peak-memory measurement, and the result table (printed, and written to ``bench/results/<name>.json``).

Import this module before anything that touches Django; call :func:`setup` once.

Every figure a benchmark prints stands beside a reference measured in the same process, on the same
database, minutes apart: the machine is shared, so absolute times move with its load, ratios much less.
"""

import argparse
import contextlib
import datetime
import gc
import json
import os
import platform
import re
import subprocess
import sys
import time
import traceback
import tracemalloc
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlparse

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
# make bench-full sets BENCH_RESULTS_DIR=bench/results/bench-full: its runs stand beside make bench's.
RESULTS_DIR = Path(os.environ.get("BENCH_RESULTS_DIR") or BENCH_DIR / "results").resolve()
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))
sys.stdout.reconfigure(line_buffering=True)  # progress lines show as they come, also through make and tee


# Databases ----------------------------------------------------------------------------------------


def sqlite_url(name):
    return f"sqlite:///{REPO_ROOT}/var/bench/{name}.sqlite3"


def database_url(name, given=None):
    """
    The database a benchmark drops, re-creates and uses: ``given`` (``--database-url``), else
    ``DATABASE_URL`` when it names MySQL/MariaDB, else an SQLite file ``var/bench/<name>.sqlite3``.

    A MySQL database whose name does not say "bench" gets ``_bench`` appended: the benchmark drops it.
    """
    url = given or os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    parsed = urlparse(url)
    if parsed.scheme not in ("mysql", "mariadb"):
        return url if url.startswith("sqlite:///") and given else sqlite_url(name)
    db = unquote(parsed.path.lstrip("/")) or "mandatory_assignments"
    if "bench" not in db:
        db = f"{db}_bench"
    return parsed._replace(path=f"/{db}").geturl()


def _mysql_connect(parsed):
    import MySQLdb  # noqa: PLC0415

    return MySQLdb.connect(
        host=parsed.hostname or "127.0.0.1", port=parsed.port or 3306,
        user=unquote(parsed.username or "root"), passwd=unquote(parsed.password or ""),
    )


def _mysql_name(parsed):
    name = unquote(parsed.path.lstrip("/"))
    if not re.fullmatch(r"[A-Za-z0-9_]+", name) or "bench" not in name:
        raise SystemExit(f"refusing to drop database {name!r} (a benchmark database's name says 'bench')")
    return name


def drop_database(url):
    """Drop the MySQL/MariaDB database of ``url`` (SQLite files are left for inspection)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        return
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


def environment(database_url_value):
    """The sandbox's environment for a benchmark: production-like settings, emails to locmem, eager Celery."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "sandbox.settings"
    os.environ["DATABASE_URL"] = database_url_value
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ.pop("CELERY_BROKER_URL", None)  # Celery runs eagerly, in this process
    os.environ["SANDBOX_DEBUG"] = "0"  # as in production: no per-query debug log, cached template loader
    os.environ.setdefault("SANDBOX_LOG_LEVEL", "WARNING")


def setup(database_url_value, fresh=True):
    """Environment for the sandbox, a fresh database, ``django.setup()`` and ``migrate``."""
    environment(database_url_value)
    if fresh:
        fresh_database(database_url_value)

    import django  # noqa: PLC0415

    django.setup()
    from django.core import mail  # noqa: PLC0415
    from django.core.management import call_command  # noqa: PLC0415

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    mail.outbox = []
    return time.perf_counter() - started


def vendor_description():
    from django.db import connection  # noqa: PLC0415

    if connection.vendor == "mysql":
        return f"{connection.display_name} {'.'.join(map(str, connection.mysql_version))}"
    import sqlite3  # noqa: PLC0415

    return f"SQLite {sqlite3.sqlite_version}"


def is_sqlite():
    from django.db import connection  # noqa: PLC0415

    return connection.vendor == "sqlite"


# Counting queries -----------------------------------------------------------------------------------

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
        from django.db import connection  # noqa: PLC0415

        with connection.execute_wrapper(self):
            yield self

    def top(self, limit=8, width=150):
        lines = []
        for sql, count in self.shapes.most_common(limit):
            text = " ".join(sql.split())
            lines.append(f"    {count:>7}  {text[:width]}{'…' if len(text) > width else ''}")
        return "\n".join(lines)


# Measuring -----------------------------------------------------------------------------------------


class Measure:
    """Wall time, SQL statements and (with ``memory``) the tracemalloc peak above the start of one block."""

    def __init__(self, memory=False, attribute=False):
        self.memory = memory
        self.queries = QueryCounter(attribute)
        self.wall = 0.0
        self.cpu = 0.0  # this process's CPU seconds: other processes' load does not inflate them
        self.peak_bytes = None
        self.retained_bytes = None

    def __enter__(self):
        gc.collect()
        if self.memory:
            tracemalloc.start()
            self._base = tracemalloc.get_traced_memory()[0]
        self._counting = self.queries.counting()
        self._counting.__enter__()
        self._cpu_started = time.process_time()
        self._started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self._started
        self.cpu = time.process_time() - self._cpu_started
        self._counting.__exit__(*exc)
        if self.memory:
            current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            self.peak_bytes = peak - self._base
            self.retained_bytes = current - self._base
        return False


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


# People ----------------------------------------------------------------------------------------------


def make_people(count, prefix, batch=5000):
    """``count`` active users with profiles, created with ``bulk_create`` (as the tests' factories do)."""
    from common.djangoapps.student.models import UserProfile  # noqa: PLC0415
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    User = get_user_model()
    before = User.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    User.objects.bulk_create(
        [User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com") for i in range(count)], batch_size=batch
    )
    new = User.objects.filter(pk__gt=before, username__startswith=prefix).order_by("id")
    UserProfile.objects.bulk_create([UserProfile(user=user, name=user.username) for user in new], batch_size=batch)
    # Read again, as a caller's query would: creating the profiles above cached them on these objects.
    return list(new.all())


@contextlib.contextmanager
def background_work_held(held=None):
    """
    Celery work queued by the plugin (``outbox.run_later``) is collected instead of run in this process.

    In the LMS the "assigned" notices and bulk jobs are Celery tasks a worker runs after commit, not part
    of the call being measured; with eager Celery they would otherwise run inside it.
    """
    from mandatory_assignments import outbox  # noqa: PLC0415

    held = [] if held is None else held
    original = outbox.run_later
    outbox.run_later = lambda name, *args: held.append((name, args))
    try:
        yield held
    finally:
        outbox.run_later = original


# Reporting -------------------------------------------------------------------------------------------


def git_commit():
    try:
        out = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "mandatory_assignments"],
                               capture_output=True, text=True, check=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def machine():
    import django  # noqa: PLC0415

    return {
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "django": django.get_version(),
        "database": vendor_description(),
        "commit": git_commit(),
    }


class Report:
    """One benchmark's tables: printed as they are filled, written to ``bench/results/<name>.json``."""

    def __init__(self, name, args):
        self.name = name
        self.started = datetime.datetime.now(datetime.UTC)
        self.args = {key: value for key, value in vars(args).items() if key != "func"}
        self.tables = []
        self.checks = []
        self.notes = []
        self.meta = {}

    def begin(self, title):
        self.meta = machine()
        print(f"\n=== {title}")
        print(f"    {self.meta['database']}, Python {self.meta['python']}, Django {self.meta['django']}, "
              f"{self.meta['cpus']} CPUs, load average {self.meta['load_average_at_start']}, "
              f"commit {self.meta['commit']}")

    def table(self, title, columns, rows, note=""):
        """``columns``: [(key, heading, format)]; ``rows``: dicts. Printed now, kept for the JSON file."""
        self.tables.append({"title": title, "columns": [c[0] for c in columns], "rows": rows, "note": note})
        cells = [[heading for _key, heading, _fmt in columns]]
        for row in rows:
            cells.append([_cell(row.get(key), fmt) for key, _heading, fmt in columns])
        widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
        print(f"\n{title}")
        for index, line in enumerate(cells):
            cells_text = (text.rjust(widths[i]) if i else text.ljust(widths[i]) for i, text in enumerate(line))
            print("  " + "  ".join(cells_text))
            if index == 0:
                print("  " + "  ".join("-" * width for width in widths))
        if note:
            print(f"  {note}")

    def check(self, target, measured, met):
        """A target, what was measured, whether it is met."""
        self.checks.append({"target": target, "measured": measured, "met": bool(met)})

    def note(self, text):
        self.notes.append(text)
        print(f"  {text}")

    def write(self):
        print(f"\ntargets ({self.name}):")
        for check in self.checks:
            print(f"  [{'met' if check['met'] else 'NOT MET'}] {check['target']}: {check['measured']}")
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        # SQLite runs write <name>.json, MySQL/MariaDB runs <name>.mysql.json: both can stand side by side.
        suffix = ".mysql" if "sqlite" not in self.meta.get("database", "").lower() else ""
        path = RESULTS_DIR / f"{self.name}{suffix}.json"
        payload = {
            "benchmark": self.name,
            "started": self.started.isoformat(timespec="seconds"),
            "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "options": self.args,
            **self.meta,
            "tables": self.tables,
            "targets": self.checks,
            "notes": self.notes,
        }
        path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
        print(f"written: {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}")


def _cell(value, fmt):
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    return format(value, fmt) if fmt else str(value)


def parser(description):
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--database-url", help="database to drop, create and use (default: DATABASE_URL when it "
                        "names MySQL/MariaDB, else an SQLite file in var/bench/)")
    result.add_argument("--keep-db", action="store_true", help="leave a MySQL/MariaDB database in place afterwards")
    return result


def mib(value):
    return None if value is None else value / (1024 * 1024)
