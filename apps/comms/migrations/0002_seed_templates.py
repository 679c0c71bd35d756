"""The three tenant templates (opened, public update changed, resolved), editable in the admin."""

from django.db import migrations


def seed(apps, schema_editor):
    from apps.comms.services.templates import DEFAULTS

    NoticeTemplate = apps.get_model("comms", "NoticeTemplate")
    for kind, texts in DEFAULTS.items():
        NoticeTemplate.objects.get_or_create(kind=str(kind), defaults=texts)


class Migration(migrations.Migration):
    dependencies = [("comms", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
