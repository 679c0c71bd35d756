from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("health", "0003_inbound_silence_and_heartbeats")]

    operations = [
        migrations.AlterField(
            model_name="healthmonitor",
            name="kind",
            field=models.CharField(
                choices=[
                    ("database", "Database"),
                    ("redis", "Redis broker"),
                    ("workers", "Celery workers"),
                    ("connection", "Connection"),
                    ("ai_provider", "AI provider"),
                    ("auth", "Authentication (synthetic login)"),
                    ("backups", "Backups and restore drills"),
                ],
                max_length=16,
            ),
        ),
    ]
