"""
"My mandatory assignments" in the MFEs' user menu, through tutor-mfe's plugin slots.

The legacy MFEs' env.config.jsx is run by Node.js (the machine's `node`) with stand-ins only for what the
browser build provides (frontend-platform's getConfig/getLocale, frontend-plugin-framework's constants),
and its Modify operations are applied the way frontend-plugin-framework applies them to the header's menus.
"""

import json
import re
import shutil
import subprocess

import pytest

ENV_CONFIG = "plugins/mfe/build/mfe/env.config.jsx"
CUSTOM_APP = "plugins/mfe/build/mfe/site/src/customApp.tsx"
SLOTS = {
    "desktop": "org.openedx.frontend.layout.header_desktop_user_menu.v1",
    "mobile": "org.openedx.frontend.layout.header_mobile_user_menu.v1",
    "learning": "org.openedx.frontend.layout.header_learning_user_menu.v1",
}
LMS = "http://lms.example.test"

# frontend-component-header's default menus (Header.jsx, learning-header/AuthenticatedUserDropdown.jsx).
DEFAULT_MENU = [
    {
        "items": [
            {"type": "item", "href": f"{LMS}/dashboard", "content": "Dashboard"},
            {"type": "item", "href": "http://apps.example.test/profile/u/ada", "content": "Profile"},
            {"type": "item", "href": "http://apps.example.test/account/", "content": "Account"},
            {"type": "item", "href": f"{LMS}/logout", "content": "Sign Out"},
        ]
    }
]
DEFAULT_LEARNING_ITEMS = [
    {"message": "Dashboard", "href": f"{LMS}/dashboard"},
    {"message": "Account", "href": "http://apps.example.test/account/"},
    {"message": "Sign Out", "href": f"{LMS}/logout"},
]

HARNESS = r"""
import setConfig from './env.config.mjs';

const input = JSON.parse(process.argv[2]);
globalThis.mandatoryAssignmentsTestConfig = { LMS_BASE_URL: input.lms, LOGOUT_URL: `${input.lms}/logout` };
const config = await setConfig();

// frontend-plugin-framework: organizePlugins() hands each Modify `{content: {}, ...widget}`; PluginSlot then
// merges widget.content into the default element's props (slotOptions.mergeProps).
function render(slotId, props, times) {
  let widget = { id: 'default_contents', priority: 50, RenderWidget: { props } };
  const plugins = (config.pluginSlots[slotId] || { plugins: [] }).plugins;
  for (let i = 0; i < times; i += 1) {
    for (const plugin of plugins) {
      if (plugin.op === 'modify' && plugin.widgetId === 'default_contents') {
        widget = plugin.fn({ content: {}, ...widget });
      }
    }
  }
  return { ...props, ...widget.content };
}

const results = {};
for (const c of input.cases) {
  globalThis.mandatoryAssignmentsTestLocale = c.locale;
  results[c.name] = render(c.slot, c.props, c.times || 1);
}
results.slots = Object.keys(config.pluginSlots);
console.log(JSON.stringify(results));
"""


