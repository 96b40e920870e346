#!/usr/bin/env python
"""
One tick of the scheduler with N reminders due at the same moment (default 10,000), on MariaDB.

Seeds a fresh database ``ma_bench`` (dropped and re-created at start, dropped at the end unless
``--keep-db``): one course, N people assigned with ``api.bulk_assign`` five days ago with a due date
whose default 3-day reminder is now in the past. Then runs ONE tick ``api.run_scheduler(now=...)`` with
Celery eager and Django's locmem email backend, and prints emails sent, SQL queries and wall time per
phase of the tick. ``--no-send`` measures only the claim (``scheduler.claim_due_reminders``).

    .venv/bin/python benchmarks/tick_10k.py [--count 10000] [--no-send] [--database-url mysql://…]
"""

import argparse
import datetime
import functools
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402  pylint: disable=wrong-import-position

COURSE = "course-v1:BenchX+TICK101+2026"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10000, help="assignments with a due reminder (default 10000)")
    parser.add_argument("--no-send", action="store_true", help="run only scheduler.claim_due_reminders, send nothing")
    parser.add_argument("--database-url", default=_common.DEFAULT_MYSQL_URL,
                        help=f"database to drop, create and use (default {_common.DEFAULT_MYSQL_URL})")
    parser.add_argument("--keep-db", action="store_true", help="leave the database in place afterwards")
    parser.add_argument("--attribute", action="store_true",
                        help="attribute each query to the plugin line that ran it (slower: a stack walk per query)")
    parser.add_argument("--top", type=int, default=10, help="most frequent query shapes to list per phase")
    return parser.parse_args()


def seed(count, now):
    """``count`` assignments made five days before ``now``, whose 3-day reminder fell due two days ago."""
    import time_machine  # pylint: disable=import-outside-toplevel

    from mandatory_assignments import api  # pylint: disable=import-outside-toplevel
    from mandatory_assignments.models import Reminder  # pylint: disable=import-outside-toplevel
    from sandbox import controls  # pylint: disable=import-outside-toplevel

    seeded_at = now - datetime.timedelta(days=5)
    due_date = seeded_at.date() + datetime.timedelta(days=6)  # 3-day reminder: due_date - 3 days, 00:00 UTC
    started = time.perf_counter()
    controls.create_course(COURSE, display_name="Tick benchmark course")
    staff = controls.create_user("bench_staff", email="bench_staff@example.com")
    controls.make_course_staff(staff, COURSE)
    people = _common.make_people(count, "ticker")
    users_time = time.perf_counter() - started

    held = []
    started = time.perf_counter()
    with time_machine.travel(seeded_at, tick=True), _common.notices_held_back(held):
        result = api.bulk_assign(users=people, target=COURSE, due_date=due_date, assigned_by=staff)
    assign_time = time.perf_counter() - started
    if len(result.created) != count:
        raise SystemExit(f"bulk_assign created {len(result.created)} of {count}: failed {result.failed[:3]}")
    due = Reminder.objects.filter(fire_at__lte=now).count()
    moments = sorted(set(Reminder.objects.filter(fire_at__lte=now).values_list("fire_at", flat=True)))
    print(f"seeding: {count} users+profiles in {_common.seconds(users_time)}, "
          f"bulk_assign (enrolls each person) in {_common.seconds(assign_time)} at {seeded_at:%Y-%m-%d %H:%M} UTC, "
          f"due date {due_date}")
    print(f"         {due} reminders due at {', '.join(f'{m:%Y-%m-%d %H:%M} UTC' for m in moments)}; "
          f"{len(held)} 'assigned' notices held back (not sent)")
    if due != count:
        raise SystemExit(f"expected {count} due reminders, found {due}")


class Phases:
    """Wraps the scheduler's steps to time them and count their queries."""

    def __init__(self, attribute=False):
        self.rows = []  # (name, seconds, QueryCounter)
        self.attribute = attribute

    def wrap(self, module, attribute, name):
        original = getattr(module, attribute)

        @functools.wraps(original)
        def timed(*args, **kwargs):
            counter = _common.QueryCounter(self.attribute)
            started = time.perf_counter()
            with counter.counting():
                result = original(*args, **kwargs)
            self.rows.append((name, time.perf_counter() - started, counter))
            return result

        setattr(module, attribute, timed)
        return original


