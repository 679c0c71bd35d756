"""The probe ("test with a single request"): one small request per provider against local
OpenAI-compatible servers, the same probe through `manage.py ai_probe` and the AI provider monitor."""

import pytest
from django.core.management import CommandError, call_command

from apps.ai import probe
from apps.ai.models import AIRequest, ProviderCircuit
from apps.health import checks
from apps.health import services as health
from apps.health.models import HealthMonitor

pytestmark = pytest.mark.django_db


def statuses(results):
    return {result.provider: result.status for result in results}


def test_each_provider_with_a_key_answers_one_small_request(openrouter, openai):
    results = probe.probe()

    assert statuses(results) == {"openrouter": "ok", "openai": "ok", "mock": "ok"}
    sent = openrouter.completions[0]
    assert sent["max_tokens"] == probe.PROBE_MAX_TOKENS and sent["messages"][0]["role"] == "user"
    assert results[0].model and results[0].latency_ms is not None
    assert not AIRequest.objects.exists(), "a probe is no tenant's AI request"


def test_an_openai_reasoning_model_answers_the_probe_with_max_completion_tokens(openai, ai_settings):
    ai_settings.OPENAI_MODEL = "o4-mini"

    [result] = probe.probe("openai")

    assert result.ok, result.summary
    assert openai.completions[0]["max_completion_tokens"] == probe.PROBE_MAX_TOKENS


def test_the_probe_sends_no_temperature(openrouter, openai):
    probe.probe()
    assert "temperature" not in openrouter.completions[0] and "temperature" not in openai.completions[0]


def test_a_reasoning_model_that_spends_the_budget_thinking_is_still_reached(openai, ai_settings):
    ai_settings.OPENAI_MODEL = "o4-mini"
    openai.always(openai.cut_short(None))

    [result] = probe.probe("openai")

    assert result.ok and result.answer.startswith("(no text"), result.summary


def test_a_provider_without_a_key_is_reported_not_called(openrouter, ai_settings):
    ai_settings.OPENAI_API_KEY = ""

    results = probe.probe()

    assert statuses(results) == {"openrouter": "ok", "openai": "not_configured", "mock": "ok"}
    assert results[1].summary == "openai: no API key set"


def test_a_failing_provider_reports_its_error_kind_and_status(openrouter, openai):
    openrouter.always(openrouter.server_error(502))
    openai.always(openai.quota())

    first, second = probe.probe()[:2]

    assert (first.status, first.error_kind) == ("failed", "server_error")
    assert "HTTP 502" in first.error
    assert (second.status, second.error_kind) == ("failed", "quota")


def test_a_hanging_provider_fails_on_the_probe_timeout(openrouter, settings):
    settings.AI_PROBE_TIMEOUT_S = 0.3
    openrouter.always(openrouter.hang(3))

    [result] = probe.probe("openrouter")

    assert (result.status, result.error_kind) == ("failed", "timeout")


def test_an_open_circuit_does_not_stop_the_probe_and_is_left_as_it_is(openrouter):
    ProviderCircuit.objects.create(provider="openrouter", state="open", consecutive_failures=5)

    [result] = probe.probe("openrouter")

    assert result.ok
    assert ProviderCircuit.objects.get(provider="openrouter").state == "open"


def test_an_unknown_provider_is_refused():
    with pytest.raises(ValueError, match="Unknown provider 'skynet'"):
        probe.probe("skynet")


# --- manage.py ai_probe -----------------------------------------------------------------------------


def test_the_command_prints_a_table(openrouter, openai, capsys):
    call_command("ai_probe")

    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["provider", "status", "latency", "model", "detail"]
    assert "openrouter  ok" in out and "openai" in out and " ms " in out


def test_the_command_probes_one_provider_and_fails_when_it_fails(openrouter, openai, capsys):
    openai.always(openai.server_error(503))

    with pytest.raises(CommandError, match="Failed: openai"):
        call_command("ai_probe", "--provider", "openai")

    out = capsys.readouterr().out
    assert "server_error" in out and "openrouter" not in out


def test_the_command_says_when_every_call_goes_to_the_mock(no_provider_keys, capsys):
    call_command("ai_probe")

    out = capsys.readouterr().out
    assert "No provider key is set: every AI call goes to the mock." in out
    assert "no API key set" in out


# --- the health monitor ---------------------------------------------------------------------------------


def test_with_no_key_the_monitor_passes_saying_no_provider_is_configured(no_provider_keys):
    result = checks.run("ai_provider")

    assert result.status == "pass"
    assert result.detail.startswith("no provider configured")


def test_the_monitor_exists_and_fails_with_a_failing_real_provider(openrouter, openai):
    health.sync_monitors()
    monitor = HealthMonitor.objects.get(key="ai_provider")
    openai.always(openai.server_error(500))

    outcome = health.run_monitor(monitor)

    assert outcome.result.status == "fail" and not outcome.result.ok
    assert "openai: server_error" in outcome.result.detail and "openrouter: ok" in outcome.result.detail
    assert outcome.result.value == {"openrouter": "ok", "openai": "failed"}


def test_the_monitor_passes_when_every_provider_with_a_key_answers(openrouter, openai):
    result = checks.run("ai_provider")

    assert result.status == "pass" and result.value == {"openrouter": "ok", "openai": "ok"}
