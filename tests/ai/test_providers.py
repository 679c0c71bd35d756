"""The provider clients against local servers that answer like OpenRouter and OpenAI: each kind of
failure is classified once (and says whether the chain falls back), successes carry text, tokens
and OpenRouter's cost, and the requests carry what the providers' docs ask for."""

from decimal import Decimal

import pytest

from apps.ai.providers import CHAIN, ProviderError, get_provider
from apps.ai.providers.errors import fix_for
from tests.fakes.server import Reply

HELLO = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Is breakfast included?"}]


def failure(provider_name) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        get_provider(provider_name).chat(HELLO)
    return caught.value


def test_the_chain_order_is_openrouter_openai_mock():
    assert CHAIN == ("openrouter", "openai", "mock")


def test_an_openrouter_answer_carries_text_tokens_and_its_own_cost(openrouter):
    answer = get_provider("openrouter").chat(HELLO, max_tokens=50, temperature=0.2)
    assert answer.text == "OpenRouter says hi."
    assert (answer.prompt_tokens, answer.completion_tokens) == (13, 3)
    assert answer.cost_usd == Decimal("0.000042")
    sent = openrouter.completions[0]
    assert sent["model"] == "openai/gpt-4o-mini" and sent["messages"] == HELLO
    assert (sent["max_tokens"], sent["temperature"]) == (50, 0.2)


def test_openrouter_requests_carry_the_key_and_the_attribution_headers(openrouter, settings):
    get_provider("openrouter").chat(HELLO)
    headers = openrouter.requests[0].headers
    assert headers["Authorization"] == "Bearer sk-or-v1-test"
    assert headers["HTTP-Referer"] == settings.OPENROUTER_SITE_URL
    assert headers["X-Title"] == "Opsdesk"


def test_an_openai_answer_has_tokens_and_no_cost(openai):
    answer = get_provider("openai").chat(HELLO, model="gpt-4.1-mini")
    assert (answer.text, answer.cost_usd) == ("OpenAI says hi.", None)
    assert answer.completion_tokens == 3
    assert openai.completions[0]["model"] == "gpt-4.1-mini"


def test_a_provider_without_a_key_is_not_configured_and_never_called(openai, settings):
    settings.OPENAI_API_KEY = ""
    provider = get_provider("openai")
    assert not provider.configured
    error = failure("openai")
    assert (error.kind, error.falls_back) == ("not_configured", True)
    assert openai.requests == []


def test_the_mock_is_always_configured_and_answers_without_a_network():
    mock = get_provider("mock")
    assert mock.configured
    assert "trouble answering" in mock.chat(HELLO).text


@pytest.mark.parametrize(
    ("reply", "kind", "status"),
    [
        (lambda f: f.server_error(500), "server_error", 500),
        (lambda f: f.server_error(502), "server_error", 502),
        (lambda f: f.server_error(503), "server_error", 503),
        (lambda f: f.error(408, "Request timed out"), "timeout", 408),
        (lambda f: f.rate_limited(retry_after=30), "rate_limited", 429),
        (lambda f: f.credits(), "credits", 402),
        (lambda f: f.moderation(["violence"]), "moderation", 403),
        (lambda f: f.broken(), "invalid_response", 200),
        (lambda f: f.broken({"choices": [{"message": {"role": "assistant"}}]}), "invalid_response", 200),
        (lambda f: Reply(200, b"<html>gateway</html>", {"Content-Type": "text/html"}), "invalid_response", 200),
        (lambda f: f.stream_error(), "invalid_response", 200),
    ],
)
def test_openrouter_failures_that_fall_back(openrouter, reply, kind, status):
    openrouter.always(reply(openrouter))
    error = failure("openrouter")
    assert (error.kind, error.status, error.falls_back) == (kind, status, True)


def test_a_moderation_refusal_names_the_flagged_reasons(openrouter):
    openrouter.always(openrouter.moderation(["harassment", "violence"]))
    assert "harassment, violence" in failure("openrouter").message


@pytest.mark.parametrize(
    ("reply", "kind", "status"),
    [
        (lambda f: f.unauthorized(), "unauthorized", 401),
        (lambda f: f.bad_request("Invalid model"), "bad_request", 400),
    ],
)
def test_configuration_errors_do_not_fall_back(openrouter, openai, reply, kind, status):
    for fake, name in ((openrouter, "openrouter"), (openai, "openai")):
        fake.always(reply(fake))
        error = failure(name)
        assert (error.kind, error.status, error.falls_back) == (kind, status, False)


def test_a_wrong_key_is_unauthorized(openai, settings):
    settings.OPENAI_API_KEY = "sk-wrong"
    error = failure("openai")
    assert (error.kind, error.falls_back) == ("unauthorized", False)
    assert "Incorrect API key" in error.message


