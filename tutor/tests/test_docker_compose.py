"""
`tutor local`: the rendered docker-compose files run one tick service next to the LMS.
"""

import signal
import subprocess
import time

TICK_SERVICE = "mandatory-assignments-tick"


def tick_script(service: dict) -> str:
    """The shell loop of the service, as docker compose passes it to `sh -c` (`$$` is compose's `$`)."""
    command = service["command"]
    assert command[:2] == ["sh", "-c"], command
    return command[2].replace("$$", "$")


def test_one_tick_service_with_the_lms_image_and_settings(default_root):
    services = default_root.yaml("local/docker-compose.yml")["services"]
    tick, lms = services[TICK_SERVICE], services["lms"]

    assert tick["image"] == lms["image"]
    assert tick["environment"]["SERVICE_VARIANT"] == "lms"
    assert tick["environment"]["DJANGO_SETTINGS_MODULE"] == lms["environment"]["DJANGO_SETTINGS_MODULE"]
    # The same settings and configuration as the LMS container.
    settings_mounts = [volume for volume in lms["volumes"] if "/settings/" in volume or "/config:" in volume]
    assert settings_mounts
    assert set(settings_mounts) <= set(tick["volumes"])
    assert {"lms", "mysql"} <= set(tick["depends_on"])
    assert tick["restart"] == "unless-stopped"
    assert [name for name in services if "mandatory" in name] == [TICK_SERVICE]


def test_the_service_runs_the_tick_command_every_tick_seconds(default_root, custom_root):
    default_script = tick_script(default_root.yaml("local/docker-compose.yml")["services"][TICK_SERVICE])
    assert "./manage.py lms mandatory_assignments_tick" in default_script
    assert "sleep 300 " in default_script

    custom_script = tick_script(custom_root.yaml("local/docker-compose.yml")["services"][TICK_SERVICE])
    assert "sleep 120 " in custom_script


def test_no_service_when_the_tick_is_not_run_by_the_plugin(off_root):
    services = off_root.yaml("local/docker-compose.yml")["services"]
    assert "lms" in services
    assert TICK_SERVICE not in services
    assert TICK_SERVICE not in off_root.yaml("dev/docker-compose.yml")["services"]


def test_tutor_dev_runs_the_tick_from_the_development_image(default_root):
    dev = default_root.yaml("dev/docker-compose.yml")["services"]
    assert dev[TICK_SERVICE]["image"] == dev["lms"]["image"]
    assert dev[TICK_SERVICE]["environment"]["DJANGO_SETTINGS_MODULE"] == "lms.envs.tutor.development"


def test_the_loop_ticks_again_after_a_failure_and_stops_at_once_on_sigterm(fast_root, tmp_path):
    """The rendered loop, run by sh with a stand-in manage.py that records its calls and fails every time."""
    script = tick_script(fast_root.yaml("local/docker-compose.yml")["services"][TICK_SERVICE])
    calls = tmp_path / "calls"
    manage = tmp_path / "manage.py"
    manage.write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexit 1\n', encoding="utf-8")
    manage.chmod(0o755)

    with subprocess.Popen(["sh", "-c", script], cwd=tmp_path, stderr=subprocess.PIPE, text=True) as loop:
        try:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and len(calls.read_text().splitlines() if calls.exists() else []) < 2:
                time.sleep(0.1)
            loop.send_signal(signal.SIGTERM)
            started = time.monotonic()
            returncode = loop.wait(timeout=5)
        finally:
            if loop.poll() is None:
                loop.kill()
        stderr = loop.stderr.read()

    assert calls.read_text().splitlines()[:2] == ["lms mandatory_assignments_tick"] * 2
    assert "mandatory_assignments_tick failed; next try in 1 s" in stderr
    assert returncode == 0
    assert time.monotonic() - started < 2


def test_a_mounted_checkout_reaches_the_tick_service(mounted_root):
    """`tutor mounts add` of a mandatory-assignments checkout: installed in the image, bind-mounted at run time."""
    [checkout] = mounted_root.config()["MOUNTS"]
    tick = mounted_root.yaml("local/docker-compose.yml")["services"][TICK_SERVICE]
    assert f"{checkout}:/mnt/mandatory-assignments:z" in tick["volumes"]
    assert 'install -e "/mnt/mandatory-assignments"' in mounted_root.text("build/openedx/Dockerfile")
