"""
The services of the end-to-end tests: MariaDB (the test database), Redis (the Celery broker), a real SMTP
server on loopback (aiosmtpd) and a Celery worker with beat running the sandbox in subprocesses.

``make test-integration`` runs them with ``DATABASE_URL=mysql://root@127.0.0.1:3306/<name>``; pytest-django
creates ``test_<name>``, and the worker is pointed at that same test database. When a service is missing,
the tests are skipped with the reason — except under CI (``CI=true``), where that is a failure.
"""

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlparse

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# A Redis database of its own, flushed before the worker starts.
REDIS_URL = os.environ.get("INTEGRATION_REDIS_URL", "redis://127.0.0.1:6379/13")
TICK_SECONDS = 2
LEASE_SECONDS = 5
READY_TIMEOUT = 90
IN_CI = os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")
# Celery's line for each tick task the worker receives (the tick's own summary is logged at DEBUG when it did
# nothing, which the worker's INFO logging drops). Beat sends one every TICK_SECONDS and an idle tick takes
# milliseconds: when the next one is received, the previous one has finished.
TICK_LOG_LINE = "Task mandatory_assignments.tasks.tick["
LOG_TAIL_LINES = 150

_problem = []  # the services check, done once per session


# Services ---------------------------------------------------------------------------------------


def _listening(host, port):
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except OSError:
        return False


