"""What an external resource is on the local cloud: an empty stand-in of the same name.

An external bucket, table, topic or queue lives on AWS; the local cloud has none of it. On the
local target each one is a stand-in: the same name, in the same region, in the local cloud's
account, which `tether deploy --stand-ins` creates empty (`tether.deploy.standins`). Templates
for the local target name the stand-ins (`on_local_cloud`), so the roles grant exactly them and
triggers wire to them; templates for AWS name the real resources, untouched.
"""

from __future__ import annotations

import dataclasses

from tether.model.project import Project, Resource, Table

LOCAL_ACCOUNT = "123456789012"  # the account the local cloud serves


def local_arn(arn: str) -> str:
    """`arn` moved to the local cloud's account (an S3 ARN names no account: unchanged)."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or not parts[4]:
        return arn
    parts[4] = LOCAL_ACCOUNT
    return ":".join(parts)


def stand_in(resource: Resource) -> Resource:
    """The local cloud's version of a resource: an external one names its stand-in."""
    if resource.external is None:
        return resource
    changes: dict[str, str | None] = {"external": local_arn(resource.external)}
    if isinstance(resource, Table) and resource.stream_arn:
        changes["stream_arn"] = local_arn(resource.stream_arn)
    return dataclasses.replace(resource, **changes)  # type: ignore[arg-type]


def on_local_cloud(project: Project) -> Project:
    """The project as the local target deploys it: its external resources are stand-ins."""
    resources = {name: stand_in(resource) for name, resource in project.resources.items()}
    if all(resources[name] is project.resources[name] for name in resources):
        return project
    return dataclasses.replace(project, resources=resources)


def stream_label(stream_arn: str) -> str:
    """The label ending a stream ARN (`.../stream/2024-01-01T00:00:00.000`)."""
    return stream_arn.rsplit("/stream/", 1)[1]
