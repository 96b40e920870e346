#!/usr/bin/env python
"""
One page of the staff list beside a growing number of assignments: the REST list
(``GET /api/mandatory_assignments/v1/assignments/?status=all``, 20 a page) and the course page, as global
staff, at 1,000 and 100,000 assignments. Prints queries and the median wall time of 5 requests.

    .venv/bin/python benchmarks/list_page.py [--sizes 1000 100000] [--database-url mysql://…]
"""

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402  pylint: disable=wrong-import-position

COURSE = "course-v1:BenchX+LIST101+2026"


def grow_to(size, staff, now):
    from mandatory_assignments import rules  # pylint: disable=import-outside-toplevel
    from mandatory_assignments.models import Assignment  # pylint: disable=import-outside-toplevel

    have = Assignment.objects.count()
    people = _common.make_people(size - have, f"l{size}_")
    due = (now + datetime.timedelta(days=30)).date()
    Assignment.objects.bulk_create(
        [
            Assignment(
                user=person, target_key=COURSE, target_type="course", assigned_by=staff, due_date=due,
                deadline=now + datetime.timedelta(days=31), cycle=1, cycle_started_at=now,
                recorded_status=rules.ASSIGNED,
            )
            for person in people
        ],
        batch_size=2000,
    )


def timed(client, url):
    counter = _common.QueryCounter()
    times = []
    for _ in range(5):
        with counter.counting():
            started = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    return counter.total // 5, statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100000])
    parser.add_argument("--database-url", default=_common.DEFAULT_SQLITE_URL)
    args = parser.parse_args()
    _common.setup(args.database_url)
    from django.test import Client  # pylint: disable=import-outside-toplevel
    from django.utils import timezone  # pylint: disable=import-outside-toplevel

    from sandbox import controls  # pylint: disable=import-outside-toplevel

    controls.create_course(COURSE, display_name="List benchmark course")
    staff = controls.create_user("list_staff", email="list_staff@example.com", is_staff=True)
    client = Client()
    client.force_login(staff)
    now = timezone.now()
    rows = []
    for size in args.sizes:
        grow_to(size, staff, now)
        client.get("/api/mandatory_assignments/v1/assignments/?status=all")  # warm
        api_q, api_t = timed(client, "/api/mandatory_assignments/v1/assignments/?status=all")
        page_q, page_t = timed(client, f"/mandatory_assignments/course/{COURSE}/?status=all")
        rows.append((size, api_q, api_t, page_q, page_t))
    print(f"database: {_common.vendor_description()}")
    print(
        f"{'assignments':>12} | {'REST page: queries':>18} | {'median':>8} | "
        f"{'course page: queries':>20} | {'median':>8}"
    )
    for size, api_q, api_t, page_q, page_t in rows:
        print(f"{size:>12,} | {api_q:>18} | {api_t * 1000:>6.0f}ms | {page_q:>20} | {page_t * 1000:>6.0f}ms")


if __name__ == "__main__":
    main()
