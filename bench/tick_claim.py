#!/usr/bin/env python
"""
The tick's claim as the reminder table grows: 10,000 / 100,000 / 1,000,000 scheduled reminders of which
10,000 are due; the time to find and claim the due ones must stay within 2× of the 10,000 figure (an
index, not a scan).

The 10,000 due reminders belong to 10,000 people's assignments of one course (one 3-day reminder each,
fallen due an hour ago). The reminders that are not due are seeded with ``bulk_create`` directly: 20
future reminders (a day apart, over the coming months) on each of the assignments of one filler person
to as many course keys. The claim (``scheduler.claim_due_reminders``: lock a batch of due reminders,
insert their deliveries, clear their moment) runs ``--repeat`` times at each size; between runs the
deliveries are deleted and the due moments put back. The reference of each size is the claim at the
smallest size, measured in the same run; beside it, the plan the database chose for the due-batch query.

    .venv/bin/python bench/tick_claim.py [--sizes 10000 100000 1000000] [--due 10000] [--repeat 3]
"""

import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402
import _seed  # noqa: E402

NAME = "tick_claim"
COURSE = "course-v1:BenchX+CLAIM101+2026"
PER_FILLER = 20  # reminders of each filler assignment (MAX_REMINDERS is 20)


def parse_args():
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000, 1000000],
                        help="scheduled reminders in all (default 10000 100000 1000000)")
    parser.add_argument("--due", type=int, default=10000, help="of which due (default 10000)")
    parser.add_argument("--repeat", type=int, default=3, help="claims measured at each size; the median counts")
    return parser.parse_args()


def seed_due(count, now):
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    _people, staff, moment = _seed.seed_due_reminders(count, COURSE, now, "due", display_name="Claim benchmark course")
    filler = get_user_model().objects.create(username="filler", email="filler@example.com")
    return moment, filler, staff


