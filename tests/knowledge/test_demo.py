"""The demo: seeding creates Acme's two knowledge projects and syncs the demo corpus into them
through the real sync code and the demo providers' Chatwoot; the scheduled sync then finds nothing new."""

import json
import threading

import pytest
from django.core.management import call_command

from apps.core import demo_providers
from apps.knowledge import sync
from apps.knowledge.demo import CORPUS
from apps.knowledge.models import ChatwootMessage, Chunk, Project

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_url(settings):
    server = demo_providers.make_server()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.DEMO_PROVIDERS_URL = f"http://127.0.0.1:{server.server_address[1]}"
    yield settings.DEMO_PROVIDERS_URL
    server.shutdown()
    server.server_close()


def corpus():
    return json.loads(CORPUS.read_text())


def test_the_corpus_is_multilingual_and_sized_for_a_demo():
    conversations = corpus()["conversations"]
    languages = {c["language"] for c in conversations}

    assert 40 <= len(conversations) <= 80 and languages == {"en", "pt", "es"}
    assert any(m.get("private") for c in conversations for m in c["messages"])


def test_seeding_syncs_the_corpus_into_both_projects_once(demo_url):
    call_command("seed_demo")
    messages = sum(len(c["messages"]) for c in corpus()["conversations"])

    assert set(Project.objects.values_list("slug", flat=True)) >= {"guest-support", "medical-centre"}
    assert ChatwootMessage.objects.count() == messages
    assert Chunk.objects.filter(project__slug="medical-centre").exists()
    clinic = ChatwootMessage.objects.filter(project__slug="medical-centre")
    assert clinic.exists() and not clinic.filter(content__icontains="check-in").exists()

    call_command("seed_demo")
    assert ChatwootMessage.objects.count() == messages


def test_seeding_embeds_the_demo_chunks_so_search_answers_at_once(demo_url):
    call_command("seed_demo")

    assert Chunk.objects.exists()
    assert not Chunk.objects.exclude(embedding_status=Chunk.EmbeddingStatus.READY).exists()


def test_the_scheduled_sync_against_the_demo_providers_finds_nothing_new(demo_url):
    call_command("seed_demo")

    counts = sync.sync_all()

    assert counts["sources"] == 2 and counts["messages_new"] == 0 and counts["conversations_changed"] == 0


def test_the_demo_chatwoot_answers_like_chatwoot(demo_url):
    import requests

    api = f"{demo_url}/chatwoot/api/v1/accounts"
    token = {"api_access_token": "demo"}

    assert requests.get(f"{api}/1/conversations", timeout=5).json() == {"error": "Invalid Access Token"}
    assert requests.get(f"{api}/2/conversations", headers=token, timeout=5).status_code == 404
    open_only = requests.get(f"{api}/1/conversations", headers=token, timeout=5).json()["data"]["payload"]
    every = requests.get(f"{api}/1/conversations?status=all&page=1", headers=token, timeout=5).json()["data"]
    assert {c["status"] for c in open_only} == {"open"}
    assert len(every["payload"]) == 25 and every["meta"]["all_count"] == len(corpus()["conversations"])
    first = every["payload"][0]["id"]
    messages = requests.get(f"{api}/1/conversations/{first}/messages?after=0", headers=token, timeout=5).json()
    assert messages["payload"] and all(isinstance(m["message_type"], int) for m in messages["payload"])
