"""Stack deletes honour DeletionPolicy, delete dependents first, and report a failed delete.

Hook: moto's `Stack.delete` is routed through `engine.delete`, which deletes in reverse
dependency order, records per-resource events and keeps resources whose
DeletionPolicy is Retain (or RetainExceptOnCreate): the bucket, its objects, the table and its
items stay in the account (DELETE_SKIPPED). Updates that remove such a resource keep it the same
way (the engine's cleanup phase). `CloudFormationBackend.delete_stack` is wrapped so a stack
whose delete failed stays listed as DELETE_FAILED, as on AWS, instead of vanishing.
"""

from __future__ import annotations

from moto.cloudformation.models import CloudFormationBackend, Stack

from tether.localcloud._patching import original, replace
from tether.localcloud.cloudformation import engine


def _delete(self: Stack) -> None:
    engine.delete(self)


def _delete_stack(self: CloudFormationBackend, name_or_stack_id: str) -> None:
    original(CloudFormationBackend, "delete_stack")(self, name_or_stack_id)
    for stack_id, stack in list(self.deleted_stacks.items()):
        if stack.status == "DELETE_FAILED":
            self.stacks[stack_id] = self.deleted_stacks.pop(stack_id)


def install() -> None:
    replace(Stack, "delete", _delete)
    replace(CloudFormationBackend, "delete_stack", _delete_stack)
