"""Embedders behind one interface: `get_embedder(name=None)` returns an object with `.name`,
`.model`, `.dims`, `.embed_passages(texts) -> float32 (n, dims)` and `.embed_query(text) ->
float32 (dims,)`, both L2-normalised so a dot product is the cosine.

"local" (the default) runs the offline multilingual model shipped inside a PyPI wheel; "openai"
calls any OpenAI-compatible `/v1/embeddings`. Errors are `EmbeddingError` with a `.kind`."""

from django.conf import settings

from apps.knowledge.embeddings.errors import EmbeddingError

__all__ = ["EmbeddingError", "NAMES", "get_embedder"]
NAMES = ("local", "openai")


def get_embedder(name=None):
    """The embedder called `name` (default: EMBEDDINGS_PROVIDER). Cheap: nothing loads until the
    first text is embedded."""
    name = name or settings.EMBEDDINGS_PROVIDER
    if name == "local":
        from apps.knowledge.embeddings.local import LocalEmbedder

        return LocalEmbedder()
    if name == "openai":
        from apps.knowledge.embeddings.openai import OpenAIEmbedder

        return OpenAIEmbedder()
    raise EmbeddingError("not_configured", f"Unknown embeddings provider {name!r}; use one of {', '.join(NAMES)}.")
