"""
Mutation run over the exactly-once machinery: how many small wrong versions of the code the tests catch.

For each target module (delivery, the tick, reminder timing, evidence) the script generates mutants with
simple, deterministic operators on the module's syntax tree:

* comparisons flipped (``<`` ↔ ``<=``, ``>`` ↔ ``>=``, ``==`` ↔ ``!=``, ``in`` ↔ ``not in``, ``is`` ↔
  ``is not``), ``and`` ↔ ``or``, ``not`` dropped, a bare condition negated;
* arithmetic swapped (``+`` ↔ ``-``, ``*`` ↔ ``/``, ``**`` → ``*``), also in ``+=``/``-=``; unary minus
  dropped; ``min`` ↔ ``max``; ``a | b`` → ``a`` or ``b`` (Q objects);
* constants changed (a number ``n`` → ``n + 1`` and → ``0``, ``True`` ↔ ``False``);
* a keyword argument removed (``ignore_conflicts=True``, a ``filter`` condition, an ``update`` field ...),
  a positional condition of ``filter``/``exclude`` removed (the whole call when it was the only one).

Strings, docstrings and logging calls are not mutated. Mutants are written only into scratch copies of
the working tree (``git ls-files``, tracked and new files; ``--ref``: a commit's tree) in a temporary
directory — never into the tree others work in — and the file is restored there in ``finally`` after
each mutant (checked after each module). The tests that execute the mutated statement run against it
(``pytest -x -q -p no:cacheprovider --nomigrations``, the tests that killed earlier mutants first, then
the fastest, with a timeout; a timeout counts as killed). Which tests execute which line comes from one
coverage run with per-test contexts over the module's test files (``MODULES``; ``--suite``: the whole
SQLite unit suite); tests that fail without a mutant are left out, and a mutant on a line no selected
test runs is reported as "not run" (alive). A fork server per copy keeps Django set up between mutants
(see ``serve``); ``--no-fork`` starts a fresh pytest per mutant instead.

Mutants that cannot change what a user or operator sees are listed by hand in ``EQUIVALENT`` with the
reason, by key (``<function>+<line within it>: <change>``, as printed): the score is
``killed / (mutants - equivalent)``. An entry stops matching when its function changes (``--list`` names
such entries): review it again then.

Usage::

    .venv/bin/python tools/mutation.py [--module delivery ...] [--suite | --tests FILE ...] [--ref COMMIT]
                                       [--jobs 1] [--timeout 600] [--list] [--json FILE] [--min-score 90]

``make mutation`` runs it over all modules (``MUTATION_ARGS`` adds options). Exit status 1 when a
module's score is below ``--min-score`` (default 0: report only). At the end the script says whether a
target module changed in the working tree during the run (run again then).
"""

import argparse
import ast
import concurrent.futures
import copy
import difflib
import hashlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# Module -> the fast SQLite test files that pin it (first the ones written against its mutants).
MODULES = {
    "delivery": {
        "path": "mandatory_assignments/delivery.py",
        "tests": [
            "tests/test_delivery_exactly_once.py",
            "tests/test_delivery_claims.py",
            "tests/test_delivery_write_retry.py",
            "tests/test_send_costs.py",
            "tests/test_tick_as_of.py",
            "tests/test_feature_switch.py",
            "tests/test_notices.py",
            "tests/test_policies.py",
            "tests/test_tasks.py",
        ],
    },
    "scheduler": {
        "path": "mandatory_assignments/scheduler.py",
        "tests": [
            "tests/test_tick_mutants.py",
            "tests/test_scheduler.py",
            "tests/test_new_cycle_catch_up.py",
            "tests/test_tick_as_of.py",
            "tests/test_delivery_claims.py",
            "tests/test_cycles.py",
            "tests/test_feature_switch.py",
            "tests/test_managers.py",
            "tests/test_tasks.py",
        ],
    },
    "rules": {
        "path": "mandatory_assignments/rules.py",
        "tests": [
            "tests/test_reminder_timing.py",
            "tests/test_rules.py",
            "tests/test_zones.py",
            "tests/test_new_cycle_catch_up.py",
            "tests/test_cycles.py",
            "tests/test_status_tracking.py",
            "tests/test_validation.py",
            "tests/learner/test_due_dates.py",
        ],
    },
    "reminders": {
        "path": "mandatory_assignments/reminders.py",
        "tests": [
            "tests/test_reminder_timing.py",
            "tests/test_zones.py",
            "tests/test_editing.py",
            "tests/test_assigning.py",
            "tests/test_validation.py",
            "tests/test_new_cycle_catch_up.py",
        ],
    },
    "evidence": {
        "path": "mandatory_assignments/evidence.py",
        "tests": [
            "tests/test_evidence_rules.py",
            "tests/test_evidence_existing_state.py",
            "tests/test_evidence.py",
            "tests/test_status_tracking.py",
            "tests/test_cycles.py",
            "tests/test_assigning.py",
        ],
    },
}
# --suite: every SQLite unit test (no browser, no integration run).
SUITE_EXCLUDE = ("tests/browser", "tests/integration", "tests/learner/test_browser.py")

