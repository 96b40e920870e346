#!/usr/bin/env python
"""
The tick sending N due reminder emails (default 2,000; ``--emails 100000`` for the issue's full figure)
through edx-ace to Django's locmem backend, beside bare edx-ace sending the same N messages of the same
template and beside a minimal one-line template, measured in the same run.

* plugin: one tick, ``api.run_scheduler(now)``, Celery eager in this process: claim the due reminders
  (one delivery row each), then per chunk of ``SEND_CHUNK_SIZE`` take the rows, compose each email in
  the recipient's language, ``ace.send`` it (policies, rendering, the locmem backend) and record it sent;
* bare ACE, same template: ``ace.send`` of N ``edx_ace`` messages with the contexts the plugin built for
  the same template (captured from a warm-up tick), with no policy and no receiver of ACE's "sent"
  signal — edx-ace's own cost of rendering and handing over this template;
* bare ACE, minimal template: the same with ``bench/templates/bench/edx_ace/minimal/`` (one line each).

The bare runs are measured before and after the tick (their mean counts), so that a change of the
machine's load during the run weighs on both sides. Templates load as in production (DEBUG off: the
cached loader); queries inside ACE's rendering step are counted (they must be 0).

    .venv/bin/python bench/tick_send.py [--emails 100000] [--warm-up 300]
"""

import contextlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common  # noqa: E402
import _seed  # noqa: E402

NAME = "tick_send"
COURSE = "course-v1:BenchX+SEND101+2026"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def parse_args():
    parser = _common.parser(__doc__.split("\n\n")[0])
    parser.add_argument("--emails", type=int, default=2000, help="due reminders the tick sends (default 2000)")
    parser.add_argument("--warm-up", type=int, default=300,
                        help="emails of a first tick that warms caches and provides the bare runs' contexts")
    parser.add_argument("--attribute", action="store_true", help="list the send's queries by the plugin line")
    parser.add_argument("--phases", action="store_true",
                        help="time the tick's phases (claim, take, compose, ACE's rendering and backend, the write "
                             "marking an email sent …) in ms an email; adds a few microseconds an email")
    return parser.parse_args()


class RenderWatch:
    """Wraps ACE's rendering step: its time, the queries inside it, and (optionally) the contexts it saw."""

    def __init__(self, capture=0):
        self.seconds = 0.0
        self.calls = 0
        self.queries = _common.QueryCounter()
        self.capture = capture
        self.captured = []

    @contextlib.contextmanager
    def installed(self):
        from edx_ace import presentation  # noqa: PLC0415

        original = presentation.render

        def render(channel, message):
            if len(self.captured) < self.capture:
                self.captured.append(
                    (message.recipient.lms_user_id, message.recipient.email_address, message.language,
                     dict(message.context))
                )
            started = time.perf_counter()
            with self.queries.counting():
                result = original(channel, message)
            self.seconds += time.perf_counter() - started
            self.calls += 1
            return result

        presentation.render = render
        try:
            yield self
        finally:
            presentation.render = original


@contextlib.contextmanager
def bare_ace():
    """edx-ace alone: no policy, and the plugin's receiver of ACE_MESSAGE_SENT does nothing."""
    from edx_ace import policy  # noqa: PLC0415

    from mandatory_assignments import api  # noqa: PLC0415

    policies, record = policy.policies, api.record_message_sent
    policy.policies = list
    api.record_message_sent = lambda message: None
    try:
        yield
    finally:
        policy.policies, api.record_message_sent = policies, record


def send_bare(contexts, count, app_label, name):
    from django.core import mail  # noqa: PLC0415
    from edx_ace import ace  # noqa: PLC0415
    from edx_ace.message import Message  # noqa: PLC0415
    from edx_ace.recipient import Recipient  # noqa: PLC0415

    mail.outbox = []
    watch = RenderWatch()
    with bare_ace(), watch.installed(), _common.Measure() as measured:
        for index in range(count):
            user_id, email, language, context = contexts[index % len(contexts)]
            recipient = Recipient(lms_user_id=user_id, email_address=email)
            ace.send(Message(app_label=app_label, name=name, recipient=recipient, language=language, context=context,
                             options={"transactional": True}))
    if len(mail.outbox) != count:
        raise SystemExit(f"bare ACE ({name}) sent {len(mail.outbox)} of {count}")
    measured.render = watch
    return measured


