"""
The openedx image installs the LMS plugin; `tutor ... do init` migrates it.
"""

import re
import subprocess


def stage_of(dockerfile: str, needle: str) -> str:
    """The build stage (`FROM ... AS <stage>`) in which `needle` appears."""
    position = dockerfile.index(needle)
    return re.findall(r"^FROM \S+ AS (\S+)", dockerfile[:position], re.M)[-1]


def pip_installs(dockerfile: str) -> list[str]:
    return re.findall(r"\$PIP_COMMAND install '([^']+)'", dockerfile)


def test_the_pinned_release_is_installed_with_the_extra_requirements(default_root):
    dockerfile = default_root.text("build/openedx/Dockerfile")
    installs = pip_installs(dockerfile)
    assert installs.count("mandatory-assignments==0.1.0") == 1
    # Where Tutor installs OPENEDX_EXTRA_PIP_REQUIREMENTS, after the platform's own requirements.
    assert stage_of(dockerfile, "'mandatory-assignments==0.1.0'") == "python-requirements"
    assert dockerfile.index("'mandatory-assignments==0.1.0'") > dockerfile.index("uwsgi==")


def test_a_pip_spec_of_the_operator_and_their_own_extra_requirements(custom_root):
    installs = pip_installs(custom_root.text("build/openedx/Dockerfile"))
    assert "mandatory-assignments[learning-paths]==0.1.0" in installs
    assert "mandatory-assignments==0.1.0" not in installs
    # The operator's OPENEDX_EXTRA_PIP_REQUIREMENTS are theirs: kept, and installed as well.
    assert custom_root.config()["OPENEDX_EXTRA_PIP_REQUIREMENTS"] == ["some-xblock==1.2.3"]
    assert "some-xblock==1.2.3" in installs


def test_an_empty_pip_spec_installs_nothing(off_root):
    assert not [spec for spec in pip_installs(off_root.text("build/openedx/Dockerfile")) if "mandatory" in spec]


def test_tutor_plugins_list_shows_the_plugin_enabled(default_root):
    listing = default_root.tutor("plugins", "list")
    assert re.search(r"^mandatory_assignments\s+.*enabled", listing, re.M), listing


def test_init_migrates_the_plugin_in_the_lms_job_container(default_root, tmp_path):
    """`tutor local do init --limit=mandatory_assignments`, with a stand-in `docker` that records its calls."""
    calls = tmp_path / "docker-calls"
    docker = tmp_path / "bin" / "docker"
    docker.parent.mkdir()
    # Each call: its arguments NUL-terminated, then a record separator; `docker compose ls`: no project running.
    docker.write_text(
        f'#!/bin/sh\nprintf "%s\\0" "$@" >> {calls}\nprintf "\\036" >> {calls}\n'
        'case " $* " in *" ls "*) echo "[]";; esac\n',
        encoding="utf-8",
    )
    docker.chmod(0o755)

    default_root.tutor("local", "do", "init", "--limit=mandatory_assignments", path_first=docker.parent)

    runs = [call.split("\0")[:-1] for call in calls.read_text().split("\x1e") if "\0run\0" in call]
    assert len(runs) == 1, runs
    [run] = runs
    assert run[:2] == ["compose", "-f"]
    service, shell, script = run[-5], run[-4:-1], run[-1]
    assert service == "lms-job"
    assert shell == ["sh", "-e", "-c"]
    assert "./manage.py lms migrate mandatory_assignments" in script
    subprocess.run(["sh", "-n", "-c", script], check=True)