# Mutants that cannot change what a user or operator sees, by key (as printed), with the reason.
# Mutants that cannot change what a user or operator sees, per module, by key (as printed), with the reason.
# "Race only": the statement re-checks a condition another statement of the same call established a
# moment before on a row this worker or tick holds; only a concurrent writer between the two could tell.
BATCHING = "batching only: the same rows are written, in more or fewer statements"
RACE = "race only: "
SAME_MOMENT = (
    "the moment passed is the one the caller read from the clock in the same call; the default reads the "
    "clock again microseconds later"
)
WHOLE_ROW = (
    "writes the same value; saving the whole row also rewrites the other columns as read a moment before "
    "(race only: a concurrent writer's change to them would be lost)"
)
NO_LOCKS = (
    "SQLite has no row locks (select_for_update does nothing there); on MariaDB skip_locked spares a "
    "concurrent tick the wait for the other's locks (tests/test_scheduler.py::"
    "test_two_ticks_at_once_send_each_email_once runs there, make test-mysql)"
)
RECONNECT = (
    "a lock wait timeout or deadlock also closes the connection before the retry: the retry runs outside "
    "any transaction (the only place it runs), so a new connection repeats the same statement with "
    "nothing lost, at the cost of a connect (and SQLite's in-memory test database ignores close)"
)
EQUIVALENT = {
    "delivery": {
        "claim+10: drop batch_size= from bulk_create()": BATCHING,
        "claim+10: 1000 -> 1001": BATCHING,
        "expired_claims+0: 10000 -> 10001": "a cap on one tick's re-leases; the rest is re-leased by the next tick",
        "expired_claims+11: drop state= from filter()": (
            "the same statement requires an expired lease, and every change out of pending (mark_sent, skip) "
            "clears the lease: a non-pending row never matches"
        ),
        "expired_claims+14: drop state= from filter()": RACE
        + (
            "a row re-leased by this tick that a worker sends before this read comes back in the list; _take "
            "(pending rows only) then leaves it, nothing is sent twice"
        ),
        "_take+9: drop pk__in= from filter()": (
            "the worker token is new for each call and the update gave it only to rows of these ids"
        ),
        "_take+9: drop state= from filter()": RACE + "the update just took only pending rows, leased to this worker",
        "_release+5: 1 -> 0": "backoff_seconds(0) == backoff_seconds(1) (30 s)",
        "_release+5: 1 -> 2": (
            "the fallback is used only when the row was deleted while being sent (a taken row has attempts >= 1); "
            "the task's retry then waits 60 s instead of 30 s for a row that is gone"
        ),
        "_release+7: drop state= from filter()": RACE + "this worker holds the row and found it unsent a moment before",
        "_release+7: drop worker_token= from filter()": RACE
        + "this worker holds the row; another may take it only once the lease ran out",
        "_send_one+8: drop site= from compose_for_delivery()": (
            "compose_for_delivery finds the same site itself (messages.site_for of the same person)"
        ),
        "_send_one+10: drop site= from emulate_http_request()": (
            "the message was built inside the site (from address, platform name, links); edx-ace's email "
            "channel reads nothing of the current request when it renders and sends it"
        ),
        "_send_one+16: or -> and": RACE
        + (
            "a confirmation during ace.send sets handed.confirmed and marks the row sent in one write; the "
            "row is found sent without it only if another writer marked it while this worker held it"
        ),
        "_mark_handed_over_sent+20: drop strict= from zip()": (
            "fields and values are the same six columns, both fixed in the function; strict only guards an edit"
        ),
        "_write_after_hand_over+13: > -> >=": (
            "differs only when the clock plus the pause equals the deadline to the last bit of a float"
        ),
        "_write_after_hand_over+16: 0 -> 1": (
            "reads the message (the driver's errors are always (code, message)), which is never 1205 or 1213: "
            "a lock error also reconnects (see _write_after_hand_over+16: 1205 -> 0), a lost connection "
            "reconnects as before"
        ),
        "_write_after_hand_over+16: 1205 -> 1206": RECONNECT,
        "_write_after_hand_over+16: 1205 -> 0": RECONNECT,
        "_write_after_hand_over+16: 1213 -> 1214": RECONNECT,
        "_write_after_hand_over+16: 1213 -> 0": RECONNECT,
        "_send_one+10: drop user= from emulate_http_request()": (
            "edx-ace's email channel reads nothing of the current request's user when it renders and sends"
        ),
    },
    "scheduler": {
        "REMINDER_BATCH: 2000 -> 2001": BATCHING,
        "OVERDUE_BATCH: 1000 -> 1001": BATCHING,
        "_schedule_cycle_reminders+7: > -> >=": (
            "a moment equal to now is at or after the cycle's start (a cycle starts at or before the tick's "
            "moment), so the other condition keeps it either way"
        ),
        "_schedule_cycle_reminders+10: drop update_fields= from save()": WHOLE_ROW,
        "mark_overdue+11: drop completed_at__isnull= from filter()": (
            "a completed assignment's recorded status is 'completed' (complete() records it in the same "
            "transaction), so the recorded-status condition already leaves it out"
        ),
        "mark_overdue+11: drop skip_locked= from select_for_update()": NO_LOCKS,
        "_lock_due_batch+7: drop skip_locked= from select_for_update()": NO_LOCKS,
        "_deliveries_for+15: drop email= from Delivery()": "the field's default is the same empty string",
    },
    "reminders": {
        "clean_reminders+5: drop name__in= from filter()": (
            "reads every template name instead of the named ones; only the named ones are looked up"
        ),
        "reschedule_reminders+2: or -> and": SAME_MOMENT
        + " (editing and time_zone_changed, the only callers, pass the moment they read)",
        "reschedule_reminders+3: or -> and": (
            "both callers pass the zone they computed with user_time_zone for the same person"
        ),
        "reschedule_reminders+8: drop update_fields= from save()": WHOLE_ROW,
        "time_zone_changed+6: drop update_fields= from save()": WHOLE_ROW,
    },
    "evidence": {
        "store_pass+14: drop update_fields= from save()": WHOLE_ROW,
        "complete+23: drop actor= from record_status()": "every caller of complete() passes actor=None, the default",
        "complete+23: drop now= from record_status()": SAME_MOMENT,
        "mark_progress+3: drop now= from record_status()": SAME_MOMENT,
        "recognise_existing_state+34: drop actor= from complete()": "actor=None is the default",
        "_target_passed+5: False -> True": (
            "unreachable: a course event reaches only paths that contain the course, so a path has courses here"
        ),
        "_target_passed+8: drop course_key__in= from filter()": (
            "reads all of the person's evidence rows; only those of the path's courses are looked up"
        ),
    },
}

