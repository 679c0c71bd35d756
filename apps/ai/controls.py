"""What operators change on the gateway by hand, each audited: closing a provider's circuit after a
recovery (the runbook's "test one request, then switch back") and a tenant's AI texts (fallback
text, safe reply, allowed link domains). The gateway's own circuit changes live in apps.ai.circuit."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.forms.models import model_to_dict

from apps.ai.models import ProviderCircuit, TenantAISettings
from apps.events import audit, emit
from apps.tenants.services import require_reason

State = ProviderCircuit.State
CIRCUIT_FIELDS = ("state", "consecutive_failures", "opened_at", "open_until", "last_error")
TEXT_FIELDS = ("fallback_text", "safe_reply", "allowed_link_domains")


def close_circuit(circuit, *, actor, reason, request=None) -> ProviderCircuit:
    """Puts the provider back in use now, before its cooldown ends; a closed circuit stays as it is."""
    reason = require_reason(reason, "a provider's circuit")
    with transaction.atomic():
        circuit = ProviderCircuit.objects.select_for_update().get(pk=circuit.pk)
        if circuit.state == State.CLOSED:
            return circuit
        before = _values(circuit, CIRCUIT_FIELDS)
        circuit.state, circuit.consecutive_failures, circuit.open_until = State.CLOSED, 0, None
        circuit.save()
        audit.record(
            "ai.circuit_closed",
            actor=actor,
            target=circuit,
            reason=reason,
            before=before,
            after=_values(circuit, CIRCUIT_FIELDS),
            request=request,
        )
    emit(
        "AI_PROVIDER_CIRCUIT_CLOSED",
        message=f"{circuit.provider}'s circuit was closed by an operator: {reason}"[:1000],
        meta={"provider": circuit.provider, "by": "operator"},
    )
    return circuit


def save_tenant_settings(obj, *, changed=(), actor=None, request=None) -> TenantAISettings:
    """Creates or changes a tenant's AI texts, recording the fields before and after."""
    created = obj._state.adding
    fields = TEXT_FIELDS if created else tuple(name for name in (changed or TEXT_FIELDS) if name in TEXT_FIELDS)
    stored = None if created else TenantAISettings.objects.filter(pk=obj.pk).first()
    with transaction.atomic():
        obj.full_clean()
        obj.save()
        audit.record(
            "ai.tenant_settings_created" if created else "ai.tenant_settings_changed",
            actor=actor,
            tenant=obj.tenant,
            target=obj,
            before=_values(stored, fields),
            after=_values(obj, fields),
            request=request,
        )
    return obj


def _values(obj, fields) -> dict:
    if obj is None:
        return {}
    return json.loads(json.dumps(model_to_dict(obj, fields=fields), cls=DjangoJSONEncoder, default=str))
