"""What the template's values will look like once CloudFormation resolves them, for the quotas
AWS measures on resolved values: a function's environment (4 KB) and a role's policies (10,240
characters).

Synth writes references (Ref, Fn::GetAtt, Fn::Sub) whose values exist only once CloudFormation
has created the resources. `Resolver` replaces each by a stand-in as long as what AWS will make
of it: names CloudFormation generates are `<stack>-<logical id>-<13 characters>`, cut to the
service's limit; ARNs and URLs are built around them with a 12-digit account, the project's
region and its partition. The stand-ins err long, never short: a project Tether passes, AWS
accepts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ACCOUNT = "123456789012"
RANDOM = "ABCDEFGHIJKLM"  # the 13 characters CloudFormation appends to a name it generates
API_ID = "abcdefghij"
STREAM_LABEL = "2025-01-01T00:00:00.000"

# resource type -> (its name property, the longest name the service allows)
NAMES: dict[str, tuple[str, int]] = {
    "AWS::SQS::Queue": ("QueueName", 80),
    "AWS::DynamoDB::Table": ("TableName", 255),
    "AWS::SNS::Topic": ("TopicName", 256),
    "AWS::S3::Bucket": ("BucketName", 63),
    "AWS::Lambda::Function": ("FunctionName", 64),
    "AWS::Lambda::LayerVersion": ("LayerName", 140),
    "AWS::IAM::Role": ("RoleName", 64),
    "AWS::IAM::ManagedPolicy": ("ManagedPolicyName", 128),
    "AWS::Events::Rule": ("Name", 64),
    "AWS::Logs::LogGroup": ("LogGroupName", 512),
}
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


@dataclass(frozen=True)
class Resolver:
    """Stand-ins for the references of one template, deployed as `stack` in `region`."""

    resources: Mapping[str, Any]  # the template's Resources
    stack: str
    region: str

    @property
    def partition(self) -> str:
        return partition_of(self.region)

    def resolve(self, node: Any) -> Any:
        """`node` with every reference replaced by its stand-in string."""
        if isinstance(node, list):
            return [self.resolve(item) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            if key == "Ref":
                return self.ref(str(value))
            if key == "Fn::GetAtt":
                name, attribute = value if isinstance(value, list) else str(value).split(".", 1)
                return self.get_att(str(name), str(attribute))
            if key == "Fn::Sub":
                return self.sub(value)
            if key == "Fn::Join":
                separator, items = value
                return str(separator).join(str(self.resolve(item)) for item in items)
        return {key: self.resolve(value) for key, value in node.items()}

    # --- references --------------------------------------------------------------------------

    def ref(self, name: str) -> str:
        pseudo = {
            "AWS::AccountId": ACCOUNT,
            "AWS::Region": self.region,
            "AWS::Partition": self.partition,
            "AWS::StackName": self.stack,
            "AWS::URLSuffix": "amazonaws.com.cn" if self.partition == "aws-cn" else "amazonaws.com",
        }
        if name in pseudo:
            return pseudo[name]
        kind = self._type(name)
        if kind == "AWS::SQS::Queue":
            return f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT}/{self.name(name)}"
        if kind == "AWS::SNS::Topic":
            return self._arn("sns", self.name(name))
        if kind == "AWS::Lambda::LayerVersion":
            return self._arn("lambda", f"layer:{self.name(name)}:1")
        if kind == "AWS::ApiGatewayV2::Api":
            return API_ID
        if kind == "AWS::IAM::ManagedPolicy":
            return f"arn:{self.partition}:iam::{ACCOUNT}:policy/{self.name(name)}"
        return self.name(name)

    def get_att(self, name: str, attribute: str) -> str:
        kind = self._type(name)
        physical = self.name(name)
        if kind == "AWS::ApiGatewayV2::Api":
            if attribute == "ApiEndpoint":
                return f"https://{API_ID}.execute-api.{self.region}.amazonaws.com"
            return API_ID
        if attribute in ("QueueName", "TopicName", "FunctionName"):
            return physical
        if attribute == "TopicArn" or kind == "AWS::SNS::Topic":
            return self._arn("sns", physical)
        if attribute == "QueueUrl":
            return self.ref(name)
        service_arns = {
            "AWS::SQS::Queue": lambda: self._arn("sqs", physical),
            "AWS::DynamoDB::Table": lambda: self._arn("dynamodb", f"table/{physical}"),
            "AWS::S3::Bucket": lambda: f"arn:{self.partition}:s3:::{physical}",
            "AWS::Lambda::Function": lambda: self._arn("lambda", f"function:{physical}"),
            "AWS::IAM::Role": lambda: f"arn:{self.partition}:iam::{ACCOUNT}:role/{physical}",
            "AWS::Events::Rule": lambda: self._arn("events", f"rule/{physical}"),
            "AWS::Logs::LogGroup": lambda: self._arn("logs", f"log-group:{physical}:*"),
        }
        arn = service_arns.get(kind, lambda: self._arn(kind.split("::")[1].lower(), physical))()
        if attribute == "StreamArn":
            return f"{arn}/stream/{STREAM_LABEL}"
        return arn

    def sub(self, value: Any) -> str:
        text, variables = (value[0], value[1]) if isinstance(value, list) else (value, {})

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name:
                resource, attribute = name.split(".", 1)
                return self.get_att(resource, attribute)
            return self.ref(name)

        return _SUB_VARIABLE.sub(replace, str(text)).replace("${!", "${")

    # --- names -------------------------------------------------------------------------------

    def name(self, logical_id: str) -> str:
        """The physical name of a resource: its name property, or the one CloudFormation
        generates (at its longest)."""
        kind = self._type(logical_id)
        prop, limit = NAMES.get(kind, ("", 255))
        properties = (self.resources.get(logical_id) or {}).get("Properties") or {}
        if prop and prop in properties:
            return str(self.resolve(properties[prop]))
        generated = f"{self.stack}-{logical_id}-{RANDOM}"
        if len(generated) > limit:
            generated = f"{generated[: limit - len(RANDOM) - 1]}-{RANDOM}"
        return generated.lower() if kind == "AWS::S3::Bucket" else generated

    def _type(self, logical_id: str) -> str:
        return str((self.resources.get(logical_id) or {}).get("Type", ""))

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{ACCOUNT}:{resource}"
