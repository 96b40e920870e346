"""
Common plugin settings: every default of the plugin, each documented where it is defined.

The LMS calls ``plugin_settings`` with its settings module; a value the operator already set wins.
"""

import os

# The plugin's translations (``conf/locale/<language>/LC_MESSAGES/django.mo``, shipped in the package).
# Django looks in an app's ``locale/`` by itself, not in ``conf/locale/`` (the Open edX layout that
# openedx-atlas and i18n tooling expect), so the directory is added to ``LOCALE_PATHS``.
LOCALE_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conf", "locale")

ACE_POLICY_NAME = "mandatory_assignments.opt_out"
TICK_TASK = "mandatory_assignments.tasks.tick"
BEAT_ENTRY = "mandatory_assignments.tick"


def tick_expiry(seconds):
    """Seconds after which a queued tick is dropped: most of one interval, at least 10."""
    return max(10, int(seconds * 0.8))


# The courseware banner: a step of the platform's VerticalBlockRenderCompleted filter.
VERTICAL_BLOCK_RENDER_COMPLETED = "org.openedx.learning.vertical_block.render.completed.v1"
COURSEWARE_BANNER_STEP = "mandatory_assignments.filters.ShowMandatoryAssignmentBanner"
# The instructor dashboard: a tab in the MFE dashboard, a section in the legacy one.
INSTRUCTOR_DASHBOARD_TABS_REQUESTED = "org.openedx.learning.instructor.dashboard.tabs.requested.v1"
INSTRUCTOR_DASHBOARD_TAB_STEP = "mandatory_assignments.filters.AddInstructorDashboardTab"
INSTRUCTOR_DASHBOARD_RENDER_STARTED = "org.openedx.learning.instructor.dashboard.render.started.v1"
INSTRUCTOR_DASHBOARD_SECTION_STEP = "mandatory_assignments.filters.AddInstructorDashboardSection"

DEFAULTS = {
    # .. setting_name: MANDATORY_ASSIGNMENTS_ENABLED
    # .. setting_default: True
    # .. setting_description: Feature switch. When False, the plugin's pages and API answer 404, the tick does
    #   nothing and no email is sent; stored assignments are kept.
    "MANDATORY_ASSIGNMENTS_ENABLED": True,
    # .. setting_name: MANDATORY_ASSIGNMENTS_MIN_LEAD_DAYS
    # .. setting_default: 3
    # .. setting_description: A new or changed due date must lie at least this many days after the learner's
    #   local today; earlier dates are rejected with ``due_date_too_soon``.
    "MANDATORY_ASSIGNMENTS_MIN_LEAD_DAYS": 3,
    # .. setting_name: MANDATORY_ASSIGNMENTS_DEFAULT_REMINDERS
    # .. setting_default: [{"days": 3, "recipient": "student", "template": None}]
    # .. setting_description: The reminders an assignment gets when none are given (an explicit empty list
    #   means none).
    "MANDATORY_ASSIGNMENTS_DEFAULT_REMINDERS": [{"days": 3, "recipient": "student", "template": None}],
    # .. setting_name: MANDATORY_ASSIGNMENTS_MAX_REMINDERS
    # .. setting_default: 20
    # .. setting_description: The most reminders one assignment may have.
    "MANDATORY_ASSIGNMENTS_MAX_REMINDERS": 20,
    # .. setting_name: MANDATORY_ASSIGNMENTS_TICK_SECONDS
    # .. setting_default: 300
    # .. setting_description: How often Celery beat runs the tick (reminders, overdue marks, new cycles).
    "MANDATORY_ASSIGNMENTS_TICK_SECONDS": 300,
    # .. setting_name: MANDATORY_ASSIGNMENTS_DEFAULT_TIME_ZONE
    # .. setting_default: None (settings.TIME_ZONE)
    # .. setting_description: The time zone of learners without a valid ``time_zone`` preference.
    "MANDATORY_ASSIGNMENTS_DEFAULT_TIME_ZONE": None,
    # .. setting_name: MANDATORY_ASSIGNMENTS_SCOPE
    # .. setting_default: "none"
    # .. setting_description: "site" limits staff to the people and courses of their own company (site);
    #   "none" is a single-tenant LMS.
    "MANDATORY_ASSIGNMENTS_SCOPE": "none",
    # .. setting_name: MANDATORY_ASSIGNMENTS_MANAGER_RESOLVER
    # .. setting_default: "mandatory_assignments.managers.builtin_managers"
    # .. setting_description: Dotted path to a callable ``user -> list[User]`` giving a person's managers.
    "MANDATORY_ASSIGNMENTS_MANAGER_RESOLVER": "mandatory_assignments.managers.builtin_managers",
    # .. setting_name: MANDATORY_ASSIGNMENTS_BULK_SYNC_LIMIT
    # .. setting_default: 200
    # .. setting_description: Bulk assignments above this many people run in the background.
    "MANDATORY_ASSIGNMENTS_BULK_SYNC_LIMIT": 200,
    # .. setting_name: MANDATORY_ASSIGNMENTS_DEPARTMENT_FIELD
    # .. setting_default: "department"
    # .. setting_description: The extended-profile field (``UserProfile.meta``) that names a person's
    #   department.
    "MANDATORY_ASSIGNMENTS_DEPARTMENT_FIELD": "department",
    # .. setting_name: MANDATORY_ASSIGNMENTS_MAX_NOTE_LENGTH
    # .. setting_default: 2000
    # .. setting_description: The longest note (plain text, in characters) an assignment may carry; a longer
    #   one is refused with ``invalid_note``.
    "MANDATORY_ASSIGNMENTS_MAX_NOTE_LENGTH": 2000,
    # .. setting_name: MANDATORY_ASSIGNMENTS_MAX_DUE_YEARS
    # .. setting_default: 10
    # .. setting_description: A due date more than this many years ahead is refused with ``invalid_due_date``.
    "MANDATORY_ASSIGNMENTS_MAX_DUE_YEARS": 10,
    # .. setting_name: MANDATORY_ASSIGNMENTS_LEARNING_PATH_URL
    # .. setting_default: "{root}/learning-paths/{key}"
    # .. setting_description: The learner's page of a learning path, linked from emails; ``{root}`` is
    #   LMS_ROOT_URL and ``{key}`` the path key.
    "MANDATORY_ASSIGNMENTS_LEARNING_PATH_URL": "{root}/learning-paths/{key}",
    # .. setting_name: MANDATORY_ASSIGNMENTS_DELIVERY_LEASE_SECONDS
    # .. setting_default: 900
    # .. setting_description: A claimed reminder whose worker did not hand the email over within this time is
    #   released and sent by a later tick.
    "MANDATORY_ASSIGNMENTS_DELIVERY_LEASE_SECONDS": 900,
    # .. setting_name: MANDATORY_ASSIGNMENTS_SEND_CHUNK_SIZE
    # .. setting_default: 100
    # .. setting_description: How many deliveries one Celery send task handles.
    "MANDATORY_ASSIGNMENTS_SEND_CHUNK_SIZE": 100,
}


