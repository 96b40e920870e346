"""
What the emails of mandatory assignments say besides their facts: each message's heading (also its
subject) and introduction, the greeting and the labels of the shared layout — translated once per email
in the active language, into plain text that the templates only place (the HTML body escapes it).

The message templates (``templates/mandatory_assignments/edx_ace/<name>/email/``) hold the layout; the
sentences are here so that an email is worded once rather than once per part (subject, HTML and text),
at the cost of a ``gettext`` a sentence instead of a template tag (issue 10: a reminder rendered in
about a quarter of the time). The message ids are those the templates had, so the catalogs still apply.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def _student(context):
    return context["recipient_role"] == "student"


def _heading(name, c):
    if name == "reminder":
        if _student(c):
            return _("Reminder: %(target_name)s is due %(due_date)s") % c
        return _("Reminder: %(target_name)s for %(learner_name)s is due %(due_date)s") % c
    if name == "overdue":
        if _student(c):
            return _("Overdue: %(target_name)s was due %(due_date)s") % c
        return _("Overdue: %(target_name)s for %(learner_name)s was due %(due_date)s") % c
    if name == "assigned":
        return _("New mandatory assignment: %(target_name)s") % c
    if name == "withdrawn":
        return _("Withdrawn: %(target_name)s") % c
    return _("New cycle: %(target_name)s is due again %(due_date)s") % c


def _as_role(c):
    return " " + _("You receive this email as %(recipient_role_label)s.") % c


def _reminder_intro(c):
    days = c["days"]
    values = {**c, "counter": days}
    if _student(c):
        if days > 0:
            return ngettext(
                "This is a reminder: please complete the %(target_type_label)s %(target_name)s by "
                "%(due_date_full)s. It is due in %(counter)s day.",
                "This is a reminder: please complete the %(target_type_label)s %(target_name)s by "
                "%(due_date_full)s. It is due in %(counter)s days.",
                days,
            ) % values
        return _(
            "This is a reminder: the %(target_type_label)s %(target_name)s is due today, %(due_date)s. Please "
            "complete it by the end of the day."
        ) % c
    if days > 0:
        text = ngettext(
            "%(learner_name)s has not completed the mandatory %(target_type_label)s %(target_name)s yet. It is "
            "due %(due_date)s, in %(counter)s day.",
            "%(learner_name)s has not completed the mandatory %(target_type_label)s %(target_name)s yet. It is "
            "due %(due_date)s, in %(counter)s days.",
            days,
        ) % values
    else:
        text = _(
            "%(learner_name)s has not completed the mandatory %(target_type_label)s %(target_name)s yet. It is "
            "due today, %(due_date)s."
        ) % c
    return text + _as_role(c)


def _intro(name, c):
    if name == "reminder":
        return _reminder_intro(c)
    if name == "overdue":
        if _student(c):
            return _(
                "The mandatory %(target_type_label)s %(target_name)s was due %(due_date)s and is not completed "
                "yet. Please complete it as soon as possible."
            ) % c
        return _(
            "%(learner_name)s has not completed the mandatory %(target_type_label)s %(target_name)s, which was due "
            "%(due_date)s."
        ) % c + _as_role(c)
    if name == "assigned":
        if c["assigned_by_name"]:
            return _(
                "%(assigned_by_name)s has assigned the %(target_type_label)s %(target_name)s to you as a mandatory "
                "assignment. Please complete it by %(due_date_full)s."
            ) % c
        return _(
            "The %(target_type_label)s %(target_name)s has been assigned to you as a mandatory assignment. Please "
            "complete it by %(due_date_full)s."
        ) % c
    if name == "withdrawn":
        return _(
            "The mandatory assignment of the %(target_type_label)s %(target_name)s, due %(due_date)s, has been "
            "withdrawn: you no longer have to complete it by that date. Your access to the %(target_type_label)s "
            "stays as it was."
        ) % c
    return _(
        "The %(target_type_label)s %(target_name)s is a recurring mandatory assignment, and a new cycle (number "
        "%(cycle)s) has started. Please complete it again by %(due_date_full)s."
    ) % c


def email_wording(name, context):
    """
    The sentences and labels of message ``name`` for ``context`` (the facts of ``build_context``), in the
    active language: ``heading``, ``intro``, ``greeting`` and ``labels``.
    """
    c = {key: "" if value is None else value for key, value in context.items()}
    return {
        "heading": _heading(name, c),
        "intro": _intro(name, c),
        "greeting": _("Hello %(recipient_name)s,") % c,
        "labels": {
            "assigned_to": _("Assigned to"),
            "target": _("Learning path") if c["target_type"] == "path" else _("Course"),
            "due_date": _("Due date"),
            "status": _("Status"),
            "cycle": _("cycle %(cycle)s") % c,
            "repeats": _("Repeats"),
            "note": _("Note"),
            "my_assignments": _("My mandatory assignments"),
            "assignment_page": _("The assignment's page:"),
            "listed": _("All mandatory assignments are listed on the My mandatory assignments page:"),
            "questions": _("Questions? Write to %(contact_email)s.") % c,
        },
    }
