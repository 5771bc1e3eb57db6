"""Data is never lost by surprise: it is checked again at the moment of deletion, a bucket chosen
for deletion is emptied only once the change that removes it has succeeded, and a retained
bucket added back is named, with the way to adopt it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tether import load_project
from tether.deploy import pipeline
from tether.deploy.destroy import destroy
from tether.deploy.execute import DeployFailedError, StackEvent
from tether.deploy.pipeline import DeployResult, deploy, open_target
from tether.deploy.plan import DataLossError, NameTakenError, Plan

MISSING_QUEUE = "arn:aws:sqs:us-east-1:123456789012:no-such-queue"


def data_notes(result: DeployResult) -> tuple[str, ...]:
    """The deploy's notes about data (photos' external archive bucket, missing on the local
    cloud, has a note of its own)."""
    return tuple(note for note in result.notes if "local stand-ins" not in note)


def edit(project: Path, old: str, new: str) -> None:
    path = project / "tether.yaml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new))


def add_spare(project: Path, spare: str) -> None:
    edit(
        project,
        "  alerts: {type: sns.topic}\n",
        f"  alerts: {{type: sns.topic}}\n  spare: {spare}\n",
    )


def make_the_next_change_fail(project: Path) -> None:
    """A trigger on a queue that does not exist: CloudFormation fails the change and rolls it
    back (`repair_the_change` takes it out again)."""
    edit(
        project,
        "  alerts: {type: sns.topic}\n",
        f"  alerts: {{type: sns.topic}}\n  legacy: {{type: sqs.queue, external: '{MISSING_QUEUE}'}}\n",
    )
    edit(
        project,
        'triggers: [{resource: web, route: "GET /orders/{id}"}]',
        'triggers: [{resource: web, route: "GET /orders/{id}"}, {resource: legacy}]',
    )


def repair_the_change(project: Path) -> None:
    edit(project, ", {resource: legacy}]", "]")


def aws(project: Path, service: str) -> Any:
    return open_target(load_project(project), "local").client(service)


def stack_resources(project: Path, stack: str) -> set[str]:
    resources = aws(project, "cloudformation").describe_stack_resources(StackName=stack)
    return {r["LogicalResourceId"] for r in resources["StackResources"]}


def test_data_written_while_the_plan_is_on_screen_stops_the_deploy(
    local_cloud: str, photos_copy: Path
) -> None:
    add_spare(photos_copy, "{type: s3.bucket}")
    bucket = deploy(load_project(photos_copy), stage="late", target="local").outputs[
        "SpareBucketName"
    ]
    edit(photos_copy, "  spare: {type: s3.bucket}\n", "")
    s3 = aws(photos_copy, "s3")

    def confirm_while_someone_writes(plan: Plan) -> bool:
        assert plan.risks == ()  # the bucket was empty when the plan was made
        s3.put_object(Bucket=bucket, Key="new.txt", Body=b"written during the prompt")
        return True

    with pytest.raises(DataLossError) as stopped:
        deploy(
            load_project(photos_copy),
            stage="late",
            target="local",
            confirm=confirm_while_someone_writes,
        )
    assert stopped.value.message.startswith(
        "stopped: data was written after the plan was shown, and this deploy would lose it; "
        "nothing was deleted"
    )
    assert "s3.bucket spare" in stopped.value.message
    assert "--delete spare" in stopped.value.hint
    assert (
        s3.get_object(Bucket=bucket, Key="new.txt")["Body"].read() == b"written during the prompt"
    )
    assert "SpareBucket" in stack_resources(photos_copy, "photos-late")


def test_an_item_written_while_the_plan_is_on_screen_keeps_its_table(
    local_cloud: str, photos_copy: Path
) -> None:
    add_spare(photos_copy, "{type: dynamodb.table, key: {id: S}}")
    table = deploy(load_project(photos_copy), stage="late2", target="local").outputs[
        "SpareTableName"
    ]
    edit(photos_copy, "  spare: {type: dynamodb.table, key: {id: S}}\n", "")
    dynamodb = aws(photos_copy, "dynamodb")

    def confirm_while_someone_writes(plan: Plan) -> bool:
        dynamodb.put_item(TableName=table, Item={"id": {"S": "fresh"}})
        return True

    with pytest.raises(DataLossError, match="holds items"):
        deploy(
            load_project(photos_copy),
            stage="late2",
            target="local",
            confirm=confirm_while_someone_writes,
        )
    item = dynamodb.get_item(TableName=table, Key={"id": {"S": "fresh"}})
    assert item["Item"] == {"id": {"S": "fresh"}}


def test_delete_keeps_the_data_until_the_change_has_succeeded(
    local_cloud: str, photos_copy: Path
) -> None:
    add_spare(photos_copy, "{type: s3.bucket}")
    bucket = deploy(load_project(photos_copy), stage="undo", target="local").outputs[
        "SpareBucketName"
    ]
    s3 = aws(photos_copy, "s3")
    s3.put_object(Bucket=bucket, Key="old.txt", Body=b"old")
    # Remove the bucket, in a change that CloudFormation then fails (a trigger on a queue that
    # does not exist) and rolls back.
    edit(photos_copy, "  spare: {type: s3.bucket}\n", "")
    make_the_next_change_fail(photos_copy)
    with pytest.raises(DeployFailedError):
        deploy(load_project(photos_copy), stage="undo", target="local", delete=["spare"])
    assert s3.get_object(Bucket=bucket, Key="old.txt")["Body"].read() == b"old"
    assert "SpareBucket" in stack_resources(photos_copy, "photos-undo")

    # Once the change can succeed, the same choice deletes the bucket, after the change.
    repair_the_change(photos_copy)
    result = deploy(load_project(photos_copy), stage="undo", target="local", delete=["spare"])
    assert [r.decision for r in result.plan.risks] == ["delete"]
    assert data_notes(result) == ()
    assert bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert "SpareBucket" not in stack_resources(photos_copy, "photos-undo")


def test_a_retained_bucket_added_back_is_named_with_the_way_to_adopt_it(
    local_cloud: str, photos_copy: Path
) -> None:
    add_spare(photos_copy, "{type: s3.bucket, retain: true}")
    bucket = deploy(load_project(photos_copy), stage="back", target="local").outputs[
        "SpareBucketName"
    ]
    s3 = aws(photos_copy, "s3")
    s3.put_object(Bucket=bucket, Key="keep.txt", Body=b"kept")
    edit(photos_copy, "  spare: {type: s3.bucket, retain: true}\n", "")
    deploy(load_project(photos_copy), stage="back", target="local")
    add_spare(photos_copy, "{type: s3.bucket}")
    with pytest.raises(NameTakenError) as taken:
        deploy(load_project(photos_copy), stage="back", target="local")
    assert f"  - bucket spare: {bucket}" in taken.value.message
    assert "nothing was changed" in taken.value.message
    assert f"external: {bucket}" in taken.value.hint
    assert f"aws s3 rb s3://{bucket} --force" in taken.value.hint
    stack = aws(photos_copy, "cloudformation").describe_stacks(StackName="photos-back")
    assert stack["Stacks"][0]["StackStatus"] == "UPDATE_COMPLETE"  # no failed attempt

    # Following the hint: the project adopts the bucket and its data.
    edit(
        photos_copy,
        "  spare: {type: s3.bucket}\n",
        f"  spare: {{type: s3.bucket, external: {bucket}}}\n",
    )
    deploy(load_project(photos_copy), stage="back", target="local")
    assert s3.get_object(Bucket=bucket, Key="keep.txt")["Body"].read() == b"kept"


def test_destroy_reports_progress_to_the_end_and_deletes_chosen_data_last(
    local_cloud: str, photos_copy: Path
) -> None:
    add_spare(photos_copy, "{type: s3.bucket}")
    bucket = deploy(load_project(photos_copy), stage="gone", target="local").outputs[
        "SpareBucketName"
    ]
    s3 = aws(photos_copy, "s3")
    s3.put_object(Bucket=bucket, Key="old.txt", Body=b"old")
    with pytest.raises(DataLossError):
        destroy(load_project(photos_copy), stage="gone", target="local")
    events: list[StackEvent] = []
    destroyed = destroy(
        load_project(photos_copy),
        stage="gone",
        target="local",
        delete=["spare"],
        progress=events.append,
    )
    assert destroyed.notes == ()
    assert (events[-1].owner, events[-1].status) == ("stack photos-gone", "DELETE_COMPLETE")
    assert bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def test_a_failed_delete_leaves_no_choice_behind(local_cloud: str, photos_copy: Path) -> None:
    """`--delete` for a change that then fails: the next deploy without it must stop again,
    not take the mark Tether set for the failed one as the user's `retain: true`."""
    add_spare(photos_copy, "{type: s3.bucket}")
    bucket = deploy(load_project(photos_copy), stage="stale", target="local").outputs[
        "SpareBucketName"
    ]
    s3 = aws(photos_copy, "s3")
    s3.put_object(Bucket=bucket, Key="old.txt", Body=b"old")
    edit(photos_copy, "  spare: {type: s3.bucket}\n", "")
    make_the_next_change_fail(photos_copy)
    with pytest.raises(DeployFailedError):
        deploy(load_project(photos_copy), stage="stale", target="local", delete=["spare"])
    repair_the_change(photos_copy)
    with pytest.raises(DataLossError) as stopped:
        deploy(load_project(photos_copy), stage="stale", target="local")
    assert "s3.bucket spare" in stopped.value.message
    assert s3.get_object(Bucket=bucket, Key="old.txt")["Body"].read() == b"old"
    with pytest.raises(DataLossError):
        destroy(load_project(photos_copy), stage="stale", target="local")


