"""
What an assignment's page shows of its history: each reminder with the emails it caused, the other emails,
and the audit trail in words.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ._pages import STATUS_LABELS, person_label

MESSAGE_LABELS = {
    "assigned": gettext_lazy("Assigned notice"),
    "reminder": gettext_lazy("Reminder"),
    "overdue": gettext_lazy("Overdue reminder"),
    "withdrawn": gettext_lazy("Withdrawn notice"),
    "new_cycle": gettext_lazy("New cycle notice"),
}
CHANGE_LABELS = {
    "due_date": gettext_lazy("Due date"),
    "note": gettext_lazy("Note"),
    "repeat_weeks": gettext_lazy("Repetition (weeks)"),
    "reminders": gettext_lazy("Reminders"),
    "from": gettext_lazy("from"),
    "to": gettext_lazy("to"),
    "cycle": gettext_lazy("cycle"),
    "status": gettext_lazy("status"),
    "course_key": gettext_lazy("course"),
    "previous": gettext_lazy("previous cycle"),
    "course_reset": gettext_lazy("course reset"),
    "queued": gettext_lazy("queued"),
    "reason": gettext_lazy("reason"),
}
# What completed a cycle (``CompletedCycle.evidence``), in words.
EVIDENCE_LABELS = {
    "passing": gettext_lazy("Course passed"),
    "passing_status": gettext_lazy("Course passed"),
    "grade_summary": gettext_lazy("Passing grade"),
    "grade": gettext_lazy("Passing grade"),
    "certificate": gettext_lazy("Certificate"),
}
# Changes whose values are status codes, shown as the statuses' names.
STATUS_KEYS = ("from", "to", "status")


def _labelled(deliveries):
    for delivery in deliveries:
        delivery.message_label = MESSAGE_LABELS.get(delivery.message, delivery.message)
        delivery.reason_label = reason_text(delivery.reason)
    return deliveries


def reason_text(reason):
    """
    Why an email was skipped, in the reader's language: the reasons are stored in English, each marked
    with ``gettext_noop`` where it is written; one the catalog does not know is shown as stored.
    """
    return _(reason) if reason else ""


def cycles_with_evidence(cycles):
    """The completed cycles, each with ``evidence_label``: what completed it, in words."""
    cycles = list(cycles)
    for cycle in cycles:
        cycle.evidence_label = EVIDENCE_LABELS.get(cycle.evidence, cycle.evidence)
    return cycles


def reminder_table(assignment, deliveries):
    """Each reminder with the emails it caused (every cycle and due date), and the other emails."""
    reminder_messages = ("reminder", "overdue")
    table = []
    used = set()
    for row in assignment.reminder_rows.all():
        sent = [
            delivery
            for delivery in deliveries
            if delivery.message in reminder_messages
            and delivery.reminder_days == row.days
            and delivery.recipient_kind == row.recipient
        ]
        used.update(delivery.pk for delivery in sent)
        table.append({"reminder": row, "when": days_text(row.days), "deliveries": _labelled(sent)})
    others = [delivery for delivery in deliveries if delivery.pk not in used]
    return table, _labelled(others)


def days_text(days):
    """A reminder's moment in words: "3 days before the due date", "On the due date", "1 day after…"."""
    if days > 0:
        return ngettext("{n} day before the due date", "{n} days before the due date", days).format(n=days)
    if days == 0:
        return _("On the due date")
    return ngettext("{n} day after the due date", "{n} days after the due date", -days).format(n=-days)


def audit_rows(entries):
    rows = []
    for entry in entries:
        rows.append(
            {
                "entry": entry,
                "action": entry.get_action_display(),
                "actor": person_label(entry.actor) if entry.actor_id else _("the system"),
                "changes": _change_lines(entry.changes, pairs=entry.action == "updated"),
            }
        )
    return rows


def _change_lines(changes, pairs=False):
    """An audit entry's changes, one line each; an edit's changes are ``[before, after]`` pairs."""
    lines = []
    for name, value in (changes or {}).items():
        if pairs and isinstance(value, list) and len(value) == 2:
            before, after = value
            lines.append(f"{CHANGE_LABELS.get(name, name)}: {_shown(name, before)} \u2192 {_shown(name, after)}")
        else:
            lines.append(f"{CHANGE_LABELS.get(name, name)}: {_shown(name, value)}")
    return lines


def _shown(name, value):
    """One recorded value as the reader reads it: statuses and reasons in words, yes or no."""
    if name in STATUS_KEYS and value in STATUS_LABELS:
        return str(STATUS_LABELS[value])
    if name == "reason" and isinstance(value, str):
        return reason_text(value) or "\u2013"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return _plain(value)


def _plain(value):
    if isinstance(value, list):
        return "; ".join(_plain(item) for item in value) or "\u2013"
    if isinstance(value, dict):
        if {"days", "recipient"} <= set(value):
            text = f"{value['days']} / {value['recipient']}"
            return text + (f" / {value['template']}" if value.get("template") else "")
        return ", ".join(f"{CHANGE_LABELS.get(key, key)}: {_shown(key, item)}" for key, item in value.items())
    return "\u2013" if value in (None, "") else str(value)
