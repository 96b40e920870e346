"""
Custom email templates: safe ``{{ name }}`` substitution, nothing else.

Staff write custom reminder emails in the Django admin. Those texts are not trusted as code: they are
never given to Django's (or any other) template engine, so they cannot load tags, reach attributes
(``{{ user.password }}``), include files or loop. The only thing a template can do is name one of the
:data:`PLACEHOLDERS`, which are the same values the default templates receive in their context.
"""

import re

import nh3
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The values a template author may use, each with a description for the admin's help text.
PLACEHOLDERS = {
    "learner_name": gettext_lazy("The name of the person the assignment is for."),
    "recipient_name": gettext_lazy(
        "The name of the person this email goes to (the learner, the assigner or a manager)."
    ),
    "recipient_role": gettext_lazy("Who this email goes to: the person, the assigning person or a manager."),
    "assigned_by_name": gettext_lazy("The name of the person who made the assignment."),
    "target_name": gettext_lazy("The name of the course or learning path."),
    "target_type": gettext_lazy("“course” or “learning path”."),
    "target_url": gettext_lazy("The link to the course or learning path."),
    "due_date": gettext_lazy("The due date, written in the recipient's language."),
    "time_zone": gettext_lazy("The learner's time zone: the deadline is the end of the due date there."),
    "note": gettext_lazy("The note the assigning person wrote (may be empty)."),
    "days": gettext_lazy("For reminders: the number of days before (or, when overdue, after) the due date."),
    "cycle": gettext_lazy("The number of the current cycle of a repeating assignment (1 for the first)."),
    "status": gettext_lazy("The current status: assigned, in progress, completed or overdue."),
    "my_assignments_url": gettext_lazy("The link to the learner's “My mandatory assignments” page."),
    "platform_name": gettext_lazy("The name of the platform."),
}

# ``{{ name }}`` with optional spaces; the name is a plain identifier (no dots, filters or calls).
PLACEHOLDER_RE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
# Anything between ``{{`` and ``}}``, to report what is not a plain name.
ANY_EXPRESSION_RE = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
TAG_RE = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def template_errors(text):
    """
    The problems of a custom template text (subject or body), as translated messages; empty when it is
    fine. Reports unknown placeholders, expressions that are not plain names, template tags and
    unbalanced braces.
    """
    text = text or ""
    errors = []
    for match in TAG_RE.finditer(text):
        errors.append(
            _("{tag} is not allowed: templates support only placeholders such as {{{{ learner_name }}}}.").format(
                tag=match.group(0)
            )
        )
    without_tags = TAG_RE.sub("", text)
    if "{%" in without_tags or "%}" in without_tags or "{#" in without_tags or "#}" in without_tags:
        errors.append(_("Template tags ({% … %}) and comments ({# … #}) are not allowed."))
    for match in ANY_EXPRESSION_RE.finditer(without_tags):
        inner = match.group(1)
        name_match = PLACEHOLDER_RE.fullmatch(match.group(0))
        if "{{" in inner or name_match is None:
            errors.append(
                _("{expression} is not a placeholder: write a plain name such as {{{{ learner_name }}}}.").format(
                    expression=match.group(0)
                )
            )
        elif name_match.group(1) not in PLACEHOLDERS:
            errors.append(
                _("{expression} is not a known placeholder. Known placeholders: {names}.").format(
                    expression=match.group(0), names=", ".join(sorted(PLACEHOLDERS))
                )
            )
    leftover = ANY_EXPRESSION_RE.sub("", without_tags)
    if "{{" in leftover or "}}" in leftover:
        errors.append(_("A placeholder is not closed: write {{ name }} with both pairs of braces."))
    return errors


def _html_value(value):
    # Every value is escaped; line breaks (in the note) stay visible as <br>.
    return escape(value).replace("\r\n", "\n").replace("\n", "<br>")


def render(text, values, *, html):
    """
    ``text`` with each ``{{ name }}`` replaced by ``values[name]``; nothing else is evaluated.

    With ``html`` every value is HTML-escaped (the template's own markup, written by staff in the
    admin, is kept as it is); without, values are inserted as they are (plain-text bodies). A name
    that is not a placeholder renders as nothing: saving a template or a reminder rejects such names.
    """

    def replace(match):
        name = match.group(1)
        if name not in PLACEHOLDERS:
            return ""
        value = values.get(name)
        value = "" if value is None else str(value)
        return _html_value(value) if html else value

    return PLACEHOLDER_RE.sub(replace, text or "")


def render_subject(text, values):
    """A subject line: plain text, on one line."""
    return " ".join(render(text, values, html=False).split())


def render_html_from_text(text, values):
    """An HTML body for a template that has only a text body: the text, escaped, with its line breaks."""
    return _html_value(render(text, values, html=False))


def sanitize_html(html):
    """
    Staff-written email HTML without scripts, event handlers, styles that load things, or unknown tags:
    nh3's safe defaults (links keep ``rel="noopener noreferrer"``). Placeholders are plain text and stay.
    """
    return nh3.clean(html or "") if (html or "").strip() else ""


def render_template(template, values):
    """``{"subject", "text", "html"}`` of a custom :class:`~mandatory_assignments.models.EmailTemplate`."""
    if (template.body_html or "").strip():
        html = render(sanitize_html(template.body_html), values, html=True)
    else:
        html = render_html_from_text(template.body_text, values)
    return {
        "subject": render_subject(template.subject, values),
        "text": render(template.body_text, values, html=False),
        "html": html,
    }