def add_not_due(count, start, filler, staff, now):
    """``count`` future reminders, PER_FILLER to an assignment of the filler person."""
    from mandatory_assignments import rules  # noqa: PLC0415
    from mandatory_assignments.models import Assignment, Reminder  # noqa: PLC0415

    assignments = -(-count // PER_FILLER)
    due_date = (now + datetime.timedelta(days=400)).date()
    first = start // PER_FILLER
    for batch in range(0, assignments, 10000):
        rows = Assignment.objects.bulk_create(
            [
                Assignment(user=filler, target_key=f"course-v1:Fill+F{first + i}+2026", target_type="course",
                           assigned_by=staff, due_date=due_date, deadline=rules.deadline_for(due_date, datetime.UTC),
                           cycle=1, cycle_started_at=now)
                for i in range(batch, min(batch + 10000, assignments))
            ],
            batch_size=5000,
        )
        if rows[0].pk is None:  # MySQL returns no ids from bulk inserts
            keys = [row.target_key for row in rows]
            rows = list(Assignment.objects.filter(target_key__in=keys).only("pk"))
        reminders = [
            Reminder(assignment_id=row.pk, days=day + 1, recipient="student",
                     fire_at=now + datetime.timedelta(days=1 + (index % 300), minutes=day))
            for index, row in enumerate(rows)
            for day in range(PER_FILLER)
        ]
        Reminder.objects.bulk_create(reminders[: count - (batch * PER_FILLER)], batch_size=5000)


def due_batch_plan(now):
    """The plan the database chose for the claim's due-batch query."""
    from django.db import connection  # noqa: PLC0415

    from mandatory_assignments.models import Reminder  # noqa: PLC0415

    query = Reminder.objects.filter(fire_at__lte=now).order_by("assignment_id", "fire_at", "id")[:2000]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return "; ".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute(f"EXPLAIN {sql}", params)
        columns = [column[0] for column in cursor.description]
        return "; ".join(
            f"{row['table']}: type={row['type']} key={row['key']} rows={row['rows']} extra={row['Extra']}"
            for row in (dict(zip(columns, values, strict=True)) for values in cursor.fetchall())
        )


def claim_once(now, due, moment):
    from mandatory_assignments import scheduler  # noqa: PLC0415
    from mandatory_assignments.models import Delivery, Reminder  # noqa: PLC0415

    with _common.Measure() as measured:
        claimed, skipped = scheduler.claim_due_reminders(now)
    if len(claimed) != due or skipped:
        raise SystemExit(f"claimed {len(claimed)} (skipped {skipped}), expected {due}")
    # Back to the state before: no deliveries, the due reminders due again.
    Delivery.objects.all().delete()
    Reminder.objects.filter(assignment__target_key=COURSE).update(fire_at=moment)
    return measured


def main():
    args = parse_args()
    url = _common.database_url(NAME, args.database_url)
    _common.setup(url)
    from django.db import connection  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from mandatory_assignments.models import Reminder  # noqa: PLC0415

    report = _common.Report(NAME, args)
    report.begin(f"the tick's claim: {args.due:,} due among {', '.join(f'{s:,}' for s in args.sizes)} scheduled")
    rows = []
    try:
        now = timezone.now()
        moment, filler, staff = seed_due(args.due, now)
        claim_once(now, args.due, moment)  # warm-up
        seeded = args.due
        for size in sorted(args.sizes):
            with _common.Measure() as seeding:
                add_not_due(size - seeded, seeded - args.due, filler, staff, now)
            seeded = size
            if connection.vendor == "mysql":
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE TABLE {Reminder._meta.db_table}")
                    cursor.fetchall()
            total = Reminder.objects.count()
            print(f"  {total:,} reminders scheduled (seeding {seeding.wall:.1f} s)")
            runs = [claim_once(now, args.due, moment) for _ in range(args.repeat)]
            wall = _common.median([run.wall for run in runs])
            cpu = _common.median([run.cpu for run in runs])
            rows.append({
                "scheduled": total,
                "due": args.due,
                "claim_s": wall,
                "claim_cpu_s": cpu,
                "claim_runs_s": [round(run.wall, 3) for run in runs],
                "queries": runs[0].queries.total,
                "sql_s": _common.median([run.queries.seconds for run in runs]),
                "plan": due_batch_plan(now),
            })
            print(f"  claim: {', '.join(f'{run.wall:.2f}' for run in runs)} s; {runs[0].queries.total} queries")
        base = rows[0]
        for row in rows:
            row["x_smallest"] = row["claim_s"] / base["claim_s"]
            row["cpu_x_smallest"] = row["claim_cpu_s"] / base["claim_cpu_s"]
        report.table(
            f"claiming {args.due:,} due reminders as the scheduled ones grow (median of {args.repeat})",
            [("scheduled", "scheduled", ",d"), ("due", "due", ",d"), ("claim_s", "claim s", ".2f"),
             ("x_smallest", f"× at {base['scheduled']:,}", ".2f"), ("claim_cpu_s", "CPU s", ".2f"),
             ("cpu_x_smallest", "CPU ×", ".2f"), ("queries", "queries", ",d"), ("sql_s", "SQL s", ".2f")],
            rows,
        )
        for row in rows:
            print(f"  plan at {row['scheduled']:,}: {row['plan']}")
        largest = rows[-1]
        report.check(f"claim at {largest['scheduled']:,} scheduled within 2× of {base['scheduled']:,}",
                     f"{largest['claim_s']:.2f} s vs {base['claim_s']:.2f} s = {largest['x_smallest']:.2f}× "
                     f"(CPU {largest['cpu_x_smallest']:.2f}×)", largest["x_smallest"] <= 2)
        report.check("queries of the claim independent of the scheduled count",
                     ", ".join(f"{row['scheduled']:,}: {row['queries']}" for row in rows),
                     len({row["queries"] for row in rows}) == 1)
    finally:
        connection.close()
        if not args.keep_db:
            _common.drop_database(url)
    report.write()


if __name__ == "__main__":
    main()
