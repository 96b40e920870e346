#!/usr/bin/env python
"""
Bulk assignment of one cohort (1,000 and 10,000 people; ``--sizes 1000 10000 50000`` for the full run)
beside the floor and the naive loop, measured in the same run.

* plugin: the background job the pages and the REST API start above ``BULK_SYNC_LIMIT`` (200 people):
  ``start_bulk_assign`` + ``run_bulk_job`` (the Celery task, run in this process); with ``--variants job
  bulk_assign`` also one ``api.bulk_assign`` call (it returns every created row, so its memory is not flat);
* floor: the same enrollments through the sandbox's ``CourseEnrollment.enroll`` plus one ``bulk_create``
  per table (assignments, reminders, audit entries, the "assigned" deliveries) of the same rows, in the
  same chunks of ``BULK_CHUNK_SIZE`` people, one transaction each — what any implementation must do;
* naive: ``api.assign`` once a person, on a sample of ``--naive-sample`` people (its cost a person does
  not depend on the cohort's size), compared a person.

Each run assigns a course of its own to a fresh cohort. Work the plugin queues for Celery after commit
(sending the "assigned" emails) is held back in every variant: a worker does it, not the call. Wall time
and queries come from runs without tracemalloc; peak memory from a second run of each with it. With SQLite
the times are judged on this process's CPU time (the database runs inside it; other processes' load does
not inflate it), with MySQL/MariaDB on wall time; both are printed.

    .venv/bin/python bench/bulk.py [--sizes 1000 10000 50000] [--naive-sample 200] [--variants job bulk_assign]
                                   [--no-memory]
"""

import datetime
import sys
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402

NAME = "bulk"
SAVEPOINT_STATEMENTS = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def parse_args():
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000],
                        help="people in the cohort (default 1000 10000: make bench in about 12 minutes on 2 quiet "
                             "CPUs; the issue's full run, make bench-full: 1000 10000 50000)")
    parser.add_argument("--naive-sample", type=int, default=200,
                        help="people assigned one by one with api.assign for the naive reference (default 200)")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc runs")
    parser.add_argument("--variants", nargs="+", default=["job"], choices=["job", "bulk_assign"],
                        help="the plugin's ways measured beside the floor: job (start_bulk_assign + run_bulk_job, "
                             "what the pages and the REST API run above BULK_SYNC_LIMIT; default) and bulk_assign "
                             "(one api.bulk_assign call that returns every created row)")
    parser.add_argument("--top", type=int, default=0, help="list the most frequent query shapes of each variant")
    return parser.parse_args()


class World:
    """A global staff member who may assign every course, and a fresh course (and cohort) per run."""

    def __init__(self):
        from sandbox import controls  # noqa: PLC0415

        self.controls = controls
        self.staff = controls.create_user("bench_staff", email="bench_staff@example.com", is_staff=True)
        self.runs = 0
        self.due_date = datetime.date.today() + datetime.timedelta(days=30)

    def cohort(self, size):
        """A new course and ``size`` new people."""
        self.runs += 1
        key = f"course-v1:BenchX+BULK{self.runs:03d}+2026"
        self.controls.create_course(key, display_name=f"Bulk benchmark course {self.runs}")
        return key, _common.make_people(size, f"r{self.runs}p")


def run_plugin(world, course, people):
    from mandatory_assignments import api  # noqa: PLC0415

    result = api.bulk_assign(users=people, target=course, due_date=world.due_date, assigned_by=world.staff)
    if len(result.created) != len(people):
        raise SystemExit(f"bulk_assign created {len(result.created)} of {len(people)}: {result.failed[:3]}")


# people -> bytes: under tracemalloc, the peak of run_bulk_job alone above its start — the Celery worker's
# side of a job (start_bulk_assign, the request's side, validates and holds the whole list by contract).
WORKER_PEAKS = {}


