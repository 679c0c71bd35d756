"""One way to open a page in Debian's headless Chromium through Playwright, for the browser tests."""

import os
from contextlib import contextmanager

from django.db import connections

from tests.conftest import CHROMIUM

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium_page(**page_options):
    """Playwright runs an event loop in this thread, so Django must allow its sync ORM calls while
    the page is open; the variable is put back afterwards so later tests' subprocesses do not inherit
    it. The test's own queries ran on a connection of Playwright's greenlet: it is closed at the end."""
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                yield browser.new_page(**page_options)
            finally:
                connections.close_all()
                browser.close()
    finally:
        _restore("DJANGO_ALLOW_ASYNC_UNSAFE", before)


def _restore(name, value):
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value
