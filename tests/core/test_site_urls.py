"""Links follow the port: with SITE_URL and PUBLIC_BASE_URL unset, every printed URL, webhook URL,
e-mail link and n8n callback uses the port the web server listens on (`PORT=8311 make run`)."""

import os
import subprocess
import sys

from django.conf import settings

PRINT = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.SITE_URL, s.PUBLIC_BASE_URL, s.DEMO_PROVIDERS_URL)"
)


def _urls(**env):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SITE_URL", "PUBLIC_BASE_URL", "DEMO_PROVIDERS_URL", "PORT", "WEB_PORT"}
    }
    result = subprocess.run(
        [sys.executable, "-c", PRINT],
        env={**clean, "DEBUG": "true", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_urls_follow_port_when_not_set():
    assert _urls(PORT="8311") == ["http://127.0.0.1:8311", "http://127.0.0.1:8311", "http://127.0.0.1:9311"]


def test_under_honcho_the_webs_port_wins_over_each_process_own_port():
    assert _urls(PORT="8411", WEB_PORT="8311")[:2] == ["http://127.0.0.1:8311", "http://127.0.0.1:8311"]


def test_production_sets_them_and_they_win():
    urls = _urls(PORT="8000", SITE_URL="https://desk.example.com/", PUBLIC_BASE_URL="https://hooks.example.com")
    assert urls[:2] == ["https://desk.example.com", "https://hooks.example.com"]
