#!/usr/bin/env python
"""
The staff list at 1,000 and 100,000 assignments of one course: a page of the REST list and of the staff
pages (time and queries), and the CSV export streamed (time and peak memory), each size beside the
smallest one measured in the same run.

The assignments are seeded with ``bulk_create`` (one person each, a reminder and an "assigned" email
each), first the smallest size, then the rest up to the next size in the same database. A global staff
member asks through Django's test client (session login, the whole middleware stack): the first and the
last page of the course's list in the REST API (``page_size`` 20) and on the course's staff page, and
the organisation page. Each page is asked ``--repeat`` times; the median counts. The tables' statistics are
gathered after seeding (``ANALYZE``: MariaDB keeps them by itself, SQLite's planner has none without it).
The export of the course's assignments is read from the ``StreamingHttpResponse`` under tracemalloc: its
first ``--export-rows`` rows (default 10,000; 0 for all, the issue's 100,000).

    .venv/bin/python bench/staff_list.py [--sizes 1000 100000] [--repeat 5] [--export-rows 0]
"""

import datetime
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402

NAME = "staff_list"
COURSE = "course-v1:BenchX+LIST101+2026"
PAGE_SIZE = 20


def parse_args():
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100000],
                        help="assignments of the course (default 1000 100000)")
    parser.add_argument("--repeat", type=int, default=5, help="requests of each page; the median counts")
    parser.add_argument("--export-rows", type=int, default=10000,
                        help="rows of the export read at each size (default 10000; 0: all of them)")
    return parser.parse_args()


def seed(count, start, staff, now):
    """``count`` more assignments of COURSE, one new person each, with a reminder and an "assigned" email."""
    from mandatory_assignments import rules  # noqa: PLC0415
    from mandatory_assignments.models import Assignment, Delivery, Reminder  # noqa: PLC0415

    for offset in range(0, count, 10000):
        size = min(10000, count - offset)
        people = _common.make_people(size, f"l{start + offset:06d}x")
        rows = []
        for index, person in enumerate(people):
            due_date = (now + datetime.timedelta(days=10 + (start + offset + index) % 200)).date()
            rows.append(Assignment(user=person, target_key=COURSE, target_type="course", assigned_by=staff,
                                   due_date=due_date, deadline=rules.deadline_for(due_date, datetime.UTC), cycle=1,
                                   cycle_started_at=now - datetime.timedelta(days=1), note="Annual compliance"))
        Assignment.objects.bulk_create(rows, batch_size=5000)
        if rows[0].pk is None:  # MySQL returns no ids from bulk inserts
            rows = list(Assignment.objects.filter(target_key=COURSE, user__in=people))
        Reminder.objects.bulk_create(
            [Reminder(assignment=row, days=3, recipient="student",
                      fire_at=rules.reminder_moment(row.due_date, 3, datetime.UTC)) for row in rows],
            batch_size=5000,
        )
        Delivery.objects.bulk_create(
            [Delivery(assignment=row, user_id=row.user_id, target_key=COURSE, target_type="course",
                      message="assigned", cycle=1, reminder_days=0, recipient_kind="student",
                      recipient_id=row.user_id, due_date=row.due_date, state=Delivery.SENT, sent_at=now,
                      email=f"{row.user_id}@example.com") for row in rows],
            batch_size=5000,
        )


def ask(client, url, repeat):
    """``repeat`` GETs of ``url``: (median seconds, queries of one request, response bytes)."""
    runs = []
    for _ in range(repeat):
        with _common.Measure() as measured:
            response = client.get(url)
            body = response.content
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code}")
        runs.append(measured)
    return _common.median([run.wall for run in runs]), runs[0].queries.total, len(body), runs


def analyze():
    """Table statistics, as a MySQL/MariaDB server keeps them by itself: SQLite's planner needs ANALYZE."""
    from django.db import connection  # noqa: PLC0415

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE TABLE mandatory_assignments_assignment, auth_user, auth_userprofile")
            cursor.fetchall()


def export(client, url, limit=0):
    """
    Read the streamed export (to its end, or its first ``limit`` rows): (Measure, lines, bytes, tracemalloc
    peak above the start).
    """
    import gc  # noqa: PLC0415

    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    lines = size = 0
    with _common.Measure() as measured:
        response = client.get(url)
        if response.status_code != 200 or not response.streaming:
            raise SystemExit(f"GET {url}: {response.status_code}, streaming {response.streaming}")
        for chunk in response.streaming_content:
            size += len(chunk)
            lines += chunk.count(b"\n")
            if limit and lines > limit:
                break
        response.close()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return measured, lines, size, peak


