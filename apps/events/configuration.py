"""Configuration that operators edit in the admin (alert rules, runbooks, escalation policies,
emergency contacts, SLA policies, macros, tags): saved and deleted with an audit record each, so a
changed threshold or runbook is as traceable as a kill switch."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.forms.models import model_to_dict

from apps.events import audit


def save(obj, *, changed=(), actor=None, request=None):
    """A new row is recorded whole; a change records the values before and after of the fields in
    `changed` (the form's changed fields; every field when none are named)."""
    created = obj._state.adding
    before = {} if created else _values(_stored(obj), changed)
    with transaction.atomic():
        obj.save()
        audit.record(
            _action(obj, "created" if created else "changed"),
            actor=actor,
            request=request,
            target=obj,
            before=before,
            after=_values(obj, None if created else (changed or None)),
        )
    return obj


def delete(obj, *, actor=None, request=None):
    with transaction.atomic():
        audit.record(_action(obj, "deleted"), actor=actor, request=request, target=obj, before=_values(obj, None))
        obj.delete()


def _action(obj, verb):
    return f"{obj._meta.model_name}.{verb}"


def _stored(obj):
    return type(obj)._default_manager.filter(pk=obj.pk).first()


def _values(obj, fields):
    """Plain JSON values of the named model fields (all of them for None)."""
    if obj is None or fields == ():
        return {}
    return json.loads(json.dumps(model_to_dict(obj, fields=fields), cls=DjangoJSONEncoder, default=str))