PYTEST_ARGS = ["-x", "-q", "-p", "no:cacheprovider", "--nomigrations", "-p", "no:randomly"]

# ---------------------------------------------------------------------------------------- mutants

COMPARE_SWAP = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
BINOP_SWAP = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Mult,
    ast.Pow: ast.Mult,
}
FILTER_METHODS = {"filter", "exclude"}


@dataclass
class Mutant:
    module: str
    key: str  # "<function>+<line in it>: <what changed>", stable across edits elsewhere
    label: str  # the code it changed, shortened
    line: int
    start: tuple  # (line, col) of the replaced text
    end: tuple
    replacement: str
    stmt_lines: tuple  # first and last line of the enclosing statement (which tests run it)
    source: str = ""  # the mutated module
    status: str = ""  # killed / survived / timeout / not covered / equivalent
    detail: str = ""
    seconds: float = 0.0
    tests: list = field(default_factory=list)


def _walk(node, path=()):
    """Every node with its path from the root: a tuple of (field, index-or-None)."""
    yield path, node
    for name, value in ast.iter_fields(node):
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, ast.AST):
                    yield from _walk(item, (*path, (name, index)))
        elif isinstance(value, ast.AST):
            yield from _walk(value, (*path, (name, None)))


def _get(root, path):
    node = root
    for name, index in path:
        node = getattr(node, name)
        if index is not None:
            node = node[index]
    return node


def _is_log_call(node):
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id in {"log", "logger", "logging"}
    )


def _is_stringy(node):
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _variants(node):
    """(description, function mutating a copy of ``node`` in place or returning its replacement)."""
    out = []
    if isinstance(node, ast.Compare):
        for index, op in enumerate(node.ops):
            if type(op) in COMPARE_SWAP:
                new = COMPARE_SWAP[type(op)]

                def flip(n, index=index, new=new):
                    n.ops[index] = new()
                    return n

                out.append((f"{_op_text(op)} -> {_op_text(new())}", flip))
    elif isinstance(node, ast.BinOp):
        if type(node.op) in BINOP_SWAP and not (_is_stringy(node.left) or _is_stringy(node.right)):
            new = BINOP_SWAP[type(node.op)]

            def swap(n, new=new):
                n.op = new()
                return n

            out.append((f"{_op_text(node.op)} -> {_op_text(new())}", swap))
        if isinstance(node.op, (ast.BitOr, ast.BitAnd)):
            out.append(("keep the left operand only", lambda n: n.left))
            out.append(("keep the right operand only", lambda n: n.right))
    elif isinstance(node, ast.AugAssign):
        if type(node.op) in BINOP_SWAP:
            new = BINOP_SWAP[type(node.op)]

            def swap_aug(n, new=new):
                n.op = new()
                return n

            out.append((f"{_op_text(node.op)}= -> {_op_text(new())}=", swap_aug))
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And

        def swap_bool(n, new=new):
            n.op = new()
            return n

        out.append((f"{_op_text(node.op)} -> {_op_text(new())}", swap_bool))
    elif isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.Not):
            out.append(("drop `not`", lambda n: n.operand))
        elif isinstance(node.op, ast.USub):
            out.append(("drop unary `-`", lambda n: n.operand))
    elif isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool):
            out.append((f"{value} -> {not value}", lambda n: ast.Constant(not n.value)))
        elif isinstance(value, int):
            out.append((f"{value} -> {value + 1}", lambda n: ast.Constant(n.value + 1)))
            if value != 0:
                out.append((f"{value} -> 0", lambda n: ast.Constant(0)))
    elif isinstance(node, ast.Call):
        for index, keyword in enumerate(node.keywords):
            if keyword.arg is None:
                continue

            def drop_kw(n, index=index):
                del n.keywords[index]
                return n

            out.append((f"drop {keyword.arg}=", drop_kw))
        if isinstance(node.func, ast.Name) and node.func.id in {"min", "max"}:
            other = "max" if node.func.id == "min" else "min"

            def swap_minmax(n, other=other):
                n.func = ast.Name(other, ast.Load())
                return n

            out.append((f"{node.func.id} -> {other}", swap_minmax))
        if isinstance(node.func, ast.Attribute) and node.func.attr in FILTER_METHODS and node.args:
            if len(node.args) == 1 and not node.keywords:
                out.append((f"drop .{node.func.attr}(...)", lambda n: n.func.value))
            else:
                for index in range(len(node.args)):

                    def drop_arg(n, index=index):
                        del n.args[index]
                        return n

                    out.append((f"drop {node.func.attr} condition {index + 1}", drop_arg))
    return out


