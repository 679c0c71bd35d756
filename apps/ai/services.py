"""The AI gateway: `complete()` is the only way any code reaches a model.

policy (switch, limits) → abuse check → input guardrail on the customer's text → provider chain →
output guardrail → one `AIRequest` row and the usage counters in one transaction, after every
network call. Refusals and the fallback emit their events; the caller gets a `Completion` that says
what to send the customer."""

import time
from dataclasses import dataclass, field, replace
from functools import partial

from django.conf import settings
from django.utils import timezone

from apps.ai import chain, contact_book, costs, recording, snapshot, tokens
from apps.ai.abuse import check_contact
from apps.ai.guardrails import check_input, check_output
from apps.ai.models import AIRequest, Feature, Guardrail, Outcome, TenantAISettings
from apps.ai.providers.errors import fix_for
from apps.ai.results import Completion
from apps.core.context import current_correlation_id
from apps.events import emit
from apps.tenants import policy, usage
from apps.tenants.models import SystemSettings, UsageCounter

__all__ = ["complete", "settings_for"]

ABUSE_CHECKED_FEATURES = (Feature.BOT_REPLY, Feature.DRAFT)
# A conversation's history was checked when each message arrived: only the NEW customer message
# (the last "user" one) is untrusted-and-unchecked. An API caller's messages are all untrusted.
NEW_MESSAGE_CHECKED_FEATURES = (Feature.BOT_REPLY, Feature.DRAFT)
ANSWERS_CUSTOMERS = (Feature.BOT_REPLY, Feature.DRAFT)  # fallback manual mode stops these
GUARDRAIL_VIOLATION = "AI_GUARDRAIL_VIOLATION"
OUTPUT_BLOCKED = "AI_OUTPUT_BLOCKED"
ABUSE_THROTTLED = "AI_ABUSE_THROTTLED"
FALLBACK_SENT = "AI_FAILURE_FALLBACK_SENT"
MISCONFIGURED = "AI_PROVIDER_MISCONFIGURED"
PROVIDER_REJECTED = "AI_PROVIDER_REJECTED_REQUEST"
STORED_MESSAGES = 50
STORED_CHARS = 4000


@dataclass
class Call:
    """One gateway call as it goes: its inputs, then what each step found."""

    tenant: object
    feature: str
    messages: list
    bot: object = None
    contact_id: str = ""
    conversation: object = None
    model: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    options: dict | None = None
    started: float = field(default_factory=time.monotonic)
    verdicts: dict = field(default_factory=dict)
    known: snapshot.Snapshot | None = None
    defer_record: bool = False
    pending: list = field(default_factory=list)
    limits: policy.PolicyInput | None = None
    reserved_day: object = None

    @property
    def user_texts(self) -> list[str]:
        return [str(m.get("content") or "") for m in self.messages if m.get("role") == "user"]

    @property
    def system_prompt(self) -> str:
        prompts = [str(m.get("content") or "") for m in self.messages if m.get("role") == "system"]
        return "\n".join(prompts) or getattr(self.bot, "system_prompt", "") or ""

    @property
    def last_user_text(self) -> str:
        return self.user_texts[-1] if self.user_texts else ""

    @property
    def unchecked_texts(self) -> list[str]:
        """What the input guardrail reads: the new customer message in a conversation (so one past
        attack does not keep blocking later replies), every user message from the API."""
        return [self.last_user_text] if self.feature in NEW_MESSAGE_CHECKED_FEATURES else self.user_texts

    def connection_secrets(self) -> tuple[str, ...]:
        """The secrets of the connection the reply goes out on, which an answer must never carry."""
        if self.conversation is None:
            return ()
        values = self.conversation.connection.secrets().values()
        return tuple(value for value in values if isinstance(value, str))

    def elapsed_ms(self) -> int:
        return round((time.monotonic() - self.started) * 1000)


def complete(
    tenant,
    feature,
    messages,
    *,
    bot=None,
    contact_id="",
    conversation=None,
    model=None,
    max_tokens=None,
    temperature=None,
    options=None,
    defer_record=False,
    known=None,
) -> Completion:
    """Answers `messages` (OpenAI-style dicts; "user" content is the untrusted text) for `tenant`.
    Writes exactly one AIRequest, whatever happens. With `defer_record` (the API) the row is
    written when the caller runs `Completion.finish()`, after its answer went out, wherever the
    snapshot could draw the row's id (PostgreSQL); elsewhere it is written before returning.
    `known` is the call's snapshot when the caller has just read it (the API reads it with the key);
    `options` are further OpenAI request fields for the provider (validation.OPTION_CHECKS)."""
    call = Call(
        tenant,
        str(feature),
        list(messages),
        bot,
        contact_id or "",
        conversation,
        model or getattr(bot, "model", "") or None,
        max_tokens,
        temperature,
        options=options,
        defer_record=defer_record,
    )
    call.known = known or snapshot.read(call.tenant)
    done = _refused_by_policy(call) or _throttled(call) or _refused_by_guardrail(call) or _answer(call)
    return replace(done, pending=tuple(call.pending)) if call.pending else done