def test_a_table_that_receives_data_during_the_deploy_is_kept(
    local_cloud: str, photos_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check holds at the moment of deletion: a table empty when planned, written to while
    the change runs, is kept in the account (out of the stack) and the deploy says so."""
    add_spare(photos_copy, "{type: dynamodb.table, key: {id: S}}")
    table = deploy(load_project(photos_copy), stage="during", target="local").outputs[
        "SpareTableName"
    ]
    edit(photos_copy, "  spare: {type: dynamodb.table, key: {id: S}}\n", "")
    dynamodb = aws(photos_copy, "dynamodb")
    real_execute = pipeline.execute

    def execute_while_someone_writes(*args: Any, **kwargs: Any) -> dict[str, str]:
        dynamodb.put_item(TableName=table, Item={"id": {"S": "late"}})
        return real_execute(*args, **kwargs)

    monkeypatch.setattr(pipeline, "execute", execute_while_someone_writes)
    result = deploy(load_project(photos_copy), stage="during", target="local")
    assert data_notes(result) == (
        f"dynamodb.table spare ({table}) received data during the deploy (holds items), so it "
        "was kept in the account, out of the stack: adopt it as external, or delete it",
    )
    assert "SpareTable" not in stack_resources(photos_copy, "photos-during")
    item = dynamodb.get_item(TableName=table, Key={"id": {"S": "late"}})
    assert item["Item"] == {"id": {"S": "late"}}


def test_an_empty_table_removed_from_the_project_is_deleted(
    local_cloud: str, photos_copy: Path
) -> None:
    add_spare(photos_copy, "{type: dynamodb.table, key: {id: S}}")
    table = deploy(load_project(photos_copy), stage="gone2", target="local").outputs[
        "SpareTableName"
    ]
    edit(photos_copy, "  spare: {type: dynamodb.table, key: {id: S}}\n", "")
    result = deploy(load_project(photos_copy), stage="gone2", target="local")
    assert data_notes(result) == ()
    assert table not in aws(photos_copy, "dynamodb").list_tables()["TableNames"]
