"""
Browser tests: Playwright for Python drives Debian's Chromium (``/usr/bin/chromium``; never a downloaded
browser) against pytest-django's ``live_server``. Screenshots go to ``var/screenshots/`` (gitignored).

``make test`` installs Chromium with apt-get where it is missing (``make chromium``). Without it these tests
skip, except in CI (``CI=true``), where a missing browser fails them.
"""

import os
from pathlib import Path

import pytest
from django.test import Client

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="module")
def chromium():
    """Chromium, for one module's tests. Playwright's sync API keeps an event loop running in this thread while
    it lives, so Django would take the tests' own (synchronous) ORM calls for async code: allowed meanwhile."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium")
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 -- only where a browser runs

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def browser_page(chromium, live_server, settings):
    """A fresh page (1280x900, en-US, UTC) whose relative URLs go to the live server."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="en-US", timezone_id="UTC"
    )
    context.set_default_timeout(15000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, live_server, user):
    """Sign ``user`` in by their session cookie (the login page itself is the platform's, not ours)."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def screenshot(page, name):
    """A full-page screenshot into var/screenshots/, and the page's accessibility scan (see :func:`axe_scan`)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    axe_scan(page, name)
    return path


def axe_scan(page, name):
    """
    Run axe-core (shipped inside the axe-playwright-python package; nothing is downloaded) on the page as it
    is and fail on serious or critical violations; every finding is written to var/screenshots/<name>.axe.txt.
    """
    try:
        from axe_playwright_python.sync_playwright import Axe  # noqa: PLC0415 -- optional until pinned
    except ImportError:
        return None
    results = Axe().run(page)
    violations = results.response.get("violations", [])
    (SCREENSHOTS / f"{name}.axe.txt").write_text(
        "\n".join(
            f"{item['impact']}: {item['id']}: {item['help']} ({len(item['nodes'])} elements)" for item in violations
        )
        or "no violations\n"
    )
    serious = [
        f"{item['id']}: {item['help']}: {[node['target'] for node in item['nodes']]}"
        for item in violations
        if item["impact"] in ("serious", "critical")
    ]
    assert not serious, f"{name}: accessibility violations: {serious}"
    return violations