def settings_for(tenant) -> TenantAISettings:
    """The tenant's AI texts, created with the defaults the first time they are needed."""
    found, _ = TenantAISettings.objects.get_or_create(tenant=tenant)
    return found


# --- refusals (no provider call) -------------------------------------------------------------------


def _ai_settings(call: Call) -> TenantAISettings:
    return (call.known and call.known.ai_settings) or settings_for(call.tenant)


def _start(call: Call) -> str:
    return (call.known and call.known.start) or SystemSettings.load().default_ai_provider


def _refused_by_policy(call: Call) -> Completion | None:
    call.limits = call.known.policy if call.known else policy.ai_input_for(call.tenant)
    decide = policy.decide_ai_reply if call.feature in ANSWERS_CUSTOMERS else policy.decide_ai
    decision = decide(call.limits)
    return None if decision else _policy_refusal(call, decision)


def _policy_refusal(call: Call, decision: policy.Decision) -> Completion:
    retry_after = policy.ai_retry_after_s(decision.code, call.tenant)
    emit(decision.code, tenant=call.tenant, message=decision.reason, meta={"feature": call.feature})
    row = _record(call, Outcome.REFUSED_POLICY, refusal_code=decision.code)
    return Completion(
        ok=False,
        text="",
        outcome=Outcome.REFUSED_POLICY,
        code=decision.code,
        message=decision.reason,
        request_id=row.pk,
        retry_after_s=retry_after,
    )


def _throttled(call: Call) -> Completion | None:
    if call.feature not in ABUSE_CHECKED_FEATURES or not call.contact_id:
        return None
    decision = check_contact(call.tenant, call.contact_id, call.last_user_text)
    if not decision.throttled:
        return None
    message = f"AI replies to this contact are throttled: {decision.reason}"
    row = _record(call, Outcome.THROTTLED, refusal_code=ABUSE_THROTTLED)
    return Completion(
        ok=False, text="", outcome=Outcome.THROTTLED, code=ABUSE_THROTTLED, message=message, request_id=row.pk
    )


def _refused_by_guardrail(call: Call) -> Completion | None:
    verdict = check_input(call.unchecked_texts)
    call.verdicts["input"] = verdict.as_json()
    if not verdict.blocked:
        return None
    safe_reply = _ai_settings(call).safe_reply
    meta = {"feature": call.feature, "rule": verdict.rule, "layer": verdict.layer, "detail": verdict.detail}
    row = _record(
        call,
        Outcome.REFUSED_GUARDRAIL,
        refusal_code=GUARDRAIL_VIOLATION,
        guardrail=Guardrail.INPUT_BLOCKED,
        completion=safe_reply,
    )
    emit(GUARDRAIL_VIOLATION, tenant=call.tenant, message=f"Input blocked by rule {verdict.rule}.", meta=meta)
    return Completion(
        ok=False,
        text=safe_reply,
        outcome=Outcome.REFUSED_GUARDRAIL,
        code=GUARDRAIL_VIOLATION,
        message=f"The message was refused by the guardrail ({verdict.rule}).",
        request_id=row.pk,
    )


# --- the provider chain and the output check ------------------------------------------------------------


def _answer(call: Call) -> Completion:
    refused = _refused_by_reservation(call)
    if refused is not None:
        return refused
    try:
        return _chain_answer(call)
    except BaseException:
        _release(call)
        raise


def _refused_by_reservation(call: Call) -> Completion | None:
    """A tenant within AI_LIMIT_RESERVE_WITHIN requests of a limit counts its request before the
    provider call (one atomic statement), so concurrent calls cannot overshoot the limit; further
    from it, the request is counted with the row after the call (no extra round trip)."""
    if policy.ai_requests_left(call.limits) > settings.AI_LIMIT_RESERVE_WITHIN:
        return None
    decision, day = usage.reserve_ai_request(call.tenant, call.limits)
    if not decision:
        return _policy_refusal(call, decision)
    call.reserved_day = day
    return None


