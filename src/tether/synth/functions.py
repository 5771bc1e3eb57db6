"""Functions: the Lambda function, its log group, and its least-privilege role.

The role allows exactly: writing to the function's own log group; each operation's actions on
the ARNs of the resource types those actions act on (a bucket's ARN for s3:ListBucket, its
objects for s3:GetObject, a table and its indexes for dynamodb:Query); and the reads a poll-based
trigger needs on its queue or stream. No statement has a "*" action or resource.

IAM allows a role 10,240 characters of inline policy (counted once CloudFormation has resolved
the ARNs, whitespace not counted). A function whose statements outgrow that keeps as many as fit
inline, and the rest move, in order, into AWS::IAM::ManagedPolicy resources of at most 6,144
characters each, attached to its role (`split_statements`); the function waits for them, so it
never runs without a permission. `tether.synth.quotas` reports a role that even that cannot
hold, before anything deploys.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from tether.model import Function, Resource, iam
from tether.model.limits import MANAGED_POLICY_CHARS, ROLE_POLICY_CHARS, iam_policy_size
from tether.model.naming import pascal
from tether.synth.family import Family
from tether.synth.resolved import Resolver
from tether.synth.template import Context, Json, get_att, of_function, ref, sub

LOG_RETENTION_DAYS = 30
CODE_BUCKET_PARAMETER = "ArtifactBucket"
CODE_KEY_PARAMETER = "CodeKey"
LAYER_KEY_PARAMETER = "LayerKey"
LAYER = "DependenciesLayer"
INLINE_POLICY = "least-privilege"


def declare(ctx: Context, function: Function, families: Mapping[type[Resource], Family]) -> None:
    lid = function.logical_id
    log_group = f"{pascal(function.name)}LogGroup"
    role = f"{pascal(function.name)}Role"
    name = ctx.function_name(function)
    granted = grants(ctx, function, log_group, families)
    inline, moved = split_statements(ctx, [grant.statement() for grant in granted])
    ctx.add(
        log_group,
        "AWS::Logs::LogGroup",
        {
            "LogGroupName": f"/aws/lambda/{name}",
            "RetentionInDays": LOG_RETENTION_DAYS,
            "Tags": ctx.tags(),
        },
        owner=of_function(function.name, "log group"),
    )
    ctx.add(
        role,
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "Policies": [{"PolicyName": INLINE_POLICY, "PolicyDocument": policy_document(inline)}],
            "Tags": ctx.tags(),
        },
        owner={
            **of_function(function.name, "role"),
            "grants": [line for grant in granted for line in grant.describe()],
        },
    )
    policies = [f"{role}Policy{number}" for number in range(1, len(moved) + 1)]
    for number, (policy, statements) in enumerate(zip(policies, moved, strict=True), 1):
        ctx.add(
            policy,
            "AWS::IAM::ManagedPolicy",
            {
                "Description": f"permissions of function {function.name} that do not fit in "
                f"its role's inline policy (part {number} of {len(moved)})",
                "PolicyDocument": policy_document(statements),
                "Roles": [ref(role)],
            },
            owner=of_function(function.name, "policy"),
        )
    properties: dict[str, Json] = {
        "FunctionName": name,
        "Handler": function.handler,
        "Runtime": function.runtime,
        "Architectures": ["x86_64"],
        "MemorySize": function.memory,
        "Timeout": function.timeout,
        "Role": get_att(role, "Arn"),
        "Code": {"S3Bucket": ref(CODE_BUCKET_PARAMETER), "S3Key": ref(CODE_KEY_PARAMETER)},
        "Tags": ctx.tags(),
    }
    if ctx.project.requirements:
        properties["Layers"] = [ref(LAYER)]
    variables = environment(ctx, function, families)
    if variables:
        properties["Environment"] = {"Variables": variables}
    if function.description:
        properties["Description"] = function.description
    ctx.add(
        lid,
        "AWS::Lambda::Function",
        properties,
        owner=of_function(function.name, "function"),
        DependsOn=[log_group, *policies],
    )
    ctx.output(f"{lid}Arn", get_att(lid, "Arn"), f"ARN of function {function.name}")


def policy_document(statements: list[Json]) -> Json:
    return {"Version": "2012-10-17", "Statement": statements}


def split_statements(ctx: Context, statements: list[Json]) -> tuple[list[Json], list[list[Json]]]:
    """The statements a role keeps inline, and the packs that move to managed policies: none,
    unless together they are over IAM's inline quota for a role. In order: each statement goes
    inline if it still fits, else into the last pack if it fits there, else into a new pack."""
    resolver = Resolver(ctx.resources, ctx.prefix(), ctx.project.region)
    sizes = [iam_policy_size(resolver.resolve(statement)) for statement in statements]
    empty = iam_policy_size(policy_document([]))

    def size(chosen: list[int]) -> int:  # compact JSON: the statements and a comma between
        return empty + sum(chosen) + max(len(chosen) - 1, 0)

    if size(sizes) <= ROLE_POLICY_CHARS:
        return statements, []
    inline: list[int] = []
    packs: list[list[int]] = []
    for index, statement_size in enumerate(sizes):
        if size([*(sizes[i] for i in inline), statement_size]) <= ROLE_POLICY_CHARS:
            inline.append(index)
        elif (
            packs and size([*(sizes[i] for i in packs[-1]), statement_size]) <= MANAGED_POLICY_CHARS
        ):
            packs[-1].append(index)
        else:
            packs.append([index])
    return [statements[i] for i in inline], [[statements[i] for i in pack] for pack in packs]


def declare_layer(ctx: Context) -> None:
    """The dependencies of requirements.txt, built once into a layer that every function uses."""
    runtimes = sorted({f.runtime for f in ctx.project.functions.values()} or {ctx.project.runtime})
    ctx.add(
        LAYER,
        "AWS::Lambda::LayerVersion",
        {
            "LayerName": f"{ctx.prefix()}-dependencies",
            "Description": "packages from requirements.txt",
            "CompatibleRuntimes": runtimes,
            "Content": {"S3Bucket": ref(CODE_BUCKET_PARAMETER), "S3Key": ref(LAYER_KEY_PARAMETER)},
        },
        owner={"resource": "requirements.txt"},
    )


def environment(
    ctx: Context, function: Function, families: Mapping[type[Resource], Family]
) -> dict[str, Json]:
    """The function's own variables plus one per linked resource: THUMBS_BUCKET, WORK_QUEUE_URL..."""
    variables: dict[str, Json] = dict(function.environment)
    for name in function.variable_resources():
        resource = ctx.resource(name)
        if resource.env_var:
            variables[resource.env_var] = families[type(resource)].env_value(ctx, resource)
    return dict(sorted(variables.items()))