def register_shared_settings(settings):
    """
    Settings that must be merged in both common and production: production YAML is applied before
    the production plugin settings and may replace the dicts set by common.
    """
    schedule = getattr(settings, "CELERYBEAT_SCHEDULE", None) or {}
    seconds = int(
        getattr(settings, "MANDATORY_ASSIGNMENTS_TICK_SECONDS", DEFAULTS["MANDATORY_ASSIGNMENTS_TICK_SECONDS"])
    )
    # Our own entry follows the operator's interval (set again by production after its YAML); a tick not
    # started within most of one interval is dropped rather than run late beside the next one.
    schedule[BEAT_ENTRY] = {"task": TICK_TASK, "schedule": seconds, "options": {"expires": tick_expiry(seconds)}}
    settings.CELERYBEAT_SCHEDULE = schedule

    policies = list(getattr(settings, "ACE_ENABLED_POLICIES", None) or [])
    if ACE_POLICY_NAME not in policies:
        policies.append(ACE_POLICY_NAME)
    settings.ACE_ENABLED_POLICIES = policies

    append_filter_step(settings, VERTICAL_BLOCK_RENDER_COMPLETED, COURSEWARE_BANNER_STEP)
    append_filter_step(settings, INSTRUCTOR_DASHBOARD_TABS_REQUESTED, INSTRUCTOR_DASHBOARD_TAB_STEP)
    append_filter_step(settings, INSTRUCTOR_DASHBOARD_RENDER_STARTED, INSTRUCTOR_DASHBOARD_SECTION_STEP)
    add_locale_path(settings)


def add_locale_path(settings):
    """
    Append the plugin's ``conf/locale`` to ``LOCALE_PATHS`` once. The LMS's common settings hold a
    ``Derived`` value there that its production settings compute into a list before the plugins' production
    settings run: a derived value is wrapped so that the computed list ends with the plugin's directory.
    """
    paths = getattr(settings, "LOCALE_PATHS", None) or []
    if isinstance(paths, (list, tuple)):
        if LOCALE_DIR not in [str(path) for path in paths]:
            settings.LOCALE_PATHS = [*paths, LOCALE_DIR]
        return
    calculate = getattr(paths, "calculate_value", None)
    if callable(calculate):  # openedx.core.lib.derived.Derived(calculate_value)
        settings.LOCALE_PATHS = type(paths)(lambda derived_settings: [*calculate(derived_settings), LOCALE_DIR])
    elif callable(paths):  # older releases: a function registered with derived("LOCALE_PATHS")
        settings.LOCALE_PATHS = lambda derived_settings: [*paths(derived_settings), LOCALE_DIR]


def append_filter_step(settings, filter_type, step):
    """
    Add ``step`` to the pipeline of ``filter_type`` in ``OPEN_EDX_FILTERS_CONFIG``, after the steps other
    plugins configured (never replacing them). A new pipeline fails silently: a broken step must not
    break the platform's page.
    """
    config = dict(getattr(settings, "OPEN_EDX_FILTERS_CONFIG", None) or {})
    entry = dict(config.get(filter_type) or {})
    entry.setdefault("fail_silently", True)
    pipeline = list(entry.get("pipeline") or [])
    if step not in pipeline:
        pipeline.append(step)
    entry["pipeline"] = pipeline
    config[filter_type] = entry
    settings.OPEN_EDX_FILTERS_CONFIG = config


def plugin_settings(settings):
    """Apply the plugin's defaults to the LMS settings."""
    for name, value in DEFAULTS.items():
        if not hasattr(settings, name):
            setattr(settings, name, value)
    register_shared_settings(settings)