def _release(call: Call) -> None:
    if call.reserved_day is not None:
        usage.release_ai_request(call.tenant, call.reserved_day)
        call.reserved_day = None


def _chain_answer(call: Call) -> Completion:
    ai_settings = _ai_settings(call)
    result = chain.run(
        call.messages,
        start=_start(call),
        model=call.model,
        max_tokens=call.max_tokens,
        temperature=call.temperature,
        options=call.options,
        fallback_text=ai_settings.fallback_text,
        circuits=call.known.circuits if call.known else None,
    )
    if result.rejected is not None:
        return _rejected_request(call, result)
    if result.provider == chain.MOCK:
        return _mock_answer(call, result)
    return _checked_answer(call, result, ai_settings)


def _mock_answer(call: Call, result: chain.ChainResult) -> Completion:
    _release(call)
    outcome = Outcome.FALLBACK if result.fallback else Outcome.MOCK
    row = _record(call, outcome, result=result, guardrail=Guardrail.NOT_CHECKED, completion=result.answer.text)
    if result.misconfigured is not None:
        _announce_misconfigured(call, result, row)
    if result.fallback:
        _announce_fallback(call, result, row)
    message = _mock_message(result)
    return Completion(
        ok=False,
        text=result.answer.text,
        outcome=outcome,
        message=message,
        provider=chain.MOCK,
        model=result.answer.model,
        fallback=result.fallback,
        request_id=row.pk,
    )


def _rejected_request(call: Call, result: chain.ChainResult) -> Completion:
    """The provider refused what the caller asked for (chain.callers_fault): no fallback text, the
    caller gets the provider's reason."""
    _release(call)
    error, provider = result.rejected, result.rejected_provider
    row = _record(call, Outcome.INVALID, result=result, refusal_code=PROVIDER_REJECTED)
    message = f"{provider} refused the request: {error.message}"[:1000]
    return Completion(
        ok=False,
        text="",
        outcome=Outcome.INVALID,
        code=PROVIDER_REJECTED,
        message=message,
        provider=provider,
        request_id=row.pk,
    )


def _mock_message(result: chain.ChainResult) -> str:
    if result.misconfigured is not None:
        refused = f"{result.misconfigured_provider} refused the request ({result.misconfigured.kind})"
        return f"{refused}; the fallback text was sent."
    if result.fallback:
        return "Every AI provider failed; the fallback text was sent."
    if result.unanswered:
        return "The model gave no answer (token budget spent, or its content filter); the fallback text was sent."
    return "Answered by the mock (no provider is configured, or the default provider is the mock)."


def _checked_answer(call: Call, result: chain.ChainResult, ai_settings) -> Completion:
    verdict = check_output(
        result.answer.text,
        system_prompt=call.system_prompt,
        allowed_domains=tuple(ai_settings.link_domains),
        contact_id=call.contact_id,
        secrets=call.connection_secrets(),
        public_details=contact_book.tenant_details(call.tenant, ai_settings),
        lookup=partial(contact_book.holding, call.tenant),
    )
    call.verdicts["output"] = verdict.as_json()
    if verdict.blocked:
        return _blocked_answer(call, result, verdict, ai_settings.safe_reply)
    row = _record(call, Outcome.ANSWERED, result=result, guardrail=Guardrail.PASSED, completion=result.answer.text)
    return Completion(
        ok=True,
        text=result.answer.text,
        outcome=Outcome.ANSWERED,
        message="Answered.",
        provider=result.provider,
        model=result.answer.model,
        request_id=row.pk,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
        finish_reason=result.answer.finish_reason,
        refused_by_model=result.answer.refused,
    )


def _blocked_answer(call, result, verdict, safe_reply) -> Completion:
    row = _record(
        call,
        Outcome.BLOCKED_OUTPUT,
        result=result,
        refusal_code=OUTPUT_BLOCKED,
        guardrail=Guardrail.OUTPUT_BLOCKED,
        completion=safe_reply,
    )
    meta = {"feature": call.feature, "rule": verdict.rule, "layer": verdict.layer, "provider": result.provider}
    emit(OUTPUT_BLOCKED, tenant=call.tenant, message=f"Answer blocked by rule {verdict.rule}.", meta=meta)
    return Completion(
        ok=False,
        text=safe_reply,
        outcome=Outcome.BLOCKED_OUTPUT,
        code=OUTPUT_BLOCKED,
        message=f"The answer was blocked by the output guardrail ({verdict.rule}).",
        provider=result.provider,
        model=result.answer.model,
        request_id=row.pk,
        prompt_tokens=row.prompt_tokens,
        completion_tokens=row.completion_tokens,
    )


