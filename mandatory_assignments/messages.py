"""
The ACE (edx-ace) messages of mandatory assignments, and what goes into them.

Exactly five message types, each with its templates under
``templates/mandatory_assignments/edx_ace/<name>/email/``: ``assigned``, ``reminder`` (before and on the
due date), ``overdue`` (dunning), ``withdrawn`` and ``new_cycle``. The message type classes subclass the
platform's ``BaseMessageType`` (it sets the site's from-address), which is only importable inside the
LMS, so they are built on first use by :func:`message_type`.

Every message is rendered in its recipient's language. Nothing in a context may trip the platform's
course-email opt-out policy: there is no ``course_ids`` key, ever.
"""

import logging

from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from . import compat, email_templates, rules
from .message_context import (  # noqa: F401  (the message names are part of this module's interface)
    APP_LABEL,
    ASSIGNED,
    MESSAGE_NAMES,
    NEW_CYCLE,
    NOTICE_MESSAGES,
    OVERDUE,
    REMINDER,
    REMINDER_MESSAGES,
    WITHDRAWN,
    Facts,
    build_context,
    facts_of_assignment,
    language_of,
    placeholder_values,
    prefetched,
    prefetched_for,
    site_for,
)
from .models import EmailTemplate, Reminder

log = logging.getLogger(__name__)

_MESSAGE_TYPES = {}


# Message types ------------------------------------------------------------------------------------


def message_type(name):
    """
    The ACE message type class called ``name`` (one of :data:`MESSAGE_NAMES`), built on first use as
    a subclass of the platform's ``BaseMessageType``.
    """
    if name not in MESSAGE_NAMES:
        raise ValueError(f"unknown message type {name!r}")
    if name not in _MESSAGE_TYPES:
        _MESSAGE_TYPES[name] = _build_message_type(name)
    return _MESSAGE_TYPES[name]


def _build_message_type(name):
    base = compat.base_message_type()

    def __init__(self, *args, **kwargs):
        base.__init__(self, *args, **kwargs)
        # Service emails about a binding obligation: the transactional channel, not a marketing one.
        self.options["transactional"] = True

    class_name = "".join(part.capitalize() for part in name.split("_")) + "Message"
    return type(
        class_name,
        (base,),
        {"APP_LABEL": APP_LABEL, "NAME": name, "__init__": __init__, "__module__": __name__},
    )


# Deciding ----------------------------------------------------------------------------------------


def facts_of_delivery(delivery_row, as_of=None):
    """
    What the email of this delivery names, with the status as of ``as_of`` (default: now). Notices
    (assigned, withdrawn) carry their own copy of the assignment's data: they go out even when the
    assignment is gone by then.
    """
    assignment = delivery_row.assignment
    if assignment is not None and delivery_row.message not in (ASSIGNED, WITHDRAWN):
        return facts_of_assignment(assignment, delivery_row.reminder_days, delivery_row.due_date, as_of)
    if delivery_row.message == WITHDRAWN:
        status = WITHDRAWN
    else:
        status = assignment.status if assignment is not None else rules.ASSIGNED
    return Facts(
        user=delivery_row.user,
        assigned_by=assignment.assigned_by if assignment is not None else None,
        target_key=delivery_row.target_key,
        target_type=delivery_row.target_type or "course",
        due_date=delivery_row.due_date,
        note=delivery_row.note,
        cycle=delivery_row.cycle,
        status=status,
        reminder_days=delivery_row.reminder_days,
        assignment_id=delivery_row.assignment_id,
        repeat_weeks=assignment.repeat_weeks if assignment is not None else None,
    )


def reason_not_to_send(delivery_row, as_of=None):
    """
    Why this delivery must not be sent now, as of ``as_of`` (default: now) — a short English reason for
    the records (marked for translation: the staff pages show it in the reader's language) — or ``None``.
    """
    recipient = delivery_row.recipient
    if recipient is None:
        return gettext_noop("the recipient no longer exists")
    if not recipient.is_active:
        return gettext_noop("the recipient's account is not active")
    if not recipient.email:
        return gettext_noop("the recipient has no email address")
    if delivery_row.user is None:
        return gettext_noop("the person no longer exists")
    if delivery_row.message not in REMINDER_MESSAGES:
        return None
    assignment = delivery_row.assignment
    if assignment is None:
        return gettext_noop("the assignment was withdrawn")
    if assignment.completed_at is not None:
        return gettext_noop("the assignment is completed")
    if assignment.cycle != delivery_row.cycle:
        return gettext_noop("the assignment is in another cycle now")
    if assignment.due_date != delivery_row.due_date:
        return gettext_noop("the due date was changed")
    return rules.reminder_out_of_time(delivery_row.message == OVERDUE, as_of or timezone.now(), assignment.deadline)


# Composing ----------------------------------------------------------------------------------------


def _custom_template(delivery_row):
    """The custom email template the reminder of this delivery names, or ``None``."""
    if delivery_row.message not in REMINDER_MESSAGES:
        return None
    key = (delivery_row.assignment_id, delivery_row.reminder_days, delivery_row.recipient_kind)
    if found := prefetched_for([delivery_row.assignment_id], "assignments"):
        name = found.templates.get(key)
    else:
        name = (
            Reminder.objects.filter(assignment_id=key[0], days=key[1], recipient=key[2])
            .values_list("template", flat=True)
            .first()
        )
    if not name:
        return None
    template = EmailTemplate.objects.filter(name=name).first()
    if template is None:
        log.warning("Email template %r of assignment %s is gone: the default is used", name, delivery_row.assignment_id)
    return template


def _with_custom_template(context, template, language):
    with translation.override(language):
        rendered = email_templates.render_template(template, placeholder_values(context))
    context.update(
        {
            "custom_template": template.name,
            "custom_subject": rendered["subject"],
            "custom_text": rendered["text"],
            "custom_html": rendered["html"],
        }
    )
    return context


def compose(name, facts, recipient, recipient_kind, site, template=None):
    """The edx-ace message ``name`` about ``facts`` to ``recipient``, in the recipient's language."""
    from edx_ace.recipient import Recipient  # pylint: disable=import-outside-toplevel

    language = language_of(recipient)
    context = build_context(name, facts, recipient, recipient_kind, site, language)
    if template is not None:
        context = _with_custom_template(context, template, language)
    return message_type(name)(context=context).personalize(
        recipient=Recipient(lms_user_id=recipient.id, email_address=recipient.email),
        language=language,
        user_context={},
    )


def compose_for_delivery(delivery_row, site=None, as_of=None):
    """
    The message of a claimed delivery row (``assignment``, its people and ``recipient`` loaded), for
    ``site`` (default: the site of the person's company), its status told as of ``as_of`` (default: now).
    """
    site = site or site_for(delivery_row.user)
    # BaseMessageType reads the site's from-address when it is created: create it inside the site.
    with compat.emulate_http_request(site=site, user=delivery_row.recipient):
        return compose_in_request(delivery_row, site, as_of)


def compose_in_request(delivery_row, site, as_of=None):
    """
    :func:`compose_for_delivery` for a caller already inside ``compat.emulate_http_request(site=site,
    user=delivery_row.recipient)`` — the sender, which composes and hands over in one emulated request.
    """
    return compose(
        delivery_row.message,
        facts_of_delivery(delivery_row, as_of),
        delivery_row.recipient,
        delivery_row.recipient_kind,
        site,
        template=_custom_template(delivery_row),
    )
