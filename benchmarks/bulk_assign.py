#!/usr/bin/env python
"""
Query count and wall time of ``api.bulk_assign`` for 100 and 1,000 people (more with ``--sizes``).

On a fresh SQLite file (var/benchmark.sqlite3) by default, on MariaDB (database ``ma_bench``, dropped and
re-created at start, dropped at the end) with ``--mysql``. Each size assigns a course to as many new
people (created in bulk, as tests/test_api.py does). Prints queries per person and how many of them are
the per-person enrollment: measured once in a savepoint as tests/test_api.py::_queries_of_one_enrollment
does, and counted inside ``api._enroll`` during the run.

The "assigned" notices, which Celery sends after commit in the LMS, are held back (they would otherwise
be sent eagerly inside the call); ``--notices`` sends them afterwards and measures that separately.

    .venv/bin/python benchmarks/bulk_assign.py [--mysql] [--sizes 100 1000 5000] [--notices]
"""

import argparse
import datetime
import functools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402  pylint: disable=wrong-import-position

COURSE = "course-v1:BenchX+BULK101+2026"
SAVEPOINT_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mysql", action="store_true", help=f"use MariaDB ({_common.DEFAULT_MYSQL_URL})")
    parser.add_argument("--database-url", help="database to drop, create and use (overrides --mysql)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="people per run (default 100 1000)")
    parser.add_argument("--notices", action="store_true",
                        help="also send the held-back 'assigned' notices, measured apart")
    parser.add_argument("--keep-db", action="store_true", help="leave the MariaDB database in place afterwards")
    parser.add_argument("--top", type=int, default=6, help="most frequent query shapes to list for the largest size")
    return parser.parse_args()


class EnrollCounter:
    """Wraps ``api._enroll`` to count the queries run inside the per-person enrollments."""

    def __init__(self):
        self.queries = 0
        self.savepoints = 0
        self.calls = 0

    def install(self):
        from mandatory_assignments import api  # pylint: disable=import-outside-toplevel

        original = api._enroll  # pylint: disable=protected-access

        @functools.wraps(original)
        def counted(*args, **kwargs):
            counter = _common.QueryCounter()
            with counter.counting():
                try:
                    return original(*args, **kwargs)
                finally:
                    self.calls += 1
                    self.queries += counter.total
                    self.savepoints += counter.count_starting(*SAVEPOINT_STATEMENTS)

        api._enroll = counted  # pylint: disable=protected-access
        return original


def queries_of_one_enrollment():
    """As tests/test_api.py: one enrollment in a savepoint of its own (bulk_assign runs each so)."""
    from django.db import transaction  # pylint: disable=import-outside-toplevel
    from opaque_keys.edx.keys import CourseKey  # pylint: disable=import-outside-toplevel

    from mandatory_assignments import compat  # pylint: disable=import-outside-toplevel
    from sandbox import controls  # pylint: disable=import-outside-toplevel

    person = controls.create_user("measure_enrollment")
    counter = _common.QueryCounter()
    with transaction.atomic():  # the chunk's transaction
        with counter.counting(), transaction.atomic():  # the person's savepoint
            compat.enroll(person, CourseKey.from_string(COURSE))
    return counter.total


def main():
    args = parse_args()
    url = args.database_url or (_common.DEFAULT_MYSQL_URL if args.mysql else _common.DEFAULT_SQLITE_URL)
    migrate_time = _common.setup(url)
    from django.db import connection  # pylint: disable=import-outside-toplevel

    from mandatory_assignments import api, tasks  # pylint: disable=import-outside-toplevel
    from sandbox import controls  # pylint: disable=import-outside-toplevel

    print(f"bulk_assign: sizes {args.sizes} on {_common.vendor_description()} ({url}); "
          f"migrate {_common.seconds(migrate_time)}; BULK_CHUNK_SIZE {api.BULK_CHUNK_SIZE}")
    try:
        controls.create_course(COURSE, display_name="Bulk benchmark course")
        staff = controls.create_user("bench_staff", email="bench_staff@example.com")
        controls.make_course_staff(staff, COURSE)
        one = queries_of_one_enrollment()
        print(f"one enrollment in a savepoint: {one} queries (SAVEPOINT and RELEASE SAVEPOINT included)")
        enrolls = EnrollCounter()
        enrolls.install()
        due_date = datetime.date.today() + datetime.timedelta(days=30)
        header = (f"{'people':>7} {'queries':>8} {'per person':>10} {'enroll q.':>9} {'enroll/person':>13} "
                  f"{'savepoint q.':>12} {'other q.':>8} {'N x one':>8} {'wall':>9} {'SQL time':>9} {'ms/person':>9}")
        rows = []
        last = None
        for index, size in enumerate(args.sizes):
            people = _common.make_people(size, f"b{index}x")
            held = []
            enrolls.queries = enrolls.savepoints = enrolls.calls = 0
            counter = _common.QueryCounter()
            started = time.perf_counter()
            with _common.notices_held_back(held), counter.counting():
                result = api.bulk_assign(users=people, target=COURSE, due_date=due_date, assigned_by=staff)
            wall = time.perf_counter() - started
            if len(result.created) != size:
                raise SystemExit(f"bulk_assign created {len(result.created)} of {size}: failed {result.failed[:3]}")
            # Savepoints around each person's enrollment (api._create_chunk), not those inside the enrollment.
            savepoints = counter.count_starting(*SAVEPOINT_STATEMENTS) - enrolls.savepoints
            rows.append(
                f"{size:>7} {counter.total:>8} {counter.total / size:>10.2f} {enrolls.queries:>9} "
                f"{enrolls.queries / size:>13.2f} {savepoints:>12} {counter.total - enrolls.queries - savepoints:>8} "
                f"{one * size:>8} {_common.seconds(wall):>9} {_common.seconds(counter.seconds):>9} "
                f"{1000 * wall / size:>9.2f}"
            )
            last = (size, counter)
            if args.notices:
                notice_counter = _common.QueryCounter()
                started = time.perf_counter()
                with notice_counter.counting():
                    for start in range(0, len(held), 500):
                        tasks.send_notices.delay("assigned", held[start:start + 500])
                notice_wall = time.perf_counter() - started
                rows.append(f"{'':>7} 'assigned' notices to {len(held)} people (eager, apart): "
                            f"{notice_counter.total} queries ({notice_counter.total / max(len(held), 1):.1f}/person), "
                            f"{_common.seconds(notice_wall)}")
        print(header)
        print("\n".join(rows))
        print("columns: enroll q. = queries inside api._enroll (CourseEnrollment.enroll, its own savepoints "
              "included); savepoint q. = SAVEPOINT/RELEASE around each enrollment (api._create_chunk); other q. = "
              f"the rest (per chunk of {api.BULK_CHUNK_SIZE}); N x one = people x one enrollment measured in a "
              "savepoint (savepoint included)")
        if last:
            print(f"most frequent query shapes for {last[0]} people:")
            print(last[1].top(args.top))
    finally:
        connection.close()
        if not args.keep_db and connection.vendor == "mysql":
            _common.drop_database(url)


if __name__ == "__main__":
    main()