def report_deliveries(sent_emails):
    from mandatory_assignments.models import Delivery  # pylint: disable=import-outside-toplevel

    states = {state: Delivery.objects.filter(message="reminder", state=state).count()
              for state in (Delivery.PENDING, Delivery.SENT, Delivery.SKIPPED)}
    print(f"emails in the outbox: {sent_emails}; reminder Delivery rows: sent {states['sent']}, "
          f"pending {states['pending']}, skipped {states['skipped']}")
    return states


def run_tick(now, top, attribute):
    from django.core import mail  # pylint: disable=import-outside-toplevel

    from mandatory_assignments import api, delivery, scheduler  # pylint: disable=import-outside-toplevel

    phases = Phases(attribute)
    phases.wrap(scheduler, "start_due_cycles", "start_due_cycles")
    phases.wrap(scheduler, "mark_overdue", "mark_overdue")
    phases.wrap(scheduler, "claim_due_reminders", "claim  (scheduler.claim_due_reminders)")
    phases.wrap(delivery, "expired_claims", "delivery.expired_claims")
    phases.wrap(scheduler, "dispatch", "send   (scheduler.dispatch -> tasks.send_deliveries, eager)")
    mail.outbox = []
    total = _common.QueryCounter()
    started = time.perf_counter()
    with total.counting():
        counts = api.run_scheduler(now=now)
    wall = time.perf_counter() - started
    print(f"tick counts: {counts}")
    states = report_deliveries(len(mail.outbox))
    print(f"TICK: {total.total} SQL queries, wall {_common.seconds(wall)} "
          f"(of which {_common.seconds(total.seconds)} in SQL execute calls)")
    for name, spent, counter in phases.rows:
        print(f"  {name:<62} {counter.total:>8} queries  {_common.seconds(spent):>9} wall  "
              f"{_common.seconds(counter.seconds):>9} SQL")
    sent = states["sent"] or 1
    claim = next(c for n, _s, c in phases.rows if n.startswith("claim"))
    send = next(c for n, _s, c in phases.rows if n.startswith("send"))
    print(f"  per reminder: claim {claim.total / sent:.3f} queries, send {send.total / sent:.1f} queries "
          f"and {1000 * next(s for n, s, _c in phases.rows if n.startswith('send')) / sent:.2f} ms")
    print("most frequent query shapes, claim phase:")
    print(claim.top(top))
    print("most frequent query shapes, send phase:")
    print(send.top(top))
    if attribute:
        print("send-phase queries by the plugin line that ran them (innermost plugin frame <- its caller):")
        print(send.top_origins(top + 6))


def run_claim_only(now, top, attribute):
    from mandatory_assignments import scheduler  # pylint: disable=import-outside-toplevel
    from mandatory_assignments.models import Delivery  # pylint: disable=import-outside-toplevel

    counter = _common.QueryCounter(attribute)
    started = time.perf_counter()
    with counter.counting():
        claimed, skipped = scheduler.claim_due_reminders(now)
    wall = time.perf_counter() - started
    pending = Delivery.objects.filter(message="reminder", state=Delivery.PENDING).count()
    print(f"CLAIM ONLY (--no-send): claimed {len(claimed)}, skipped {skipped}, pending Delivery rows {pending}")
    print(f"CLAIM: {counter.total} SQL queries, wall {_common.seconds(wall)} "
          f"({_common.seconds(counter.seconds)} in SQL execute calls), "
          f"{counter.total / max(len(claimed), 1):.3f} queries per reminder")
    print("most frequent query shapes:")
    print(counter.top(top))
    if attribute:
        print("queries by plugin line:")
        print(counter.top_origins(top))


def main():
    args = parse_args()
    migrate_time = _common.setup(args.database_url)
    from django.db import connection  # pylint: disable=import-outside-toplevel
    from django.utils import timezone  # pylint: disable=import-outside-toplevel

    print(f"tick_10k: {args.count} assignments on {_common.vendor_description()} "
          f"({args.database_url}); migrate {_common.seconds(migrate_time)}")
    now = timezone.now()
    try:
        seed(args.count, now)
        now = timezone.now()
        if args.no_send:
            run_claim_only(now, args.top, args.attribute)
        else:
            run_tick(now, args.top, args.attribute)
    finally:
        connection.close()
        if not args.keep_db and connection.vendor == "mysql":
            _common.drop_database(args.database_url)


if __name__ == "__main__":
    main()
