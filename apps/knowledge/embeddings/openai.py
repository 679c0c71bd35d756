"""The `openai` embedder: any OpenAI-compatible `/v1/embeddings` (OPENAI_BASE_URL, OPENAI_API_KEY,
EMBEDDINGS_MODEL). Dimensions are the model's; they are learnt from the first answer."""

from django.conf import settings

from apps.knowledge.embeddings.client import EmbeddingsClient
from apps.knowledge.embeddings.errors import EmbeddingError
from apps.knowledge.embeddings.vectors import normalised

KNOWN_DIMS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}


class OpenAIEmbedder:
    name = "openai"

    def __init__(self, *, client=None, model=None):
        self.model = model or settings.EMBEDDINGS_MODEL
        self.dims = KNOWN_DIMS.get(self.model, 0)
        self.client = client or EmbeddingsClient(
            base_url=settings.OPENAI_BASE_URL,
            api_key=settings.OPENAI_API_KEY,
            timeout=settings.EMBEDDINGS_TIMEOUT_S,
            connect_timeout=settings.EMBEDDINGS_CONNECT_TIMEOUT_S,
        )

    @property
    def configured(self) -> bool:
        return bool(settings.OPENAI_API_KEY and settings.OPENAI_BASE_URL)

    def embed_passages(self, texts):
        texts = list(texts)
        if not texts:
            return normalised([[0.0] * max(self.dims, 1)])[:0]
        return self._embed(texts)

    def embed_query(self, text):
        return self._embed([text])[0]

    def _embed(self, texts):
        if not self.configured:
            raise EmbeddingError(
                "not_configured", "Set OPENAI_API_KEY (and OPENAI_BASE_URL) to use the openai embedder."
            )
        matrix = normalised(self.client.embed(self.model, [text or " " for text in texts]))
        self.dims = matrix.shape[1]
        return matrix
