"""Automation runs: bots, the runs inbound messages start, their n8n trigger (or, for an AI-mode
bot, the AI app's answer), callback and timeout.

A run moves queued → running → succeeded / failed / timeout, each move one conditional UPDATE, so
a callback racing the timeout sweep, or a duplicate trigger task, changes a run at most once."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.core.errors import ServiceError
from apps.core.tasks import publish
from apps.events import audit, emit
from apps.integrations import signals
from apps.integrations.models import AutomationRun, Bot, Connection, Provider
from apps.integrations.n8n import client
from apps.tenants import policy
from apps.tenants.models import UsageCounter
from apps.tenants.usage import set_gauge

Run = AutomationRun.Status


def create_bot(tenant, *, name, workflow_path="", mode=Bot.Mode.N8N, system_prompt="", model="", actor=None) -> Bot:
    """A bot answers inbound messages by its n8n workflow (`workflow_path`) or, in AI mode, through
    the AI gateway under its `system_prompt` (and `model`, empty for the provider's default)."""
    fields = bot_fields(mode=mode, workflow_path=workflow_path, system_prompt=system_prompt, model=model)
    decision = policy.can_create_bot(tenant)
    if not decision:
        emit(
            decision.code,
            tenant=tenant,
            source="integrations.automation",
            message=f"Refused bot {name!r}: {decision.reason}",
        )
        raise ServiceError(decision.reason, code=decision.code)
    with transaction.atomic():
        bot = Bot.objects.create(tenant=tenant, name=name, **fields)
        _count_bots(tenant)
        audit.record("bot.created", actor=actor, tenant=tenant, target=bot, after=_audited(bot))
    return bot


def update_bot(bot, *, name, workflow_path, mode=None, system_prompt=None, model=None, actor=None) -> Bot:
    """Changes a bot; a mode, prompt or model left as None stays as it is."""
    fields = bot_fields(
        mode=bot.mode if mode is None else mode,
        workflow_path=workflow_path,
        system_prompt=bot.system_prompt if system_prompt is None else system_prompt,
        model=bot.model if model is None else model,
    )
    before = _audited(bot)
    with transaction.atomic():
        bot.name = name
        for field, value in fields.items():
            setattr(bot, field, value)
        bot.save(update_fields=["name", *fields])
        audit.record("bot.updated", actor=actor, tenant=bot.tenant, target=bot, before=before, after=_audited(bot))
    return bot


def bot_fields(*, mode, workflow_path, system_prompt, model) -> dict:
    """A bot's mode-dependent fields, checked: an n8n bot needs its workflow path."""
    if mode not in Bot.Mode.values:
        raise ServiceError(f"Unknown bot mode {mode!r}: use n8n or ai.", code="invalid_mode")
    if mode == Bot.Mode.N8N and not (workflow_path or "").strip():
        raise ServiceError("An n8n bot needs the path of its n8n workflow.", code="workflow_path_required")
    return {
        "mode": mode,
        "workflow_path": (workflow_path or "").strip(),
        "system_prompt": (system_prompt or "").strip(),
        "model": (model or "").strip(),
    }


def _audited(bot) -> dict:
    return {
        "name": bot.name,
        "mode": bot.mode,
        "path": bot.workflow_path,
        "system_prompt": bot.system_prompt,
        "model": bot.model,
    }


def set_bot_active(bot, active, *, actor=None) -> Bot:
    if active and not bot.is_active and not policy.can_create_bot(bot.tenant):
        raise ServiceError(policy.REASONS[policy.BOT_LIMIT_EXCEEDED], code=policy.BOT_LIMIT_EXCEEDED)
    with transaction.atomic():
        bot.is_active = active
        bot.save(update_fields=["is_active"])
        _count_bots(bot.tenant)
        audit.record("bot.activated" if active else "bot.deactivated", actor=actor, tenant=bot.tenant, target=bot)
    return bot


def _count_bots(tenant):
    set_gauge(tenant, UsageCounter.Metric.BOTS, Bot.objects.filter(tenant=tenant, is_active=True).count())


def start_runs(inbound_event, message) -> list[AutomationRun]:
    """One queued run per active bot of the tenant; triggered after commit."""
    runs = [
        AutomationRun.objects.get_or_create(
            bot=bot, message=message, defaults={"tenant_id": bot.tenant_id, "inbound_event": inbound_event}
        )[0]
        for bot in Bot.objects.filter(tenant_id=inbound_event.tenant_id, is_active=True)
    ]
    queued = [run.pk for run in runs if run.status == Run.QUEUED]
    if queued:
        transaction.on_commit(lambda: _enqueue_triggers(queued))
    return runs


def start_runs_batch(pairs) -> list[AutomationRun]:
    """`start_runs` for many (inbound event, message) pairs, each tenant's active bots read once."""
    tenant_ids = {event.tenant_id for event, _message in pairs}
    bots = {}
    for bot in Bot.objects.filter(tenant_id__in=tenant_ids, is_active=True):
        bots.setdefault(bot.tenant_id, []).append(bot)
    runs = [
        AutomationRun.objects.get_or_create(
            bot=bot, message=message, defaults={"tenant_id": bot.tenant_id, "inbound_event": event}
        )[0]
        for event, message in pairs
        for bot in bots.get(event.tenant_id, [])
    ]
    queued = [run.pk for run in runs if run.status == Run.QUEUED]
    if queued:
        transaction.on_commit(lambda: _enqueue_triggers(queued))
    return runs


def _enqueue_triggers(run_ids):
    from apps.integrations.tasks import trigger_automation_run

    for run_id in run_ids:
        publish(trigger_automation_run, run_id)


def _move(run_id, from_statuses, **changes) -> bool:
    return bool(AutomationRun.objects.filter(pk=run_id, status__in=from_statuses).update(**changes))


def trigger(run_id) -> str:
    """Starts a queued run: POSTs the message to the bot's n8n workflow with a callback URL."""
    if not _move(run_id, [Run.QUEUED], status=Run.RUNNING, started_at=timezone.now()):
        return "skipped"
    run = AutomationRun.objects.select_related("bot", "message", "tenant").get(pk=run_id)
    if run.bot.mode == Bot.Mode.AI:
        return _answer_with_ai(run)
    connection = Connection.objects.filter(tenant=run.tenant, provider=Provider.N8N, is_active=True).first()
    try:
        if connection is None:
            raise client.N8nError("The tenant has no active n8n connection.")
        answer = client.trigger(connection, run.bot.workflow_path, trigger_payload(run, connection))
    except client.N8nError as exc:
        return _trigger_failed(run, str(exc))
    execution_id = str(answer.get("executionId") or answer.get("execution_id") or "")
    if execution_id:
        AutomationRun.objects.filter(pk=run.pk, n8n_execution_id="").update(n8n_execution_id=execution_id)
    return Run.RUNNING


def _answer_with_ai(run) -> str:
    """An AI-mode bot's run: the AI app answers it through its gateway (the `ai_reply_requested`
    signal; integrations never import ai), the run ends, and its text goes out like a workflow's
    reply, through the outbound pipeline."""
    replies = [reply for _receiver, reply in signals.ai_reply_requested.send(sender=AutomationRun, run=run) if reply]
    if not replies:
        return _finish_ai(run, "", "The reply was not made: no AI gateway is installed.")
    return _finish_ai(run, replies[0].text, replies[0].error)


def _finish_ai(run, text, error) -> str:
    status = Run.SUCCEEDED if text else Run.FAILED
    moved = _move(run.pk, [Run.RUNNING], status=status, finished_at=timezone.now(), error=error, reply=text)
    if moved and text and run.message:
        _send_reply(run, text)
    return status


def trigger_payload(run, connection) -> dict:
    message = run.message
    return {
        "run_id": run.pk,
        "tenant": run.tenant.slug,
        "bot": run.bot.name,
        "callback_url": settings.PUBLIC_BASE_URL.rstrip("/") + reverse("webhook-n8n", args=[connection.pk]),
        "message": message and message_payload(message),
    }


def message_payload(message) -> dict:
    """`from` is the canonical contact id; `chat_id` is the provider's own (WAHA's `…@c.us`), for
    workflows that answer through the provider directly."""
    conversation = message.conversation
    return {
        "channel": message.channel,
        "from": message.contact_id,
        "name": message.contact_name,
        "chat_id": conversation.external_id if conversation else message.contact_id,
        "text": message.text,
        "id": message.provider_message_id,
        "connection_id": str(message.connection_id),
    }


def _trigger_failed(run, error):
    _move(run.pk, [Run.RUNNING], status=Run.FAILED, error=error, finished_at=timezone.now())
    emit(
        "N8N_TRIGGER_FAIL",
        tenant=run.tenant,
        source="integrations.automation",
        automation_run=run,
        message=f"Bot {run.bot.name}: {error}",
        meta={"bot_id": run.bot_id},
    )
    return Run.FAILED


def finish(callback_event) -> AutomationRun:
    """Applies an n8n callback: the run ends succeeded or failed; a reply goes out through the
    outbound pipeline (preflight included). A run already finished is left as it is."""
    data = callback_event.payload
    run = (
        AutomationRun.objects.filter(pk=_run_id(data), tenant_id=callback_event.tenant_id)
        .select_related("message", "bot")
        .first()
    )
    if run is None:
        raise ValueError(f"No automation run {data.get('run_id')} for this tenant.")
    succeeded = data["status"] == "succeeded"
    moved = _move(
        run.pk,
        [Run.QUEUED, Run.RUNNING],
        status=Run.SUCCEEDED if succeeded else Run.FAILED,
        finished_at=timezone.now(),
        error="" if succeeded else str(data.get("error") or "n8n reported failure"),
        reply=str(data.get("reply") or ""),
        n8n_execution_id=str(data.get("execution_id") or run.n8n_execution_id),
    )
    if moved and succeeded and data.get("reply") and run.message:
        _send_reply(run, str(data["reply"]))
    run.refresh_from_db()
    return run


def _run_id(data):
    try:
        return int(data.get("run_id"))
    except (TypeError, ValueError):
        raise ValueError(f"run_id {data.get('run_id')!r} is not a run id.") from None


def _send_reply(run, text):
    """Hands the workflow's reply to the outbound pipeline (which runs its preflight); a reply that
    was not sent leaves the run the reason."""
    refusal = _reply_refusal(run, text)
    if refusal:
        AutomationRun.objects.filter(pk=run.pk).update(error=f"The reply was not sent: {refusal}")


def _reply_refusal(run, text) -> str:
    """Why the reply was not sent ("" when the pipeline took it): the pipeline's ServiceError."""
    message = run.message
    try:
        responses = signals.automation_reply.send(
            sender=AutomationRun,
            run=run,
            tenant=run.tenant,
            channel=message.channel,
            to=message.contact_id,
            body=text,
            connection=message.connection,
        )
    except ServiceError as exc:
        return exc.message
    return "" if signals.answered(responses) else "no outbound pipeline is installed."


def time_out_stuck_runs(now=None) -> int:
    """Runs `running` longer than N8N_RUN_TIMEOUT_S become `timeout`, each with an N8N_TIMEOUT event."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.N8N_RUN_TIMEOUT_S)
    timed_out = 0
    for run in AutomationRun.objects.filter(status=Run.RUNNING, started_at__lt=cutoff).select_related("bot", "tenant")[
        :500
    ]:
        if _move(
            run.pk,
            [Run.RUNNING],
            status=Run.TIMEOUT,
            finished_at=now,
            error=f"No callback within {settings.N8N_RUN_TIMEOUT_S} s.",
        ):
            timed_out += 1
            emit(
                "N8N_TIMEOUT",
                tenant=run.tenant,
                source="integrations.automation",
                automation_run=run,
                message=f"Bot {run.bot.name}: run {run.pk} had no n8n callback within {settings.N8N_RUN_TIMEOUT_S} s.",
            )
    return timed_out


def mark_failed(run, *, reason, actor) -> AutomationRun:
    """An operator ends a stuck run by hand, with a reason, audited."""
    if not reason.strip():
        raise ServiceError("Say why the run is marked failed.", code="reason_required")
    if not _move(
        run.pk,
        [Run.QUEUED, Run.RUNNING],
        status=Run.FAILED,
        finished_at=timezone.now(),
        error=f"Marked failed by {actor}: {reason}",
    ):
        raise ServiceError(f"Run {run.pk} is already {run.get_status_display().lower()}.", code="already_finished")
    audit.record(
        "automation_run.marked_failed",
        actor=actor,
        tenant=run.tenant,
        target=run,
        reason=reason,
        before={"status": run.status},
        after={"status": Run.FAILED},
    )
    run.refresh_from_db()
    return run