def _condition_variants(node):
    """A bare condition (a name, an attribute, a call) negated: ``if failed`` -> ``if not failed``."""
    if isinstance(node, (ast.If, ast.While, ast.IfExp)) and isinstance(node.test, (ast.Name, ast.Attribute, ast.Call)):
        return [("negate the condition", lambda n: ast.UnaryOp(ast.Not(), n))]
    return []


def _op_text(op):
    return {
        ast.Lt: "<",
        ast.LtE: "<=",
        ast.Gt: ">",
        ast.GtE: ">=",
        ast.Eq: "==",
        ast.NotEq: "!=",
        ast.In: "in",
        ast.NotIn: "not in",
        ast.Is: "is",
        ast.IsNot: "is not",
        ast.Add: "+",
        ast.Sub: "-",
        ast.Mult: "*",
        ast.Div: "/",
        ast.FloorDiv: "//",
        ast.Pow: "**",
        ast.And: "and",
        ast.Or: "or",
    }[type(op)]


def _offsets(source):
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def _position(source_lines_starts, source_bytes, line, col):
    """Character offset of (line, utf-8 byte column)."""
    line_start = source_lines_starts[line - 1]
    line_text = source_bytes[line - 1]
    return line_start + len(line_text.encode("utf-8")[:col].decode("utf-8"))


def _skip_paths(tree):
    """Paths of nodes not to mutate: docstrings, logging calls, the insides of strings."""
    skipped = []
    for path, node in _walk(tree):
        if _is_log_call(node) or isinstance(node, ast.JoinedStr):
            skipped.append(path)
        if (
            isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef, ast.AsyncFunctionDef))
            and ast.get_docstring(node, clean=False) is not None
        ):
            skipped.append((*path, ("body", 0)))
    return skipped


def generate(module, source):
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    starts = _offsets(source)
    skipped = _skip_paths(tree)
    expected_dumps = set()
    parents = {}
    for _path, node in _walk(tree):
        for _name, child in ast.iter_fields(node):
            for item in child if isinstance(child, list) else [child]:
                if isinstance(item, ast.AST):
                    parents[id(item)] = node
    mutants = []
    seen_keys = {}
    for path, node in _walk(tree):
        if any(path[: len(skip)] == skip for skip in skipped):
            continue
        variants = _variants(node) + _condition_variants(node)
        if isinstance(node, ast.Constant) and isinstance(parents.get(id(node)), ast.keyword):
            # `flag=True` -> False: dropping the keyword (the default) already makes that mutant
            variants = [v for v in variants if not isinstance(node.value, bool)]
        if not variants or not hasattr(node, "lineno"):
            continue
        # the enclosing statement and function
        stmt, func, func_line = node, None, 0
        cursor = node
        while id(cursor) in parents:
            if isinstance(cursor, ast.stmt) and stmt is node and not isinstance(node, ast.stmt):
                stmt = cursor
            if isinstance(cursor, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and func is None:
                func, func_line = cursor.name, cursor.lineno
            cursor = parents[id(cursor)]
        # a statement's own line span (for a compound statement, only its header: the test covers it)
        if isinstance(stmt, (ast.If, ast.While, ast.For, ast.With, ast.FunctionDef, ast.Try)):
            header_end = stmt.body[0].lineno - 1 if stmt.body else stmt.end_lineno
            if isinstance(stmt, ast.FunctionDef):
                stmt_span = (stmt.lineno, stmt.end_lineno)  # a default: used wherever the body runs
            else:
                stmt_span = (stmt.lineno, max(stmt.lineno, header_end))
        else:
            stmt_span = (stmt.lineno, stmt.end_lineno)
        target = node.test if isinstance(node, (ast.If, ast.While, ast.IfExp)) else node
        for description, apply in variants:
            if description == "negate the condition":
                site = target
            else:
                site = node
            mutated_tree = copy.deepcopy(tree)
            site_path = path + ((("test", None),) if site is not node else ())
            original_site = _get(mutated_tree, site_path)
            replacement_node = apply(original_site if site is node else original_site)
            # put the replacement into the copied tree
            parent_path, (name, index) = site_path[:-1], site_path[-1]
            parent = _get(mutated_tree, parent_path)
            if index is None:
                setattr(parent, name, replacement_node)
            else:
                getattr(parent, name)[index] = replacement_node
            expected = ast.dump(mutated_tree)
            if expected == ast.dump(tree) or expected in expected_dumps:
                continue
            begin = _position(starts, lines, site.lineno, site.col_offset)
            finish = _position(starts, lines, site.end_lineno, site.end_col_offset)
            original_text = source[begin:finish]
            text = ast.unparse(replacement_node)
            mutated = None
            for candidate in (text, f"({text})"):
                attempt = source[:begin] + candidate + source[finish:]
                try:
                    if ast.dump(ast.parse(attempt)) == expected:
                        mutated = attempt
                        break
                except SyntaxError:
                    continue
            if mutated is None:
                continue
            expected_dumps.add(expected)
            context = site
            if isinstance(site, ast.Constant) and id(site) in parents:
                context = parents[id(site)]  # `flat=True`, `30 * 2`: which constant
            if isinstance(site, ast.Call) and description.startswith("drop "):
                name = site.func.attr if isinstance(site.func, ast.Attribute) else getattr(site.func, "id", "")
                description = f"{description} from {name}()"
            short = " ".join((ast.get_source_segment(source, context) or original_text).split())
            if len(short) > 60:
                short = short[:57] + "..."
            # The key names the function and the line within it: it survives edits elsewhere in the module,
            # and an allow-list entry stops matching (to be reviewed again) when its function changes.
            if func:
                key = f"{func}+{site.lineno - func_line}: {description}"
            elif isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                key = f"{stmt.targets[0].id}: {description}"  # a module constant
            else:
                key = f"line {site.lineno}: {description}"
            seen_keys[key] = seen_keys.get(key, 0) + 1
            if seen_keys[key] > 1:
                key = f"{key} #{seen_keys[key]}"
            mutants.append(
                Mutant(
                    module=module,
                    key=key,
                    label=short,
                    line=site.lineno,
                    start=(site.lineno, site.col_offset),
                    end=(site.end_lineno, site.end_col_offset),
                    replacement=candidate,
                    stmt_lines=stmt_span,
                    source=mutated,
                )
            )
    return mutants


def diff(original, mutant, path):
    lines = difflib.unified_diff(
        original.splitlines(keepends=True), mutant.splitlines(keepends=True), f"a/{path}", f"b/{path}", n=1
    )
    return "".join(line for line in list(lines)[2:])


# ---------------------------------------------------------------------------------------- running


def scratch_copy(destination, ref=None):
    """The working tree's files (tracked and new, not ignored), or the tree of commit ``ref``, in ``destination``."""
    if ref:
        destination.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", ref], cwd=REPO_ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(destination)], input=archive, check=True)
        return destination
    listing = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO_ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listing):
        source = REPO_ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


