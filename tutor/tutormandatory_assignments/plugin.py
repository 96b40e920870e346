"""
Tutor plugin for mandatory-assignments (Tutor's v1 plugin API).

What enabling it does:

- installs the LMS plugin into the ``openedx`` image (``MANDATORY_ASSIGNMENTS_PIP_SPEC``);
- writes the LMS plugin's Django settings from the Tutor configuration (``MANDATORY_ASSIGNMENTS_*``);
- runs the plugin's migrations in ``tutor local|k8s do init``;
- schedules the tick (reminders, overdue marks, new cycles), since Tutor runs neither Celery beat nor
  cron: one loop service in docker compose, one ``CronJob`` on Kubernetes;
- adds "My mandatory assignments" to the user menu of the MFEs (tutor-mfe's plugin slots).
"""

from __future__ import annotations

import typing as t
from importlib import resources

from tutor import exceptions, hooks

from .__about__ import __version__

PACKAGE = resources.files("tutormandatory_assignments")

# The LMS plugin's settings with their defaults, as in mandatory_assignments/settings/common.py
# (tests/test_settings.py keeps the two equal). Each one is a Tutor setting of the same name, written
# into the LMS settings by the "openedx-lms-common-settings" patch.
LMS_SETTINGS: dict[str, t.Any] = {
    "MANDATORY_ASSIGNMENTS_ENABLED": True,
    "MANDATORY_ASSIGNMENTS_MIN_LEAD_DAYS": 3,
    "MANDATORY_ASSIGNMENTS_DEFAULT_REMINDERS": [{"days": 3, "recipient": "student", "template": None}],
    "MANDATORY_ASSIGNMENTS_MAX_REMINDERS": 20,
    "MANDATORY_ASSIGNMENTS_TICK_SECONDS": 300,
    # None: the LMS's TIME_ZONE.
    "MANDATORY_ASSIGNMENTS_DEFAULT_TIME_ZONE": None,
    "MANDATORY_ASSIGNMENTS_SCOPE": "none",
    "MANDATORY_ASSIGNMENTS_MANAGER_RESOLVER": "mandatory_assignments.managers.builtin_managers",
    "MANDATORY_ASSIGNMENTS_BULK_SYNC_LIMIT": 200,
    "MANDATORY_ASSIGNMENTS_DEPARTMENT_FIELD": "department",
    "MANDATORY_ASSIGNMENTS_MAX_NOTE_LENGTH": 2000,
    "MANDATORY_ASSIGNMENTS_MAX_DUE_YEARS": 10,
    "MANDATORY_ASSIGNMENTS_LEARNING_PATH_URL": "{root}/learning-paths/{key}",
    "MANDATORY_ASSIGNMENTS_DELIVERY_LEASE_SECONDS": 900,
    "MANDATORY_ASSIGNMENTS_SEND_CHUNK_SIZE": 100,
}

# Settings of the deployment only (never written into the LMS settings).
DEPLOYMENT_SETTINGS: dict[str, t.Any] = {
    # The LMS plugin's release installed into the image; released together with this plugin.
    "MANDATORY_ASSIGNMENTS_VERSION": __version__,
    # What pip installs into the openedx image: a release, "mandatory-assignments[learning-paths]==..."
    # for the learning-paths extra, or a VCS URL. Empty: nothing is installed by this plugin.
    "MANDATORY_ASSIGNMENTS_PIP_SPEC": "mandatory-assignments=={{ MANDATORY_ASSIGNMENTS_VERSION }}",
    # False: no tick scheduler (for deployments that run Celery beat, which has the plugin's entry).
    "MANDATORY_ASSIGNMENTS_RUN_TICK": True,
    # The Kubernetes CronJob's schedule; by default MANDATORY_ASSIGNMENTS_TICK_SECONDS in whole minutes.
    "MANDATORY_ASSIGNMENTS_K8S_SCHEDULE": "{{ MANDATORY_ASSIGNMENTS_TICK_SECONDS|mandatory_assignments_cron }}",
    # The "My mandatory assignments" entry in the MFEs' user menu (needs an MFE image rebuild).
    "MANDATORY_ASSIGNMENTS_MFE_USER_MENU": True,
    # Its label by language (the MFE's locale, then its primary language, then "en").
    "MANDATORY_ASSIGNMENTS_MFE_MENU_LABELS": {
        "en": "My mandatory assignments",
        "de": "Meine Pflichtschulungen",
    },
}

# The learner's page of the LMS plugin, linked from the MFEs' user menu.
MY_ASSIGNMENTS_PATH = "/mandatory_assignments/my/"

TICK_COMMAND = "./manage.py lms mandatory_assignments_tick"

# Slots of frontend-component-header (legacy MFEs, frontend-plugin-framework): the user menu of the
# desktop and mobile header ({menu: [{items: [{type, href, content}]}]}) and of the learning header
# ({items: [{href, message}]}) used in the courseware.
DESKTOP_USER_MENU_SLOT = "org.openedx.frontend.layout.header_desktop_user_menu.v1"
MOBILE_USER_MENU_SLOT = "org.openedx.frontend.layout.header_mobile_user_menu.v1"
LEARNING_USER_MENU_SLOT = "org.openedx.frontend.layout.header_learning_user_menu.v1"
# The frontend-base site's header (apps such as the instructor dashboard): the authenticated user's menu.
SITE_USER_MENU_SLOT = "org.openedx.frontend.slot.header.authenticatedMenu.v1"
SITE_LOGOUT_WIDGET = "org.openedx.frontend.widget.header.desktopAuthenticatedMenuLogout.v1"


