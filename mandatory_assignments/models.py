"""
Database models of mandatory assignments.

Other modules read and write these only through ``mandatory_assignments.api``; the models hold data and
the constraints that must hold whatever code writes them.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rules


def _name(user):
    """A person as staff know them (admin titles and lists show names, not ids)."""
    if user is None:
        return "-"
    full_name = getattr(getattr(user, "profile", None), "name", "") if hasattr(user, "profile") else ""
    return f"{full_name} ({user.username})" if full_name else user.username


class TargetType(models.TextChoices):
    COURSE = "course", _("Course")
    PATH = "path", _("Learning path")


class Recipient(models.TextChoices):
    STUDENT = "student", _("The person")
    ASSIGNED_BY = "assigned_by", _("The assigning person")
    MANAGERS = "managers", _("The person's managers")


class Assignment(models.Model):
    """
    A course or learning path that a person must complete by a due date.

    ``status`` is computed for the current moment from the evidence fields; ``recorded_status`` is the
    last status written to the audit log, so that status changes can be logged once each.

    .. pii: ``note`` is free text written by staff about the person.
    .. pii_types: other
    .. pii_retirement: local_api
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="mandatory_assignments",
        verbose_name=_("person"),
    )
    target_key = models.CharField(
        max_length=255, help_text=_("Course key or learning path key."), verbose_name=_("target")
    )
    target_type = models.CharField(max_length=16, choices=TargetType.choices, verbose_name=_("target type"))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    due_date = models.DateField(verbose_name=_("due date"))
    deadline = models.DateTimeField(
        help_text=_("The end of the due date in the person's time zone, in UTC."),
        verbose_name=_("deadline"),
    )
    repeat_weeks = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("repetition (weeks)"))
    note = models.TextField(blank=True, default="", verbose_name=_("note"))
    cycle = models.PositiveIntegerField(default=1, verbose_name=_("cycle"))
    cycle_started_at = models.DateTimeField(verbose_name=_("cycle started at"))
    progressed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("in progress since"))
    completed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("completed at"))
    completion_evidence = models.CharField(max_length=64, blank=True, default="", verbose_name=_("completion evidence"))
    recorded_status = models.CharField(
        max_length=16, choices=rules.STATUS_CHOICES, default=rules.ASSIGNED, verbose_name=_("recorded status")
    )
    # The next cycle of a completed repeating assignment: its due date and the moment it starts.
    next_due_date = models.DateField(null=True, blank=True, verbose_name=_("next due date"))
    next_cycle_at = models.DateTimeField(null=True, blank=True, db_index=True, verbose_name=_("next cycle starts at"))
    # True while the assignment is open; NULL once a non-repeating assignment is completed. The unique
    # constraint below then allows a new assignment (NULLs never collide, on SQLite and MySQL alike,
    # which have no partial indexes in common).
    is_open = models.BooleanField(null=True, default=True, verbose_name=_("open"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    modified = models.DateTimeField(auto_now=True, verbose_name=_("modified"))

    class Meta:
        verbose_name = _("mandatory assignment")
        verbose_name_plural = _("mandatory assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "target_key", "is_open"], name="ma_one_open_per_user_target"),
        ]
        indexes = [
            models.Index(fields=["target_key", "deadline"], name="ma_target_deadline"),
            models.Index(fields=["deadline"], name="ma_deadline"),
            models.Index(fields=["recorded_status", "deadline"], name="ma_status_deadline"),
            # The staff lists (listing.py): a target's rows in the lists' order (due date, then the id that
            # every index entry ends with), the whole list's order, and the columns a status is computed
            # from, so that counting a target's rows per status reads the index alone.
            models.Index(fields=["target_key", "due_date"], name="ma_target_due"),
            models.Index(fields=["due_date"], name="ma_due"),
            models.Index(
                fields=["target_key", "completed_at", "deadline", "progressed_at"], name="ma_target_status_cols"
            ),
            # The same for every target (the organisation's page): its counts read ranges of this index. The
            # target comes last so that a target's counts read this index alone too, whichever of the two the
            # database picks (MariaDB picks either when one target holds most rows).
            models.Index(
                fields=["completed_at", "deadline", "progressed_at", "target_key"], name="ma_status_target_cols"
            ),
        ]
        ordering = ["due_date", "id"]

    def __str__(self):
        return f"{self.target_key} for {_name(self.user)} due {self.due_date}"

    @property
    def status(self):
        """The status for the current moment."""
        return rules.compute_status(
            completed_at=self.completed_at,
            progressed_at=self.progressed_at,
            deadline=self.deadline,
            now=timezone.now(),
        )

    @property
    def reminders(self):
        """The reminder specs, as dicts."""
        return [row.as_spec() for row in self.reminder_rows.all()]


class Reminder(models.Model):
    """
    One reminder of an assignment; ``fire_at`` is its next moment (NULL when there is none).

    .. no_pii:
    """

    assignment = models.ForeignKey(
        Assignment, on_delete=models.CASCADE, related_name="reminder_rows", verbose_name=_("mandatory assignment")
    )
    days = models.SmallIntegerField(
        help_text=_("Days before the due date; negative: after it."), verbose_name=_("days relative to due date")
    )
    recipient = models.CharField(
        max_length=16, choices=Recipient.choices, default=Recipient.STUDENT, verbose_name=_("recipient")
    )
    template = models.CharField(
        max_length=100,
        blank=True,
        default="",
        help_text=_("Custom email template name."),
        verbose_name=_("email template"),
    )
    fire_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next sending time"))

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["assignment", "days", "recipient"], name="ma_reminder_once"),
        ]
        indexes = [models.Index(fields=["fire_at"], name="ma_reminder_fire_at")]
        ordering = ["-days", "recipient"]

    def __str__(self):
        return f"{self.days} day(s), {self.recipient}"

    def as_spec(self):
        return {"days": self.days, "recipient": self.recipient, "template": self.template or None}


