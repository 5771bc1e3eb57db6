"""What synth needs to know about one family of resources, as an interface.

Each resource family module (s3, dynamodb, sns, sqs, schedule, http_api) provides one Family:
how to declare a project resource, how to wire a trigger from it to a function, which ARN each
IAM resource type of its actions maps to, and what its injected environment variable holds.
"""

from __future__ import annotations

from typing import Protocol

from tether.model import Function, Resource, Trigger
from tether.synth.template import Context, Json


class Family(Protocol):
    def declare(self, ctx: Context, resource: Resource) -> None:
        """Add a project resource and its outputs to the template."""

    def wire(self, ctx: Context, function: Function, trigger: Trigger) -> None:
        """Connect `trigger` (whose resource this family owns) to `function`."""

    def scope_arns(self, ctx: Context, resource: Resource, scope: str) -> list[Json]:
        """ARNs of `resource` for one IAM resource type ("bucket", "object", "table", ...)."""

    def env_value(self, ctx: Context, resource: Resource) -> Json:
        """The value of the resource's injected environment variable."""

    def trigger_actions(
        self, ctx: Context, resource: Resource
    ) -> tuple[tuple[str, ...], list[Json]]:
        """Actions (and their ARNs) a function needs to poll this resource as a trigger."""
