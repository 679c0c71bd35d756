"""An incident's subject tenant: the tenant whose own behaviour it is about (tenant abuse), acted on
by operators and told nothing automatically. Tenant-abuse incidents opened before it made their
tenant an affected one; they get it as their subject instead."""

import django.db.models.deletion
from django.db import migrations, models

ABUSE_PREFIX = "tenant-abuse:"


def abuse_tenant_to_subject(apps, schema_editor):
    Incident, Tenant = apps.get_model("incidents", "Incident"), apps.get_model("tenants", "Tenant")
    for incident in Incident.objects.filter(dedup_key__startswith=ABUSE_PREFIX, subject_tenant__isnull=True):
        tenant_id = incident.dedup_key.removeprefix(ABUSE_PREFIX)
        if not (tenant_id.isdigit() and Tenant.objects.filter(pk=int(tenant_id)).exists()):
            continue
        incident.subject_tenant_id = int(tenant_id)
        incident.save(update_fields=["subject_tenant"])
        Incident.affected_tenants.through.objects.filter(incident_id=incident.pk, tenant_id=int(tenant_id)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0019_manual_fallback_codes"),
        ("tenants", "0006_manual_mode"),
    ]

    operations = [
        migrations.AddField(
            model_name="incident",
            name="subject_tenant",
            field=models.ForeignKey(
                blank=True,
                help_text="The tenant whose own behaviour it is about (tenant abuse): operators act on it (AI off, suspend, warn); unlike an affected tenant it is told nothing automatically.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="incidents_about",
                to="tenants.tenant",
            ),
        ),
        migrations.AlterField(
            model_name="incident",
            name="affected_tenants",
            field=models.ManyToManyField(
                blank=True,
                help_text="Tenants the failure hurts: they are told (portal notice, owners' e-mail) as it goes.",
                related_name="incidents",
                to="tenants.tenant",
            ),
        ),
        migrations.RunPython(abuse_tenant_to_subject, migrations.RunPython.noop),
    ]
