"""A stand-in table keeps the stream label of the external table it stands in for.

On the local target an external table is an empty stand-in of the same name
(`tether.model.standins`); a stream trigger on it names the external table's stream ARN, which
ends in the label AWS gave the stream when it was turned on. moto labels a new stream with the
time instead, so the trigger's mapping would name a stream that does not exist. A table created
with the tag `tether:stream-label` (as `tether deploy --stand-ins` creates them) takes that label.
Hooks: replaces `DynamoDBBackend.create_table`.
"""

from __future__ import annotations

from typing import Any

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table

from tether.localcloud._patching import original, replace

STREAM_LABEL_TAG = "tether:stream-label"


def _create_table(self: DynamoDBBackend, name: str, **kwargs: Any) -> Table:
    table: Table = original(DynamoDBBackend, "create_table")(self, name, **kwargs)
    label = next(
        (t["Value"] for t in kwargs.get("tags") or [] if t["Key"] == STREAM_LABEL_TAG), None
    )
    if label and table.latest_stream_label:
        table.latest_stream_label = label
    return table


def install() -> None:
    replace(DynamoDBBackend, "create_table", _create_table)