# The tick's phases: (label, module, attribute — Class.method for a method); a nested one is indented
# under the phase it runs in.
PHASES = (
    ("claim the due reminders (insert their deliveries)", "mandatory_assignments.scheduler", "claim_due_reminders"),
    ("take a chunk's rows (conditional update, then read)", "mandatory_assignments.delivery", "_take"),
    ("prefetch a chunk's people, sites, names, targets", "mandatory_assignments.message_context", "_prefetch"),
    ("decide whether to send", "mandatory_assignments.messages", "reason_not_to_send"),
    ("compose (facts, context, message type)", "mandatory_assignments.messages", "compose_in_request"),
    ("  of which the context and its wording", "mandatory_assignments.messages", "build_context"),
    ("ace.send", "edx_ace.ace", "send"),
    ("  of which rendering the template", "edx_ace.presentation", "render"),
    ("  of which the backend (EmailMultiAlternatives to locmem)", "edx_ace.channel.django_email",
     "DjangoEmailChannel.deliver"),
    ("  of which the write marking the email sent", "mandatory_assignments.delivery", "_mark_handed_over_sent"),
)


@contextlib.contextmanager
def phase_timers():
    """Accumulate the wall time spent in each of PHASES while the block runs; yields {label: seconds}."""
    import importlib  # noqa: PLC0415

    seconds = dict.fromkeys((label for label, _module, _name in PHASES), 0.0)
    undo = []

    def timed(label, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[label] += time.perf_counter() - started

        return wrapper

    for label, module, attribute in PHASES:
        owner = importlib.import_module(module)
        *classes, name = attribute.split(".")
        for class_name in classes:
            owner = getattr(owner, class_name)
        original = getattr(owner, name)
        setattr(owner, name, timed(label, original))
        undo.append((owner, name, original))
    try:
        yield seconds
    finally:
        for owner, name, original in reversed(undo):
            setattr(owner, name, original)


def run_tick(now, count, capture=0, attribute=False, phases=False):
    from django.core import mail  # noqa: PLC0415

    from mandatory_assignments import api, message_context, scheduler  # noqa: PLC0415
    from mandatory_assignments.models import Delivery  # noqa: PLC0415

    mail.outbox = []
    watch = RenderWatch(capture)
    claim = {}
    original_claim = scheduler.claim_due_reminders

    def timed_claim(moment):
        with _common.Measure() as measured:
            result = original_claim(moment)
        claim["measure"] = measured
        return result

    wording = {"seconds": 0.0}
    original_wording = message_context.email_wording

    def timed_wording(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original_wording(*args, **kwargs)
        finally:
            wording["seconds"] += time.perf_counter() - started

    scheduler.claim_due_reminders = timed_claim
    message_context.email_wording = timed_wording
    try:
        timers = phase_timers() if phases else contextlib.nullcontext({})
        with watch.installed(), timers as phase_seconds, _common.Measure(attribute=attribute) as measured:
            counts = api.run_scheduler(now=now)
    finally:
        scheduler.claim_due_reminders = original_claim
        message_context.email_wording = original_wording
    sent = Delivery.objects.filter(message="reminder", state=Delivery.SENT, sent_at__isnull=False).count()
    if counts["reminders_claimed"] != count or len(mail.outbox) != count:
        raise SystemExit(f"tick claimed {counts['reminders_claimed']}, sent {len(mail.outbox)}, expected {count}")
    Delivery.objects.filter(message="reminder").update(message="reminder-done")  # the next count starts at 0
    measured.render = watch
    measured.wording = wording["seconds"]
    measured.claim = claim["measure"]
    measured.sent_rows = sent
    measured.phases = phase_seconds
    return measured


def committed_writes(count):
    """
    The reference for the plugin's one write an email: ``count`` UPDATEs of a sent delivery by its id, each
    committed on its own (autocommit), as the mark after a hand-over is — what the database charges for
    making one small write durable (on SQLite a journal and its fsyncs; on MariaDB the redo log's flush).
    """
    from django.db import connection  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from mandatory_assignments.models import Delivery  # noqa: PLC0415

    ids = list(Delivery.objects.filter(state=Delivery.SENT).order_by("id").values_list("id", flat=True)[:count])
    table = connection.ops.quote_name(Delivery._meta.db_table)
    sql = f"UPDATE {table} SET sent_at = %s WHERE id = %s"
    moment = Delivery._meta.get_field("sent_at").get_db_prep_save(timezone.now(), connection)
    with _common.Measure() as measured:
        for index in range(count):
            with connection.cursor() as cursor:
                cursor.execute(sql, [moment, ids[index % len(ids)]])
    return measured


def main():
    args = parse_args()
    url = _common.database_url(NAME, args.database_url)
    _common.setup(url)
    from django.conf import settings  # noqa: PLC0415
    from django.db import connection  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    settings.TEMPLATES[0]["DIRS"] = [*settings.TEMPLATES[0]["DIRS"], TEMPLATES_DIR]
    from django.template import engines  # noqa: PLC0415

    engine = engines["django"].engine
    report = _common.Report(NAME, args)
    report.begin(f"the tick sending {args.emails:,} due reminder emails, beside bare edx-ace")
    loaders = [type(loader).__module__ + "." + type(loader).__name__ for loader in engine.template_loaders]
    report.note(f"template loaders: {', '.join(loaders)} (debug {engine.debug})")
    try:
        now = timezone.now()
        _people, staff, _moment = _seed.seed_due_reminders(args.warm_up, COURSE, now, "warm")
        warm = run_tick(now, args.warm_up, capture=args.warm_up)
        contexts = warm.render.captured
        _seed.seed_due_reminders(args.emails, COURSE, now, "due", staff=staff)
        send_bare(contexts, min(args.warm_up, 100), "mandatory_assignments", "reminder")  # warm-up
        send_bare(contexts, min(args.warm_up, 100), "bench", "minimal")  # warm-up

        same_before = send_bare(contexts, args.emails, "mandatory_assignments", "reminder")
        minimal_before = send_bare(contexts, args.emails, "bench", "minimal")
        print(f"  bare ACE before: same template {same_before.wall:.2f} s, minimal {minimal_before.wall:.2f} s")
        tick = run_tick(now, args.emails, attribute=args.attribute, phases=args.phases)
        print(f"  tick: {tick.wall:.2f} s ({tick.queries.total:,} queries), claim {tick.claim.wall:.2f} s")
        writes = committed_writes(args.emails)
        print(f"  {args.emails:,} committed writes alone: {writes.wall:.2f} s")
        same_after = send_bare(contexts, args.emails, "mandatory_assignments", "reminder")
        minimal_after = send_bare(contexts, args.emails, "bench", "minimal")
        print(f"  bare ACE after: same template {same_after.wall:.2f} s, minimal {minimal_after.wall:.2f} s")

        n = args.emails

        def row(label, runs):
            wall = sum(run.wall for run in runs) / len(runs)
            cpu = sum(run.cpu for run in runs) / len(runs)
            render = sum(run.render.seconds for run in runs) / len(runs)
            return {
                "variant": label,
                "emails": n,
                "wall_s": wall,
                "ms_per_email": 1000 * wall / n,
                "cpu_ms_per_email": 1000 * cpu / n,
                "render_ms_per_email": 1000 * render / n,
                "queries_per_email": runs[0].queries.total / n,
                "render_queries": runs[0].render.queries.total,
                "runs_s": [round(run.wall, 3) for run in runs],
            }

        plugin = row("plugin: the tick (claim, compose, ACE, record)", [tick])
        plugin["claim_ms_per_email"] = 1000 * tick.claim.wall / n
        wording_ms = 1000 * tick.wording / n  # the sentences, worded in compose before ACE renders (email_wording)
        same = row("bare ACE, the plugin's template", [same_before, same_after])
        minimal = row("bare ACE, a minimal one-line template", [minimal_before, minimal_after])
        plugin["x_bare"] = plugin["ms_per_email"] / same["ms_per_email"]
        plugin["cpu_x_bare"] = plugin["cpu_ms_per_email"] / same["cpu_ms_per_email"]
        same["x_minimal"] = same["ms_per_email"] / minimal["ms_per_email"]
        same["cpu_x_minimal"] = same["cpu_ms_per_email"] / minimal["cpu_ms_per_email"]
        same["render_x_minimal"] = same["render_ms_per_email"] / minimal["render_ms_per_email"]
        # The plugin's template with its wording: what bare ACE spends on it plus the sentences the plugin
        # translates before handing the context over (measured in the tick).
        same["with_wording_x_minimal"] = (same["ms_per_email"] + wording_ms) / minimal["ms_per_email"]
        same["wording_ms_per_email"] = wording_ms
        plugin["render_x_minimal"] = plugin["render_ms_per_email"] / minimal["render_ms_per_email"]
        write = {
            "variant": "reference: one committed write an email alone (UPDATE by id, autocommit)",
            "emails": n,
            "wall_s": writes.wall,
            "ms_per_email": 1000 * writes.wall / n,
            "cpu_ms_per_email": 1000 * writes.cpu / n,
            "queries_per_email": writes.queries.total / n,
            "runs_s": [round(writes.wall, 3)],
        }
        plugin["without_write_x_bare"] = (plugin["ms_per_email"] - write["ms_per_email"]) / same["ms_per_email"]
        # What any exactly-once sender costs at least: edx-ace's own work plus one committed write an email.
        floor = {
            "variant": "reference: the exactly-once floor (bare ACE, the plugin's template, + the committed write)",
            "emails": n,
            "ms_per_email": same["ms_per_email"] + write["ms_per_email"],
            "cpu_ms_per_email": same["cpu_ms_per_email"] + write["cpu_ms_per_email"],
        }
        floor["x_bare"] = floor["ms_per_email"] / same["ms_per_email"]
        plugin["x_floor"] = plugin["ms_per_email"] / floor["ms_per_email"]
        rows = [plugin, same, minimal, write, floor]
        report.table(
            f"sending {n:,} due reminder emails through edx-ace (locmem backend)",
            [("variant", "variant", ""), ("emails", "emails", ",d"), ("wall_s", "wall s", ".2f"),
             ("ms_per_email", "ms/email", ".2f"), ("x_bare", "× bare ACE", ".2f"), ("x_floor", "× floor", ".2f"),
             ("x_minimal", "× minimal", ".2f"), ("wording_ms_per_email", "+ wording ms/email", ".3f"),
             ("with_wording_x_minimal", "with wording × minimal", ".2f"), ("cpu_ms_per_email", "CPU ms/email", ".2f"),
             ("cpu_x_bare", "CPU × bare", ".2f"), ("without_write_x_bare", "× bare without the write", ".2f"),
             ("cpu_x_minimal", "CPU × minimal", ".2f"),
             ("render_ms_per_email", "render ms/email", ".2f"), ("render_x_minimal", "render × minimal", ".2f"),
             ("queries_per_email", "queries/email", ".2f"), ("render_queries", "queries in rendering", ",d")],
            rows,
            note="bare runs: mean of one run before and one after the tick; render: inside edx-ace's rendering "
                 "step (all five parts of the email); the tick's claim takes "
                 f"{plugin['claim_ms_per_email']:.2f} ms/email of its figure.",
        )
        minutes = plugin["ms_per_email"] * 100000 / 1000 / 60
        report.note(f"at this rate one process sends 100,000 in {minutes:.1f} min "
                    f"(one worker process; CPU time alone: {plugin['cpu_ms_per_email'] * 100000 / 60000:.1f} min)")
        if args.phases:
            report.table(
                "where the tick's time goes (wall ms an email, the phases of the measured tick)",
                [("phase", "phase", ""), ("ms_per_email", "ms/email", ".3f")],
                [{"phase": label, "ms_per_email": 1000 * spent / n} for label, spent in tick.phases.items()]
                + [{"phase": "the tick, whole", "ms_per_email": plugin["ms_per_email"]}],
                note="a phase's time includes the phases indented under it; the rest of the tick: the loop, the "
                     "emulated request to the person's site, edx-ace's policies and its \"sent\" signal.",
            )
        if args.attribute:
            print("the tick's queries by plugin line:")
            print(tick.queries.top_origins(20))
        print("the tick's most frequent query shapes:")
        print(tick.queries.top(12))
        report.check("plugin ≤ 1.5× bare ACE with the same template, per email",
                     f"{plugin['x_bare']:.2f}× (CPU {plugin['cpu_x_bare']:.2f}×; the committed write alone "
                     f"{write['ms_per_email']:.2f} ms/email, without it {plugin['without_write_x_bare']:.2f}×; "
                     f"bare ACE + that write, the floor of any exactly-once sender, is {floor['x_bare']:.2f}× and "
                     f"the plugin {plugin['x_floor']:.2f}× the floor)",
                     plugin["x_bare"] <= 1.5)
        report.check("the plugin's template ≤ 2× the minimal one (bare ACE per email, with the plugin's wording "
                     "of the sentences counted)",
                     f"{same['with_wording_x_minimal']:.2f}× (ACE alone {same['x_minimal']:.2f}×, CPU "
                     f"{same['cpu_x_minimal']:.2f}×; rendering step alone {same['render_x_minimal']:.2f}×)",
                     same["with_wording_x_minimal"] <= 2)
        report.check("nothing read from the database while rendering",
                     f"{plugin['render_queries']} queries in the plugin's rendering of {n:,} emails",
                     plugin["render_queries"] == 0)
        report.check("one worker process clears 100,000 in well under 5 minutes (judged as ≤ 4)", f"{minutes:.1f} min",
                     minutes <= 4)
    finally:
        connection.close()
        if not args.keep_db:
            _common.drop_database(url)
    report.write()


if __name__ == "__main__":
    main()
