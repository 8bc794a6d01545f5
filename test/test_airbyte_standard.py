"""Airbyte's own standard connector tests (airbyte-cdk's `DockerConnectorTestSuite`) against this
connector's image. test/docker.test.ts runs them with a simulator; by hand (README, "Airbyte's
standard tests"):

    pytest -p airbyte_cdk.test.standard_tests.pytest_hooks test/test_airbyte_standard.py \
        --connector-image airbyte/source-ignite-procurement:dev --read-from-streams=all

The suite finds the connector root (the folder with metadata.yaml) above this file, collects one
scenario per config named in its acceptance-test-config.yml, and runs each through `docker run`.

The suite's own read test only requires the read to end without an error. Airbyte's basic read
asks more of a sync, so the read test here also requires records in every configured stream, each
record valid against its stream's schema (the suite's own `assert_read_records`), and every stream
ending COMPLETE. When READ_SUMMARY_PATH is set, it writes records and statuses per stream there.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from airbyte_cdk.models import AirbyteStreamStatus, ConfiguredAirbyteCatalogSerializer
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from airbyte_cdk.test.standard_tests import docker_base
from airbyte_cdk.test.standard_tests._read_assertions import assert_read_records
from airbyte_cdk.test.standard_tests.docker_base import DockerConnectorTestSuite

CONTAINER_CATALOG = ":/secrets/catalog.json"
"""Where the suite mounts the catalog it writes for `read` (docker_base.py)."""


class TestSourceIgniteProcurementImage(DockerConnectorTestSuite):
    """Every test of `DockerConnectorTestSuite`, the read test with the checks above added."""

    def test_docker_image_build_and_read(  # type: ignore[override]
        self,
        monkeypatch: Any,
        scenario: Any,
        connector_image_override: str | None,
        connector_base_image_override: str | None,
        read_from_streams: Any,
        read_scenarios: Any,
    ) -> None:
        reads: list[tuple[dict[str, Any], EntrypointOutput]] = []
        run = docker_base.run_docker_airbyte_command

        def recording(cmd: list[str], **kwargs: Any) -> EntrypointOutput:
            # the suite deletes its catalog once the read returns: read it while the read runs
            catalog = next((Path(arg.removesuffix(CONTAINER_CATALOG)) for arg in cmd if arg.endswith(CONTAINER_CATALOG)), None)
            result = run(cmd, **kwargs)
            if catalog is not None:
                reads.append((json.loads(catalog.read_text()), result))
            return result

        monkeypatch.setattr(docker_base, "run_docker_airbyte_command", recording)
        super().test_docker_image_build_and_read(
            scenario,
            connector_image_override,
            connector_base_image_override,
            read_from_streams,
            read_scenarios,
        )

        assert len(reads) == 1, f"expected one `read` run, saw {len(reads)}"
        catalog_json, output = reads[0]
        catalog = ConfiguredAirbyteCatalogSerializer.load(catalog_json)
        names = [configured.stream.name for configured in catalog.streams]
        records = output.records
        summary = {
            name: {
                "records": sum(1 for m in records if m.record is not None and m.record.stream == name),
                "statuses": [status.value for status in output.get_stream_statuses(name)],
            }
            for name in names
        }
        if os.environ.get("READ_SUMMARY_PATH"):
            Path(os.environ["READ_SUMMARY_PATH"]).write_text(json.dumps(summary))

        assert_read_records(
            records=records,
            configured_catalog=catalog,
            require_records_per_stream=True,
            validate_schema=scenario.validate_schema,
        )
        not_complete = {
            name: s["statuses"] for name, s in summary.items() if s["statuses"][-1:] != [AirbyteStreamStatus.COMPLETE.value]
        }
        assert not not_complete, f"streams whose last status is not COMPLETE: {not_complete}"
