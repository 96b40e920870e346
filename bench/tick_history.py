#!/usr/bin/env python
"""
What a tick costs as history grows: one idle tick, and one tick with 10 open assignments falling overdue,
beside 1,000 and 100,000 completed (past) assignments. The queries must not grow with the history.

Seeds a fresh database per size (SQLite by default; ``--database-url mysql://…`` for MariaDB): one
course, 100 people, N completed assignments whose deadlines passed (``bulk_create``, as years of annual
trainings leave them), then counts the SQL statements and wall time of ``api.run_scheduler``.

    .venv/bin/python bench/tick_history.py [--sizes 1000 100000] [--database-url mysql://…]
"""

import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402

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
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100000])
    args = parser.parse_args()
    url = _common.database_url("tick_history", args.database_url)
    results = []
    for size in args.sizes:
        # A fresh database per size: dropped, created and migrated again.
        if size == args.sizes[0]:
            _common.setup(url)
            report = _common.Report("tick_history", args)
            report.begin(f"a tick beside {', '.join(f'{s:,}' for s in args.sizes)} completed past assignments")
        else:
            from django.core.management import call_command  # noqa: PLC0415
            from django.db import connection  # noqa: PLC0415

            connection.close()
            _common.fresh_database(url)
            call_command("migrate", verbosity=0, interactive=False)
        from django.utils import timezone  # noqa: PLC0415

        now = timezone.now()
        people, staff = seed(size, now)
        idle = measure(now)
        open_overdue(people, staff, now)
        busy = measure(now + datetime.timedelta(seconds=1))
        if busy[2]["marked_overdue"] != 10:
            raise SystemExit(f"expected 10 marked overdue, got {busy[2]}")
        results.append({"completed_past": size, "idle_queries": idle[0], "idle_s": idle[1], "busy_queries": busy[0],
                        "busy_s": busy[1]})
    report.table(
        "one tick as the history of completed assignments grows (each size beside the smallest)",
        [("completed_past", "completed past assignments", ",d"), ("idle_queries", "idle tick: queries", "d"),
         ("idle_s", "idle tick: s", ".3f"), ("busy_queries", "tick marking 10 overdue: queries", "d"),
         ("busy_s", "tick marking 10 overdue: s", ".3f")],
        results,
    )
    report.check("the tick's queries do not grow with the history",
                 ", ".join(f"{r['completed_past']:,}: {r['idle_queries']}/{r['busy_queries']}" for r in results),
                 len({(r["idle_queries"], r["busy_queries"]) for r in results}) == 1)
    from django.db import connection  # noqa: PLC0415

    connection.close()
    if not args.keep_db:
        _common.drop_database(url)
    report.write()


if __name__ == "__main__":
    main()
