"""
Django admin of mandatory assignments.

The admin is where operators and global staff *look*: per assignment, its reminders, every email that
was sent (to whom and when) or skipped (and why), its completed cycles and its audit trail. It is not
where assignments are made or changed. Creating, editing and withdrawing go through
``mandatory_assignments.api`` (the pages and the REST API use it), which enrolls people, checks due
dates, permissions and companies, recalculates reminders, writes the audit trail and sends the emails;
a form that wrote the rows directly would skip all of that. So:

- assignments, reminders, deliveries, completed cycles, course evidence, audit entries and bulk jobs are
  read-only here (no add, no change, no delete); the one write on assignments is the "Withdraw" action,
  which calls ``api.withdraw`` like the pages do;
- the manager relation and the custom email templates are kept here (SPEC: "kept in the Django admin"),
  with the same validation as elsewhere.
"""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import api, rules
from .email_templates import PLACEHOLDERS, sanitize_html, template_errors
from .models import (
    Assignment,
    AuditEntry,
    BulkJob,
    CompletedCycle,
    CourseEvidence,
    Delivery,
    EmailTemplate,
    ManagerRelation,
    Reminder,
)

STATUS_LABELS = dict(rules.STATUS_CHOICES)

# Read-only building blocks ------------------------------------------------------------------------


class ReadOnlyAdminMixin:
    """Viewing only: the rows are written by ``api`` (see the module docstring)."""

    def has_add_permission(self, request, obj=None):  # obj: inlines pass it
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class ReadOnlyModelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]


# Assignments --------------------------------------------------------------------------------------


class StatusFilter(admin.SimpleListFilter):
    """The status computed for now (the stored ``recorded_status`` may lag until the next tick)."""

    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return rules.STATUS_CHOICES

    def queryset(self, request, queryset):
        if self.value() in rules.STATUSES:
            return queryset.filter(api.status_q([self.value()]))
        return queryset


class ReminderInline(ReadOnlyInline):
    model = Reminder
    fields = ("days", "recipient", "template", "fire_at")
    verbose_name_plural = _("Reminders (next moment to fire, in UTC; empty: none pending)")


class DeliveryInline(ReadOnlyInline):
    model = Delivery
    fields = (
        "message",
        "cycle",
        "reminder_days",
        "recipient_kind",
        "recipient",
        "due_date",
        "state",
        "reason",
        "sent_at",
        "attempts",
    )
    verbose_name_plural = _("Emails: sent, pending and skipped")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recipient")


class CompletedCycleInline(ReadOnlyInline):
    model = CompletedCycle
    fields = ("cycle", "due_date", "completed_at", "evidence")
    verbose_name_plural = _("Completed cycles")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyModelAdmin):
    """
    Assignments, read-only: staff assign, edit and withdraw on the plugin's pages or through the REST
    API, which apply the rules (due dates, permissions, reminders, emails, audit). The "Withdraw" action
    calls ``api.withdraw`` and so follows them too.
    """

    list_display = ("id", "user", "target_key", "due_date", "status_display", "cycle", "repeat_weeks", "assigned_by")
    list_filter = (StatusFilter, "target_type", "repeat_weeks")
    list_select_related = ("user", "assigned_by")
    search_fields = ("user__username", "user__email", "target_key")
    raw_id_fields = ("user", "assigned_by")
    date_hierarchy = "due_date"
    ordering = ("-id",)
    inlines = (ReminderInline, DeliveryInline, CompletedCycleInline)
    actions = ("withdraw_selected",)

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "status_display", "audit_trail"]

    @admin.display(description=_("status"))
    def status_display(self, obj):
        return STATUS_LABELS.get(obj.status, obj.status)

    @admin.display(description=_("audit trail"))
    def audit_trail(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        url = reverse("admin:mandatory_assignments_auditentry_changelist")
        return format_html('<a href="{}?assignment_id={}">{}</a>', url, obj.pk, _("Who did what, and when"))

    def has_withdraw_permission(self, request):
        """Withdrawing changes data: it needs the change permission, not only "view"."""
        opts = self.opts
        return request.user.has_perm(f"{opts.app_label}.change_{opts.model_name}")

    @admin.action(description=_("Withdraw the selected assignments (emails the people)"), permissions=["withdraw"])
    def withdraw_selected(self, request, queryset):
        withdrawn, refused = 0, []
        for assignment in queryset.select_related("user"):
            try:
                api.withdraw(assignment, by=request.user)
            except api.AssignmentError as exc:
                refused.append(f"#{assignment.pk}: {exc.message}")
            else:
                withdrawn += 1
        if withdrawn:
            self.message_user(
                request,
                ngettext("%(count)d assignment withdrawn.", "%(count)d assignments withdrawn.", withdrawn)
                % {"count": withdrawn},
                messages.SUCCESS,
            )
        if refused:
            self.message_user(request, _("Not withdrawn: %(list)s") % {"list": "; ".join(refused)}, messages.ERROR)


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyModelAdmin):
    list_display = ("assignment", "days", "recipient", "template", "fire_at")
    list_filter = ("recipient",)
    list_select_related = ("assignment",)
    search_fields = ("assignment__user__username", "assignment__target_key", "template")
    raw_id_fields = ("assignment",)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyModelAdmin):
    """Every email of every assignment: what was sent, to whom and when; what was skipped, and why."""

    list_display = ("assignment", "message", "recipient_kind", "recipient", "state", "reason", "sent_at", "attempts")
    list_filter = ("state", "message", "recipient_kind")
    list_select_related = ("assignment", "recipient")
    search_fields = ("assignment__user__username", "recipient__username", "assignment__target_key", "=assignment__id")
    raw_id_fields = ("assignment", "recipient")
    ordering = ("-id",)


