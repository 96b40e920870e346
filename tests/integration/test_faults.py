"""
Fault tests (issue 10): exactly-once sending and a resumable bulk assignment under the faults a production
LMS meets — a Celery worker SIGKILLed mid-run, the mail server refusing connections or answering 421 for a
while, two ticks and two workers racing, MariaDB killed during a tick.

Each test runs its own Celery workers (subprocesses, no beat, on a Redis database of their own) and runs
each tick itself as the management command ``mandatory_assignments_tick``, in a subprocess whose send
tasks go to Redis. A tick run with ``--now`` a few seconds ahead of the clock stands for a later tick: it
finds the leases that ran out by then without the test sleeping through them. It stays less than a lease
ahead, so it never takes a delivery from a live worker that is still sending it (that would be a lease
shorter than a chunk's sending, a misconfiguration, not a fault).

What a SIGKILL cannot be made safe against: a worker killed after the mail server answered 250 to its
message and before the plugin wrote "sent" (see ``delivery.py``) — no SMTP client can know whether that
message went out, so exactly-once over SMTP holds everywhere except in that window. The test kills the
worker while its messages are still in the server's hands (the server holds its final reply to the DATA
of each message, as a slow mail server does, then answers 451 and keeps nothing), so that the kill lands
on the same side of that window in every run.
"""

import datetime
import threading
import time
from collections import Counter
from unittest import mock

import pytest
import redis
from common.djangoapps.student.models import UserProfile
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from mandatory_assignments import api, outbox
from mandatory_assignments.models import Assignment, AuditEntry, BulkJob, Delivery, Reminder
from sandbox import controls

