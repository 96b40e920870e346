"""
The bulk wizard's memory: what was chosen so far (in the session, one wizard per page scope), its steps,
and the results of confirmed batches (kept in the session, so only their author can read them).
"""

import uuid

from django.utils.translation import gettext_lazy

STEPS = (
    ("basic", gettext_lazy("Basic info")),
    ("people", gettext_lazy("People")),
    ("reminders", gettext_lazy("Reminders")),
    ("preview", gettext_lazy("Preview")),
    ("confirm", gettext_lazy("Confirm")),
)
RESULTS_KEPT = 5


def session_key(scope):
    return f"mandatory_assignments.bulk.{scope.session_key}"


def state(request, scope):
    return request.session.get(session_key(scope)) or {}


def save_state(request, scope, answers):
    request.session[session_key(scope)] = answers
    request.session.modified = True


def clear_state(request, scope):
    request.session.pop(session_key(scope), None)


def steps(current):
    """The steps for the step indicator: those before ``current`` are done (all of them after Confirm)."""
    done = True
    items = []
    for key, label in STEPS:
        if key == current:
            done = False
        items.append({"key": key, "label": label, "current": key == current, "done": done and key != current})
    return items


def has_people(people):
    return any(people.get(name) for name in ("users", "departments", "cohorts", "teams", "pasted"))


def remember_result(request, scope, result):
    """Keep a confirmed batch's result in the session; returns the token of its result page."""
    token = uuid.uuid4().hex
    results = dict(request.session.get(results_key(scope)) or {})
    results[token] = result
    # Keep the latest few results only.
    for old in list(results)[:-RESULTS_KEPT]:
        results.pop(old)
    request.session[results_key(scope)] = results
    return token


def results_key(scope):
    return f"mandatory_assignments.bulk_results.{scope.session_key}"
