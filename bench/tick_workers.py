#!/usr/bin/env python
"""
The tick's emails sent by real Celery workers on Redis: the same N claimed deliveries (default 2,000)
sent by one worker process, then by two (``celery -A sandbox worker -c 1`` / ``-c 2``, prefork), to
show the throughput growing with the workers — the way past one process, and past one machine.

This process seeds N due reminders, claims them (``scheduler.claim_due_reminders``) and, for each worker
count, puts the deliveries back to pending, starts the worker (its own process group, stopped at the
end), waits until it answers a ping, hands it the chunks of ``SEND_CHUNK_SIZE`` ids exactly as the tick's
``dispatch`` does (``send_deliveries`` by name, through the broker) and polls the database until every
delivery is sent. The worker's emails go to Django's locmem backend (lost with the worker: the delivery
rows count them). Throughput = N / (first hand-over → last delivery sent). The sandbox opens an SQLite
file in WAL mode (``sandbox/apps.py``), so the processes read while one writes; MariaDB (``DATABASE_URL``)
needs nothing.

Needs Redis on ``--broker`` (default ``redis://127.0.0.1:6379/11``; that database is flushed first).

    .venv/bin/python bench/tick_workers.py [--emails 2000] [--workers 1 2] [--broker redis://…/11]
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402
import _seed  # noqa: E402

NAME = "tick_workers"
COURSE = "course-v1:BenchX+WORK101+2026"
SEND_TASK = "mandatory_assignments.tasks.send_deliveries"


def parse_args():
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--emails", type=int, default=2000, help="due reminders to send (default 2000)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="worker processes (default 1 2)")
    parser.add_argument("--broker", default=os.environ.get("BENCH_CELERY_BROKER_URL", "redis://127.0.0.1:6379/11"),
                        help="Redis for Celery (default redis://127.0.0.1:6379/11; flushed)")
    parser.add_argument("--timeout", type=int, default=900, help="seconds to wait for one run (default 900)")
    return parser.parse_args()


def broker_ready(url):
    """Whether Redis answers at ``url`` (its database, this benchmark's own, is flushed)."""
    import redis  # noqa: PLC0415

    parsed = urlparse(url)
    if parsed.scheme != "redis" or not parsed.path.strip("/").isdigit():
        raise SystemExit(f"--broker must name a Redis database number, e.g. redis://127.0.0.1:6379/11 (got {url})")
    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        print(f"tick_workers: skipped, Redis does not answer at {url} ({exc})")
        return False
    client.flushdb()  # only this benchmark's database number
    return True


def start_worker(concurrency, broker, database_url):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "SANDBOX_DEBUG": "0",
        "SANDBOX_LOG_LEVEL": "WARNING",
    }
    celery = str(Path(sys.executable).with_name("celery"))
    command = [celery, "-A", "sandbox", "worker", "-c", str(concurrency), "-P", "prefork", "-l", "WARNING",
               "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"bench{concurrency}@%h"]
    log = open(_common.REPO_ROOT / "var" / "bench" / f"worker-{concurrency}.log", "w")  # noqa: SIM115
    process = subprocess.Popen(command, cwd=_common.REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    process.log = log
    return process


def stop_worker(process):
    """Warm shutdown of the worker's process group (started here), then a kill if it lingers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
    process.log.close()


def wait_ready(app, process, name, timeout=120):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise SystemExit(f"the worker exited ({process.returncode}): see var/bench/worker-*.log")
        replies = app.control.ping(destination=[name], timeout=1.0) or []
        if replies:
            return time.monotonic() - started
    raise SystemExit("the worker did not answer within two minutes")


def reset(ids):
    from mandatory_assignments.models import Delivery  # noqa: PLC0415

    Delivery.objects.filter(pk__in=ids).update(state=Delivery.PENDING, worker_token="", sent_at=None, message_uuid="",
                                               email="", attempts=0, lease_until=None)


def run(app, ids, now, size, timeout):
    from mandatory_assignments.models import Delivery  # noqa: PLC0415

    chunks = [ids[start : start + size] for start in range(0, len(ids), size)]
    started = time.perf_counter()
    for chunk in chunks:
        app.send_task(SEND_TASK, args=[chunk, now.isoformat()])
    sent = 0
    while sent < len(ids):
        if time.perf_counter() - started > timeout:
            raise SystemExit(f"only {sent} of {len(ids)} sent after {timeout} s")
        time.sleep(0.2)
        sent = Delivery.objects.filter(state=Delivery.SENT, message="reminder").count()
    return time.perf_counter() - started


def main():
    args = parse_args()
    url = _common.database_url(NAME, args.database_url)
    if not broker_ready(args.broker):
        return
    _common.setup(url)
    from celery import Celery  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from mandatory_assignments import scheduler  # noqa: PLC0415
    from mandatory_assignments.conf import setting  # noqa: PLC0415

    report = _common.Report(NAME, args)
    report.begin(f"{args.emails:,} reminder emails sent by {' and '.join(map(str, args.workers))} Celery worker "
                 f"processes on Redis ({args.broker})")
    app = Celery("bench", broker=args.broker)
    rows = []
    try:
        now = timezone.now()
        _seed.seed_due_reminders(args.emails, COURSE, now, "w")
        ids, skipped = scheduler.claim_due_reminders(now)
        if len(ids) != args.emails or skipped:
            raise SystemExit(f"claimed {len(ids)}, skipped {skipped}")
        connection.close()  # the workers write the same database
        for count in args.workers:
            reset(ids)
            connection.close()
            process = start_worker(count, args.broker, url)
            try:
                ready = wait_ready(app, process, f"bench{count}@{os.uname().nodename}")
                seconds = run(app, ids, now, setting("SEND_CHUNK_SIZE"), args.timeout)
            finally:
                stop_worker(process)
            rows.append({"workers": count, "emails": len(ids), "s": seconds, "emails_per_s": len(ids) / seconds,
                         "ms_per_email": 1000 * seconds / len(ids), "worker_start_s": ready})
            print(f"  {count} worker process(es): {seconds:.1f} s, {len(ids) / seconds:.0f} emails/s "
                  f"(ready after {ready:.1f} s)")
        base = rows[0]
        for row in rows:
            row["x_one"] = row["emails_per_s"] / base["emails_per_s"]
            row["minutes_100k"] = 100000 / row["emails_per_s"] / 60
        report.table(
            f"throughput of the send with Celery worker processes (prefork) on Redis, {os.cpu_count()} CPUs",
            [("workers", "worker processes", "d"), ("emails", "emails", ",d"), ("s", "s", ".1f"),
             ("emails_per_s", "emails/s", ".0f"), ("x_one", f"× {base['workers']} worker", ".2f"),
             ("ms_per_email", "ms/email", ".2f"), ("minutes_100k", "min for 100,000", ".1f")],
            rows,
            note="first hand-over to the broker → last delivery marked sent, polled every 0.2 s; the workers "
                 "start before and are not counted.",
        )
        if len(rows) > 1:
            report.check("throughput grows with worker processes",
                         ", ".join(f"{row['workers']}: {row['emails_per_s']:.0f}/s" for row in rows),
                         rows[-1]["emails_per_s"] > rows[0]["emails_per_s"] * 1.1)
        report.note(f"measured on {os.cpu_count()} CPUs shared with the benchmark's own process and the database; "
                    "more workers than CPUs add nothing here")
    finally:
        connection.close()
        if not args.keep_db:
            _common.drop_database(url)
    report.write()


if __name__ == "__main__":
    main()
