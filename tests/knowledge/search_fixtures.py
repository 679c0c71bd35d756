"""A small searchable project for the search tests: ten conversations of the evaluation set
(hotel and clinic; English, Portuguese, Spanish) synced, chunked and embedded by the real local
model. The fixtures are in tests/knowledge/conftest.py."""

from tests.knowledge import eval_corpus
from tests.knowledge.factories import ChatwootConnectionFactory, SourceFactory

SMALL = (103, 105, 106, 109, 112, 113, 117, 122, 125, 131)
CHATWOOT = {"base_url": "https://chat.alpha.test/", "account_id": "7"}


def searchable_source(tenant, slug, ids=SMALL, **settings):
    connection = ChatwootConnectionFactory(tenant=tenant, settings={**CHATWOOT, **settings})
    source = SourceFactory(tenant=tenant, connection=connection, project__slug=slug, project__name=slug.title())
    eval_corpus.load(source, ids=ids)
    return source
