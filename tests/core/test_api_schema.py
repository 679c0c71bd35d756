"""The OpenAPI schema at /api/schema/ is generated without a warning: every view's authentication,
component and enum has one unambiguous name, so clients generated from it are right."""

import yaml
from django.core.management import call_command


def test_the_schema_validates_without_warnings_and_documents_api_keys(tmp_path):
    path = tmp_path / "schema.yml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))

    schema = yaml.safe_load(path.read_text())
    assert schema["components"]["securitySchemes"]["apiKey"] == {
        **schema["components"]["securitySchemes"]["apiKey"],
        "type": "http",
        "scheme": "bearer",
    }
    assert {"OutboundMessage", "Message", "OutboundStatusEnum", "TicketStatusEnum"} <= set(
        schema["components"]["schemas"]
    )
    assert {"apiKey": []} in schema["paths"]["/api/v1/outbound/"]["get"]["security"]
