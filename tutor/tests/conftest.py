"""
Tutor roots rendered the way an operator makes them: `tutor plugins enable`, `tutor config save`, each in its
own temporary TUTOR_ROOT, by the `tutor` command of this virtualenv (Tutor and tutor-mfe from PyPI).
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

TUTOR = str(Path(sys.executable).with_name("tutor"))


class TutorRoot:
    """One Tutor project root and what `tutor config save` rendered into it."""

    def __init__(self, root: Path, plugins_root: Path):
        self.root = root
        self.plugins_root = plugins_root

    def tutor(self, *args: str, path_first: Path | None = None) -> str:
        # Only this root's settings: TUTOR_* variables of the caller's shell would override the configuration.
        env = {name: value for name, value in os.environ.items() if not name.startswith("TUTOR_")}
        env.update(TUTOR_ROOT=str(self.root), TUTOR_PLUGINS_ROOT=str(self.plugins_root))
        if path_first is not None:
            env["PATH"] = f"{path_first}{os.pathsep}{env.get('PATH', '')}"
        result = subprocess.run([TUTOR, *args], env=env, capture_output=True, text=True, timeout=120, check=False)
        assert result.returncode == 0, f"tutor {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    def text(self, relative: str) -> str:
        return (self.root / "env" / relative).read_text(encoding="utf-8")

    def yaml(self, relative: str):
        return yaml.safe_load(self.text(relative))

    def yaml_documents(self, relative: str) -> list:
        return [document for document in yaml.safe_load_all(self.text(relative)) if document]

    def config(self) -> dict:
        return yaml.safe_load((self.root / "config.yml").read_text(encoding="utf-8"))


def set_values(**values: str) -> list[str]:
    return [argument for name, value in values.items() for argument in ("--set", f"{name}={value}")]


# How each root is made: `tutor config save` arguments, and whether tutor-mfe is disabled.
RECIPES = {
    # The plugin (and tutor-mfe, enabled by default) with every setting at its default.
    "default": {},
    # Settings changed with `tutor config save --set`, and an operator's own extra requirement.
    "custom": {
        "save": set_values(
            MANDATORY_ASSIGNMENTS_TICK_SECONDS="120",
            MANDATORY_ASSIGNMENTS_SCOPE="site",
            MANDATORY_ASSIGNMENTS_DEFAULT_TIME_ZONE="Europe/Berlin",
            MANDATORY_ASSIGNMENTS_MIN_LEAD_DAYS="5",
            MANDATORY_ASSIGNMENTS_DEPARTMENT_FIELD="cost_center",
            MANDATORY_ASSIGNMENTS_DEFAULT_REMINDERS='[{"days": 7, "recipient": "student", "template": null}]',
            MANDATORY_ASSIGNMENTS_PIP_SPEC="mandatory-assignments[learning-paths]==0.1.0",
            MANDATORY_ASSIGNMENTS_MFE_MENU_LABELS='{"en": "Required training", "de": "Pflichtschulungen", '
            '"fr": "Formations"}',
        )
        + ["--append", "OPENEDX_EXTRA_PIP_REQUIREMENTS=some-xblock==1.2.3"],
    },
    # Switched off piece by piece: no tick scheduler, feature switch off, nothing installed by the plugin.
    "off": {
        "save": set_values(
            MANDATORY_ASSIGNMENTS_RUN_TICK="false",
            MANDATORY_ASSIGNMENTS_ENABLED="false",
            MANDATORY_ASSIGNMENTS_PIP_SPEC="",
        )
    },
    # A tick every second, to run the rendered compose loop for real.
    "fast": {"save": set_values(MANDATORY_ASSIGNMENTS_TICK_SECONDS="1")},
    # tutor-mfe disabled (it is enabled by default in a new root); --clean drops its rendered files.
    "without-mfe": {"save": ["--clean"], "without_mfe": True},
    # A checkout of mandatory-assignments added with `tutor mounts add` (development).
    "mounted": {"mount": "src/mandatory-assignments"},
}


def make_root(base: Path, save: list[str] = (), without_mfe: bool = False, mount: str | None = None) -> TutorRoot:
    root = TutorRoot(base / "root", base / "plugins")
    root.tutor("plugins", "enable", "mfe", "mandatory_assignments")
    if without_mfe:
        root.tutor("plugins", "disable", "mfe")
    root.tutor("config", "save", *save)
    if mount:
        (base / mount).mkdir(parents=True)
        root.tutor("mounts", "add", str(base / mount))
    return root


@pytest.fixture(scope="session")
def roots(tmp_path_factory) -> dict[str, TutorRoot]:
    """Every root of RECIPES, rendered side by side (each `tutor` call is a process of its own)."""
    bases = {name: tmp_path_factory.mktemp(name) for name in RECIPES}
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {name: pool.submit(make_root, bases[name], **recipe) for name, recipe in RECIPES.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="session")
def default_root(roots) -> TutorRoot:
    return roots["default"]


@pytest.fixture(scope="session")
def custom_root(roots) -> TutorRoot:
    return roots["custom"]


@pytest.fixture(scope="session")
def off_root(roots) -> TutorRoot:
    return roots["off"]


@pytest.fixture(scope="session")
def fast_root(roots) -> TutorRoot:
    return roots["fast"]


@pytest.fixture(scope="session")
def without_mfe_root(roots) -> TutorRoot:
    return roots["without-mfe"]


@pytest.fixture(scope="session")
def mounted_root(roots) -> TutorRoot:
    return roots["mounted"]