def environment(tree):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="sandbox.settings",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONPATH=str(tree),
        COVERAGE_FILE=str(tree / ".coverage.mutation"),
    )
    env.pop("DATABASE_URL", None)  # SQLite
    env.pop("CELERY_BROKER_URL", None)
    env.pop("COVERAGE_PROCESS_START", None)
    return env


def run_pytest(tree, args, timeout):
    """(exit code or "timeout", seconds, output tail)."""
    started = time.monotonic()
    process = subprocess.Popen(
        [PYTHON, "-m", "pytest", *args],
        cwd=tree,
        env=environment(tree),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=timeout)
        code = process.returncode
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        code = "timeout"
    return code, time.monotonic() - started, output.decode(errors="replace")


# ------------------------------------------------------------------------- the fork server
#
# Starting pytest costs seconds (Django, the platform stand-in, the plugin): more than most mutants' tests.
# A server process per scratch copy sets Django up once with the unmutated code; for each mutant it forks,
# the child executes the mutated source in the module's namespace, re-points the other modules' names
# bound to the old functions/classes/constants (``from .delivery import mark_sent``) to the new ones, and
# runs ``pytest.main`` (collection, test database, tests) in the child; the server stays clean. The file is
# also written into the copy while the child runs (tracebacks, anything importing it afresh).
# ``--no-fork`` runs a fresh ``python -m pytest`` per mutant instead (slower, the reference behaviour).


def _apply_mutant(module_name, source, filename):
    import types  # noqa: PLC0415

    module = sys.modules[module_name]
    old = dict(vars(module))
    exec(compile(source, filename, "exec"), vars(module))  # noqa: S102 - the mutant under test
    new = vars(module)
    by_identity = {
        id(value): new[name]
        for name, value in old.items()
        if name in new and new[name] is not value and getattr(value, "__module__", None) == module_name
    }
    rebound = {name: new[name] for name, value in old.items() if name in new and new[name] is not value}
    for other in list(sys.modules.values()):
        other_name = getattr(other, "__name__", "") or ""
        if other is module or not other_name.startswith(("mandatory_assignments", "sandbox", "tests")):
            continue
        for name, value in list(vars(other).items()):
            if isinstance(value, types.ModuleType):
                continue
            if id(value) in by_identity and callable(value):
                setattr(other, name, by_identity[id(value)])
            elif name in rebound and value is old[name]:
                setattr(other, name, rebound[name])


def serve():
    """The fork server (``--serve``, run in a scratch copy): one JSON request per line on stdin."""
    tree = Path.cwd()
    sys.path.insert(0, str(tree))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sandbox.settings")
    import django  # noqa: PLC0415

    django.setup()
    import pytest  # noqa: PLC0415
    from django.db import connections  # noqa: PLC0415

    connections.close_all()
    for name in ("pytest_django", "time_machine", "django.test", "django.test.utils", "aiosmtpd.controller"):
        try:
            __import__(name)
        except ImportError:
            pass
    reply = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        handle, log_path = tempfile.mkstemp(prefix="mutant-", suffix=".log")
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:  # the child: mutate, test, exit
            code = 70
            try:
                os.setsid()
                os.dup2(handle, 1)
                os.dup2(handle, 2)
                if request.get("module"):
                    _apply_mutant(request["module"], request["source"], request["filename"])
                code = int(pytest.main(request["args"]))
            except BaseException:  # noqa: BLE001 - reported in the output, counted as a kill
                import traceback  # noqa: PLC0415

                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        os.close(handle)
        code = None
        while code is None:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                code = os.waitstatus_to_exitcode(status)
            elif time.monotonic() - started > request["timeout"]:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                os.waitpid(pid, 0)
                code = "timeout"
            else:
                time.sleep(0.05)
        with open(log_path, errors="replace") as log:
            output = log.read()[-20000:]
        os.unlink(log_path)
        reply.write(json.dumps({"code": code, "seconds": time.monotonic() - started, "output": output}) + "\n")
        reply.flush()


