"""GET /api/v1/search/?project=<slug>&q=<text>&limit=5: a tenant (API key or portal session)
searches one of its own projects. Bad input is a 400 naming what is wrong; a project the tenant
does not have (another tenant's included) is a 404."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from apps.knowledge import projects, search
from apps.knowledge.serializers import SearchAnswerSerializer
from apps.tenants.api import tenant_may


class SearchView(GenericAPIView):
    permission_classes = [tenant_may(GET="knowledge.view")]
    serializer_class = SearchAnswerSerializer

    @extend_schema(
        operation_id="knowledge_search",
        parameters=[
            OpenApiParameter("project", str, required=True, description="The project's slug."),
            OpenApiParameter(
                "q", str, required=True, description=f"The query, 1 to {search.MAX_QUERY_CHARS} characters."
            ),
            OpenApiParameter(
                "limit", int, description=f"Conversations to return, 1 to {search.MAX_LIMIT} (default 5)."
            ),
        ],
        responses={200: SearchAnswerSerializer},
    )
    def get(self, request):
        """The project's conversations that answer `q`, best first, one result per conversation;
        `answerable` false and no results when nothing in the project answers it."""
        params = request.query_params
        project = projects.by_slug(request.tenant, params.get("project"))
        answer = search.search(project, params.get("q"), limit=params.get("limit", 5))
        return Response(answer.as_json())
