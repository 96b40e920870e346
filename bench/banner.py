#!/usr/bin/env python
"""
The courseware banner step (``VerticalBlockRenderCompleted``): the queries it adds to a unit view (at most
one) and the time of a unit view with it, beside the same unit view without it, in the same run.

A learner enrolled in a course views one of its units in the sandbox's courseware (the LMS's vertical
render and its filter pipeline, through Django's test client and the whole middleware stack): once with
the plugin's step in ``OPEN_EDX_FILTERS_CONFIG`` and once with the pipeline empty, alternately, ``--views``
times each (the median counts). Three learners: one with an open assignment of the course (the banner
shows), one with ``--history`` completed assignments of other courses besides it, and one with none
(no banner). The step alone (the filter run on a built block, no request) is timed the same way.

    .venv/bin/python bench/banner.py [--views 200] [--history 200]
"""

import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402

NAME = "banner"
COURSE = "course-v1:BenchX+UNIT101+2026"
FILTER = "org.openedx.learning.vertical_block.render.completed.v1"


def parse_args():
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--views", type=int, default=200, help="unit views with and without the step (default 200)")
    parser.add_argument("--history", type=int, default=200,
                        help="completed assignments of other courses the second learner has (default 200)")
    return parser.parse_args()


def learners(history):
    from django.utils import timezone  # noqa: PLC0415

    from mandatory_assignments import api, rules  # noqa: PLC0415
    from mandatory_assignments.models import Assignment  # noqa: PLC0415
    from sandbox import controls  # noqa: PLC0415

    controls.create_course(COURSE, display_name="Unit benchmark course")
    staff = controls.create_user("unit_staff", is_staff=True)
    due = datetime.date.today() + datetime.timedelta(days=20)
    people = {}
    for name in ("assigned", "with_history", "not_assigned"):
        person = controls.create_user(f"unit_{name}", time_zone="Europe/Berlin")
        controls.enroll(person, COURSE)
        if name != "not_assigned":
            api.assign(user=person, target=COURSE, due_date=due, assigned_by=staff, note="Before the audit")
        people[name] = person
    now = timezone.now()
    past = now - datetime.timedelta(days=400)
    Assignment.objects.bulk_create([
        Assignment(user=people["with_history"], target_key=f"course-v1:Old+H{i}+2025", target_type="course",
                   assigned_by=staff, due_date=past.date(), deadline=past, cycle=1, cycle_started_at=past,
                   completed_at=past, recorded_status=rules.COMPLETED, is_open=None)
        for i in range(history)
    ])
    return people


def filter_config(with_step):
    from django.conf import settings  # noqa: PLC0415

    config = {key: value for key, value in settings.OPEN_EDX_FILTERS_CONFIG.items() if key != FILTER}
    if with_step:
        config[FILTER] = settings.OPEN_EDX_FILTERS_CONFIG[FILTER]
    return config


def measure_views(client, url, views):
    """``views`` GETs alternately with and without the step: {True: [Measure], False: [Measure]}."""
    from django.test import override_settings  # noqa: PLC0415

    runs = {True: [], False: []}
    for index in range(2 * views):
        with_step = index % 2 == 0
        with override_settings(OPEN_EDX_FILTERS_CONFIG=filter_config(with_step)), _common.Measure() as measured:
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code}")
        measured.banner = b"mandatory-assignments-banner" in response.content
        runs[with_step].append(measured)
    return runs


