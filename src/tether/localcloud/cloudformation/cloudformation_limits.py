"""CloudFormation refuses templates over its quotas, with CloudFormation's ValidationError.

moto accepts a template of any size with any number of resources, so a deploy that sends a
60-function template inline would work locally and fail on AWS. Here (see
`tether.localcloud.limits`): a TemplateBody over 51,200 bytes, a template read from S3
(TemplateURL) over 1 MB, and a template declaring more than 500 resources, 200 outputs or 200
parameters are refused before moto sees them, on CreateStack, UpdateStack, CreateChangeSet,
ValidateTemplate and GetTemplateSummary. Hooks: wraps those `CloudFormationResponse` actions
(the inline body, and its counts) and `CloudFormationResponse._get_stack_from_s3_url` (a
template from S3, and its counts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.responses import CloudFormationResponse

from tether.localcloud import limits
from tether.localcloud._patching import original, replace
from tether.localcloud.cloudformation import template_parse

ACTIONS = (
    "create_stack",
    "update_stack",
    "create_change_set",
    "validate_template",
    "get_template_summary",
)


def _refuse(refusal: limits.Refusal | None) -> None:
    if refusal is not None:
        raise ValidationError(message=refusal.message)


def _parsed(body: str) -> Any:
    """The template as data, or None when it does not parse (moto then says why)."""
    try:
        return template_parse.parse(body)
    except Exception:
        return None


def check_counts(body: str) -> None:
    parsed = _parsed(body)
    if isinstance(parsed, dict):
        _refuse(limits.template_counts(parsed))


def _checked_action(name: str) -> Callable[[CloudFormationResponse], Any]:
    def action(self: CloudFormationResponse) -> Any:
        body = self._get_param("TemplateBody")
        if body:
            _refuse(limits.template_body(str(body)))
            check_counts(str(body))
        return original(CloudFormationResponse, name)(self)

    action.__name__ = name
    return action


# Made once: `replace` recognises its own hook when `install()` runs again.
_HOOKS = {name: _checked_action(name) for name in ACTIONS}


def _get_stack_from_s3_url(self: CloudFormationResponse, template_url: str) -> str:
    body: str = original(CloudFormationResponse, "_get_stack_from_s3_url")(self, template_url)
    _refuse(limits.template_url(body))
    check_counts(body)
    return body


def install() -> None:
    for name, hook in _HOOKS.items():
        replace(CloudFormationResponse, name, hook)
    replace(CloudFormationResponse, "_get_stack_from_s3_url", _get_stack_from_s3_url)