class ForkServer:
    def __init__(self, tree):
        self.tree = tree
        self.process = subprocess.Popen(
            [PYTHON, str(Path(__file__).resolve()), "--serve"],
            cwd=tree,
            env=environment(tree),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )

    def run(self, module_name, source, filename, args, timeout):
        request = {"module": module_name, "source": source, "filename": filename, "args": args, "timeout": timeout}
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the fork server in {self.tree} died")
        answer = json.loads(line)
        return answer["code"], answer["seconds"], answer["output"]

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


DURATION = re.compile(r"^\s*([\d.]+)s (setup|call|teardown)\s+(\S.*?)\s*$")


def baseline(tree, test_files, timeout):
    """
    One run of the test files with per-test coverage contexts: {module path: {line: {test ids}}}, the
    duration of each test and the tests that failed (left out of every mutant's run).
    """
    args = [
        *test_files,
        "-p",
        "no:cacheprovider",
        "--nomigrations",
        "-p",
        "no:randomly",
        "--cov=mandatory_assignments",
        "--cov-context=test",
        "--cov-report=",
        "--durations=0",
        "-vv",
        "-o",
        "console_output_style=classic",
    ]
    code, seconds, output = run_pytest(tree, args, timeout)
    durations = {}
    for line in output.splitlines():
        match = DURATION.match(line)
        if match:
            durations[match.group(3)] = durations.get(match.group(3), 0.0) + float(match.group(1))
    failed = set(re.findall(r"^(?:FAILED|ERROR) (\S+?)(?: - .*)?$", output, re.M))
    if code not in (0, 1) or (code == 1 and not failed):
        raise SystemExit(f"the baseline run failed ({code}):\n{output[-4000:]}")
    import coverage  # noqa: PLC0415 - only the baseline needs it

    data = coverage.CoverageData(basename=str(tree / ".coverage.mutation"))
    data.read()
    by_line = {}
    for spec in MODULES.values():
        filename = str((tree / spec["path"]).resolve())
        contexts = data.contexts_by_lineno(filename) if filename in data.measured_files() else {}
        by_line[spec["path"]] = {
            line: {context.rsplit("|", 1)[0] for context in names if context} for line, names in contexts.items()
        }
    return by_line, durations, failed, seconds


def tests_for(mutant, by_line, allowed, durations, failed, killers=None):
    """
    The tests that execute the mutated statement: first those that killed earlier mutants of the module
    (most kills first), then the fastest; every allowed test for code that runs only at import.
    """
    lines = by_line.get(MODULES[mutant.module]["path"], {})
    first, last = mutant.stmt_lines
    ids, executed = set(), False
    for line in range(first, last + 1):
        if line in lines:
            executed = True
            ids |= lines[line]
    if executed and not ids:  # only run at import (a module constant): every test may depend on it
        ids = {test for line_tests in lines.values() for test in line_tests}
    ids = {test for test in ids if test.split("::", 1)[0] in allowed and test not in failed}
    killers = killers or {}
    return sorted(ids, key=lambda test: (-killers.get(test, 0), durations.get(test, 1.0), test))


