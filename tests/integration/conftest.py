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
TICK_LOG_LINE = "mandatory_assignments tick at"
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
        """How many ticks the worker has finished so far (the scheduler logs one line per tick)."""
        return self.log().count(TICK_LOG_LINE)

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
