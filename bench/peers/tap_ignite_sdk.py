"""A Singer tap for the Ignite Export API's rows endpoint, built with Meltano's singer-sdk the way its docs
and cookiecutter template show: one RESTStream per export table (from GET /tables/), POST with every
column in `fields`, bearer auth, and a JSONPath paginator on nextPageToken sent back as pageToken.

`npm run bench -- --peers` runs it as `python tap_ignite_sdk.py --config config.json [--catalog catalog.json]`.
Written from the singer-sdk 0.54.9 docs (RESTStream, JSONPathPaginator, BearerTokenAuthenticator).
"""

from __future__ import annotations

import typing as t

import requests
from singer_sdk import Stream, Tap
from singer_sdk import typing as th
from singer_sdk.authenticators import BearerTokenAuthenticator
from singer_sdk.pagination import JSONPathPaginator
from singer_sdk.streams import RESTStream

# JSON Schema of each Ignite column data type
TYPES: dict[str, dict[str, t.Any]] = {
    "STRING": {"type": ["string", "null"]},
    "MONETARY_AMOUNT": {"type": ["number", "null"]},
    "NUMBER": {"type": ["number", "null"]},
    "BOOL": {"type": ["boolean", "null"]},
    "DATE": {"type": ["string", "null"], "format": "date"},
    "TIMESTAMP": {"type": ["string", "null"], "format": "date-time"},
    "STRING_ARRAY": {"type": ["array", "null"], "items": {"type": "string"}},
}


class RowsStream(RESTStream):
    """One export table, read page by page through POST /tables/{entity}/rows."""

    http_method = "POST"
    records_jsonpath = "$.data[*]"

    def __init__(self, tap: Tap, table: dict[str, t.Any]) -> None:
        self.fields = [c["name"] for c in table["columns"]]
        schema = {"type": "object", "properties": {c["name"]: TYPES[c["dataType"]] for c in table["columns"]}}
        super().__init__(tap, name=table["id"], schema=schema, path=f"/tables/{table['id']}/rows")
        self.primary_keys = table["orderBy"]

    @property
    def url_base(self) -> str:
        return self.config["base_url"]

    @property
    def authenticator(self) -> BearerTokenAuthenticator:
        return BearerTokenAuthenticator(token=self.config["api_token"])

    def get_new_paginator(self) -> JSONPathPaginator:
        # stops when the token is absent, null or "" (the paginator ends on any falsy token)
        return JSONPathPaginator("$.nextPageToken")

    def prepare_request_payload(self, context: dict | None, next_page_token: str | None) -> dict:
        payload: dict[str, t.Any] = {"fields": self.fields, "pageSize": self.config["page_size"]}
        if next_page_token:
            payload["pageToken"] = next_page_token
        return payload


class TapIgniteSdk(Tap):
    name = "tap-ignite-sdk"
    config_jsonschema = th.PropertiesList(
        th.Property("api_token", th.StringType, required=True, secret=True),
        th.Property("base_url", th.StringType, required=True),
        th.Property("page_size", th.IntegerType, default=10000),
    ).to_dict()

    def discover_streams(self) -> list[Stream]:
        response = requests.get(
            f"{self.config['base_url']}/tables/",
            headers={"Authorization": f"Bearer {self.config['api_token']}"},
            timeout=60,
        )
        response.raise_for_status()
        return [RowsStream(self, table) for table in response.json()]


if __name__ == "__main__":
    TapIgniteSdk.cli()