class Delivery(models.Model):
    """
    One email of an assignment to one recipient: claimed before it is sent, so it is sent once.

    The row keeps the person and the target (and, for the assigned and withdrawn notices, the note) so
    that what was sent stays in the records after the assignment is withdrawn, and so that a notice goes
    out even when the assignment is gone by then.

    .. pii: ``email`` is the address the email went to; ``note`` is the staff's free text of a notice.
    .. pii_types: email_address, other
    .. pii_retirement: local_api
    """

    PENDING = "pending"
    SENT = "sent"
    SKIPPED = "skipped"
    STATES = [(PENDING, _("Pending")), (SENT, _("Sent")), (SKIPPED, _("Skipped"))]

    assignment = models.ForeignKey(
        Assignment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
        verbose_name=_("mandatory assignment"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("person")
    )
    target_key = models.CharField(max_length=255, blank=True, default="", verbose_name=_("target"))
    target_type = models.CharField(
        max_length=16, choices=TargetType.choices, blank=True, default="", verbose_name=_("target type")
    )
    note = models.TextField(blank=True, default="", verbose_name=_("note"))
    message = models.CharField(max_length=32, verbose_name=_("message"))
    cycle = models.PositiveIntegerField(verbose_name=_("cycle"))
    # 0 for messages that are not reminders; reminder_days is then meaningless.
    reminder_days = models.SmallIntegerField(default=0, verbose_name=_("days relative to due date"))
    recipient_kind = models.CharField(max_length=16, choices=Recipient.choices, verbose_name=_("recipient"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("sent to")
    )
    due_date = models.DateField(verbose_name=_("due date"))
    state = models.CharField(max_length=16, choices=STATES, default=PENDING, verbose_name=_("state"))
    reason = models.CharField(max_length=255, blank=True, default="", verbose_name=_("reason"))
    email = models.CharField(max_length=254, blank=True, default="", verbose_name=_("email address"))
    message_uuid = models.CharField(max_length=36, blank=True, default="", db_index=True, verbose_name=_("message ID"))
    # The tick that claimed the delivery, and the worker that is sending it (empty: none yet).
    claim_token = models.CharField(max_length=36, blank=True, default="", db_index=True, verbose_name=_("claim token"))
    worker_token = models.CharField(max_length=36, blank=True, default="", verbose_name=_("worker token"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    lease_until = models.DateTimeField(null=True, blank=True, verbose_name=_("leased until"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "message", "cycle", "reminder_days", "recipient_kind", "due_date", "recipient"],
                name="ma_delivery_once",
            ),
        ]
        indexes = [models.Index(fields=["state", "lease_until"], name="ma_delivery_state_lease")]
        ordering = ["created", "id"]

    def __str__(self):
        return f"{self.message} to {self.recipient_kind} ({self.state})"


class CompletedCycle(models.Model):
    """
    A completed cycle of an assignment, kept for the personnel file; never changed afterwards.

    .. no_pii:
    """

    assignment = models.ForeignKey(
        Assignment,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="completed_cycles",
        verbose_name=_("mandatory assignment"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    target_key = models.CharField(max_length=255, verbose_name=_("target"))
    cycle = models.PositiveIntegerField(verbose_name=_("cycle"))
    due_date = models.DateField(verbose_name=_("due date"))
    completed_at = models.DateTimeField(verbose_name=_("completed at"))
    evidence = models.CharField(max_length=64, blank=True, default="", verbose_name=_("evidence"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("completed cycle")
        verbose_name_plural = _("completed cycles")
        ordering = ["completed_at", "id"]

    def __str__(self):
        return f"{self.target_key} cycle {self.cycle} completed {self.completed_at:%Y-%m-%d}"


class CourseEvidence(models.Model):
    """
    What the platform told us about one person in one course: when they first passed (NULL: not
    passing now) and when the latest passing event was received.

    A later cycle completes only on a pass received after its start (``received_at``): the platform keeps
    the grade's ``passed_timestamp`` at the first pass, so that does not date new evidence.

    .. no_pii:
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    course_key = models.CharField(max_length=255, verbose_name=_("course"))
    passed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("passed at"))
    received_at = models.DateTimeField(null=True, blank=True, verbose_name=_("received at"))
    evidence = models.CharField(max_length=64, blank=True, default="", verbose_name=_("evidence"))
    modified = models.DateTimeField(auto_now=True, verbose_name=_("modified"))

    class Meta:
        verbose_name = _("course evidence")
        verbose_name_plural = _("course evidence")
        constraints = [models.UniqueConstraint(fields=["user", "course_key"], name="ma_evidence_once")]

    def __str__(self):
        return f"{_name(self.user)} in {self.course_key}: passed_at={self.passed_at}"


class AuditEntry(models.Model):
    """
    Who did what to an assignment, and when. Kept after the assignment is withdrawn.

    .. pii: ``changes`` may hold the note's free text; retirement blanks it.
    .. pii_types: other
    .. pii_retirement: local_api
    """

    CREATED = "created"
    UPDATED = "updated"
    WITHDRAWN = "withdrawn"
    STATUS_CHANGED = "status_changed"
    CYCLE_STARTED = "cycle_started"
    RETIRED = "retired"
    UNENROLLED = "unenrolled"
    ACTIONS = [
        (CREATED, _("Created")),
        (UPDATED, _("Edited")),
        (WITHDRAWN, _("Withdrawn")),
        (STATUS_CHANGED, _("Status changed")),
        (CYCLE_STARTED, _("New cycle started")),
        (RETIRED, _("Personal data removed")),
        (UNENROLLED, _("Person left the course")),
    ]

    assignment_id = models.BigIntegerField(db_index=True, verbose_name=_("mandatory assignment ID"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("person")
    )
    target_key = models.CharField(max_length=255, verbose_name=_("target"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("done by")
    )
    action = models.CharField(max_length=32, choices=ACTIONS, verbose_name=_("action"))
    changes = models.JSONField(default=dict, blank=True, verbose_name=_("changes"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["created", "id"]

    def __str__(self):
        return f"{self.action} assignment {self.assignment_id}"


class DepartmentMembership(models.Model):
    """
    A person's department, copied from the extended-profile field ``MANDATORY_ASSIGNMENTS_DEPARTMENT_FIELD``
    (``UserProfile.meta``) whenever the profile is saved, so that departments are found by an index rather
    than by reading every profile.

    .. no_pii:
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    name = models.CharField(max_length=255, db_index=True, verbose_name=_("department"))
    modified = models.DateTimeField(auto_now=True, verbose_name=_("modified"))

    class Meta:
        verbose_name = _("department membership")
        verbose_name_plural = _("department memberships")

    def __str__(self):
        return f"{_name(self.user)} in {self.name}"


class ManagerRelation(models.Model):
    """
    The built-in manager relation: ``manager`` supervises ``user``.

    .. no_pii:
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("person")
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("manager")
    )
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))

    class Meta:
        verbose_name = _("manager relation")
        verbose_name_plural = _("manager relations")
        constraints = [models.UniqueConstraint(fields=["user", "manager"], name="ma_manager_once")]

    def __str__(self):
        return f"{_name(self.manager)} manages {_name(self.user)}"


class EmailTemplate(models.Model):
    """
    A custom email for reminders, chosen by name; its bodies use the default template's placeholders.

    .. no_pii:
    """

    name = models.SlugField(max_length=100, unique=True, verbose_name=_("name"))
    subject = models.CharField(max_length=255, verbose_name=_("subject"))
    body_text = models.TextField(verbose_name=_("plain-text body"))
    body_html = models.TextField(blank=True, default="", verbose_name=_("HTML body"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    modified = models.DateTimeField(auto_now=True, verbose_name=_("modified"))

    class Meta:
        verbose_name = _("email template")
        verbose_name_plural = _("email templates")
        ordering = ["name"]

    def __str__(self):
        return self.name


class BulkJob(models.Model):
    """
    A bulk assignment running in the background, with its progress and outcome. People are kept as ids;
    ``failed`` keeps, as typed, the values that named no account (usernames or email addresses).

    .. pii: ``failed`` may hold the email addresses staff typed that matched no account.
    .. pii_types: email_address
    .. pii_retirement: retained
    """

    task_id = models.CharField(max_length=36, unique=True, verbose_name=_("task ID"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("requested by")
    )
    target_key = models.CharField(max_length=255, verbose_name=_("target"))
    params = models.JSONField(default=dict, verbose_name=_("parameters"))
    state = models.CharField(max_length=16, default="PENDING", verbose_name=_("state"))
    total = models.PositiveIntegerField(default=0, verbose_name=_("total"))
    done = models.PositiveIntegerField(default=0, verbose_name=_("done"))
    created_users = models.JSONField(default=list, verbose_name=_("created for"))
    skipped = models.JSONField(default=list, verbose_name=_("skipped"))
    failed = models.JSONField(default=list, verbose_name=_("failed"))
    created = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    modified = models.DateTimeField(auto_now=True, verbose_name=_("modified"))

    class Meta:
        verbose_name = _("bulk assignment")
        verbose_name_plural = _("bulk assignments")

    def __str__(self):
        return f"bulk {self.task_id} ({self.state} {self.done}/{self.total})"
