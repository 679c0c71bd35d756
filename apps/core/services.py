"""Operations on core's own concerns. `rotate_connection_key` re-encrypts every stored secret
with the current key: the values do not change, so no owning app's rules are involved."""

import logging

from django.apps import apps
from django.db import transaction

from apps.core import crypto, signals

logger = logging.getLogger("opsdesk.security")
ROTATE_BATCH = 500


def encrypted_fields() -> list[tuple]:
    """(model, field name) for every stored secret: the columns named `*_encrypted`, each once
    (proxy models and inherited fields share their table with another model)."""
    return [
        (model, field.name)
        for model in apps.get_models()
        if not model._meta.proxy
        for field in model._meta.local_concrete_fields
        if field.name.endswith(crypto.ENCRYPTED_FIELD_SUFFIX)
    ]


def rotate_connection_key(actor_label="", batch_size=ROTATE_BATCH) -> dict[str, dict[str, int]]:
    """{"app.Model.field": {"rotated": n, "unreadable": m}} for every encrypted field. Rows no
    configured key decrypts are left as they are and counted. Audited through `secrets_rotated`."""
    report = {
        f"{model._meta.label}.{name}": _rotate_field(model, name, batch_size) for model, name in encrypted_fields()
    }
    logger.info("Connection secrets re-encrypted with the current key", extra={"rotation": report})
    signals.secrets_rotated.send(sender=rotate_connection_key, report=report, actor_label=actor_label)
    return report


def _rotate_field(model, name, batch_size) -> dict[str, int]:
    counts = {"rotated": 0, "unreadable": 0}
    ids = list(model._base_manager.exclude(**{name: ""}).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        for outcome in _rotate_rows(model, name, ids[start : start + batch_size]):
            counts[outcome] += 1
    return counts


def _rotate_rows(model, name, ids) -> list[str]:
    with transaction.atomic():
        rows = model._base_manager.select_for_update().filter(pk__in=ids).values_list("pk", name)
        return [_rotate_row(model, name, pk, token) for pk, token in rows]


def _rotate_row(model, name, pk, token) -> str:
    try:
        fresh = crypto.reencrypt(token)
    except crypto.SecretsUnreadable:
        return "unreadable"
    model._base_manager.filter(pk=pk).update(**{name: fresh})
    return "rotated"
