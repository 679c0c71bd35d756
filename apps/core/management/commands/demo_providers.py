import signal
import threading
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.core import demo_providers


class Command(BaseCommand):
    help = (
        "Serves healthy local stand-ins for Chatwoot, WAHA, n8n, the PMS, Meta's Graph API, Telegram and "
        "Slack on one port (DEMO_PROVIDERS_URL), for the demo connections `make run` seeds. "
        "Ctrl-C or SIGTERM stops it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=None, help="Port to listen on (default: the port of DEMO_PROVIDERS_URL)."
        )

    def handle(self, *args, port=None, **options):
        address = urlsplit(settings.DEMO_PROVIDERS_URL)
        server = demo_providers.make_server(address.hostname or "127.0.0.1", port or address.port or 80)
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        threading.Thread(target=server.serve_forever, daemon=True).start()
        host, bound = server.server_address[:2]
        self.stdout.write(f"Demo providers on http://{host}:{bound}/ ({', '.join(demo_providers.PREFIXES)})")
        while not stop.wait(0.5):
            pass
        server.shutdown()
        server.server_close()
        self.stdout.write("Demo providers stopped.")
