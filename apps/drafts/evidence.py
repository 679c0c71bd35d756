"""What a draft is written from: the conversation's recent messages as the search query, the
project's knowledge found by the real hybrid search, the confidence floor, the messages sent to the
AI gateway and the private note posted back (the draft, then its sources)."""

from dataclasses import dataclass, field

from django.conf import settings

from apps.drafts.models import Tone
from apps.knowledge import search
from apps.knowledge.models import ChatwootMessage

KIND = ChatwootMessage.Kind
ROLES = {KIND.INCOMING: "user", KIND.OUTGOING: "assistant"}
HIT_CHARS = 1500
TONES = {
    Tone.FRIENDLY: "warm and friendly, in the customer's language",
    Tone.FORMAL: "polite and formal, in the customer's language",
    Tone.CONCISE: "short and to the point, in the customer's language",
}
NOTE_HEAD = (
    "AI draft: reply with a private note /approve to send it as it is, /approve with your own text on "
    "the next lines to send that instead, or /reject and a reason."
)


@dataclass(frozen=True)
class Evidence:
    query: str
    hits: list = field(hash=False)  # every hit of the search, as JSON
    used: list = field(hash=False)  # the hits at or above the floor's score, other conversations only
    enough: bool = False

    @property
    def sources(self) -> list[dict]:
        return [{"conversation_id": h["conversation_id"], "url": h["url"], "score": h["score"]} for h in self.used]


def history(draft) -> list[ChatwootMessage]:
    """The conversation's latest public messages up to the answered one, oldest first."""
    rows = ChatwootMessage.objects.filter(
        source_id=draft.source_id,
        conversation_id=draft.conversation_id,
        private=False,
        message_type__in=list(ROLES),
        message_id__lte=draft.message_id,
    ).order_by("-message_id")[: settings.DRAFTS_HISTORY_MESSAGES]
    return list(reversed(rows))


def turns(draft, rows) -> list[dict]:
    """The history as chat turns, ending with the customer's message (added when not synced yet)."""
    found = [{"role": ROLES[r.message_type], "content": r.content} for r in rows if r.content.strip()]
    if not rows or rows[-1].message_id != draft.message_id:
        found.append({"role": "user", "content": draft.message_text})
    return found


def query_of(turns_: list[dict]) -> str:
    """The turns' words, the latest kept when they are longer than search takes."""
    text = " ".join(" ".join(t["content"].split()) for t in turns_)
    if len(text) <= search.MAX_QUERY_CHARS:
        return text
    tail = text[-search.MAX_QUERY_CHARS :]
    return tail.partition(" ")[2] or tail


def find(draft, draft_settings, query) -> Evidence:
    """Searches the project (public messages only: the reply reaches the customer) and applies the
    floor; raises search.SearchUnavailable when the embedder is down (worth trying again)."""
    try:
        answer = search.search(draft.project, query, limit=search.MAX_LIMIT, public_only=True)
    except search.SearchError:
        return Evidence(query=query, hits=[], used=[])
    hits = [hit.as_json() for hit in answer.results]
    floor = float(draft_settings.min_score)
    used = [h for h in hits if h["conversation_id"] != draft.conversation_id and h["score"] >= floor][:5]
    enough = answer.answerable and len(used) >= max(1, draft_settings.min_hits)
    return Evidence(query=query, hits=hits, used=used, enough=enough)


def prompt(draft_settings, evidence: Evidence, turns_: list[dict]) -> list[dict]:
    knowledge = "\n\n".join(f"[{n}] {hit['text'][:HIT_CHARS]}" for n, hit in enumerate(evidence.used, 1))
    system = (
        f"{draft_settings.system_prompt.strip()}\n\nTone: {TONES.get(draft_settings.tone, TONES[Tone.FRIENDLY])}."
        f"\n\nKnowledge from earlier conversations, most relevant first:\n\n{knowledge}"
    )
    return [{"role": "system", "content": system}, *turns_]


def note(text: str, sources: list[dict]) -> str:
    """The private note: how to approve, the draft, and its sources last."""
    lines = [f"- {s['url']} (score {s['score']:.2f})" for s in sources]
    return f"{NOTE_HEAD}\n\n{text.strip()}\n\nSources:\n" + "\n".join(lines)