def run_mutant(mutant, tree, original, ids, timeout_cap, durations, startup, server=None):
    path = tree / MODULES[mutant.module]["path"]
    expected = sum(durations.get(test, 1.0) for test in ids) + startup
    timeout = min(timeout_cap, max(60.0, 3 * expected + 30))
    try:
        path.write_text(mutant.source)
        if server is None:
            code, seconds, output = run_pytest(tree, [*PYTEST_ARGS, *ids], timeout)
        else:
            module_name = MODULES[mutant.module]["path"].removesuffix(".py").replace("/", ".")
            code, seconds, output = server.run(module_name, mutant.source, str(path), [*PYTEST_ARGS, *ids], timeout)
    finally:
        path.write_text(original)
    if path.read_text() != original:
        raise SystemExit(f"{path} could not be restored")
    mutant.seconds = seconds
    if code == "timeout":
        mutant.status, mutant.detail = "killed", f"timeout after {timeout:.0f}s"
    elif code == 0:
        mutant.status = "survived"
    elif code == 1:
        failing = re.findall(r"^(?:FAILED|ERROR) (\S+)", output, re.M)
        mutant.status, mutant.detail = "killed", (failing[0] if failing else "failed")
    else:
        mutant.status, mutant.detail = "killed", f"pytest exit {code}: " + output.strip().splitlines()[-1][:120]
    return output


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=sorted(MODULES), help="only these (repeatable)")
    parser.add_argument("--suite", action="store_true", help="select from the whole SQLite unit suite")
    parser.add_argument("--jobs", type=int, default=1, help="mutants run at once (one scratch copy each)")
    parser.add_argument("--timeout", type=float, default=600, help="at most this many seconds per mutant")
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--json", help="write every mutant's outcome to this file")
    parser.add_argument("--min-score", type=float, default=0, help="exit 1 when a module scores less (%%)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copies")
    parser.add_argument("--tests", action="append", help="only these test files (repeatable), for every module")
    parser.add_argument("--without", action="append", default=[], help="leave out this test file (repeatable)")
    parser.add_argument(
        "--match", action="append", help="only the mutants whose key contains this (repeatable; a partial run)"
    )
    parser.add_argument(
        "--merge",
        nargs="+",
        metavar="JSON",
        help="no run: the table of the working tree's mutants from these --json files (per mutant the last "
        "file that ran it; a mutant none ran counts as not run)",
    )
    parser.add_argument("--no-fork", action="store_true", help="a fresh pytest process per mutant (slower)")
    parser.add_argument(
        "--ref", help="run on this commit's tree (e.g. the figures before a change), not the working tree"
    )
    args = parser.parse_args(argv)
    names = args.module or list(MODULES)

    before = {name: digest(REPO_ROOT / MODULES[name]["path"]) for name in names}
    if args.ref:
        originals = {
            name: subprocess.run(
                ["git", "show", f"{args.ref}:{MODULES[name]['path']}"],
                cwd=REPO_ROOT,
                capture_output=True,
                check=True,
                text=True,
            ).stdout
            for name in names
        }
    else:
        originals = {name: (REPO_ROOT / MODULES[name]["path"]).read_text() for name in names}
    mutants = {name: generate(name, originals[name]) for name in names}
    if args.match:
        mutants = {
            name: [m for m in group if any(part in m.key for part in args.match)] for name, group in mutants.items()
        }
    unknown = {
        (name, key) for name in names for key in EQUIVALENT.get(name, {}) if key not in {m.key for m in mutants[name]}
    }
    if args.merge:
        return merge(names, mutants, originals, args)
    if args.list:
        for name in names:
            for mutant in mutants[name]:
                print(f"{name}:{mutant.line}: {mutant.key}  in `{mutant.label}`")
        for name, key in sorted(unknown):
            print(f"(allow-list entry of {name} matches no mutant: {key})")
        return 0

    started = time.monotonic()
    servers = {}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up (finally) when stopped
    workdir = Path(tempfile.mkdtemp(prefix="ma-mutation-"))
    trees = [scratch_copy(workdir / f"tree{index}", args.ref) for index in range(max(1, args.jobs))]
    try:
        if args.suite:
            test_files = sorted(
                str(path.relative_to(REPO_ROOT))
                for path in (REPO_ROOT / "tests").rglob("test_*.py")
                if not str(path.relative_to(REPO_ROOT)).startswith(SUITE_EXCLUDE)
            )
        elif args.tests:
            test_files = sorted(set(args.tests))
        else:
            test_files = sorted({test for name in names for test in MODULES[name]["tests"]})
        test_files = [test for test in test_files if (trees[0] / test).exists() and test not in args.without]
        print(f"Baseline: {len(test_files)} test files with per-test coverage ...", flush=True)
        by_line, durations, failed, base_seconds = baseline(trees[0], test_files, timeout=3 * 3600)
        print(f"  {len(durations)} tests in {base_seconds:.0f}s", flush=True)
        for test in sorted(failed):
            print(f"  left out (fails without a mutant): {test}", flush=True)
        _, startup, _ = run_pytest(trees[0], ["--version"], 120)
        startup += 3  # Django set-up and the database

        killers = {name: {} for name in names}  # module -> test -> mutants it killed
        free = queue.Queue()
        for tree in trees:
            servers[tree] = None if args.no_fork else ForkServer(tree)
            free.put(tree)

        def work(mutant):
            allowed = set(test_files) if args.suite or args.tests else set(MODULES[mutant.module]["tests"])
            allowed -= set(args.without)
            ids = tests_for(mutant, by_line, allowed, durations, failed, killers[mutant.module])
            mutant.tests = ids
            if not ids:
                mutant.status = "not covered"
                return mutant
            tree = free.get()
            try:
                run_mutant(mutant, tree, originals[mutant.module], ids, args.timeout, durations, startup, servers[tree])
            finally:
                free.put(tree)
            if mutant.status == "killed" and "::" in mutant.detail:
                killer = mutant.detail.split(" - ")[0]
                killers[mutant.module][killer] = killers[mutant.module].get(killer, 0) + 1
            return mutant

        for name in names:
            path = MODULES[name]["path"]
            for tree in trees:  # the scratch copies run the source the mutants were made from
                (tree / path).write_text(originals[name])
            print(f"\n{name} ({path}): {len(mutants[name])} mutants", flush=True)
            with concurrent.futures.ThreadPoolExecutor(max_workers=len(trees)) as pool:
                for index, mutant in enumerate(pool.map(work, mutants[name]), start=1):
                    if mutant.key in EQUIVALENT.get(name, {}):
                        mutant.detail = f"{mutant.status}; equivalent: {EQUIVALENT[name][mutant.key]}"
                        mutant.status = "equivalent" if mutant.status != "killed" else "killed"
                    print(
                        f"  [{index}/{len(mutants[name])}] {mutant.status:<11} {mutant.seconds:5.0f}s "
                        f"{len(mutant.tests):3d} tests  line {mutant.line}: {mutant.key}  in `{mutant.label}`"
                        + (f"  ({mutant.detail})" if mutant.status == "killed" and mutant.detail else ""),
                        flush=True,
                    )
            for tree in trees:
                if (tree / path).read_text() != originals[name]:
                    raise SystemExit(f"{tree / path} was left mutated")
    finally:
        for server in servers.values():
            if server is not None:
                server.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"scratch copies kept in {workdir}")

    return report(names, mutants, originals, before, started, args)


