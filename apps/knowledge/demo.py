"""Demo knowledge projects: Acme Hotels' guest support and medical centre, each reading inboxes of
the demo Chatwoot account, synced once from the demo corpus (apps/knowledge/demo_corpus.json)
through the real sync code, so search has data on a fresh `make run`. The scheduled sync keeps
them in step afterwards with the demo providers `make run` starts."""

import json
import threading
from pathlib import Path
from urllib.parse import urlsplit

from apps.core import demo_providers
from apps.integrations import services as connection_services
from apps.integrations.models import Connection
from apps.knowledge import embedding, services, sync
from apps.knowledge.models import ChatwootMessage, ProjectSource
from apps.tenants.models import Tenant

CORPUS = Path(__file__).resolve().parent / "demo_corpus.json"
DEMO_TOKEN = "demo-acme-chatwoot-token"


def seed(out):
    corpus = json.loads(CORPUS.read_text())
    sources = [source for project in corpus["projects"] if (source := _source(project)) is not None]
    if not sources:
        out.write("knowledge: no demo Chatwoot connection, no demo project")
        return []
    if not ChatwootMessage.objects.filter(source__in=sources).exists():
        _first_sync(sources, out)
    stored = ChatwootMessage.objects.filter(source__in=sources).count()
    out.write(f"knowledge: {len(sources)} demo projects, {stored} Chatwoot messages synced")
    _embed(sources, out)
    return []


def _embed(sources, out):
    """Embeds the demo projects' pending chunks now (seconds with the local model), so search
    answers on the first page load instead of after the first scheduled embed run."""
    for project_id in sorted({source.project_id for source in sources}):
        try:
            counts = embedding.run(project_id=project_id, trigger="seed")
        except embedding.EmbedRunFailed as exc:
            out.write(f"knowledge: embedding the demo chunks failed: {exc}")
            continue
        out.write(f"knowledge: project {project_id}: {counts['ready']} chunks ready, {counts['embedded']} embedded now")


def _source(project) -> ProjectSource | None:
    connection = Connection.objects.filter(tenant__slug=project["tenant"], provider="chatwoot").first()
    if connection is None:
        return None
    if not connection.secret("api_token") and _local(connection):
        connection = connection_services.update_connection(connection, values={"api_token": DEMO_TOKEN})
    tenant = Tenant.objects.get(slug=project["tenant"])
    found, _created = services.ensure_project(tenant, project["slug"], name=project["name"])
    existing = ProjectSource.objects.filter(project=found, connection=connection).first()
    return existing or services.add_source(found, connection, inbox_ids=project["inbox_ids"])


def _first_sync(sources, out):
    """Syncs through a demo providers' server of its own: `make run` seeds before it starts them."""
    if not all(_local(source.connection) for source in sources):
        return
    server = demo_providers.make_server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for source in sources:
            url = f"http://127.0.0.1:{server.server_address[1]}/chatwoot"
            source.connection.settings = {**source.connection.settings, "base_url": url}
            try:
                sync.sync_source(source, trigger="seed")
            except sync.SyncFailed as exc:
                out.write(f"knowledge: the first sync of {source.project.slug} failed: {exc}")
    finally:
        server.shutdown()
        server.server_close()


def _local(connection) -> bool:
    return urlsplit(connection.setting("base_url") or "").hostname in ("127.0.0.1", "localhost")
