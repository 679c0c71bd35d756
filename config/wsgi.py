import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# After Django is set up, in each web process: what the first AI call would otherwise wait for.
from apps.ai.warmup import warm  # noqa: E402

warm("web")