def run_job(world, course, people):
    from mandatory_assignments import api  # noqa: PLC0415
    from mandatory_assignments.models import BulkJob  # noqa: PLC0415

    job = api.start_bulk_assign(users=people, target=course, due_date=world.due_date, assigned_by=world.staff)
    tracing = tracemalloc.is_tracing()
    if tracing:
        started = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
    api.run_bulk_job(job.task_id)  # the Celery task, as a worker runs it
    if tracing:
        WORKER_PEAKS[len(people)] = tracemalloc.get_traced_memory()[1] - started
    done = BulkJob.objects.get(pk=job.pk)
    if done.state != "SUCCESS" or len(done.created_users) != len(people):
        raise SystemExit(f"bulk job {done.state}: created {len(done.created_users)} of {len(people)}")


def run_floor(world, course, people):
    """The same enrollments and rows with nothing around them: per chunk, enroll each, one bulk_create a table."""
    from common.djangoapps.student.models import CourseEnrollment  # noqa: PLC0415
    from django.db import transaction  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415
    from opaque_keys.edx.keys import CourseKey  # noqa: PLC0415

    from mandatory_assignments import bulk, notifications, reminders, targets, zones  # noqa: PLC0415
    from mandatory_assignments.assigning import creation_changes, new_assignment  # noqa: PLC0415
    from mandatory_assignments.audit import audit_entry  # noqa: PLC0415
    from mandatory_assignments.models import Assignment, AuditEntry, Delivery, Reminder  # noqa: PLC0415

    now = timezone.now()
    course_key = CourseKey.from_string(course)
    target = targets.resolve(course)
    specs = reminders.clean_reminders(None)
    tz = zones.time_zones_of([people[0].pk])[people[0].pk]  # every person here has the default zone
    for start in range(0, len(people), bulk.BULK_CHUNK_SIZE):
        chunk = people[start : start + bulk.BULK_CHUNK_SIZE]
        with transaction.atomic():
            for person in chunk:
                CourseEnrollment.enroll(person, course_key)
            rows = [
                new_assignment(user=person, target=target, due_date=world.due_date, tz=tz, assigned_by=world.staff,
                               repeat_weeks=None, note="", now=now)
                for person in chunk
            ]
            Assignment.objects.bulk_create(rows)
            Reminder.objects.bulk_create([r for row in rows for r in reminders.reminder_rows(row, specs, tz, now)])
            AuditEntry.objects.bulk_create(
                [audit_entry(row, AuditEntry.CREATED, world.staff, creation_changes(row, specs)) for row in rows]
            )
            Delivery.objects.bulk_create([notifications._notice(row, "assigned") for row in rows])  # noqa: SLF001


def run_naive(world, course, people):
    from mandatory_assignments import api  # noqa: PLC0415

    for person in people:
        api.assign(user=person, target=course, due_date=world.due_date, assigned_by=world.staff)


VARIANTS = {"floor": run_floor, "bulk_assign": run_plugin, "job": run_job, "naive": run_naive}


def measure(world, variant, size, memory=False, attribute=False):
    course, people = world.cohort(size)
    with _common.background_work_held(), _common.Measure(memory=memory, attribute=attribute) as measured:
        VARIANTS[variant](world, course, people)
    return measured


def row_of(variant, size, timed, memory, floor_timed, floor_memory):
    queries = timed.queries
    row = {
        "variant": variant,
        "people": size,
        "wall_s": timed.wall,
        "ms_per_person": 1000 * timed.wall / size,
        "cpu_s": timed.cpu,
        "cpu_ms_per_person": 1000 * timed.cpu / size,
        "queries": queries.total,
        "queries_per_person": queries.total / size,
        "savepoint_statements_per_person": queries.count_starting(*SAVEPOINT_STATEMENTS) / size,
        "sql_s": queries.seconds,
    }
    if floor_timed is not None:
        row["x_floor"] = (timed.wall / size) / (floor_timed.wall / floor_timed.people)
        row["cpu_x_floor"] = (timed.cpu / size) / (floor_timed.cpu / floor_timed.people)
        row["queries_x_floor"] = (queries.total / size) / (floor_timed.queries.total / floor_timed.people)
    if memory is not None:
        row["peak_mib"] = _common.mib(memory.peak_bytes)
        row["peak_kib_per_person"] = memory.peak_bytes / 1024 / size
        row["retained_mib"] = _common.mib(memory.retained_bytes)
        if floor_memory is not None:
            row["peak_x_floor"] = memory.peak_bytes / floor_memory.peak_bytes
        if variant == "job" and size in WORKER_PEAKS:
            row["worker_peak_mib"] = _common.mib(WORKER_PEAKS[size])
    return row