@admin.register(CompletedCycle)
class CompletedCycleAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "target_key", "cycle", "due_date", "completed_at", "evidence")
    list_filter = ("evidence",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__email", "target_key")
    raw_id_fields = ("assignment", "user")
    date_hierarchy = "completed_at"


@admin.register(CourseEvidence)
class CourseEvidenceAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "course_key", "passed_at", "evidence", "modified")
    list_filter = ("evidence",)
    list_select_related = ("user",)
    search_fields = ("user__username", "course_key")
    raw_id_fields = ("user",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    list_display = ("created", "action", "assignment_id", "target_key", "user", "actor")
    list_filter = ("action",)
    list_select_related = ("user", "actor")
    search_fields = ("=assignment_id", "target_key", "user__username", "actor__username")
    raw_id_fields = ("user", "actor")
    ordering = ("-created", "-id")


@admin.register(BulkJob)
class BulkJobAdmin(ReadOnlyModelAdmin):
    list_display = ("task_id", "requested_by", "target_key", "state", "done", "total", "created", "modified")
    list_filter = ("state",)
    list_select_related = ("requested_by",)
    search_fields = ("task_id", "target_key", "requested_by__username")
    raw_id_fields = ("requested_by",)
    ordering = ("-created",)


# Kept in the admin --------------------------------------------------------------------------------


class ManagerRelationForm(forms.ModelForm):
    class Meta:
        model = ManagerRelation
        fields = ("user", "manager")

    def clean(self):
        cleaned = super().clean()
        user, manager = cleaned.get("user"), cleaned.get("manager")
        if user is not None and manager is not None and user.pk == manager.pk:
            raise forms.ValidationError(_("A person cannot be their own manager."), code="self_manager")
        return cleaned


@admin.register(ManagerRelation)
class ManagerRelationAdmin(admin.ModelAdmin):
    """
    The built-in manager relation (used when ``MANDATORY_ASSIGNMENTS_MANAGER_RESOLVER`` is the default).
    Also importable from CSV: ``manage.py lms mandatory_assignments_import_managers``.
    """

    form = ManagerRelationForm
    list_display = ("user", "manager", "created")
    list_select_related = ("user", "manager")
    search_fields = ("user__username", "user__email", "manager__username", "manager__email")
    raw_id_fields = ("user", "manager")


class EmailTemplateForm(forms.ModelForm):
    """Custom reminder emails; every text may use only the default template's placeholders."""

    class Meta:
        model = EmailTemplate
        fields = ("name", "subject", "body_text", "body_html")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = ", ".join(f"{{{{ {name} }}}}" for name in sorted(PLACEHOLDERS))
        for field_name in ("subject", "body_text", "body_html"):
            self.fields[field_name].help_text = _("Placeholders: %(names)s") % {"names": names}

    def _checked(self, field_name):
        value = self.cleaned_data.get(field_name, "")
        errors = template_errors(value)
        if errors:
            raise forms.ValidationError(errors)
        return value

    def clean_subject(self):
        return self._checked("subject")

    def clean_body_text(self):
        return self._checked("body_text")

    def clean_body_html(self):
        # Stored sanitised: staff write the markup, but an email must carry no script or tracking trick.
        return sanitize_html(self._checked("body_html"))


@admin.register(EmailTemplate)
class EmailTemplateAdmin(admin.ModelAdmin):
    """
    Custom reminder emails, chosen by name in an assignment's reminders. A template that reminders use
    keeps its name and cannot be deleted, so that no reminder points at nothing.
    """

    form = EmailTemplateForm
    list_display = ("name", "subject", "modified")
    search_fields = ("name", "subject")

    @staticmethod
    def _in_use(obj):
        return obj is not None and obj.pk is not None and Reminder.objects.filter(template=obj.name).exists()

    def get_readonly_fields(self, request, obj=None):
        return ("name",) if self._in_use(obj) else ()

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._in_use(obj)