def tick_cron_schedule(tick_seconds: t.Any) -> str:
    """
    The cron schedule closest to a tick every ``tick_seconds``: whole minutes (cron's finest step, so
    never more often than every minute), whole hours from an hour on, at most daily.
    """
    try:
        seconds = int(tick_seconds)
    except (TypeError, ValueError) as error:
        raise exceptions.TutorError(f"MANDATORY_ASSIGNMENTS_TICK_SECONDS is not a number: {tick_seconds!r}") from error
    if seconds <= 0:
        raise exceptions.TutorError(f"MANDATORY_ASSIGNMENTS_TICK_SECONDS must be positive, not {seconds}")
    minutes = max(1, int(seconds / 60 + 0.5))
    if minutes == 1:
        return "* * * * *"
    if minutes < 60:
        return f"*/{minutes} * * * *"
    hours = int(minutes / 60 + 0.5)
    if hours < 24:
        return f"0 */{hours} * * *"
    return "0 0 * * *"


def python_literal(value: t.Any) -> str:
    """A configuration value (str, number, bool, None, list, dict from YAML) as a Python literal."""
    return repr(value)


def lms_settings_patch() -> str:
    """The "openedx-lms-common-settings" patch: one Python assignment per LMS setting."""
    lines = ["# mandatory-assignments: settings from the Tutor configuration (tutor-contrib-mandatory-assignments)"]
    lines += [f"{name} = {{{{ {name}|mandatory_assignments_python }}}}" for name in LMS_SETTINGS]
    lines += [
        "# A Celery beat, where one runs besides the plugin's scheduler, ticks at the same period.",
        '_mandatory_assignments_beat = globals().get("CELERYBEAT_SCHEDULE", {}).get("mandatory_assignments.tick")',
        "if _mandatory_assignments_beat:",
        '    _mandatory_assignments_beat["schedule"] = MANDATORY_ASSIGNMENTS_TICK_SECONDS',
    ]
    return "\n".join(lines)


def _read(*parts: str) -> str:
    return PACKAGE.joinpath(*parts).read_text(encoding="utf-8")


# ---------------------------------------------------------------------------- configuration

hooks.Filters.CONFIG_DEFAULTS.add_items(list(LMS_SETTINGS.items()) + list(DEPLOYMENT_SETTINGS.items()))

hooks.Filters.ENV_TEMPLATE_FILTERS.add_items(
    [
        ("mandatory_assignments_cron", tick_cron_schedule),
        ("mandatory_assignments_python", python_literal),
    ]
)
hooks.Filters.ENV_TEMPLATE_VARIABLES.add_items(
    [
        ("MANDATORY_ASSIGNMENTS_TICK_COMMAND", TICK_COMMAND),
        ("MANDATORY_ASSIGNMENTS_MY_PATH", MY_ASSIGNMENTS_PATH),
    ]
)

# ---------------------------------------------------------------------------- patches

hooks.Filters.ENV_PATCHES.add_item(("openedx-lms-common-settings", lms_settings_patch()))

for _patch in PACKAGE.joinpath("patches").iterdir():
    if _patch.is_file() and not _patch.name.startswith("."):
        hooks.Filters.ENV_PATCHES.add_item((_patch.name, _patch.read_text(encoding="utf-8")))

# ---------------------------------------------------------------------------- init

hooks.Filters.CLI_DO_INIT_TASKS.add_item(("lms", _read("tasks", "lms", "init")))

# `tutor mounts add /path/to/mandatory-assignments`: the checkout is installed (editable) into the
# openedx images at build time and bind-mounted into the containers, as Tutor does for xblocks.
hooks.Filters.MOUNTED_DIRECTORIES.add_item(("openedx", "mandatory-assignments"))

# ---------------------------------------------------------------------------- MFE user menu

# The functions named here are defined by the "mfe-env-config-buildtime-definitions" patch.
_LEGACY_MENU_ITEMS = [
    (DESKTOP_USER_MENU_SLOT, "mandatoryAssignmentsAddToUserMenu"),
    (MOBILE_USER_MENU_SLOT, "mandatoryAssignmentsAddToUserMenu"),
    (LEARNING_USER_MENU_SLOT, "mandatoryAssignmentsAddToLearningUserMenu"),
]

_SITE_MENU_ITEM = f"""
{{
  slotId: '{SITE_USER_MENU_SLOT}',
  id: 'org.openedx.frontend.widget.mandatoryAssignments.myAssignments.v1',
  op: mandatoryAssignmentsFrontendBase.WidgetOperationTypes.INSERT_BEFORE,
  relatedId: '{SITE_LOGOUT_WIDGET}',
  component: MandatoryAssignmentsMenuItem,
}}"""

try:
    from tutormfe.hooks import PLUGIN_SLOTS
except ImportError:  # tutor-mfe is not installed: no MFEs to add the entry to
    pass
else:
    PLUGIN_SLOTS.add_items(
        [
            (
                "all",
                slot,
                f"""
{{
  op: PLUGIN_OPERATIONS.Modify,
  widgetId: 'default_contents',
  fn: {function},
}}""",
            )
            for slot, function in _LEGACY_MENU_ITEMS
        ]
    )

try:
    from tutormfe.hooks import FRONTEND_SLOTS
except ImportError:  # a tutor-mfe without the frontend-base site
    pass
else:
    FRONTEND_SLOTS.add_item(_SITE_MENU_ITEM)
