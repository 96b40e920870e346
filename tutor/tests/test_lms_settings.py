"""
The LMS settings files Tutor renders carry the plugin's settings from the Tutor configuration.
"""

import ast
import re
import runpy
from pathlib import Path

import pytest

from tutormandatory_assignments.plugin import DEPLOYMENT_SETTINGS, LMS_SETTINGS

REPOSITORY = Path(__file__).resolve().parents[2]

SETTINGS_FILES = ["apps/openedx/settings/lms/production.py", "apps/openedx/settings/lms/development.py"]


def assignments(source: str) -> dict[str, tuple[int, object]]:
    """Top-level `MANDATORY_ASSIGNMENTS_* = <literal>` of a settings module: name -> (line, value)."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            name = node.targets[0].id
            if name.startswith("MANDATORY_ASSIGNMENTS_"):
                assert name not in found, f"{name} is set twice"
                found[name] = (node.lineno, ast.literal_eval(node.value))
    return found


def star_import_line(source: str) -> int:
    body = ast.parse(source).body
    [line] = [n.lineno for n in body if isinstance(n, ast.ImportFrom) and n.module.startswith("lms.envs")]
    return line


@pytest.mark.parametrize("relative", SETTINGS_FILES)
def test_every_setting_at_its_default(default_root, relative):
    source = default_root.text(relative)
    found = assignments(source)
    assert {name: value for name, (_line, value) in found.items()} == LMS_SETTINGS
    # After the platform's settings (where the plugin's own defaults are applied), so they win.
    assert min(line for line, _value in found.values()) > star_import_line(source)


@pytest.mark.parametrize("relative", SETTINGS_FILES)
def test_values_changed_with_config_save_set(custom_root, relative):
    found = {name: value for name, (_line, value) in assignments(custom_root.text(relative)).items()}
    assert found["MANDATORY_ASSIGNMENTS_TICK_SECONDS"] == 120
    assert found["MANDATORY_ASSIGNMENTS_SCOPE"] == "site"
    assert found["MANDATORY_ASSIGNMENTS_DEFAULT_TIME_ZONE"] == "Europe/Berlin"
    assert found["MANDATORY_ASSIGNMENTS_MIN_LEAD_DAYS"] == 5
    assert found["MANDATORY_ASSIGNMENTS_DEPARTMENT_FIELD"] == "cost_center"
    assert found["MANDATORY_ASSIGNMENTS_DEFAULT_REMINDERS"] == [{"days": 7, "recipient": "student", "template": None}]
    # Untouched ones keep their defaults.
    assert found["MANDATORY_ASSIGNMENTS_BULK_SYNC_LIMIT"] == LMS_SETTINGS["MANDATORY_ASSIGNMENTS_BULK_SYNC_LIMIT"]
    # `tutor config save --set` stored them in config.yml; the defaults stay out of it.
    config = custom_root.config()
    assert config["MANDATORY_ASSIGNMENTS_SCOPE"] == "site"
    assert "MANDATORY_ASSIGNMENTS_BULK_SYNC_LIMIT" not in config


def test_feature_switch_off(off_root):
    found = assignments(off_root.text("apps/openedx/settings/lms/production.py"))
    assert found["MANDATORY_ASSIGNMENTS_ENABLED"][1] is False


def test_a_celery_beat_follows_the_tick_period(custom_root):
    """The settings block, run against a beat schedule as the LMS plugin registers it."""
    source = custom_root.text("apps/openedx/settings/lms/production.py")
    ours = [n for n in ast.parse(source).body if "mandatory_assignments" in ast.unparse(n).lower()]
    namespace = {"CELERYBEAT_SCHEDULE": {"mandatory_assignments.tick": {"task": "t", "schedule": 300}}}
    exec(compile(ast.Module(body=ours, type_ignores=[]), "settings", "exec"), namespace)
    assert namespace["CELERYBEAT_SCHEDULE"]["mandatory_assignments.tick"]["schedule"] == 120

    namespace = {}  # no beat entry (the LMS plugin's settings have not run): nothing breaks
    exec(compile(ast.Module(body=ours, type_ignores=[]), "settings", "exec"), namespace)
    assert namespace["MANDATORY_ASSIGNMENTS_TICK_SECONDS"] == 120


def test_the_cms_settings_are_left_alone(default_root):
    assert "MANDATORY_ASSIGNMENTS" not in default_root.text("apps/openedx/settings/cms/production.py")


def test_tutor_defaults_are_the_lms_plugins_defaults():
    """The LMS plugin's settings module is the reference: every setting exposed, with the same default."""
    common = REPOSITORY / "mandatory_assignments" / "settings" / "common.py"
    if not common.exists():
        pytest.skip("not in the mandatory-assignments repository")
    defaults = runpy.run_path(str(common))["DEFAULTS"]
    assert LMS_SETTINGS == defaults, (
        "tutor/tutormandatory_assignments/plugin.py LMS_SETTINGS must list every setting of "
        "mandatory_assignments/settings/common.py with the same default"
    )


def test_the_pinned_release_is_the_lms_plugins_version():
    init = REPOSITORY / "mandatory_assignments" / "__init__.py"
    if not init.exists():
        pytest.skip("not in the mandatory-assignments repository")
    version = re.search(r'^__version__ = "([^"]+)"', init.read_text(encoding="utf-8"), re.M)[1]
    assert DEPLOYMENT_SETTINGS["MANDATORY_ASSIGNMENTS_VERSION"] == version