def test_openai_insufficient_quota_is_billing_not_a_rate_limit_and_is_not_retried(openai):
    openai.always(openai.quota())
    error = failure("openai")
    assert (error.kind, error.status, error.falls_back, error.retry_after) == ("quota", 429, True, None)
    assert len(openai.requests) == 1


def test_openai_rate_limits_and_server_errors_fall_back(openai):
    openai.always(openai.rate_limited())
    assert failure("openai").kind == "rate_limited"
    openai.always(openai.server_error(503))
    assert failure("openai").kind == "server_error"


def test_a_short_retry_after_is_waited_out_once_within_the_request(openrouter):
    openrouter.script(openrouter.rate_limited(retry_after=0.1))
    answer = get_provider("openrouter").chat(HELLO)
    assert answer.text == "OpenRouter says hi."
    assert len(openrouter.requests) == 2


def test_a_long_retry_after_moves_on_at_once(openrouter):
    openrouter.script(openrouter.rate_limited(retry_after=30))
    error = failure("openrouter")
    assert (error.kind, error.retry_after) == ("rate_limited", 30.0)
    assert len(openrouter.requests) == 1


def test_the_in_flight_budget_402_is_a_rate_limit_with_its_retry_after(openrouter):
    openrouter.always(openrouter.in_flight_budget(retry_after=5))
    error = failure("openrouter")
    assert (error.kind, error.status, error.retry_after) == ("rate_limited", 402, 5.0)


def test_a_hanging_provider_times_out(openrouter, settings):
    openrouter.always(openrouter.hang(settings.AI_TIMEOUT_S + 1))
    error = failure("openrouter")
    assert (error.kind, error.falls_back) == ("timeout", True)


def test_a_provider_nobody_listens_on_is_a_connection_error(openrouter, settings):
    openrouter.stop()
    error = failure("openrouter")
    assert (error.kind, error.falls_back) == ("connection", True)


def test_a_usage_less_answer_has_no_token_counts(openai):
    openai.usage = False
    answer = get_provider("openai").chat(HELLO)
    assert (answer.prompt_tokens, answer.completion_tokens) == (None, None)


def test_the_client_is_kept_between_calls_and_rebuilt_when_settings_change(openai, settings):
    first = get_provider("openai")
    assert get_provider("openai") is first
    settings.OPENAI_MODEL = "gpt-4.1-nano"
    assert get_provider("openai") is not first
    assert get_provider("openai").default_model == "gpt-4.1-nano"


def test_a_short_retry_after_that_leaves_no_time_to_answer_is_not_waited_for(openrouter, settings):
    settings.AI_RETRY_AFTER_MAX_S = 2
    openrouter.script(openrouter.rate_limited(retry_after=settings.AI_TIMEOUT_S))
    error = failure("openrouter")
    assert error.kind == "rate_limited"
    assert len(openrouter.requests) == 1


def test_a_retry_after_a_short_wait_that_hangs_still_times_out(openrouter, settings):
    openrouter.script(openrouter.rate_limited(retry_after=0.1), openrouter.hang(settings.AI_TIMEOUT_S + 1))
    assert failure("openrouter").kind == "timeout"
    assert len(openrouter.requests) == 2


# --- refusals, truncated and filtered answers (200s that are not a plain answer) -----------------


def test_a_refusal_is_the_models_answer_not_a_failure(openai):
    openai.always(openai.refusal("I'm sorry, I can't help with that."))
    answer = get_provider("openai").chat(HELLO)
    assert (answer.text, answer.refused, answer.finish_reason) == ("I'm sorry, I can't help with that.", True, "stop")


def test_an_answer_cut_at_the_token_budget_says_length(openrouter):
    openrouter.always(openrouter.cut_short("Breakfast is served from"))
    answer = get_provider("openrouter").chat(HELLO, max_tokens=4)
    assert (answer.text, answer.refused, answer.finish_reason) == ("Breakfast is served from", False, "length")


@pytest.mark.parametrize(
    ("reply", "says"),
    [
        (lambda f: f.cut_short(None), "token budget"),
        (lambda f: f.cut_short(""), "token budget"),
        (lambda f: f.filtered(), "withheld"),
        (lambda f: f.filtered("Here is how to"), "stopped part-way"),
    ],
)
def test_no_answer_falls_back_without_counting_against_the_provider(openai, openrouter, reply, says):
    for fake, name in ((openrouter, "openrouter"), (openai, "openai")):
        fake.always(reply(fake))
        error = failure(name)
        assert (error.kind, error.status, error.falls_back, error.counts_against_provider) == (
            "no_answer",
            200,
            True,
            False,
        )
        assert says in error.message


def test_null_content_without_a_refusal_or_a_reason_is_still_an_invalid_response(openai):
    openai.always(openai.finished("stop", None))
    assert failure("openai").kind == "invalid_response"


