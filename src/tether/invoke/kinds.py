"""The kinds of sample event `tether events new` makes. A leaf (it imports nothing), so the
command line can offer them without loading the project model."""

from __future__ import annotations

KINDS = (
    "s3-created",
    "s3-removed",
    "sns",
    "sqs",
    "dynamodb-insert",
    "dynamodb-modify",
    "dynamodb-remove",
    "schedule",
    "http",
)
