"""The providers' circuit, shared through the database by every process: failures in a row open it,
an open circuit is skipped without a network call, after the cooldown exactly one caller probes,
and the probe's outcome closes or reopens it. Each change is an event."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.ai import chain, circuit, services
from apps.ai.models import AIRequest, ProviderCircuit
from apps.events.models import SystemEvent
from tests.threads import all_at_once

State = ProviderCircuit.State
HELLO = [{"role": "user", "content": "Hello"}]


def fail(times, provider="openrouter", now=None):
    for _ in range(times):
        circuit.allow(provider, now=now)
        circuit.record_failure(provider, "server_error 502: Provider returned error", now=now)


def state(provider="openrouter"):
    return ProviderCircuit.objects.get(provider=provider)


def events(code):
    return SystemEvent.objects.filter(code=code)


def after_cooldown(settings):
    return timezone.now() + timedelta(seconds=settings.AI_CIRCUIT_COOLDOWN_S + 1)


@pytest.mark.django_db
def test_failures_below_the_threshold_keep_it_closed(ai_settings):
    fail(2)
    assert (state().state, state().consecutive_failures) == (State.CLOSED, 2)
    assert circuit.allow("openrouter")


@pytest.mark.django_db
def test_the_threshold_opens_it_once_with_an_event(ai_settings):
    fail(5)
    opened = state()
    assert opened.state == State.OPEN
    assert opened.open_until > timezone.now()
    assert "502" in opened.last_error
    assert events("AI_PROVIDER_CIRCUIT_OPEN").count() == 1
    assert not circuit.allow("openrouter")


@pytest.mark.django_db
def test_a_success_resets_the_count_of_failures(ai_settings):
    fail(2)
    circuit.record_success("openrouter")
    fail(2)
    assert state().state == State.CLOSED
    assert not events("AI_PROVIDER_CIRCUIT_CLOSED").exists()


@pytest.mark.django_db
def test_after_the_cooldown_one_caller_probes_and_its_success_closes_it(ai_settings):
    fail(3)
    later = after_cooldown(ai_settings)
    assert circuit.allow("openrouter", now=later)
    assert state().state == State.HALF_OPEN
    assert not circuit.allow("openrouter", now=later)
    circuit.record_success("openrouter")
    assert (state().state, state().consecutive_failures) == (State.CLOSED, 0)
    assert events("AI_PROVIDER_CIRCUIT_CLOSED").count() == 1


@pytest.mark.django_db
def test_a_failed_probe_reopens_it_for_another_cooldown(ai_settings):
    fail(3)
    later = after_cooldown(ai_settings)
    assert circuit.allow("openrouter", now=later)
    circuit.record_failure("openrouter", "timeout", now=later)
    reopened = state()
    assert reopened.state == State.OPEN
    assert reopened.open_until == later + timedelta(seconds=ai_settings.AI_CIRCUIT_COOLDOWN_S)
    assert events("AI_PROVIDER_CIRCUIT_OPEN").count() == 2


@pytest.mark.django_db
def test_a_probe_whose_process_died_is_claimed_again(ai_settings):
    fail(3)
    later = after_cooldown(ai_settings)
    assert circuit.allow("openrouter", now=later)
    much_later = later + timedelta(minutes=10)
    assert circuit.allow("openrouter", now=much_later)
    assert not circuit.allow("openrouter", now=much_later)


@pytest.mark.django_db
def test_an_open_circuit_is_skipped_without_a_network_call(openrouter, openai, chain_from):
    fail(3)
    result = chain.run(HELLO, start="openrouter")
    assert result.provider == "openai"
    assert openrouter.requests == []
    assert result.attempts[0].as_json() == {
        "provider": "openrouter",
        "outcome": "skipped",
        "kind": "circuit_open",
        "message": chain.CIRCUIT_OPEN,
        "latency_ms": 0,
    }


@pytest.mark.django_db
def test_the_chain_opens_the_circuit_of_a_failing_provider(openrouter, openai):
    openrouter.always(openrouter.server_error(503))
    for _ in range(3):
        assert chain.run(HELLO, start="openrouter").provider == "openai"
    assert state().state == State.OPEN
    assert len(openrouter.requests) == 3
    chain.run(HELLO, start="openrouter")
    assert len(openrouter.requests) == 3


@pytest.mark.django_db
def test_a_moderation_refusal_does_not_count_against_the_provider(openrouter, openai):
    openrouter.always(openrouter.moderation())
    for _ in range(4):
        chain.run(HELLO, start="openrouter")
    assert state().state == State.CLOSED


def in_two_processes(work):
    """`work()` in two threads at once, each on its own database connection (as two web or worker
    processes would): both results."""
    return all_at_once(2, work)


@pytest.mark.django_db(transaction=True)
def test_two_processes_after_the_cooldown_only_one_probes(ai_settings):
    fail(3)
    later = after_cooldown(ai_settings)
    assert sorted(in_two_processes(lambda: circuit.allow("openrouter", now=later))) == [False, True]


@pytest.mark.django_db(transaction=True)
def test_two_processes_failing_together_open_it_once(ai_settings):
    fail(1)
    in_two_processes(lambda: fail(2))
    assert state().state == State.OPEN
    assert state().consecutive_failures == 5
    assert events("AI_PROVIDER_CIRCUIT_OPEN").count() == 1


@pytest.mark.django_db(transaction=True)
def test_another_process_sees_the_open_circuit(ai_settings):
    fail(3)
    assert in_two_processes(lambda: circuit.allow("openrouter")) == [False, False]


@pytest.mark.django_db
def test_a_success_on_a_clean_circuit_writes_nothing(openrouter):
    chain.run(HELLO, start="openrouter")
    seen = state().updated_at
    chain.run(HELLO, start="openrouter")
    assert state().updated_at == seen
    assert circuit.admit("openrouter") == circuit.CLEAN


def circuit_state(provider="openrouter"):
    found = ProviderCircuit.objects.filter(provider=provider).first()
    return found.state if found else State.CLOSED


@pytest.mark.django_db
def test_five_refusals_in_a_row_are_answers_they_open_no_circuit_and_send_no_fallback(tenant, openrouter, openai):
    openrouter.always(openrouter.refusal("I'm sorry, I can't help with that."))
    for _ in range(5):
        result = services.complete(tenant, "api", HELLO)
        assert (result.ok, result.provider, result.text) == (True, "openrouter", "I'm sorry, I can't help with that.")
    assert circuit_state() == State.CLOSED
    assert len(openrouter.requests) == 5 and openai.requests == []
    assert not events(services.FALLBACK_SENT).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("reply", [lambda f: f.cut_short(None), lambda f: f.filtered(), lambda f: f.filtered("Here")])
def test_no_answer_falls_back_without_opening_circuits_or_raising_the_outage(tenant, openrouter, openai, reply):
    openrouter.always(reply(openrouter))
    openai.always(reply(openai))
    for _ in range(5):
        result = services.complete(tenant, "api", HELLO)
        assert (result.provider, result.outcome, result.fallback) == ("mock", "mock", False)
    assert (circuit_state("openrouter"), circuit_state("openai")) == (State.CLOSED, State.CLOSED)
    assert len(openrouter.requests) == len(openai.requests) == 5
    assert not events(services.FALLBACK_SENT).exists() and not events(services.MISCONFIGURED).exists()
    assert [step["kind"] for step in AIRequest.objects.first().chain[:2]] == ["no_answer", "no_answer"]


@pytest.mark.django_db
def test_no_answer_from_one_provider_falls_back_to_the_next(openrouter, openai):
    openrouter.always(openrouter.cut_short(None))
    result = chain.run(HELLO, start="openrouter")
    assert (result.provider, result.answer.text, result.fallback) == ("openai", "OpenAI says hi.", False)
    assert result.attempts[0].kind == "no_answer"
