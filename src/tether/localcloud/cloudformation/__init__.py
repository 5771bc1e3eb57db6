"""CloudFormation in the local cloud: Tether's stack engine on moto's models, and its hooks.

`engine` runs create, update and delete in dependency order (`template_graph`), records events
(`stack_events`), follows the DeletionPolicy and replacement rules (`policies`) and rolls back
what fails; `rollback`, `deletion_policy` and `stack_lock` route moto's CloudFormation through
it, `cloudformation_limits` refuses templates over CloudFormation's quotas, `template_parse`
reads each template's text once per request, `nested_stack` runs nested stacks through the
engine, `stack_event_pages` answers DescribeStackEvents in AWS's pages. `_stack_model` is what the models Tether adds to moto (in their services' folders)
share.
"""
