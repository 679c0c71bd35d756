"""Token counts when a provider sends no `usage`: counted here, offline, with toktok (tiktoken's
encodings compiled into the wheel, identical ids; tiktoken itself downloads its encodings at run
time). o200k_base is the GPT-4o/4.1/5 family's encoding, cl100k_base the GPT-4/3.5 one; models of
other vendors through OpenRouter are counted with o200k_base as an estimate."""

import toktok

# Per message, the chat format adds a few tokens around each message and three to prime the reply
# (OpenAI's cookbook, "How to count tokens with tiktoken").
TOKENS_PER_MESSAGE = 3
REPLY_PRIMER = 3
CL100K_MODELS = ("gpt-4-", "gpt-4", "gpt-3.5")
MODERN_GPT4 = ("gpt-4o", "gpt-4.1", "gpt-4.5")


def encoding_for(model: str) -> str:
    name = (model or "").rpartition("/")[2].lower()
    if name.startswith(MODERN_GPT4):
        return "o200k_base"
    return "cl100k_base" if name.startswith(CL100K_MODELS) else "o200k_base"


def count_text(text: str, model: str = "") -> int:
    return toktok.batch_count([text or ""], encoding_for(model), threads=1)[0]


def count_messages(messages, model: str = "") -> int:
    """The prompt tokens of chat messages as the model sees them (content plus the chat format)."""
    texts = [str(message.get("content") or "") for message in messages]
    counts = toktok.batch_count(texts, encoding_for(model), threads=1) if texts else []
    return sum(counts) + TOKENS_PER_MESSAGE * len(texts) + REPLY_PRIMER