@dataclass(frozen=True)
class Grant:
    """One policy statement, and what it grants in the user's words for plans and reviews."""

    sid: str
    actions: tuple[str, ...]
    arns: tuple[Json, ...]
    on: str  # "objects in bucket thumbs"

    def statement(self) -> Json:
        return {
            "Sid": self.sid,
            "Effect": "Allow",
            "Action": list(self.actions),
            "Resource": list(self.arns),
        }

    def describe(self) -> list[str]:
        return [f"{action} on {self.on}" for action in self.actions]


SCOPE_WORDS = {
    "bucket": "bucket {}",
    "object": "objects in bucket {}",
    "table": "table {}",
    "index": "indexes of table {}",
    "stream": "stream of table {}",
    "topic": "topic {}",
    "queue": "queue {}",
}


def grants(
    ctx: Context, function: Function, log_group: str, families: Mapping[type[Resource], Family]
) -> list[Grant]:
    """Own logs, then each poll trigger's reads, then each operation's actions per ARN shape."""
    by_scope: dict[tuple[str, str], set[str]] = defaultdict(set)
    for operation in function.operations:
        resource = ctx.resource(operation.resource)
        for action in operation.actions:
            for scope in sorted(set(iam.resource_types(action) or ()) & resource.scopes):
                by_scope[(resource.name, scope)].add(action)
    result = [
        Grant(
            "OwnLogs",
            ("logs:CreateLogStream", "logs:PutLogEvents"),
            # IAM scopes both actions to log streams: log-group:<name>:log-stream:<stream>.
            (
                sub(
                    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
                    f"/aws/lambda/{ctx.function_name(function)}:log-stream:*"
                ),
            ),
            "its own log group",
        )
    ]
    for trigger in function.triggers:
        resource = ctx.resource(trigger.resource)
        actions, arns = families[type(resource)].trigger_actions(ctx, resource)
        if actions:
            on = f"{resource.type_name} {resource.name} (to poll its trigger)"
            result.append(
                Grant(f"{pascal(resource.name)}Trigger", tuple(sorted(actions)), tuple(arns), on)
            )
    for (name, scope), allowed in sorted(by_scope.items()):
        resource = ctx.resource(name)
        arns = families[type(resource)].scope_arns(ctx, resource, scope)
        if arns:
            on = SCOPE_WORDS[scope].format(name)
            result.append(
                Grant(f"{pascal(name)}{pascal(scope)}", tuple(sorted(allowed)), tuple(arns), on)
            )
    return result