def run_env_config(root, tmp_path, cases: list[dict]) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    source = root.text(ENV_CONFIG)
    stand_ins = {
        "import * as mandatoryAssignmentsPlatform from '@edx/frontend-platform';": (
            "const mandatoryAssignmentsPlatform = { getConfig: () => globalThis.mandatoryAssignmentsTestConfig };"
        ),
        "import * as mandatoryAssignmentsI18n from '@edx/frontend-platform/i18n';": (
            "const mandatoryAssignmentsI18n = { getLocale: () => globalThis.mandatoryAssignmentsTestLocale };"
        ),
        "await import('@openedx/frontend-plugin-framework')": (
            "({ DIRECT_PLUGIN: 'direct', PLUGIN_OPERATIONS: { Insert: 'insert', Hide: 'hide', Modify: 'modify' } })"
        ),
    }
    for original, stand_in in stand_ins.items():
        assert source.count(original) == 1, original
        source = source.replace(original, stand_in)
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "env.config.mjs").write_text(source, encoding="utf-8")
    (tmp_path / "harness.mjs").write_text(HARNESS, encoding="utf-8")
    result = subprocess.run(
        [node, "harness.mjs", json.dumps({"lms": LMS, "cases": cases})],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def item_names(menu) -> list[str]:
    return [item["content"] for group in menu for item in group["items"]]


def test_the_entry_sits_before_sign_out_in_every_user_menu(default_root, tmp_path):
    result = run_env_config(
        default_root,
        tmp_path,
        [
            {"name": "desktop", "slot": SLOTS["desktop"], "locale": "en", "props": {"menu": DEFAULT_MENU}},
            {"name": "mobile", "slot": SLOTS["mobile"], "locale": "en", "props": {"menu": DEFAULT_MENU}},
            {"name": "learning", "slot": SLOTS["learning"], "locale": "en", "props": {"items": DEFAULT_LEARNING_ITEMS}},
        ],
    )
    assert set(SLOTS.values()) <= set(result["slots"])
    for name in ("desktop", "mobile"):
        menu = result[name]["menu"]
        assert item_names(menu) == ["Dashboard", "Profile", "Account", "My mandatory assignments", "Sign Out"]
        assert menu[0]["items"][3] == {
            "type": "item",
            "href": f"{LMS}/mandatory_assignments/my/",
            "content": "My mandatory assignments",
        }
    assert result["learning"]["items"] == [
        DEFAULT_LEARNING_ITEMS[0],
        DEFAULT_LEARNING_ITEMS[1],
        {"href": f"{LMS}/mandatory_assignments/my/", "message": "My mandatory assignments"},
        DEFAULT_LEARNING_ITEMS[2],
    ]


def test_the_label_follows_the_mfe_language_and_the_configuration(default_root, custom_root, tmp_path):
    cases = [
        {"name": "de-de", "slot": SLOTS["desktop"], "locale": "de-de", "props": {"menu": DEFAULT_MENU}},
        {"name": "de", "slot": SLOTS["learning"], "locale": "de", "props": {"items": DEFAULT_LEARNING_ITEMS}},
        {"name": "es-419", "slot": SLOTS["desktop"], "locale": "es-419", "props": {"menu": DEFAULT_MENU}},
        {"name": "fr", "slot": SLOTS["desktop"], "locale": "fr", "props": {"menu": DEFAULT_MENU}},
    ]
    default = run_env_config(default_root, tmp_path / "default", cases)
    assert "Meine Pflichtschulungen" in item_names(default["de-de"]["menu"])
    assert "Meine Pflichtschulungen" in [item["message"] for item in default["de"]["items"]]
    assert "My mandatory assignments" in item_names(default["es-419"]["menu"])

    custom = run_env_config(custom_root, tmp_path / "custom", cases)  # MANDATORY_ASSIGNMENTS_MFE_MENU_LABELS
    assert "Pflichtschulungen" in item_names(custom["de-de"]["menu"])
    assert "Formations" in item_names(custom["fr"]["menu"])
    assert "Required training" in item_names(custom["es-419"]["menu"])


def test_applied_twice_or_after_another_plugin_the_entry_appears_once(default_root, tmp_path):
    changed_by_others = [
        {"heading": "Learning", "items": [{"type": "item", "href": f"{LMS}/courses", "content": "Courses"}]},
        {"items": [{"type": "item", "href": f"{LMS}/dashboard", "content": "Dashboard"}]},
    ]
    result = run_env_config(
        default_root,
        tmp_path,
        [
            {"name": "twice", "slot": SLOTS["desktop"], "locale": "en", "props": {"menu": DEFAULT_MENU}, "times": 2},
            {"name": "no-logout", "slot": SLOTS["desktop"], "locale": "en", "props": {"menu": changed_by_others}},
            {"name": "logged-out", "slot": SLOTS["desktop"], "locale": "en", "props": {"menu": []}},
        ],
    )
    assert item_names(result["twice"]["menu"]).count("My mandatory assignments") == 1
    # No sign-out entry: at the end of the last group.
    assert item_names(result["no-logout"]["menu"]) == ["Courses", "Dashboard", "My mandatory assignments"]
    assert result["logged-out"]["menu"] == []


def test_no_entry_when_the_plugin_is_switched_off(off_root, tmp_path):
    """MANDATORY_ASSIGNMENTS_ENABLED=false: the page would answer 404, so the menu does not link to it."""
    case = {"name": "desktop", "slot": SLOTS["desktop"], "locale": "en", "props": {"menu": DEFAULT_MENU}}
    result = run_env_config(off_root, tmp_path, [case])
    assert item_names(result["desktop"]["menu"]) == ["Dashboard", "Profile", "Account", "Sign Out"]


def test_the_slots_apply_to_all_legacy_mfes(default_root):
    """Registered for "all" MFEs: before the first per-MFE block of env.config.jsx."""
    source = default_root.text(ENV_CONFIG)
    first_app_block = source.index("if (process.env.APP_ID ==")
    for slot in SLOTS.values():
        assert 0 <= source.index(f"addPlugins(config, '{slot}'") < first_app_block


def test_the_frontend_base_site_header_gets_the_entry_before_sign_out(default_root):
    source = default_root.text(CUSTOM_APP)
    slot = re.search(r"addSlot\(customApp,\s*(\{.*?\})\);", source, re.S)[1]
    assert "slotId: 'org.openedx.frontend.slot.header.authenticatedMenu.v1'" in slot
    assert "op: mandatoryAssignmentsFrontendBase.WidgetOperationTypes.INSERT_BEFORE" in slot
    assert "relatedId: 'org.openedx.frontend.widget.header.desktopAuthenticatedMenuLogout.v1'" in slot
    assert "component: MandatoryAssignmentsMenuItem" in slot
    assert "import * as mandatoryAssignmentsFrontendBase from '@openedx/frontend-base';" in source
    assert "function MandatoryAssignmentsMenuItem()" in source
    assert "getSiteConfig().lmsBaseUrl}/mandatory_assignments/my/`" in source
    assert '"de": "Meine Pflichtschulungen"' in source


def test_without_tutor_mfe_the_plugin_renders_without_mfe_files(without_mfe_root):
    assert without_mfe_root.config()["PLUGINS"] == ["mandatory_assignments"]
    assert not (without_mfe_root.root / "env" / "plugins" / "mfe").exists()
    assert "mandatory-assignments-tick" in without_mfe_root.yaml("local/docker-compose.yml")["services"]
