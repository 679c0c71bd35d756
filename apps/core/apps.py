from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Core"

    def ready(self):
        from celery.signals import task_postrun
        from django.core.signals import request_finished
        from django.db.backends.signals import connection_created

        from apps.core import db_outages, slow_queries

        connection_created.connect(slow_queries.install, dispatch_uid="core.slow_queries.install")
        request_finished.connect(slow_queries.flush, dispatch_uid="core.slow_queries.flush_request")
        task_postrun.connect(slow_queries.flush, dispatch_uid="core.slow_queries.flush_task", weak=False)
        db_outages.connect_signals()
