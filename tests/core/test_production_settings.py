"""With DEBUG off the process refuses secrets anyone can read; `make` writes local ones; the
documented production .env passes `manage.py check --deploy`."""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from config import startup_checks

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = BASE_DIR / "deploy" / "production.env.example"
OLD_DEFAULT = "dev-insecure-change-me-opsdesk-secret-key-0123456789"
GOOD_SECRET, GOOD_KEY = secrets.token_urlsafe(64), secrets.token_urlsafe(40)


def env_file(path: Path) -> dict:
    pairs = (line.partition("=") for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {key: value for key, _, value in pairs}


def manage(*args, **env):
    inherited = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set by browser tests
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env={**inherited, **env},
    )


@pytest.mark.parametrize(
    "secret_key, encryption_key, problem",
    [
        ("", GOOD_KEY, "SECRET_KEY is not set"),
        (OLD_DEFAULT, GOOD_KEY, "SECRET_KEY is a published example value"),
        ("x" * 49, GOOD_KEY, "SECRET_KEY is shorter than 50 characters"),
        (GOOD_SECRET, "", "CONNECTION_ENCRYPTION_KEY is not set"),
        (GOOD_SECRET, GOOD_SECRET, "the same as SECRET_KEY"),
        (GOOD_SECRET, "short", "shorter than 32 characters"),
    ],
)
def test_insecure_secrets_are_named(secret_key, encryption_key, problem):
    assert problem in " ".join(startup_checks.secret_problems(secret_key, encryption_key))


def test_random_keys_pass():
    assert startup_checks.secret_problems(GOOD_SECRET, GOOD_KEY) == []


def test_the_production_examples_placeholders_are_refused():
    values = env_file(PRODUCTION_ENV)
    assert startup_checks.secret_problems(values["SECRET_KEY"], values["CONNECTION_ENCRYPTION_KEY"])


@pytest.mark.parametrize("secret_key", [OLD_DEFAULT, "too-short-but-random-" + secrets.token_hex(4)])
def test_the_process_refuses_to_start_with_debug_off(secret_key):
    result = manage("check", DEBUG="false", SECRET_KEY=secret_key)
    assert result.returncode != 0
    assert "ImproperlyConfigured: Opsdesk refuses to start with DEBUG off: SECRET_KEY" in result.stderr


def test_check_deploy_passes_with_the_documented_production_env():
    values = {**env_file(PRODUCTION_ENV), "SECRET_KEY": GOOD_SECRET, "CONNECTION_ENCRYPTION_KEY": GOOD_KEY}
    result = manage("check", "--deploy", "--fail-level", "WARNING", **values)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_make_writes_random_local_keys_once(tmp_path):
    shutil.copy(BASE_DIR / "Makefile", tmp_path / "Makefile")
    subprocess.run(
        ["make", "-s", ".run/local.env", f"PYTHON={sys.executable}"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=60,
    )
    first = env_file(tmp_path / ".run" / "local.env")
    assert startup_checks.secret_problems(first["SECRET_KEY"], first["CONNECTION_ENCRYPTION_KEY"]) == []
    assert first["HTTPS_ONLY"] == "false"
    subprocess.run(["make", "-s", ".run/local.env"], cwd=tmp_path, check=True, capture_output=True, timeout=60)
    assert env_file(tmp_path / ".run" / "local.env") == first


def test_local_values_fill_only_what_the_environment_leaves_blank(tmp_path, monkeypatch):
    local = tmp_path / "local.env"
    local.write_text("# comment\nOPSDESK_T_SET=local\nOPSDESK_T_BLANK=local\nOPSDESK_T_UNSET=local\n")
    monkeypatch.setenv("OPSDESK_T_SET", "environment")
    monkeypatch.setenv("OPSDESK_T_BLANK", "")
    monkeypatch.delenv("OPSDESK_T_UNSET", raising=False)
    startup_checks.fill_blanks_from(local)
    assert [os.environ[f"OPSDESK_T_{k}"] for k in ("SET", "BLANK", "UNSET")] == ["environment", "local", "local"]


def test_tests_hash_passwords_fast_and_production_does_not():
    from django.contrib.auth.hashers import get_hasher

    import config.settings

    assert get_hasher().algorithm == "md5"
    assert not hasattr(config.settings, "PASSWORD_HASHERS")  # Django's default: PBKDF2 first


def test_blank_urls_from_a_copied_env_example_mean_the_embedded_default():
    code = "from django.conf import settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL)"
    result = manage("shell", "--no-imports", "-c", code, DATABASE_URL="", DATABASE_OWNER_URL="", CELERY_BROKER_URL="")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://localhost//"]