def merge(names, mutants, originals, args):
    """
    The table from earlier runs' ``--json`` files, over the mutants generated from the working tree now:
    each takes its outcome from the last file that ran it (by module and key, so an entry is only as
    current as its function: a key is ``<function>+<line in it>``), the allow-list as it is now.
    """
    outcomes = {}
    files = {}
    for path in args.merge:
        for entry in json.loads(Path(path).read_text())["mutants"]:
            outcomes[(entry["module"], entry["key"])] = entry
            files[(entry["module"], entry["key"])] = path
    if not args.module:
        names = [name for name in names if any(module == name for module, _key in outcomes)]
    for name in names:
        for mutant in mutants[name]:
            entry = outcomes.get((name, mutant.key))
            if entry is None:
                mutant.status, mutant.detail = "not covered", "no file ran it"
                continue
            status = entry["status"]
            if status in ("survived", "not covered", "equivalent"):
                status = (
                    "equivalent"
                    if mutant.key in EQUIVALENT.get(name, {})
                    else ("survived" if status == "equivalent" else status)
                )
            mutant.status, mutant.detail = status, f"{entry['detail']} ({files[(name, mutant.key)]})"
    print("merged from: " + " ".join(args.merge))
    return report(names, mutants, originals, {}, time.monotonic(), args)


def report(names, mutants, originals, before, started, args):
    print("\n" + "=" * 100)
    selection = (
        "the whole SQLite suite" if args.suite else ("--tests " + " ".join(args.tests) if args.tests else "MODULES")
    )
    print(
        f"tree: {'commit ' + args.ref if args.ref else 'working tree'}; tests: {selection}"
        + (f"; without {' '.join(args.without)}" if args.without else "")
        + (f"; only mutants matching {' '.join(args.match)} (a partial run)" if args.match else "")
    )
    header = f"{'module':<12}{'mutants':>9}{'killed':>8}{'survived':>10}{'not run':>9}{'equivalent':>12}{'score':>9}"
    print(header)
    rows, low = [], False
    for name in names:
        group = mutants[name]
        killed = sum(m.status == "killed" for m in group)
        survived = sum(m.status == "survived" for m in group)
        uncovered = sum(m.status == "not covered" for m in group)
        equivalent = sum(m.status == "equivalent" for m in group)
        relevant = len(group) - equivalent
        score = 100.0 * killed / relevant if relevant else 100.0
        low = low or score < args.min_score
        rows.append(
            {
                "module": name,
                "mutants": len(group),
                "killed": killed,
                "survived": survived,
                "not_covered": uncovered,
                "equivalent": equivalent,
                "score": round(score, 1),
            }
        )
        print(f"{name:<12}{len(group):>9}{killed:>8}{survived:>10}{uncovered:>9}{equivalent:>12}{score:>8.1f}%")
    print(
        f"(score = killed / (mutants - equivalent); 'not run': no selected test executes the line; "
        f"{time.monotonic() - started:.0f}s in all)"
    )
    for name in names:
        alive = [m for m in mutants[name] if m.status in ("survived", "not covered")]
        if alive:
            print(f"\n--- {name}: {len(alive)} alive")
            for mutant in alive:
                print(f"\n# {mutant.status}: {mutant.key}  in `{mutant.label}`")
                print(diff(originals[name], mutant.source, MODULES[name]["path"]), end="")
        equivalent = [m for m in mutants[name] if m.status == "equivalent"]
        if equivalent:
            print(f"\n--- {name}: {len(equivalent)} equivalent (allow-list)")
            for mutant in equivalent:
                print(f"  {mutant.key}\n      {EQUIVALENT[name][mutant.key]}")
    for name in names:
        if args.ref or args.merge:
            break  # the figures are for that commit (or from earlier runs): the working tree does not matter
        path = REPO_ROOT / MODULES[name]["path"]
        if digest(path) != before[name]:
            print(f"\nNOTE: {MODULES[name]['path']} changed in the working tree during the run: run again.")
        clean = subprocess.run(["git", "diff", "--quiet", "--", MODULES[name]["path"]], cwd=REPO_ROOT).returncode
        if clean:
            print(
                f"NOTE: {MODULES[name]['path']} has uncommitted changes (not ours: mutants are written only "
                "into the scratch copy); the figures are for the working tree's version."
            )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "modules": rows,
                    "mutants": [
                        {
                            "module": m.module,
                            "key": m.key,
                            "line": m.line,
                            "status": m.status,
                            "detail": m.detail,
                            "seconds": round(m.seconds, 1),
                            "tests": len(m.tests),
                        }
                        for name in names
                        for m in mutants[name]
                    ],
                },
                indent=2,
            )
        )
    return 1 if low else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--serve"]:
        serve()
    else:
        sys.exit(main())
