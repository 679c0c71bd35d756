import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

# The AI API's per-message calls through a short middleware stack (apps/core/lean_wsgi.py).
from apps.core.lean_wsgi import dispatching  # noqa: E402

application = dispatching(django_application)

# After Django is set up, in each web process: what the first AI call would otherwise wait for.
from apps.ai.warmup import warm  # noqa: E402

warm("web")
