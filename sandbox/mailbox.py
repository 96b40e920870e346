"""
The demo's mailbox: the emails Django's file backend wrote to ``EMAIL_FILE_PATH``, read back and shown in
the browser (``/sandbox/emails/``), newest first.

The file backend writes one file per connection, each message followed by a line of 79 dashes. Global
staff see every message; anyone else signed in sees the messages addressed to them.
"""

import email
import email.policy
import email.utils
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
PAGE_SIZE = 20
# The HTML body runs in a sandboxed frame: no scripts, no forms, no access to this page; its links open
# in a new tab (a page of the LMS refuses to be framed).
BASE_TARGET = '<base target="_blank">'


@dataclass
class Email:
    anchor: str
    sent: datetime
    subject: str
    from_: str
    to: list
    text: str
    html: str


def mailbox_dir():
    """Where the file backend writes, or None when the sandbox sends emails some other way."""
    if settings.EMAIL_BACKEND != FILE_BACKEND:
        return None
    return Path(settings.EMAIL_FILE_PATH)


def read_emails(directory):
    """Every message in the backend's files, newest first (by their Date header, then by file)."""
    messages = []
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except FileNotFoundError:
        return []
    for entry in entries:
        if not entry.is_file():
            continue
        # Bytes, not text: the email package decodes an 8bit body of a str message as raw-unicode-escape.
        raw = Path(entry.path).read_bytes()
        chunks = [chunk for chunk in raw.split(SEPARATOR) if chunk.strip()]
        for number, chunk in enumerate(chunks, start=1):
            messages.append(parse_email(chunk, anchor=f"{Path(entry.name).stem}-{number}", file_time=entry.stat()))
    messages.sort(key=lambda message: (message.sent, message.anchor), reverse=True)
    return messages


def parse_email(raw, *, anchor, file_time):
    """One message of a backend file: its headers and its plain-text and HTML bodies."""
    message = email.message_from_bytes(raw.lstrip(b"\n"), policy=email.policy.default)
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    return Email(
        anchor=anchor,
        sent=_sent(message, file_time),
        subject=str(message.get("Subject", "")),
        from_=str(message.get("From", "")),
        to=[address for __, address in email.utils.getaddresses([str(value) for value in message.get_all("To", [])])],
        text=plain.get_content() if plain is not None else "",
        html=html.get_content() if html is not None else "",
    )


def _sent(message, file_time):
    try:
        sent = email.utils.parsedate_to_datetime(str(message["Date"]))
    except (TypeError, ValueError):
        sent = None
    if sent is None:
        return datetime.fromtimestamp(file_time.st_mtime, tz=UTC)
    return sent if sent.tzinfo else sent.replace(tzinfo=UTC)


def framed(html):
    """The HTML body with its links opening in a new tab, for the sandboxed frame's ``srcdoc``."""
    if not html:
        return ""
    head = re.search(r"<head[^>]*>", html, flags=re.IGNORECASE)
    if head is None:
        return BASE_TARGET + html
    return html[: head.end()] + BASE_TARGET + html[head.end() :]


def sees_every_email(user):
    return user.is_superuser or user.is_staff


@login_required
def emails(request):
    """The emails the demo sent, newest first: subject, recipients, the text and the HTML as sent."""
    directory = mailbox_dir()
    messages = read_emails(directory) if directory else []
    everyone = sees_every_email(request.user)
    if not everyone:
        own = (request.user.email or "").lower()
        messages = [message for message in messages if own and own in (address.lower() for address in message.to)]
    page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
    for message in page.object_list:
        message.framed_html = framed(message.html)
    return render(
        request,
        "sandbox/emails.html",
        {"page": page, "directory": directory, "everyone": everyone, "backend": settings.EMAIL_BACKEND},
    )
