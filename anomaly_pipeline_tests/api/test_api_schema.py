"""A property-based run of the API's own OpenAPI schema against a real server (schemathesis): generated
requests to every operation, with a valid key, never get a 5xx, an undocumented status code, or an answer
that breaks the documented schema. Bounded: a few dozen examples per operation."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from anomaly_pipeline_tests.api.server import running_server, wait_for
from anomaly_pipeline_tests.conftest import real_file

EXAMPLES = 25


@pytest.fixture(scope="module")
def api_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("api_schema")
    with running_server(folder, f"sqlite:///{folder / 'warehouse.db'}", MAX_FILE_SIZE="20000") as srv:
        with srv.client() as client, real_file("csv/reubano__csv2ofx__xero.csv").open("rb") as fh:
            accepted = client.post("/upload", files={"file": ("xero.csv", fh)}).json()
            wait_for(client, f"/upload/{accepted['upload_id']}/status", ("loaded",))
        yield srv


@pytest.fixture(scope="module")
def api_schema(api_server):
    return schemathesis.openapi.from_url(api_server.base + "/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_answers_match_the_schema(case, api_server):
    case.call_and_validate(base_url=api_server.base, headers={"Authorization": f"Bearer {api_server.key}"},
                           checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance], timeout=120)