from .conftest import (
    BrokerTicks,
    Stalled,
    kill_worker,
    launch_worker,
    redis_url_for,
    run_tick,
    seed_due_reminders,
    service_env,
    start_tick,
    tick_counts,
    wait_until,
    worker_database_url,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

COURSE = "course-v1:FaultX+Drill101+2026"
COURSE_NAME = "Fault Drill"
EMAILS = 10_000
BULK_PEOPLE = 20_000
LEASE = 20  # seconds: the delivery lease of these tests' workers and ticks (and so the longest backoff)
AHEAD = datetime.timedelta(seconds=LEASE // 2)  # how far ahead of the clock a "later" tick runs


def report(name, **figures):
    """One line of what the test measured (shown with ``-rA`` or on failure)."""
    print(f"[{name}] " + ", ".join(f"{key}={value}" for key, value in figures.items()))  # noqa: T201


def fresh_redis(database):
    url = redis_url_for(database)
    redis.Redis.from_url(url).flushdb()
    return url


def reminder_states():
    return Counter(Delivery.objects.filter(message="reminder").values_list("state", flat=True))


def failed_attempts(*logs):
    return sum(log.count("failed, will retry") + log.count("was not confirmed by edx-ace") for log in logs)


# 1. 10,000 reminders ------------------------------------------------------------------------------------


def test_ten_thousand_reminders_arrive_once_through_kill_outage_and_races(counting_smtp, workers, tmp_path, settings):
    settings.MANDATORY_ASSIGNMENTS_DELIVERY_LEASE_SECONDS = LEASE  # the ticks run here
    started = time.monotonic()
    controls.create_course(COURSE, display_name=COURSE_NAME)
    now = timezone.now()
    emails = seed_due_reminders(
        EMAILS,
        prefix="fault",
        course_key=COURSE,
        due_date=(now + datetime.timedelta(days=30)).date(),
        fire_at=now - datetime.timedelta(minutes=1),
        assigned_at=now - datetime.timedelta(days=1),
    )
    seeded = time.monotonic()
    env = service_env(
        database_url=worker_database_url(), redis_url=fresh_redis(12), smtp_port=counting_smtp.port, lease=LEASE
    )
    first = launch_worker(tmp_path, "first", env)

    # Two ticks racing for the same 10,000 due reminders: each claimed once, by one of them.
    racing = [start_tick(env), start_tick(env)]
    claims = [tick_counts(process) for process in racing]
    assert sum(counts["reminders_claimed"] for counts in claims) == EMAILS, claims
    assert Delivery.objects.filter(message="reminder").count() == EMAILS

    # SIGKILL mid-run: once a quarter has arrived, the server holds its replies until both of the worker's
    # processes wait on one (in DATA), and the whole worker is killed.
    wait_until(lambda: counting_smtp.total() >= EMAILS // 4, 180, "a quarter of the emails", worker=first)
    counting_smtp.hold()
    wait_until(lambda: counting_smtp.held >= 2, 30, "both worker processes waiting on the mail server")
    kill_worker(first)
    at_kill = counting_smtp.total()
    held = counting_smtp.held

    # The mail server goes away (connections refused) and the worker is restarted: its sends fail and the
    # failed deliveries are released with a backoff.
    counting_smtp.stop()
    second = launch_worker(tmp_path, "second", env)
    wait_until(lambda: failed_attempts(second.log()) >= 200, 60, "sends refused while SMTP is down", worker=second)
    time.sleep(3)
    refused = failed_attempts(second.log())
    # Back, answering 421 (service not available) for a while, then accepting.
    counting_smtp.mode = "421"
    counting_smtp.start()
    wait_until(lambda: counting_smtp.refused_421 >= 100, 60, "421 answers", worker=second)
    time.sleep(2)
    counting_smtp.mode = "ok"
    outage_over = time.monotonic()

    # A second worker races the first for the queued chunks and the retries; pairs of ticks run "later"
    # (within a lease of the clock) until every lease that ran out was taken over and nothing is pending.
    third = launch_worker(tmp_path, "third", env)
    ticks = BrokerTicks(env["CELERY_BROKER_URL"])
    tick_pairs = 0
    retried = 0

    stalled = Stalled(counting_smtp.total, 2)

    def finished():
        nonlocal tick_pairs, retried
        if counting_smtp.total() >= EMAILS and not reminder_states().get("pending"):
            return True
        if not stalled():  # emails still arriving: the queue and the Celery retries are at work
            return False
        pair = ticks.race(timezone.now() + AHEAD)
        retried += sum(counts["deliveries_retried"] for counts in pair)
        tick_pairs += 1
        return False

    try:
        wait_until(finished, 240, "every reminder sent", worker=second, interval=0.5)
        # Nothing more may arrive: the Celery retries still waiting, and one more pair of ticks a lease on.
        final = ticks.race(timezone.now() + datetime.timedelta(seconds=2 * LEASE))
    finally:
        ticks.close()
    time.sleep(LEASE // 2)
    second.check_alive()
    third.check_alive()

    received = Counter(recipient for recipient, _subject in counting_smtp.counts)
    assert counting_smtp.duplicates() == {}
    assert received == Counter(emails), "every recipient exactly one email"
    assert counting_smtp.total() == EMAILS
    assert all(subject.startswith("Reminder") and COURSE_NAME in subject for _r, subject in counting_smtp.counts)
    assert sum(counts["deliveries_retried"] for counts in final) == 0
    assert sum(counts["reminders_claimed"] for counts in final) == 0

    # The records agree: every reminder delivery sent, to its address, with its message id; none left.
    assert reminder_states() == Counter({"sent": EMAILS})
    sent = Delivery.objects.filter(message="reminder", state="sent")
    assert sorted(sent.values_list("email", flat=True)) == sorted(emails)
    assert not sent.filter(message_uuid="").exists()
    assert not sent.filter(sent_at__isnull=True).exists()
    assert not Reminder.objects.filter(fire_at__isnull=False).exists()
    retried_rows = sent.filter(attempts__gte=2).count()
    assert retried_rows >= refused // 2  # the refused and 421'd ones were sent on a later attempt
    report(
        "reminders",
        emails_received=counting_smtp.total(),
        recipients=len(received),
        duplicates=len(counting_smtp.duplicates()),
        received_before_kill=at_kill,
        held_at_kill=held,
        refused_attempts=refused,
        answered_421=counting_smtp.refused_421,
        sent_after_retry=retried_rows,
        leases_taken_over=retried,
        later_tick_pairs=tick_pairs,
        seed_s=round(seeded - started, 1),
        after_outage_s=round(time.monotonic() - outage_over, 1),
        total_s=round(time.monotonic() - started, 1),
    )


# 2. A bulk assignment of 20,000 ----------------------------------------------------------------------------


def bulk_people(count, prefix):
    User = get_user_model()
    User.objects.bulk_create(
        [
            User(username=f"{prefix}{number:05d}", email=f"{prefix}{number:05d}@example.com", password="!x")
            for number in range(count)
        ],
        batch_size=2000,
    )
    people = list(User.objects.filter(username__startswith=prefix).order_by("id"))
    UserProfile.objects.bulk_create(
        [UserProfile(user=person, name=f"Bulk {person.username}") for person in people], batch_size=2000
    )
    return people


def start_job(people, staff, due_date):
    """``api.start_bulk_assign``, its Celery task not run here (the test hands it to a worker)."""
    with mock.patch.object(outbox, "queue"):
        return api.start_bulk_assign(
            users=people,
            target=COURSE,
            due_date=due_date,
            assigned_by=staff,
            reminders=[{"days": 3, "recipient": "student"}],
        )


def send_job_task(redis_url, task_id, queue):
    from celery import Celery

    app = Celery("faults", broker=redis_url)
    try:
        app.send_task("mandatory_assignments.tasks.run_bulk_job", args=[task_id], queue=queue)
    finally:
        app.close()


def enrollment_count(course_key):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*), COUNT(DISTINCT user_id), SUM(is_active) FROM student_courseenrollment"
            " WHERE course_id = %s",
            [course_key],
        )
        return cursor.fetchone()


def test_bulk_assignment_killed_halfway_is_finished_by_a_rerun(workers, tmp_path):
    started = time.monotonic()
    controls.create_course(COURSE, display_name=COURSE_NAME)
    staff = controls.create_user("fault_staff", email="fault-staff@example.com")
    controls.make_course_staff(staff, COURSE)
    people = bulk_people(BULK_PEOPLE, "bulk")
    due_date = (timezone.now() + datetime.timedelta(days=30)).date()
    job = start_job(people, staff, due_date)
    assert job.total == BULK_PEOPLE
    planned = time.monotonic()

    # Only the bulk job's queue: the "assigned" notices its chunks queue wait in the default queue.
    redis_url = fresh_redis(11)
    env = service_env(database_url=worker_database_url(), redis_url=redis_url, lease=LEASE)
    first = launch_worker(tmp_path, "bulk-first", env, concurrency=1, queues="faults_bulk")
    send_job_task(redis_url, job.task_id, "faults_bulk")

    def done():
        state, count = BulkJob.objects.filter(pk=job.pk).values_list("state", "done").first()
        assert state != "FAILURE", "the bulk job failed"
        return count

    wait_until(lambda: done() >= BULK_PEOPLE // 2, 300, "half of the bulk job", worker=first)
    kill_worker(first)
    killed = time.monotonic()
    job.refresh_from_db()
    assert job.state == "STARTED"
    done_at_kill = job.done
    assert done_at_kill < BULK_PEOPLE
    created_at_kill = Assignment.objects.filter(target_key=COURSE).count()

    # Re-run: the restarted worker runs the job's task again (as the broker redelivers an unacknowledged
    # task, or as an operator re-queues it).
    second = launch_worker(tmp_path, "bulk-second", env, concurrency=1, queues="faults_bulk")
    send_job_task(redis_url, job.task_id, "faults_bulk")
    wait_until(
        lambda: BulkJob.objects.filter(pk=job.pk, state="SUCCESS").exists(), 300, "the re-run to finish", worker=second
    )
    rerun_seconds = time.monotonic() - killed

    job.refresh_from_db()
    assignments = Assignment.objects.filter(target_key=COURSE)
    assert assignments.count() == BULK_PEOPLE
    assert assignments.values("user_id").distinct().count() == BULK_PEOPLE
    assert enrollment_count(COURSE) == (BULK_PEOPLE, BULK_PEOPLE, BULK_PEOPLE)
    assert Reminder.objects.filter(assignment__target_key=COURSE).count() == BULK_PEOPLE
    assert AuditEntry.objects.filter(target_key=COURSE, action=AuditEntry.CREATED).count() == BULK_PEOPLE
    notices = Delivery.objects.filter(target_key=COURSE, message="assigned")
    assert notices.count() == BULK_PEOPLE
    assert notices.values("assignment_id").distinct().count() == BULK_PEOPLE
    # The job's counts add up: everyone created by this job, once, by one run or the other.
    created_ids = [entry["id"] for entry in job.created_users]
    assert (job.total, job.done) == (BULK_PEOPLE, BULK_PEOPLE)
    assert len(created_ids) == len(set(created_ids)) == BULK_PEOPLE
    assert set(created_ids) == {person.pk for person in people}
    assert (job.skipped, job.failed) == ([], [])
    report(
        "bulk",
        people=BULK_PEOPLE,
        done_at_kill=done_at_kill,
        assignments_at_kill=created_at_kill,
        assignments=assignments.count(),
        enrollments=enrollment_count(COURSE)[0],
        duplicates=0,
        plan_s=round(planned - started, 1),
        rerun_s=round(rerun_seconds, 1),
        total_s=round(time.monotonic() - started, 1),
    )


# The record of a sent email under a lock ---------------------------------------------------------------


def test_a_sent_email_waits_out_a_locked_row_instead_of_being_sent_again(settings):
    """
    Found by the 10,000-email run: a tick re-leasing rows deadlocked with a worker's "sent" write, the write
    failed after the mail server had taken the email, the row stayed pending and the email went out twice.
    Here the row is locked by another connection from the moment the email is handed over until after
    the worker's first write has given up (lock wait timeout): the write is retried, the email sent once.
    """
    import MySQLdb
    from django.core import mail
    from django.core.mail.backends import locmem

    from mandatory_assignments import delivery

    settings.MANDATORY_ASSIGNMENTS_DELIVERY_LEASE_SECONDS = LEASE
    controls.create_course(COURSE, display_name=COURSE_NAME)
    now = timezone.now()
    seed_due_reminders(
        1,
        prefix="locked",
        course_key=COURSE,
        due_date=(now + datetime.timedelta(days=30)).date(),
        fire_at=now - datetime.timedelta(minutes=1),
        assigned_at=now - datetime.timedelta(days=1),
    )
    assignment = Assignment.objects.get(user__username="locked00000")
    [row_id] = delivery.claim(
        [
            Delivery(
                assignment=assignment,
                user_id=assignment.user_id,
                target_key=COURSE,
                target_type="course",
                message="reminder",
                cycle=1,
                reminder_days=5,
                recipient_kind="student",
                recipient_id=assignment.user_id,
                due_date=assignment.due_date,
            )
        ],
        now,
    )
    with connection.cursor() as cursor:
        cursor.execute("SET SESSION innodb_lock_wait_timeout = 1")
    database = connection.settings_dict
    locker = MySQLdb.connect(
        host=database.get("HOST") or "127.0.0.1",
        port=int(database.get("PORT") or 3306),
        user=database.get("USER") or "root",
        password=database.get("PASSWORD") or "",
        database=database["NAME"],
    )
    original = locmem.EmailBackend.send_messages
    timers = []

    def send_then_lock(self, messages):
        sent = original(self, messages)
        cursor = locker.cursor()
        cursor.execute("SELECT id FROM mandatory_assignments_delivery WHERE id = %s FOR UPDATE", [row_id])
        timers.append(threading.Timer(2.5, locker.rollback))
        timers[-1].start()
        return sent

    mail.outbox.clear()
    try:
        with mock.patch.object(locmem.EmailBackend, "send_messages", send_then_lock):
            outcome = delivery.send([row_id])
    finally:
        for timer in timers:
            timer.join()
        locker.close()
    assert outcome == (1, 0, [])
    assert [message.to for message in mail.outbox] == [[assignment.user.email]]
    row = Delivery.objects.get(pk=row_id)
    assert (row.state, row.attempts, row.email) == ("sent", 1, assignment.user.email)


class Killed(BaseException):
    """A worker's death where Python still runs: nothing of the job's own error handling runs."""


def test_a_bulk_job_dying_between_a_chunk_and_its_progress_counts_that_chunk_as_created(monkeypatch):
    """
    The window a SIGKILL can hit: a chunk's assignments committed, the job's progress not yet written.
    A re-run must count that chunk's people as created by the job, not as skipped ("already assigned").
    """
    from mandatory_assignments import bulk

    controls.create_course(COURSE, display_name=COURSE_NAME)
    staff = controls.create_user("staff_of_the_window", email="window-staff@example.com")
    controls.make_course_staff(staff, COURSE)
    people = bulk_people(30, "window")
    job = start_job(people, staff, (timezone.now() + datetime.timedelta(days=30)).date())
    monkeypatch.setattr(bulk, "BULK_CHUNK_SIZE", 10)
    monkeypatch.setattr(outbox, "queue", lambda *args: None)  # the notices stay recorded, unsent
    real_bulk_assign = bulk.bulk_assign
    chunks = []

    def dies_after_the_second_chunk(**kwargs):
        result = real_bulk_assign(**kwargs)
        chunks.append(result)
        if len(chunks) == 2:
            raise Killed
        return result

    monkeypatch.setattr(bulk, "bulk_assign", dies_after_the_second_chunk)
    with pytest.raises(Killed):
        api.run_bulk_job(job.task_id)
    monkeypatch.setattr(bulk, "bulk_assign", real_bulk_assign)
    job.refresh_from_db()
    assert job.state == "STARTED"
    assert Assignment.objects.filter(target_key=COURSE).count() in (10, 20)  # what the death left

    api.run_bulk_job(job.task_id)  # the re-run
    job.refresh_from_db()
    assert Assignment.objects.filter(target_key=COURSE).count() == 30
    assert (job.state, job.total, job.done) == ("SUCCESS", 30, 30)
    assert sorted(entry["id"] for entry in job.created_users) == sorted(person.pk for person in people)
    assert (job.skipped, job.failed) == ([], [])


# 3. MariaDB killed during a tick -----------------------------------------------------------------------

PRIVATE_EMAILS = 6_000  # three of the tick's batches of 2,000


def test_mariadb_killed_during_a_tick_and_while_sending_nothing_doubled(
    private_mariadb, counting_smtp, workers, tmp_path
):
    """
    On a MariaDB server of its own (the shared one on 3306 is never touched): SIGKILLed during a tick's
    claims (after its first batch committed), restarted (crash recovery); the next tick claims the rest
    and, once the lease of the first batch ran out, hands that batch out again. Then SIGKILLed again while
    the worker sends, and restarted: the email in flight is recorded once the server is back.
    """
    import MySQLdb

    started = time.monotonic()
    controls.create_course(COURSE, display_name=COURSE_NAME)
    now = timezone.now()
    emails = seed_due_reminders(
        PRIVATE_EMAILS,
        prefix="crash",
        course_key=COURSE,
        due_date=(now + datetime.timedelta(days=30)).date(),
        fire_at=now - datetime.timedelta(minutes=1),
        assigned_at=now - datetime.timedelta(days=1),
    )
    private_mariadb.copy_database(connection.settings_dict, "faults_private")
    copied = time.monotonic()
    env = service_env(
        database_url=private_mariadb.url("faults_private"),
        redis_url=fresh_redis(10),
        smtp_port=counting_smtp.port,
        lease=LEASE,
    )

    def count(sql):
        """One number from the private server, or ``None`` while it is down."""
        try:
            db = MySQLdb.connect(host="127.0.0.1", port=private_mariadb.port, user="root", database="faults_private")
        except MySQLdb.OperationalError:
            return None
        try:
            cursor = db.cursor()
            cursor.execute(sql)
            return int(cursor.fetchone()[0] or 0)
        finally:
            db.close()

    claimed_sql = "SELECT COUNT(*) FROM mandatory_assignments_delivery WHERE message = 'reminder'"
    assert count(claimed_sql) == 0

    # Killed during the tick: once its first batch of claims has committed.
    tick = start_tick(env)
    wait_until(
        lambda: (count(claimed_sql) or 0) > 0 or tick.poll() is not None, 120, "the tick's first batch", interval=0.02
    )
    private_mariadb.kill()
    killed_tick = tick_counts(tick, check=False)
    assert tick.returncode != 0, "the tick ended before the server was killed"
    private_mariadb.start()
    claimed_before = count(claimed_sql)
    assert 0 < claimed_before < PRIVATE_EMAILS
    assert count("SELECT COUNT(*) FROM mandatory_assignments_reminder WHERE fire_at IS NULL") == claimed_before

    worker = launch_worker(tmp_path, "private", env)
    # The next tick, once the first batch's lease ran out (nothing was sending it: the tick died before
    # handing it to Celery): the rest claimed, the first batch handed out again.
    after = run_tick(env, timezone.now() + datetime.timedelta(seconds=LEASE + 1))
    assert after["reminders_claimed"] == PRIVATE_EMAILS - claimed_before
    assert after["deliveries_retried"] == claimed_before

    # Killed again while the worker sends; restarted after a few seconds.
    wait_until(lambda: counting_smtp.total() >= PRIVATE_EMAILS // 3, 240, "a third of the emails", worker=worker)
    private_mariadb.kill()
    at_second_kill = counting_smtp.total()
    time.sleep(2)
    private_mariadb.start()
    restarted = time.monotonic()

    stalled = Stalled(counting_smtp.total, 3)
    later_ticks = 0

    def finished():
        nonlocal later_ticks
        pending_sql = "SELECT COUNT(*) FROM mandatory_assignments_delivery WHERE state = 'pending'"
        if counting_smtp.total() >= PRIVATE_EMAILS and count(pending_sql) == 0:
            return True
        if stalled():  # nothing arriving: the rest waits for its lease to run out and a tick
            run_tick(env, timezone.now() + AHEAD)
            later_ticks += 1
        return False

    wait_until(finished, 240, "every reminder sent after the restarts", worker=worker, interval=0.5)
    final = run_tick(env, timezone.now() + datetime.timedelta(seconds=2 * LEASE))
    time.sleep(3)

    assert counting_smtp.duplicates() == {}
    assert Counter(recipient for recipient, _subject in counting_smtp.counts) == Counter(emails)
    assert (final["reminders_claimed"], final["deliveries_retried"]) == (0, 0)
    assert count(claimed_sql) == PRIVATE_EMAILS
    assert count(
        "SELECT COUNT(*) FROM mandatory_assignments_delivery WHERE message = 'reminder' AND state = 'sent'"
    ) == (PRIVATE_EMAILS)
    assert count(
        "SELECT COUNT(DISTINCT assignment_id) FROM mandatory_assignments_delivery WHERE message = 'reminder'"
    ) == (PRIVATE_EMAILS)
    assert count("SELECT COUNT(*) FROM mandatory_assignments_reminder WHERE fire_at IS NOT NULL") == 0
    report(
        "mariadb",
        emails_received=counting_smtp.total(),
        duplicates=0,
        claimed_before_first_kill=claimed_before,
        killed_tick_exit=tick.returncode,
        killed_tick_counts=killed_tick or "none printed",
        received_before_second_kill=at_second_kill,
        recorded_after_reconnect=worker.log().count("Recording a sent email failed"),
        later_ticks=later_ticks,
        copy_s=round(copied - started, 1),
        after_restart_s=round(time.monotonic() - restarted, 1),
        total_s=round(time.monotonic() - started, 1),
    )