COLUMNS = [
    ("variant", "variant", ""),
    ("people", "people", ",d"),
    ("wall_s", "wall s", ".2f"),
    ("ms_per_person", "ms/person", ".2f"),
    ("x_floor", "× floor", ".2f"),
    ("cpu_ms_per_person", "CPU ms/person", ".2f"),
    ("cpu_x_floor", "CPU × floor", ".2f"),
    ("x_naive_faster", "× faster than naive", ".1f"),
    ("cpu_x_naive_faster", "CPU × faster than naive", ".1f"),
    ("queries_per_person", "queries/person", ".2f"),
    ("queries_x_floor", "queries × floor", ".2f"),
    ("savepoint_statements_per_person", "savepoint stmts/person", ".2f"),
    ("sql_s", "SQL s", ".2f"),
    ("peak_mib", "peak MiB", ".1f"),
    ("peak_kib_per_person", "peak KiB/person", ".2f"),
    ("retained_mib", "kept MiB", ".1f"),
    ("worker_peak_mib", "worker's peak MiB", ".1f"),
]


def main():
    args = parse_args()
    url = _common.database_url(NAME, args.database_url)
    _common.setup(url)
    from django.db import connection  # noqa: PLC0415

    from mandatory_assignments import bulk  # noqa: PLC0415

    report = _common.Report(NAME, args)
    report.begin(f"bulk assignment of one cohort, sizes {args.sizes}; chunks of {bulk.BULK_CHUNK_SIZE}")
    try:
        world = World()
        # Warm-up: the first enrollment and assignment pay for imports and caches, in no variant's figure.
        measure(world, "job", 20)
        measure(world, "floor", 20)
        rows = []
        variants = ["floor", *args.variants]
        for size in args.sizes:
            timed = {}
            for variant in variants:
                timed[variant] = measure(world, variant, size, attribute=False)
                timed[variant].people = size
                print(f"  {variant:>6} {size:>7,}: {timed[variant].wall:7.2f} s, CPU {timed[variant].cpu:7.2f} s, "
                      f"{timed[variant].queries.total:,} queries")
                if args.top:
                    print(timed[variant].queries.top(args.top))
            naive_size = min(size, args.naive_sample)
            naive = measure(world, "naive", naive_size)
            naive.people = naive_size
            print(f"   naive {naive_size:>7,}: {naive.wall:7.2f} s, CPU {naive.cpu:7.2f} s, "
                  f"{naive.queries.total:,} queries")
            memory = {}
            if not args.no_memory:
                for variant in variants:
                    memory[variant] = measure(world, variant, size, memory=True)
                    peak = _common.mib(memory[variant].peak_bytes)
                    print(f"  {variant:>6} {size:>7,} (tracemalloc): peak {peak:.1f} MiB")
            naive_ms = 1000 * naive.wall / naive_size
            naive_cpu_ms = 1000 * naive.cpu / naive_size
            for variant in variants:
                row = row_of(variant, size, timed[variant], memory.get(variant), timed["floor"] if variant != "floor"
                             else None, memory.get("floor") if variant != "floor" else None)
                row["x_naive_faster"] = naive_ms / row["ms_per_person"]
                row["cpu_x_naive_faster"] = naive_cpu_ms / row["cpu_ms_per_person"]
                rows.append(row)
            naive_row = row_of("naive", naive_size, naive, None, timed["floor"], None)
            naive_row["people"] = naive_size
            naive_row["sample_of"] = size
            naive_row["variant"] = f"naive ({naive_size} of {size:,})"
            rows.append(naive_row)
        report.table(
            "bulk assignment: wall time, queries and peak memory beside the floor and the naive loop",
            COLUMNS,
            rows,
            note="× floor: ms/person over the floor's ms/person of the same size; × faster than naive: the naive "
                 "loop's ms/person (a sample) over this variant's; peak: tracemalloc peak above the start of the "
                 "call (a second run); kept: still allocated when the call returned (its result).",
        )
        judge(report, rows, args.sizes)
    finally:
        connection.close()
        if not args.keep_db:
            _common.drop_database(url)
    report.write()