def measure_step(user, views):
    """The filter pipeline alone on a built block, with and without the step."""
    from django.test import override_settings  # noqa: PLC0415
    from edx_django_utils.cache import RequestCache  # noqa: PLC0415
    from openedx.core.djangoapps.content.course_overviews.models import CourseOverview  # noqa: PLC0415
    from openedx_filters.learning.filters import VerticalBlockRenderCompleted  # noqa: PLC0415
    from web_fragments.fragment import Fragment  # noqa: PLC0415

    from sandbox.courseware import SandboxVerticalBlock, user_service_options  # noqa: PLC0415

    overview = CourseOverview.get_from_id(COURSE)
    runs = {True: [], False: []}
    for index in range(2 * views):
        with_step = index % 2 == 0
        RequestCache.clear_all_namespaces()  # a new request each time, as in the LMS
        block = SandboxVerticalBlock(overview, user, **user_service_options(user, overview.id, is_staff=False))
        with override_settings(OPEN_EDX_FILTERS_CONFIG=filter_config(with_step)), _common.Measure() as measured:
            VerticalBlockRenderCompleted.run_filter(block=block, fragment=Fragment("<p>unit</p>"), context={},
                                                    view="student_view")
        runs[with_step].append(measured)
    return runs


def summary(label, runs):
    with_step, without = runs[True], runs[False]
    ms_with = 1000 * _common.median([run.wall for run in with_step])
    ms_without = 1000 * _common.median([run.wall for run in without])
    cpu_with = 1000 * _common.median([run.cpu for run in with_step])
    cpu_without = 1000 * _common.median([run.cpu for run in without])
    queries_with = max(run.queries.total for run in with_step)
    queries_without = max(run.queries.total for run in without)
    return {
        "case": label,
        "views": len(with_step),
        "ms_without": ms_without,
        "ms_with": ms_with,
        "added_ms": ms_with - ms_without,
        "x_without": ms_with / ms_without,
        "cpu_added_ms": cpu_with - cpu_without,
        "queries_without": queries_without,
        "queries_with": queries_with,
        "added_queries": queries_with - queries_without,
        "banner": any(getattr(run, "banner", False) for run in with_step),
    }


def main():
    args = parse_args()
    url = _common.database_url(NAME, args.database_url)
    _common.setup(url)
    from django.db import connection  # noqa: PLC0415
    from django.test import Client  # noqa: PLC0415

    report = _common.Report(NAME, args)
    report.begin(f"the courseware banner step: {args.views} unit views with and without it, alternately")
    rows = []
    try:
        people = learners(args.history)
        unit = f"/courses/{COURSE}/unit/"
        for name, label in (("assigned", "unit view, learner with an open assignment (banner)"),
                            ("with_history", f"unit view, the same with {args.history} completed assignments"),
                            ("not_assigned", "unit view, learner without an assignment (no banner)")):
            client = Client()
            client.force_login(people[name])
            client.get(unit)  # warm-up
            rows.append(summary(label, measure_views(client, unit, args.views)))
            print(f"  {rows[-1]['case']}: +{rows[-1]['added_ms']:.2f} ms, +{rows[-1]['added_queries']} queries")
        rows.append(summary("the filter step alone, learner with an open assignment",
                            measure_step(people["assigned"], args.views)))
        report.table(
            "a unit view with the banner step beside the same view without it (medians)",
            [("case", "case", ""), ("views", "views", "d"), ("ms_without", "ms without", ".2f"),
             ("ms_with", "ms with", ".2f"), ("added_ms", "added ms", ".2f"), ("x_without", "× without", ".2f"),
             ("cpu_added_ms", "added CPU ms", ".2f"), ("queries_without", "queries without", "d"),
             ("queries_with", "queries with", "d"), ("added_queries", "added queries", "d"),
             ("banner", "banner shown", "")],
            [{**row, "banner": "yes" if row["banner"] else "no"} for row in rows],
        )
        worst = max(row["added_queries"] for row in rows)
        report.check("the banner step adds at most 1 query to a unit view",
                     ", ".join(f"{row['added_queries']}" for row in rows), worst <= 1)
        views = rows[:3]
        report.check("a unit view with the step beside the view without it (reported; no target given)",
                     ", ".join(f"+{row['added_ms']:.2f} ms ({row['x_without']:.2f}×)" for row in views), True)
    finally:
        connection.close()
        if not args.keep_db:
            _common.drop_database(url)
    report.write()


if __name__ == "__main__":
    main()
