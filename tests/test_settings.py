"""
The plugin settings, applied to an LMS-like settings object the way the plugin framework applies them.
"""

from types import SimpleNamespace

from mandatory_assignments.settings import common, production


def test_common_settings_add_defaults_beat_entry_and_policy_without_replacing_others():
    settings = SimpleNamespace(
        CELERYBEAT_SCHEDULE={"other.task": {"task": "other", "schedule": 60}},
        ACE_ENABLED_POLICIES=["bulk_email_optout"],
        MANDATORY_ASSIGNMENTS_MIN_LEAD_DAYS=5,
    )
    common.plugin_settings(settings)
    assert settings.MANDATORY_ASSIGNMENTS_MIN_LEAD_DAYS == 5  # the operator's value wins
    assert settings.MANDATORY_ASSIGNMENTS_TICK_SECONDS == 300
    assert settings.CELERYBEAT_SCHEDULE["other.task"]["task"] == "other"
    assert settings.CELERYBEAT_SCHEDULE["mandatory_assignments.tick"]["task"] == "mandatory_assignments.tasks.tick"
    assert settings.ACE_ENABLED_POLICIES == ["bulk_email_optout", "mandatory_assignments.opt_out"]
    common.plugin_settings(settings)  # applying twice adds nothing twice
    assert settings.ACE_ENABLED_POLICIES.count("mandatory_assignments.opt_out") == 1


def test_production_settings_restore_what_the_yaml_replaced():
    settings = SimpleNamespace()
    common.plugin_settings(settings)
    # The LMS YAML is applied after common plugin settings and replaces whole dicts and lists.
    settings.CELERYBEAT_SCHEDULE = {"from.yaml": {"task": "x", "schedule": 1}}
    settings.ACE_ENABLED_POLICIES = []
    settings.ENV_TOKENS = {"MANDATORY_ASSIGNMENTS_TICK_SECONDS": 120, "MANDATORY_ASSIGNMENTS_SCOPE": "site"}
    production.plugin_settings(settings)
    assert settings.MANDATORY_ASSIGNMENTS_SCOPE == "site"
    assert settings.CELERYBEAT_SCHEDULE["mandatory_assignments.tick"]["schedule"] == 120
    assert "from.yaml" in settings.CELERYBEAT_SCHEDULE
    assert settings.ACE_ENABLED_POLICIES == ["mandatory_assignments.opt_out"]


def test_the_sandbox_lms_has_the_beat_entry_and_the_policy():
    from django.conf import settings

    assert settings.CELERYBEAT_SCHEDULE["mandatory_assignments.tick"]["task"] == "mandatory_assignments.tasks.tick"
    assert "mandatory_assignments.opt_out" in settings.ACE_ENABLED_POLICIES


def test_the_beat_entry_follows_the_operators_tick_interval_without_yaml_replacing_the_schedule():
    settings = SimpleNamespace()
    common.plugin_settings(settings)
    assert settings.CELERYBEAT_SCHEDULE["mandatory_assignments.tick"]["options"]["expires"] == 240
    # The YAML sets only the interval (the schedule dict survives): production must still follow it.
    settings.ENV_TOKENS = {"MANDATORY_ASSIGNMENTS_TICK_SECONDS": 60}
    production.plugin_settings(settings)
    entry = settings.CELERYBEAT_SCHEDULE["mandatory_assignments.tick"]
    assert entry["schedule"] == 60
    assert entry["options"]["expires"] == 48  # never a tick run late beside the next one


def test_a_system_check_warns_when_another_plugin_replaced_the_ace_policies(settings):
    from django.core import checks

    settings.ACE_ENABLED_POLICIES = ["bulk_email_optout"]
    warnings = [message for message in checks.run_checks() if message.id == "mandatory_assignments.W001"]
    assert len(warnings) == 1
    assert "mandatory_assignments.opt_out" in warnings[0].msg

    settings.ACE_ENABLED_POLICIES = ["bulk_email_optout", "mandatory_assignments.opt_out"]
    assert not [message for message in checks.run_checks() if message.id == "mandatory_assignments.W001"]