def judge(report, rows, sizes):
    """
    Times are judged on this process's CPU time with SQLite (the database runs inside the process, and the
    load other processes put on a shared machine does not inflate it), on wall time with MySQL/MariaDB.
    """
    by = {(row["variant"], row["people"]): row for row in rows}
    cpu = _common.is_sqlite()
    x_floor, x_naive = ("cpu_x_floor", "cpu_x_naive_faster") if cpu else ("x_floor", "x_naive_faster")
    basis = "CPU time" if cpu else "wall time"
    floors = [by[("floor", size)] for size in sizes if ("floor", size) in by]
    for variant in ("job", "bulk_assign"):
        mine = [by[(variant, size)] for size in sizes if (variant, size) in by]
        if not mine:
            continue
        worst = max(row[x_floor] for row in mine)
        report.check(f"{variant}: ≤ 1.2× the floor ({basis})",
                     ", ".join(f"{r['people']:,}: {r[x_floor]:.2f}× (wall {r['x_floor']:.2f}×)" for r in mine),
                     worst <= 1.2)
        slowest = min(row[x_naive] for row in mine)
        floor_best = max((row[x_naive] for row in floors), default=0)
        bound = (f"; unreachable while the floor itself is only {floor_best:.1f}× faster than naive: at ≤ 1.2× the "
                 f"floor the plugin can be at most {floor_best:.1f}× and at least {floor_best / 1.2:.1f}× faster "
                 "(the floor's enrollments through CourseEnrollment.enroll cost most of a person's time)"
                 if 0 < floor_best < 5 else "")
        report.check(f"{variant}: ≥ 5× faster than the naive loop ({basis})",
                     ", ".join(f"{r['people']:,}: {r[x_naive]:.1f}× (wall {r['x_naive_faster']:.1f}×)" for r in mine)
                     + "; the floor itself: " + ", ".join(f"{r[x_naive]:.1f}×" for r in floors) + bound,
                     slowest >= 5)
        qpp = [row["queries_per_person"] for row in mine]
        report.check(f"{variant}: queries a person constant",
                     ", ".join(f"{r['people']:,}: {r['queries_per_person']:.2f}" for r in mine),
                     max(qpp) - min(qpp) <= 0.1 * min(qpp))
        _check_flat(report, f"{variant}: peak memory flat in the number of people (≤ 1.5× from the smallest size "
                    "to the largest)", mine, "peak_mib")
        _check_flat(report, f"{variant}: the worker's peak memory (run_bulk_job alone) flat in the number of people "
                    "(≤ 1.5×)", mine, "worker_peak_mib")


def _check_flat(report, target, rows, key):
    """Judge the MiB in ``key`` flat from the smallest size to the largest (≤ 1.5×), with the bytes a person more."""
    points = [(row["people"], row[key]) for row in rows if row.get(key) is not None]
    if len(points) < 2:
        return
    (first_people, first_mib), (last_people, last_mib) = points[0], points[-1]
    growth = last_mib / first_mib
    slope = (last_mib - first_mib) * 1024 * 1024 / (last_people - first_people)
    report.check(target, ", ".join(f"{p:,}: {m:.1f} MiB" for p, m in points)
                 + f" ({growth:.2f}×; {slope:.0f} bytes a person more)", growth <= 1.5)

if __name__ == "__main__":
    main()