def main():
    args = parse_args()
    url = _common.database_url(NAME, args.database_url)
    _common.setup(url)
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from sandbox import controls  # noqa: PLC0415

    report = _common.Report(NAME, args)
    report.begin(f"the staff list and its export at {', '.join(f'{s:,}' for s in args.sizes)} assignments")
    page_rows, export_rows = [], []
    try:
        now = timezone.now()
        controls.create_course(COURSE, display_name="List benchmark course")
        staff = controls.create_user("list_staff", email="list_staff@example.com", is_staff=True)
        client = Client()
        client.force_login(staff)
        seeded = 0
        for size in sorted(args.sizes):
            with _common.Measure() as seeding:
                seed(size - seeded, seeded, staff, now)
            seeded = size
            analyze()
            print(f"  {size:,} assignments (seeding {seeding.wall:.1f} s)")
            last = -(-size // PAGE_SIZE)
            api_url = f"/api/mandatory_assignments/v1/assignments/?course_id={COURSE}&page_size={PAGE_SIZE}"
            page_url = f"/mandatory_assignments/course/{COURSE}/"
            requests = [
                ("REST list, first page", api_url),
                ("REST list, last page", f"{api_url}&page={last}"),
                ("staff page (course), first page", page_url),
                ("staff page (course), last page", f"{page_url}?page={last}"),
                ("staff page (course), by person, page 3", f"{page_url}?sort=person&page=3"),
                ("organisation page, first page", "/mandatory_assignments/"),
            ]
            if size == sorted(args.sizes)[0]:
                for _label, target in requests:  # warm-up: per-process caches, templates
                    client.get(target)
            for label, target in requests:
                seconds, queries, body, _runs = ask(client, target, args.repeat)
                page_rows.append({"request": label, "assignments": size, "ms": 1000 * seconds, "queries": queries,
                                  "bytes": body})
                print(f"    {label}: {1000 * seconds:.1f} ms, {queries} queries")
            measured, lines, body, peak = export(client, f"/api/mandatory_assignments/v1/assignments/export.csv"
                                                         f"?course_id={COURSE}", args.export_rows)
            export_rows.append({"assignments": size, "rows": lines - 1, "s": measured.wall,
                                "ms_per_1000_rows": 1000 * measured.wall / max(lines - 1, 1) * 1000,
                                "queries": measured.queries.total, "mib": body / 2**20, "peak_mib": peak / 2**20})
            print(f"    export: {lines - 1:,} rows in {measured.wall:.1f} s, peak {peak / 2**20:.1f} MiB")
        base = {row["request"]: row for row in page_rows if row["assignments"] == page_rows[0]["assignments"]}
        for row in page_rows:
            row["x_smallest"] = row["ms"] / base[row["request"]]["ms"]
            row["queries_smallest"] = base[row["request"]]["queries"]
        report.table(
            f"a page of {PAGE_SIZE} (median of {args.repeat} requests) as the course's assignments grow",
            [("request", "request", ""), ("assignments", "assignments", ",d"), ("ms", "ms", ".1f"),
             ("x_smallest", f"× at {page_rows[0]['assignments']:,}", ".2f"), ("queries", "queries", "d"),
             ("queries_smallest", f"queries at {page_rows[0]['assignments']:,}", "d"), ("bytes", "bytes", ",d")],
            page_rows,
        )
        for row in export_rows:
            row["peak_x_smallest"] = row["peak_mib"] / export_rows[0]["peak_mib"]
        report.table(
            "the CSV export of the course's assignments, streamed (read to its end, or its first --export-rows rows)",
            [("assignments", "assignments", ",d"), ("rows", "rows", ",d"), ("s", "s", ".1f"),
             ("ms_per_1000_rows", "ms/1,000 rows", ".0f"), ("queries", "queries", ",d"), ("mib", "CSV MiB", ".1f"),
             ("peak_mib", "peak MiB (tracemalloc)", ".2f"),
             ("peak_x_smallest", f"peak × at {export_rows[0]['assignments']:,}", ".2f")],
            export_rows,
        )
        largest = max(row["assignments"] for row in page_rows)
        worst = max((row for row in page_rows if row["assignments"] == largest), key=lambda row: row["x_smallest"])
        report.check(f"a page at {largest:,} within 2× of the page at {page_rows[0]['assignments']:,}",
                     f"slowest: {worst['request']} {worst['x_smallest']:.2f}×", worst["x_smallest"] <= 2)
        grown = [row for row in page_rows if row["queries"] != row["queries_smallest"]]
        report.check("queries a page constant", "same at every size" if not grown else
                     "; ".join(f"{r['request']}: {r['queries_smallest']} → {r['queries']}" for r in grown), not grown)
        biggest = export_rows[-1]
        report.check(f"the export of {biggest['rows']:,} rows streamed with flat memory (peak ≤ 1.5× the peak at "
                     f"{export_rows[0]['rows']:,})",
                     f"{biggest['peak_mib']:.2f} MiB vs {export_rows[0]['peak_mib']:.2f} MiB "
                     f"({biggest['peak_x_smallest']:.2f}×) for a {biggest['mib']:.0f} MiB file",
                     biggest["peak_x_smallest"] <= 1.5)
    finally:
        connection.close()
        if not args.keep_db:
            _common.drop_database(url)
    report.write()


if __name__ == "__main__":
    main()