def _announce_fallback(call, result, row):
    tried = [attempt.provider for attempt in result.attempts if attempt.provider != chain.MOCK]
    meta = {"feature": call.feature, "chain": tried, "errors": result.errors, "ai_request_id": row.pk}
    message = "Every AI provider failed (" + ", ".join(f"{e['provider']}: {e.get('kind')}" for e in result.errors) + ")"
    emit(FALLBACK_SENT, tenant=call.tenant, message=message, meta=meta)


def _announce_misconfigured(call, result, row):
    error, provider = result.misconfigured, result.misconfigured_provider
    fix = fix_for(error)
    meta = {"provider": provider, "kind": error.kind, "status": error.status, "fix": fix, "ai_request_id": row.pk}
    emit(MISCONFIGURED, message=f"{provider} refused the request ({error}): {fix}."[:1000], meta=meta)


# --- the record ----------------------------------------------------------------------------------------


def _record(call: Call, outcome, *, result=None, refusal_code="", guardrail=Guardrail.NOT_CHECKED, completion=""):
    """The call's one AIRequest row, and (when a provider answered) the tenant's request and token
    counters, atomically with it (one statement on PostgreSQL), after every network call."""
    row = _row(call, outcome, result, refusal_code, guardrail, completion)
    counted = result is not None and result.provider != chain.MOCK
    amounts = _usage_of(row, reserved=call.reserved_day is not None) if counted else {}
    if call.defer_record and row.pk is not None:
        call.pending.append(recording.deferred(row, amounts))
        return row
    return recording.save_counted(row, amounts)


def _row(call: Call, outcome, result, refusal_code, guardrail, completion) -> AIRequest:
    fields = _result_fields(call, result) if result is not None else {}
    return AIRequest(
        id=call.known.request_id if call.known else None,
        tenant=call.tenant,
        feature=call.feature,
        bot=call.bot,
        conversation=call.conversation,
        contact_id=call.contact_id[:255],
        outcome=outcome,
        refusal_code=refusal_code,
        guardrail=guardrail,
        guardrail_verdicts=call.verdicts,
        messages=_stored(call.messages),
        completion=completion,
        correlation_id=(current_correlation_id() or "")[:128],
        created_at=timezone.now(),
        latency_ms=call.elapsed_ms(),
        **fields,
    )


def _result_fields(call: Call, result: chain.ChainResult) -> dict:
    answer = result.answer
    fields = {"provider": result.provider, "model": answer.model[:200], "chain": [a.as_json() for a in result.attempts]}
    if result.provider == chain.MOCK:
        return {**fields, "cost_source": costs.NONE}
    prompt, completion, offline = _tokens(call, answer)
    prices = call.known.prices_of(result.provider) if call.known else None
    cost, source = costs.cost_of(
        result.provider, (answer.model, call.model), prompt, completion, answer.cost_usd, prices=prices
    )
    return {
        **fields,
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "tokens_counted_offline": offline,
        "cost_usd": cost,
        "cost_source": source,
    }


def _tokens(call: Call, answer) -> tuple[int, int, bool]:
    if answer.prompt_tokens is not None and answer.completion_tokens is not None:
        return answer.prompt_tokens, answer.completion_tokens, False
    prompt = (
        answer.prompt_tokens if answer.prompt_tokens is not None else tokens.count_messages(call.messages, answer.model)
    )
    completion = answer.completion_tokens
    if completion is None:
        completion = tokens.count_text(answer.text, answer.model)
    return prompt, completion, True


def _usage_of(row: AIRequest, *, reserved: bool) -> dict:
    """What the answered call adds to the counters: its tokens, and its request unless it was
    reserved before the call (then it is counted already)."""
    Metric = UsageCounter.Metric
    return {Metric.AI_REQUESTS: 0 if reserved else 1, Metric.AI_TOKENS: row.total_tokens}


def _stored(messages) -> list[dict]:
    """The messages as stored on the row: the last STORED_MESSAGES, each content cut to STORED_CHARS."""
    kept = messages[-STORED_MESSAGES:]
    return [{"role": str(m.get("role", ""))[:16], "content": str(m.get("content") or "")[:STORED_CHARS]} for m in kept]
