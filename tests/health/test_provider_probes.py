"""The Meta probe checks the WhatsApp Business Account as well as the phone number, and the n8n
probe checks the API key with an authenticated call to n8n's public API, not only /healthz."""

from apps.health import checks
from tests.health.factories import connection_to


def meta_connection(graph, tenant, waba_id="102290129340398"):
    graph.number("1065550100")
    return connection_to(
        graph,
        tenant,
        "meta",
        phone_number_id="1065550100",
        waba_id=waba_id,
        secrets={"access_token": "EAAG-valid-token"},
    )


def test_meta_probe_reads_the_business_account_with_the_same_token(tenant, graph):
    graph.account("102290129340398", name="Alpha Rooms WABA")
    connection = meta_connection(graph, tenant)

    result = checks.run("connection_meta_token", connection=connection)

    assert result.status == "pass"
    assert result.detail == "token valid for +1 555-0100 and the business account Alpha Rooms WABA"
    assert graph.requests_to("/v21.0/102290129340398")[0].headers["Authorization"] == "Bearer EAAG-valid-token"


def test_meta_probe_fails_on_a_business_account_the_token_cannot_see(tenant, graph):
    connection = meta_connection(graph, tenant, waba_id="555")

    result = checks.run("connection_meta_token", connection=connection)

    assert result.status == "fail"
    assert result.detail.startswith("business account 555: Meta Graph API answered HTTP 400 (error 100)")


def test_meta_probe_without_a_waba_id_checks_the_number_only(tenant, graph):
    connection = meta_connection(graph, tenant, waba_id="")

    assert checks.run("connection_meta_token", connection=connection).detail == "token valid for +1 555-0100"


def test_n8n_probe_passes_when_the_public_api_accepts_the_key(tenant, n8n):
    connection = connection_to(n8n, tenant, "n8n", secrets={"token": "n8n-token", "api_key": "n8n-api-key"})

    result = checks.run("connection_n8n", connection=connection)

    assert result.status == "pass" and result.detail.endswith("its public API accepts the API key")
    request = n8n.requests_to("/api/v1/workflows")[0]
    assert request.headers["X-N8N-API-KEY"] == "n8n-api-key" and request.query == "limit=1"


def test_n8n_probe_fails_on_a_revoked_key_though_healthz_is_fine(tenant, n8n):
    connection = connection_to(n8n, tenant, "n8n", secrets={"token": "n8n-token", "api_key": "revoked"})

    result = checks.run("connection_n8n", connection=connection)

    assert result.status == "fail"
    assert result.detail == 'n8n refused the API key (HTTP 401): {"message": "unauthorized"}'


def test_n8n_probe_without_an_api_key_says_the_key_is_not_checked(tenant, n8n):
    connection = connection_to(n8n, tenant, "n8n", secrets={"token": "n8n-token"})

    result = checks.run("connection_n8n", connection=connection)

    assert result.status == "pass" and "no api_key is set" in result.detail
