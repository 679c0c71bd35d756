import pytest

from apps.knowledge import vectors
from apps.knowledge.chunking import Line, conversation_windows, rechunk
from apps.knowledge.models import Chunk
from tests.knowledge.corpus import KIND, add_messages, make_source, qa

pytestmark = pytest.mark.django_db
READY = Chunk.EmbeddingStatus.READY


def chunks_of(source, conversation_id=None):
    chunks = Chunk.objects.filter(source=source).order_by("conversation_id", "first_message_id")
    return list(chunks if conversation_id is None else chunks.filter(conversation_id=conversation_id))


def test_a_short_conversation_is_one_chunk_whose_lines_name_the_sender():
    source = make_source()
    add_messages(source, 7, qa(("What time is breakfast?", "Breakfast is served from 7 to 10.")))

    counts = rechunk(source, [7])

    assert counts == {"created": 1, "updated": 0, "unchanged": 0, "deleted": 0}
    [chunk] = chunks_of(source)
    assert chunk.text == "Customer: What time is breakfast?\nAgent: Breakfast is served from 7 to 10."
    assert chunk.language == "english"
    assert chunk.embedding_status == Chunk.EmbeddingStatus.PENDING
    assert (chunk.tenant_id, chunk.project_id, chunk.conversation_id) == (source.tenant_id, source.project_id, 7)
    assert len(chunk.content_hash) == 64


def test_windows_overlap_so_every_question_shares_a_chunk_with_its_answer():
    source = make_source()
    add_messages(source, 7, qa(*[(f"Question {n}?", f"Answer {n}.") for n in range(4)]))

    rechunk(source, [7])

    texts = [chunk.text for chunk in chunks_of(source)]
    assert len(texts) == 3
    for n in range(4):
        assert any(f"Customer: Question {n}?\nAgent: Answer {n}." in text for text in texts)
    assert all(len(chunk.message_ids) == 4 for chunk in chunks_of(source))


def test_chunks_never_cross_a_conversation():
    source = make_source()
    add_messages(source, 1, qa(("Is there parking?", "Yes, free parking.")))
    add_messages(source, 2, qa(("Do you accept pets?", "Small dogs only.")))

    rechunk(source, [1, 2])

    one, two = chunks_of(source)
    assert "parking" in one.text and "dogs" not in one.text
    assert "dogs" in two.text and "parking" not in two.text


def test_activity_messages_are_left_out_and_private_notes_are_kept_and_flagged():
    source = make_source()
    add_messages(
        source,
        7,
        [
            (KIND.INCOMING, "My card was charged twice"),
            (KIND.ACTIVITY, "Conversation was assigned to Ana"),
            (KIND.OUTGOING, "Refund approved in the billing tool, ref 991", True),
            (KIND.OUTGOING, "We refunded the second charge."),
        ],
    )

    rechunk(source, [7])

    [chunk] = chunks_of(source)
    assert "assigned" not in chunk.text
    assert "Agent (private note): Refund approved in the billing tool, ref 991" in chunk.text
    assert chunk.has_private
    assert len(chunk.message_ids) == 3


def test_language_per_chunk_falls_back_to_the_conversations_language():
    source = make_source()
    add_messages(source, 7, qa(("Olá, vocês têm estacionamento?", "Sim, temos estacionamento gratuito."), ("ok", "ok")))

    rechunk(source, [7])

    assert {chunk.language for chunk in chunks_of(source)} == {"portuguese"}


def test_a_second_run_without_changes_changes_nothing():
    source = make_source()
    add_messages(source, 7, qa(("Is there parking?", "Yes, free parking."), ("Wifi?", "Yes, everywhere.")))
    rechunk(source, [7])

    assert rechunk(source, [7]) == {"created": 0, "updated": 0, "unchanged": 1, "deleted": 0}


def test_a_growing_conversation_rechunks_only_its_changed_windows_and_keeps_ready_vectors():
    source = make_source()
    add_messages(source, 7, qa(*[(f"Question {n}?", f"Answer {n}.") for n in range(3)]))
    add_messages(source, 7, [(KIND.INCOMING, "Thanks, one more: late checkout?")])
    rechunk(source, [7])
    first, middle, last = chunks_of(source)
    Chunk.objects.filter(source=source).update(embedding_status=READY)
    vectors.save([(first, [1.0, 0.0]), (middle, [0.5, 0.5]), (last, [0.0, 1.0])], model="test")

    add_messages(source, 7, [(KIND.OUTGOING, "Late checkout until 2 pm is free.")])
    counts = rechunk(source, [7])

    assert counts == {"created": 0, "updated": 1, "unchanged": 2, "deleted": 0}
    first.refresh_from_db()
    assert first.embedding_status == READY
    changed = Chunk.objects.get(pk=last.pk)
    assert changed.embedding_status == Chunk.EmbeddingStatus.PENDING
    assert "Agent: Late checkout until 2 pm is free." in changed.text
    assert vectors.count_project(source.project_id) == 2


def test_chunks_of_a_window_that_no_longer_exists_are_deleted():
    source = make_source()
    messages = add_messages(source, 7, qa(*[(f"Question {n}?", f"Answer {n}.") for n in range(3)]))
    rechunk(source, [7])
    messages[0].delete()
    messages[1].delete()

    counts = rechunk(source, [7])

    assert counts == {"created": 0, "updated": 0, "unchanged": 1, "deleted": 1}
    assert [chunk.first_message_id for chunk in chunks_of(source)] == [messages[2].message_id]


def test_a_conversation_without_messages_left_loses_its_chunks():
    source = make_source()
    add_messages(source, 7, qa(("Is there parking?", "Yes.")))
    rechunk(source, [7])
    source.messages.all().delete()

    assert rechunk(source, [7])["deleted"] == 1
    assert not chunks_of(source)


def test_rechunk_touches_only_the_conversations_it_is_given():
    source = make_source()
    add_messages(source, 1, qa(("Is there parking?", "Yes.")))
    add_messages(source, 2, qa(("Pets?", "No.")))

    rechunk(source, [1])

    assert {chunk.conversation_id for chunk in chunks_of(source)} == {1}


def test_windows_start_every_stride_until_every_line_is_covered():
    lines = [Line(n, "Customer", f"text {n}", False) for n in range(7)]

    windows = conversation_windows(lines, size=4, stride=2)

    assert [window.message_ids for window in windows] == [(0, 1, 2, 3), (2, 3, 4, 5), (4, 5, 6)]
    assert [len(conversation_windows(lines[:n])) for n in range(7)] == [0, 1, 1, 1, 1, 2, 2]
