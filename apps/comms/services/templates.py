"""The editable templates affected tenants' notices and owners' e-mails are written from. A
template is checked whole before it is saved (a bad placeholder is refused with the reason); when
a kind has no row, the default below is used."""

from django.db import transaction
from django.utils import timezone

from apps.comms import placeholders
from apps.comms.models import Kind, NoticeTemplate
from apps.comms.services.texts import placeholder_values
from apps.core.errors import ServiceError
from apps.events import audit

DEFAULTS = {
    Kind.OPENED: {
        "notice": "{impact}: {incident_title} (since {started_at}). We are working on it.",
        "subject": "[Opsdesk] {impact} affecting {tenant_name}: {incident_title}",
        "body": (
            "Hello,\n\nWe are dealing with an incident that affects {tenant_name}: {incident_title}.\n"
            "Impact: {impact}. Status: {status}. Started {started_at}.\n\n{public_update}\n\n"
            "We will write again when it changes. Your notices: {notices_url}\n"
        ),
    },
    Kind.UPDATED: {
        "notice": "Update on {incident_title} ({status}): {public_update}",
        "subject": "[Opsdesk] Update: {incident_title} ({status})",
        "body": (
            "Hello,\n\nAn update on the incident affecting {tenant_name}: {incident_title}.\n"
            "Status: {status}. Started {started_at}.\n\n{public_update}\n\nYour notices: {notices_url}\n"
        ),
    },
    Kind.RESOLVED: {
        "notice": "Resolved: {incident_title} (resolved {resolved_at}).",
        "subject": "[Opsdesk] Resolved: {incident_title}",
        "body": (
            "Hello,\n\nThe incident that affected {tenant_name} is resolved: {incident_title}.\n"
            "Started {started_at}, resolved {resolved_at}.\n\nYour notices: {notices_url}\n"
        ),
    },
}
FIELDS = ("notice", "subject", "body")


def template_for(kind) -> dict:
    row = NoticeTemplate.objects.filter(kind=kind).first()
    return {name: getattr(row, name) for name in FIELDS} if row else DEFAULTS[kind]


def problems(values) -> dict:
    """{field: [what is wrong]} for the fields whose placeholders are bad; empty when all are fine."""
    found = {name: placeholders.problems(values.get(name) or "") for name in FIELDS}
    return {name: texts for name, texts in found.items() if texts}


def save_template(template, *, actor, request=None, now=None) -> NoticeTemplate:
    """Saves an edited (or new) template after checking its placeholders; audited."""
    values = {name: getattr(template, name) for name in FIELDS}
    wrong = problems(values)
    if wrong:
        raise ServiceError(" ".join(f"{name}: {' '.join(texts)}" for name, texts in wrong.items()), "bad_placeholder")
    with transaction.atomic():
        before = NoticeTemplate.objects.filter(pk=template.pk).values(*FIELDS).first() if template.pk else None
        template.updated_at = now or timezone.now()
        template.save()
        audit.record("comms.template_saved", actor=actor, target=template, request=request, before=before, after=values)
    return template


def render(template, announcement, tenant) -> dict:
    """The notice, subject and body for `tenant`, each filled from `template` (`template_for`)."""
    values = placeholder_values(announcement, tenant)
    return {name: placeholders.render(text, values) for name, text in template.items()}