# --- OpenRouter's 403s, OpenAI's completion limit, the fix an operator is told ----------------------------

BUDGETS = ["openrouter_key_limit", "openrouter_guardrail_budget", "openrouter_workspace_budget"]


@pytest.mark.parametrize("source", BUDGETS)
def test_an_openrouter_403_for_a_spent_budget_is_credits_and_falls_back(openrouter, source):
    openrouter.always(openrouter.budget_spent(source))
    error = failure("openrouter")
    assert (error.kind, error.status, error.falls_back, error.counts_against_provider) == ("credits", 403, True, True)
    assert source in error.message


def test_an_openrouter_guardrail_block_is_a_refusal_of_this_input_and_falls_back(openrouter):
    openrouter.always(openrouter.guardrail_block())
    error = failure("openrouter")
    assert (error.kind, error.status, error.falls_back, error.counts_against_provider) == (
        "moderation",
        403,
        True,
        False,
    )
    assert "prompt injection" in error.message


def test_openai_gets_max_completion_tokens_and_openrouter_max_tokens(openrouter, openai):
    get_provider("openai").chat(HELLO, max_tokens=50)
    get_provider("openrouter").chat(HELLO, max_tokens=50)
    assert openai.completions[0]["max_completion_tokens"] == 50 and "max_tokens" not in openai.completions[0]
    assert openrouter.completions[0]["max_tokens"] == 50 and "max_completion_tokens" not in openrouter.completions[0]


def test_an_openai_reasoning_model_answers_a_call_with_a_limit(openai, settings):
    settings.OPENAI_MODEL = "o4-mini"
    assert get_provider("openai").chat(HELLO, max_tokens=50).text == "OpenAI says hi."


@pytest.mark.parametrize(
    ("name", "reply", "kind", "fix"),
    [
        ("openai", lambda f: f.region_refused(), "unauthorized", "country or region"),
        ("openai", lambda f: f.too_long(), "bad_request", "too long for the model"),
        ("openrouter", lambda f: f.too_long(), "bad_request", "too long for the model"),
        ("openai", lambda f: f.bad_request(), "bad_request", "model name"),
        ("openrouter", lambda f: f.bad_request("openai/gpt-9 is not a valid model ID"), "bad_request", "model name"),
        ("openai", lambda f: f.unauthorized(), "unauthorized", "API key"),
        ("openrouter", lambda f: f.unauthorized(), "unauthorized", "API key"),
    ],
)
def test_the_operator_fix_follows_the_providers_error_code(request, name, reply, kind, fix):
    fake = request.getfixturevalue(name)
    fake.always(reply(fake))
    error = failure(name)
    assert (error.kind, error.falls_back) == (kind, False)
    assert fix in fix_for(error)


def test_a_context_overflow_is_not_told_to_check_the_model_name(openai):
    openai.always(openai.too_long())
    assert "model name" not in fix_for(failure("openai"))


# --- Retry-After, retry-after-ms, a 503, x-should-retry ---------------------------------------------------


def test_retry_after_ms_is_read_first_and_waited_out(openai):
    openai.script(openai.retry_hinted(seconds=30, ms=100))
    assert get_provider("openai").chat(HELLO).text == "OpenAI says hi."
    assert len(openai.requests) == 2


def test_a_long_retry_after_ms_moves_on_at_once(openai):
    openai.script(openai.retry_hinted(ms=30000))
    error = failure("openai")
    assert (error.kind, error.retry_after) == ("rate_limited", 30.0)
    assert len(openai.requests) == 1


def test_a_503_with_a_short_retry_after_is_waited_out_once(openrouter):
    openrouter.script(openrouter.retry_hinted(503, seconds=0.1))
    assert get_provider("openrouter").chat(HELLO).text == "OpenRouter says hi."
    assert len(openrouter.requests) == 2


def test_a_503_with_a_long_retry_after_or_a_500_with_a_short_one_moves_on(openrouter):
    openrouter.script(openrouter.retry_hinted(503, seconds=30), openrouter.retry_hinted(500, seconds=0.1))
    assert failure("openrouter").kind == "server_error"
    assert failure("openrouter").kind == "server_error"
    assert len(openrouter.requests) == 2


@pytest.mark.parametrize("status", [429, 503])
def test_x_should_retry_false_is_never_retried(openai, status):
    openai.script(openai.retry_hinted(status, seconds=0.1, should_retry=False))
    error = failure("openai")
    assert (error.retry_after, error.retryable) == (0.1, False)
    assert len(openai.requests) == 1


def test_an_unreadable_or_infinite_retry_after_is_none(openai):
    openai.always(openai.retry_hinted(seconds="inf", ms="soon"))
    assert failure("openai").retry_after is None
