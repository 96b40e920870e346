#!/usr/bin/env python
"""
What a tick costs as history grows: one idle tick, and one tick with 10 open assignments falling overdue,
beside 1,000 and 100,000 completed (past) assignments. The queries must not grow with the history.

Seeds a fresh database per size (SQLite by default; ``--database-url mysql://…`` for MariaDB): one
course, 100 people, N completed assignments whose deadlines passed (``bulk_create``, as years of annual
trainings leave them), then counts the SQL statements and wall time of ``api.run_scheduler``.

    .venv/bin/python benchmarks/tick_history.py [--sizes 1000 100000] [--database-url mysql://…]
"""

import argparse
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402  pylint: disable=wrong-import-position

COURSE = "course-v1:BenchX+HIST101+2026"


def seed(size, now):
    from mandatory_assignments import rules  # pylint: disable=import-outside-toplevel
    from mandatory_assignments.models import Assignment  # pylint: disable=import-outside-toplevel
    from sandbox import controls  # pylint: disable=import-outside-toplevel

    controls.create_course(COURSE, display_name="History benchmark course")
    staff = controls.create_user("hist_staff", email="hist_staff@example.com")
    people = _common.make_people(100, "learner")
    past = now - datetime.timedelta(days=400)
    rows = [
        Assignment(
            user=people[index % len(people)],
            target_key=COURSE,
            target_type="course",
            assigned_by=staff,
            due_date=past.date(),
            deadline=past,
            cycle=1,
            cycle_started_at=past - datetime.timedelta(days=30),
            completed_at=past - datetime.timedelta(days=1),
            recorded_status=rules.COMPLETED,
            is_open=None,
        )
        for index in range(size)
    ]
    Assignment.objects.bulk_create(rows, batch_size=2000)
    return people, staff


def open_overdue(people, staff, now, count=10):
    from mandatory_assignments import rules  # pylint: disable=import-outside-toplevel
    from mandatory_assignments.models import Assignment  # pylint: disable=import-outside-toplevel

    yesterday = now - datetime.timedelta(days=1)
    Assignment.objects.bulk_create(
        [
            Assignment(
                user=person,
                target_key=COURSE,
                target_type="course",
                assigned_by=staff,
                due_date=yesterday.date(),
                deadline=yesterday,
                cycle=1,
                cycle_started_at=now - datetime.timedelta(days=20),
                recorded_status=rules.ASSIGNED,
            )
            for person in people[:count]
        ]
    )


def measure(now):
    from mandatory_assignments import api  # pylint: disable=import-outside-toplevel

    counter = _common.QueryCounter()
    started = time.perf_counter()
    with counter.counting():
        counts = api.run_scheduler(now)
    return counter.total, time.perf_counter() - started, counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100000])
    parser.add_argument("--database-url", default=_common.DEFAULT_SQLITE_URL)
    args = parser.parse_args()
    if len(args.sizes) > 1 and not args.database_url.startswith("sqlite"):
        pass  # each size gets a fresh database below
    results = []
    for size in args.sizes:
        # A fresh process state per size is not needed: the database is dropped and migrated again.
        _common.fresh_database(args.database_url)
        if size == args.sizes[0]:
            _common.setup(args.database_url)
        else:
            from django.core.management import call_command  # pylint: disable=import-outside-toplevel
            from django.db import connection  # pylint: disable=import-outside-toplevel

            connection.close()
            call_command("migrate", verbosity=0, interactive=False)
        from django.utils import timezone  # pylint: disable=import-outside-toplevel

        now = timezone.now()
        people, staff = seed(size, now)
        idle = measure(now)
        open_overdue(people, staff, now)
        busy = measure(now + datetime.timedelta(seconds=1))
        results.append((size, idle, busy))
    print(f"database: {_common.vendor_description()}")
    print(f"{'completed past assignments':>28} | {'idle tick: queries':>18} | {'time':>8} | "
          f"{'tick marking 10 overdue: queries':>32} | {'time':>8}")
    for size, idle, busy in results:
        print(f"{size:>28,} | {idle[0]:>18} | {idle[1]:>7.3f}s | {busy[0]:>32} | {busy[1]:>7.3f}s")
        if busy[2]["marked_overdue"] != 10:
            raise SystemExit(f"expected 10 marked overdue, got {busy[2]}")


if __name__ == "__main__":
    main()