def _services_problem():
    """Why the end-to-end tests cannot run here, or ``None``."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if not database["ENGINE"].endswith("mysql"):
        return (
            "the integration tests need MariaDB/MySQL: run them with "
            "DATABASE_URL=mysql://root@127.0.0.1:3306/<name> (make test-integration does)"
        )
    host, port = database.get("HOST") or "127.0.0.1", database.get("PORT") or 3306
    if not _listening(host, port):
        return f"MariaDB/MySQL is not reachable at {host}:{port}"
    if getattr(settings, "CELERY_BROKER_URL", None):
        return "CELERY_BROKER_URL must not be set in the test process (its tasks run eagerly; the worker uses Redis)"
    redis_url = urlparse(REDIS_URL)
    if not _listening(redis_url.hostname or "127.0.0.1", redis_url.port or 6379):
        return f"Redis is not reachable at {redis_url.hostname}:{redis_url.port or 6379}"
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=5).ping()
    except Exception as exc:  # noqa: BLE001 -- any failure means: no usable broker
        return f"Redis at {REDIS_URL} does not answer: {exc}"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Skip (or under CI fail) before pytest-django touches the database, when a service is missing."""
    if item.get_closest_marker("integration") is None:
        return
    if not _problem:
        _problem.append(_services_problem())
    if _problem[0]:
        if IN_CI:
            pytest.fail(f"CI=true and {_problem[0]}", pytrace=False)
        pytest.skip(_problem[0])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failure, show the tail of the worker's log under the test's report."""
    report = yield
    if report.failed:
        worker = _WORKERS[-1] if _WORKERS else None
        if worker is not None:
            title = f"celery worker log (last {LOG_TAIL_LINES} lines of {worker.log_path})"
            report.sections.append((title, worker.tail()))
    return report


# SMTP -----------------------------------------------------------------------------------------------


def free_port():
    """A free loopback port (aiosmtpd's start-up self-check cannot work with port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """A real SMTP server on loopback keeping every message it accepts; it can stop and restart on the same port."""

    def __init__(self):
        self.port = free_port()
        self.messages = []
        self._lock = threading.Lock()
        self._controller = None

    @property
    def running(self):
        return self._controller is not None

    def start(self):
        from aiosmtpd.controller import Controller

        server = self

        class Collector:
            async def handle_DATA(self, smtp, session, envelope):  # noqa: N802 (aiosmtpd's name)
                raw = envelope.original_content or envelope.content
                parsed = email.message_from_bytes(raw, policy=email.policy.default)
                with server._lock:
                    server.messages.append(
                        {
                            "from": envelope.mail_from,
                            "to": list(envelope.rcpt_tos),
                            "subject": str(parsed["subject"]),
                            "message": parsed,
                        }
                    )
                return "250 OK"

        controller = Controller(Collector(), hostname="127.0.0.1", port=self.port)
        controller.start()
        self._controller = controller

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def received(self, address=None):
        with self._lock:
            return [message for message in self.messages if address is None or address in message["to"]]

    def clear(self):
        with self._lock:
            self.messages.clear()


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    """The session's SMTP server, emptied, and running again after the test whatever it did."""
    if not smtp_server.running:
        smtp_server.start()
    smtp_server.clear()
    yield smtp_server
    if not smtp_server.running:
        smtp_server.start()


# The Celery worker ------------------------------------------------------------------------------------

_WORKERS = []


class Worker:
    """``celery -A sandbox worker --beat`` in its own process group, logging to a file."""

    def __init__(self, log_path, process):
        self.log_path = log_path
        self.process = process

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def tail(self, lines=LOG_TAIL_LINES):
        return "\n".join(self.log().splitlines()[-lines:])

    def ticks(self):
        """How many ticks the worker has finished so far: those received, but the latest."""
        return max(self.log().count(TICK_LOG_LINE) - 1, 0)

    def check_alive(self):
        if self.process.poll() is not None:
            raise AssertionError(f"the Celery worker exited with {self.process.returncode}:\n{self.tail()}")

    def wait_for_ticks(self, count, timeout=60):
        """Wait until ``count`` more ticks have finished."""
        target = self.ticks() + count
        wait_until(lambda: self.ticks() >= target, timeout, f"{count} more ticks of the worker", worker=self)

    def stop(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass
        # The prefork children and beat share the group: make sure none outlives the worker.
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Stalled:
    """True once ``progress()`` has not changed for ``seconds`` (then it starts counting again)."""

    def __init__(self, progress, seconds):
        self.progress, self.seconds = progress, seconds
        self.last, self.since = None, time.monotonic()

    def __call__(self):
        value = self.progress()
        if value != self.last:
            self.last, self.since = value, time.monotonic()
            return False
        if time.monotonic() - self.since >= self.seconds:
            self.since = time.monotonic()
            return True
        return False


def wait_until(condition, timeout, what, worker=None, interval=0.25):
    """Poll ``condition`` until it is true; fail after ``timeout`` seconds, naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if worker is not None:
            worker.check_alive()
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def _database_url(settings_dict):
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 3306
    return f"mysql://{credentials}{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


@pytest.fixture(scope="session")
def worker(django_db_setup, smtp_server, tmp_path_factory):
    """
    A Celery worker with embedded beat on the test database (created by ``django_db_setup``), with a
    tick every TICK_SECONDS, a delivery lease of LEASE_SECONDS and SMTP to ``smtp_server``.
    """
    import redis
    from django.db import connection

    test_database_url = _database_url(connection.settings_dict)  # NAME is test_<name> by now
    assert urlparse(test_database_url).path.lstrip("/").startswith("test_"), test_database_url
    redis.Redis.from_url(REDIS_URL).flushdb()

    directory = tmp_path_factory.mktemp("celery")
    log_path = directory / "worker.log"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "DATABASE_URL": test_database_url,
        "CELERY_BROKER_URL": REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_server.port),
        "MANDATORY_ASSIGNMENTS_TICK_SECONDS": str(TICK_SECONDS),
        "MANDATORY_ASSIGNMENTS_DELIVERY_LEASE_SECONDS": str(LEASE_SECONDS),
        "SANDBOX_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "sandbox",
        "worker",
        "--beat",
        "-l",
        "info",
        "--concurrency",
        "2",
        "-s",
        str(directory / "beat-schedule"),
        "-n",
        f"integration-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(  # noqa: S603 -- our own command line
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started = Worker(log_path, process)
    _WORKERS.append(started)
    try:
        # Ready, and the beat-driven tick has run against the test database at least once.
        wait_until(
            lambda: " ready." in started.log() and started.ticks() >= 1,
            READY_TIMEOUT,
            "the Celery worker to start and run its first tick",
            worker=started,
        )
    except BaseException as exc:
        tail = started.tail()
        started.stop()
        _WORKERS.remove(started)
        raise AssertionError(f"{exc}\n--- worker log ({log_path}) ---\n{tail}") from exc
    yield started
    started.stop()
    _WORKERS.remove(started)


# Fault tests (test_faults.py) ---------------------------------------------------------------------------
#
# Their own Celery workers (no beat: the test runs each tick, as the management command with ``--now``),
# each on a Redis database of its own, a counting SMTP server that can refuse, answer 421 or hold its
# replies, and a private MariaDB server that may be killed (never the shared one on 3306).


def redis_url_for(database):
    """``REDIS_URL`` with another database number (each fault test its own: no task crosses over)."""
    parsed = urlparse(REDIS_URL)
    return parsed._replace(path=f"/{database}").geturl()


def worker_database_url():
    from django.db import connection

    url = _database_url(connection.settings_dict)
    assert urlparse(url).path.lstrip("/").startswith("test_"), url
    return url


def service_env(*, database_url, redis_url, smtp_port=None, lease=LEASE_SECONDS, **extra):
    """The environment of a sandbox subprocess (worker or tick) on this database, broker and SMTP port."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        "DJANGO_SETTINGS_MODULE": "sandbox.settings",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port or 9),
        "MANDATORY_ASSIGNMENTS_DELIVERY_LEASE_SECONDS": str(lease),
        "SANDBOX_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
        **{name: str(value) for name, value in extra.items()},
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    return env


def launch_worker(directory, name, env, *, concurrency=2, queues=None):
    """A Celery worker without beat, in its own process group; returns once it is ready."""
    directory.mkdir(parents=True, exist_ok=True)
    log_path = directory / f"{name}.log"
    command = [
        sys.executable, "-m", "celery", "-A", "sandbox", "worker", "-l", "info",
        "--concurrency", str(concurrency), "-n", f"{name}-{os.getpid()}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat", "--prefetch-multiplier", "1",
    ]  # fmt: skip
    if queues:
        command += ["-Q", queues]
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(  # noqa: S603 -- our own command line
            command, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    started = Worker(log_path, process)
    _WORKERS.append(started)
    wait_until(lambda: started.log().count(" ready.") >= 1, READY_TIMEOUT, f"worker {name} to start", worker=started)
    return started


def kill_worker(started):
    """SIGKILL the worker's whole process group (main process and pool children): no shutdown at all."""
    try:
        os.killpg(started.process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    started.process.wait(timeout=10)
    if started in _WORKERS:
        _WORKERS.remove(started)


@pytest.fixture
def workers():
    """Workers a test launches with ``launch_worker``: all stopped (killed) after the test."""
    before = list(_WORKERS)
    yield
    for started in [item for item in _WORKERS if item not in before]:
        started.stop()
        _WORKERS.remove(started)


def start_tick(env, now=None):
    """``manage.py mandatory_assignments_tick [--now now]`` as a subprocess (its tasks go to the broker)."""
    command = [sys.executable, "manage.py", "mandatory_assignments_tick"]
    if now is not None:
        command += ["--now", now.isoformat()]
    return subprocess.Popen(  # noqa: S603 -- our own command line
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def tick_counts(process, timeout=180, check=True):
    """The counts a tick subprocess printed (``name: count`` lines); fails on a non-zero exit if ``check``."""
    out, err = process.communicate(timeout=timeout)
    if check and process.returncode != 0:
        raise AssertionError(f"tick exited with {process.returncode}:\n{out}\n{err[-4000:]}")
    counts = {}
    for line in out.splitlines():
        name, _sep, value = line.partition(": ")
        if value.strip().isdigit():
            counts[name.strip()] = int(value)
    return counts


def run_tick(env, now=None, timeout=180):
    return tick_counts(start_tick(env, now), timeout)


def redis_queue_lengths(redis_url):
    """Messages waiting in the default queue, and those delivered but not acknowledged (ETA retries too)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    return client.llen("celery"), client.hlen("unacked")


class CountingSmtp:
    """
    A real SMTP server on loopback that counts what it accepts per (recipient, subject), and can fail:
    ``stop()`` (connections refused), ``mode = "421"`` (MAIL answered 421 service not available, closing),
    ``mode = "hold"`` (each message's final reply held until ``release()``: the worker waits for the 250
    that tells it the server took the message; a held message is then answered 451 and not counted).
    """

    def __init__(self):
        self.port = free_port()
        self.counts = {}
        self.mode = "ok"
        self.held = 0
        self.refused_421 = 0
        self._lock = threading.Lock()
        self._controller = None
        self._release = None

    @property
    def running(self):
        return self._controller is not None

    def total(self):
        with self._lock:
            return sum(self.counts.values())

    def duplicates(self):
        with self._lock:
            return {key: count for key, count in self.counts.items() if count > 1}

    def start(self):
        import asyncio
        from email.parser import BytesHeaderParser

        from aiosmtpd.controller import Controller

        server = self
        parser = BytesHeaderParser(policy=email.policy.default)

        class Handler:
            async def handle_MAIL(self, smtp, session, envelope, address, mail_options):  # noqa: N802
                if server.mode == "421":
                    with server._lock:
                        server.refused_421 += 1
                    return "421 4.3.2 Service not available, closing transmission channel"
                envelope.mail_from = address
                envelope.mail_options.extend(mail_options)
                return "250 OK"

            async def handle_DATA(self, smtp, session, envelope):  # noqa: N802
                if server.mode == "hold":
                    with server._lock:
                        server.held += 1
                    if server._release is None:
                        server._release = asyncio.Event()
                    await server._release.wait()
                    return "451 4.3.0 Not taken: the transaction was aborted"
                headers = parser.parsebytes(envelope.original_content or envelope.content)
                subject = str(headers["subject"])
                with server._lock:
                    for recipient in envelope.rcpt_tos:
                        key = (recipient, subject)
                        server.counts[key] = server.counts.get(key, 0) + 1
                return "250 OK"

        controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        controller.start()
        self._controller = controller

    def hold(self):
        self.mode = "hold"

    def release(self):
        """Answer the held messages 451 (not taken) and accept again."""
        self.mode = "ok"
        event = self._release
        if event is not None and self._controller is not None:
            self._controller.loop.call_soon_threadsafe(event.set)
        self._release = None

    def stop(self):
        if self._controller is not None:
            self.release()
            self._controller.stop()
            self._controller = None


@pytest.fixture
def counting_smtp():
    server = CountingSmtp()
    server.start()
    yield server
    server.stop()


def seed_due_reminders(count, *, prefix, course_key, due_date, fire_at, assigned_at, tz_name="UTC"):
    """
    ``count`` people, each with an open assignment of ``course_key`` due on ``due_date`` and one reminder
    ("5 days before", to the learner) whose moment is ``fire_at``; their "assigned" notices sent — the rows
    an assignment leaves, written with one ``bulk_create`` a table. Returns the people's emails.
    """
    import zoneinfo

    from common.djangoapps.student.models import UserProfile
    from django.contrib.auth import get_user_model

    from mandatory_assignments import rules
    from mandatory_assignments.models import Assignment, Delivery, Reminder

    User = get_user_model()
    users = [
        User(
            username=f"{prefix}{number:05d}",
            email=f"{prefix}{number:05d}@example.com",
            first_name="Fault",
            last_name=f"Tester {number}",
            password="!unusable",
            is_active=True,
        )
        for number in range(count)
    ]
    User.objects.bulk_create(users, batch_size=2000)
    users = list(User.objects.filter(username__startswith=prefix).order_by("id"))
    UserProfile.objects.bulk_create(
        [UserProfile(user=user, name=user.get_full_name()) for user in users], batch_size=2000
    )
    deadline = rules.deadline_for(due_date, zoneinfo.ZoneInfo(tz_name))
    assignments = [
        Assignment(
            user=user,
            target_key=course_key,
            target_type="course",
            due_date=due_date,
            deadline=deadline,
            cycle=1,
            cycle_started_at=assigned_at,
        )
        for user in users
    ]
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    assignments = list(Assignment.objects.filter(user__username__startswith=prefix).order_by("id"))
    Reminder.objects.bulk_create(
        [Reminder(assignment=row, days=5, recipient="student", template="", fire_at=fire_at) for row in assignments],
        batch_size=2000,
    )
    Delivery.objects.bulk_create(
        [
            Delivery(
                assignment=row,
                user_id=row.user_id,
                target_key=course_key,
                target_type="course",
                message="assigned",
                cycle=1,
                recipient_kind="student",
                recipient_id=row.user_id,
                due_date=due_date,
                state=Delivery.SENT,
                sent_at=assigned_at,
                attempts=1,
            )
            for row in assignments
        ],
        batch_size=2000,
    )
    return [user.email for user in users]


# A private MariaDB server ------------------------------------------------------------------------------

MARIADBD = "/usr/sbin/mariadbd"


class PrivateMariaDB:
    """
    A ``mariadbd`` of this test alone: its own data directory (``mariadb-install-db``), port and socket,
    run as the current user. ``kill()`` is a SIGKILL (crash recovery at the next ``start()``).
    """

    def __init__(self, directory):
        self.directory = directory
        self.datadir = directory / "data"
        self.socket = directory / "mysqld.sock"
        self.port = free_port()
        self.process = None

    @staticmethod
    def problem():
        import shutil

        if not os.access(MARIADBD, os.X_OK):
            return f"{MARIADBD} is not installed"
        if not (shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")):
            return "mariadb-install-db is not installed"
        if not shutil.which("mariadb-dump") or not shutil.which("mariadb"):
            return "the mariadb client and mariadb-dump are not installed"
        return None

    def install(self):
        import shutil

        install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
        user = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run(  # noqa: S603
            [install, "--no-defaults", f"--datadir={self.datadir}", "--auth-root-authentication-method=normal",
             "--skip-test-db", *user],
            check=True, capture_output=True, timeout=120,
        )  # fmt: skip

    def start(self):
        user = ["--user=root"] if os.geteuid() == 0 else []
        log = open(self.directory / "mariadbd.log", "ab")  # noqa: SIM115 -- the server's output, kept open
        self.process = subprocess.Popen(  # noqa: S603
            [MARIADBD, "--no-defaults", f"--datadir={self.datadir}", f"--port={self.port}",
             "--bind-address=127.0.0.1", f"--socket={self.socket}", f"--pid-file={self.directory / 'mysqld.pid'}",
             "--innodb-buffer-pool-size=128M", "--skip-log-bin", "--max-connections=200",
             # The log written to the OS at each commit, flushed to disk each second: a SIGKILLed
             # server loses nothing committed (the OS keeps what was written), only a machine crash would.
             "--innodb-flush-log-at-trx-commit=2", *user],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log.close()
        wait_until(
            lambda: self.query("SELECT 1", check=False) is not None, 60, "the private MariaDB to accept connections"
        )

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        self.process = None

    def url(self, database):
        return f"mysql://root@127.0.0.1:{self.port}/{database}"

    def client(self, *args, **kwargs):
        return subprocess.run(  # noqa: S603
            ["mariadb", "--no-defaults", "-uroot", "-h127.0.0.1", f"-P{self.port}", *args], **kwargs
        )

    def query(self, sql, database=None, check=True):
        """Rows of ``sql`` (tab-separated fields), or ``None`` when the server does not answer and not ``check``."""
        args = ["-N", "-B", "-e", sql] + ([database] if database else [])
        try:
            result = self.client(*args, capture_output=True, text=True, timeout=30)
        except subprocess.TimeoutExpired:
            result = None
        if result is None or result.returncode != 0:
            if check:
                raise AssertionError(f"{sql!r} on the private MariaDB: {result and result.stderr}")
            return None
        return [line.split("\t") for line in result.stdout.splitlines()]

    def copy_database(self, source_settings, name):
        """Create ``name`` here as a copy (schema and rows) of the database ``source_settings`` describes."""
        self.query(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        dump = subprocess.run(  # noqa: S603
            ["mariadb-dump", "--no-defaults", f"-u{source_settings.get('USER') or 'root'}",
             f"-h{source_settings.get('HOST') or '127.0.0.1'}", f"-P{source_settings.get('PORT') or 3306}",
             *([f"-p{source_settings['PASSWORD']}"] if source_settings.get("PASSWORD") else []),
             "--single-transaction", "--skip-triggers", source_settings["NAME"]],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        self.client(name, input=dump.stdout, check=True, capture_output=True, timeout=300)


@pytest.fixture
def private_mariadb(tmp_path_factory):
    problem = PrivateMariaDB.problem()
    if problem:
        if IN_CI:
            pytest.fail(f"CI=true and {problem}", pytrace=False)
        pytest.skip(f"no private MariaDB server can be started here: {problem}")
    server = PrivateMariaDB(tmp_path_factory.mktemp("mariadb"))
    server.install()
    server.start()
    yield server
    server.stop()


class BrokerTicks:
    """
    Ticks run in this process (``api.run_scheduler``) whose send tasks go to the broker at ``redis_url``,
    not eagerly here: ``race(now)`` runs two at once, each in its own thread and database connection.
    Cheaper than a management command's start-up, so they can run every few seconds beside the workers.
    """

    def __init__(self, redis_url):
        from celery import Celery

        self.app = Celery("faults-ticks", broker=redis_url)
        self._lock = threading.Lock()

    def run_later(self, task_name, *args):
        with self._lock:
            self.app.send_task(task_name, args=list(args))

    def race(self, now, count=2):
        from unittest import mock

        from django.db import connection

        from mandatory_assignments import api, outbox

        results, errors = [None] * count, []

        def run(index):
            try:
                results[index] = api.run_scheduler(now)
            except Exception as exc:  # noqa: BLE001 -- reported below
                errors.append(exc)
            finally:
                connection.close()

        with mock.patch.object(outbox, "run_later", self.run_later):
            threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=300)
        if errors:
            raise errors[0]
        return results

    def close(self):
        self.app.close()
