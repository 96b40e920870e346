"""
The learner's own pages: "My mandatory assignments" (``/mandatory_assignments/my/``) with the email
switch and the calendar, an iCalendar file per assignment, and the subscribable calendar feed.

Every page shows the caller's own assignments only; another person's assignment answers 404. The feed
is the one URL without login: calendar clients send no cookies, so its secret token names the person.
"""

import functools

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_POST

from .. import api, calendar, learner, preferences
from ..conf import setting
from ..models import Assignment

MY_PAGE = "mandatory_assignments:learner-my"
ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


def _learner_page(view):
    """The feature switch (404), then the login (the LMS's login page, back here afterwards)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not setting("ENABLED"):
            raise Http404
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), getattr(settings, "LOGIN_URL", None))
        with timezone.override(api.user_time_zone(request.user)):
            return view(request, *args, **kwargs)

    return wrapper


@never_cache
@require_GET
@_learner_page
def my_assignments(request):
    """The learner's assignments, their email switch and their calendar."""
    data = learner.my_assignments(request.user)
    token = calendar.feed_token(request.user)
    context = {
        "data": data,
        "assignments": data["assignments"],
        "completed_cycles": data["completed_cycles"],
        "time_zone": data["time_zone"],
        "email_reminders": preferences.email_reminders_enabled(request.user),
        "feed_url": calendar.feed_url(token) if token else "",
        "email_form_url": reverse("mandatory_assignments:learner-email"),
        "calendar_form_url": reverse("mandatory_assignments:learner-calendar"),
        "lms_root_url": getattr(settings, "LMS_ROOT_URL", "") or "/",
        "messages": flash.get_messages(request),
    }
    return render(request, "mandatory_assignments/learner/my_assignments.html", context)


@csrf_protect
@require_POST
@_learner_page
def set_email_reminders(request):
    """The email switch: ``email_reminders`` = ``on`` or ``off``."""
    choice = request.POST.get("email_reminders")
    if choice not in ("on", "off"):
        flash.error(request, _("Choose whether you want reminder emails."))
        return redirect(MY_PAGE)
    enabled = choice == "on"
    preferences.set_email_reminders(request.user, enabled, requesting_user=request.user)
    if enabled:
        flash.success(request, _("Reminder emails are on."))
    else:
        flash.success(
            request,
            _("Reminder emails are off. Your due dates stand: you still have to complete your assignments on time."),
        )
    return redirect(MY_PAGE)


@csrf_protect
@require_POST
@_learner_page
def manage_calendar_feed(request):
    """``action`` = ``create`` (a new secret link; an old one stops working) or ``revoke``."""
    action = request.POST.get("action")
    if action == "create":
        calendar.new_feed_token(request.user)
        flash.success(request, _("Your calendar link is ready. Copy it into your calendar app."))
    elif action == "revoke":
        calendar.revoke_feed_token(request.user)
        flash.success(request, _("Your calendar link no longer works. Calendars subscribed to it stop updating."))
    else:
        flash.error(request, _("Unknown calendar action."))
    return redirect(MY_PAGE)


def _ics_response(content, filename):
    response = HttpResponse(content, content_type=ICS_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-cache"
    return response


@require_GET
@_learner_page
def assignment_ics(request, assignment_id):
    """One of the learner's assignments as an iCalendar file; anyone else's answers 404."""
    assignment = Assignment.objects.filter(pk=assignment_id, user=request.user).first()
    if assignment is None or not calendar.is_due_in_calendar(assignment):
        raise Http404
    return _ics_response(calendar.assignment_ics(request.user, assignment), f"mandatory-assignment-{assignment.pk}.ics")


@require_GET
def calendar_feed(request, token):
    """The subscribable feed of the person whose secret token is in the URL; a wrong or revoked token: 404."""
    if not setting("ENABLED"):
        raise Http404
    user = calendar.user_for_token(token)
    if user is None:
        raise Http404
    return _ics_response(calendar.feed_ics(user), "mandatory-assignments.ics")
