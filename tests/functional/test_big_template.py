"""Templates over CloudFormation's 51,200-byte inline limit deploy through the artifact bucket,
as AWS requires (a project of a few dozen functions passes that size)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tests.functional.tiny import cloud
from tests.helpers import write_project
from tether import load_project
from tether.deploy.execute import TEMPLATE_BODY_LIMIT
from tether.deploy.pipeline import deploy
from tether.deploy.state import load_state
from tether.synth import synthesize

FUNCTIONS = 40


def test_a_template_over_the_inline_limit_is_deployed_from_the_bucket(
    tmp_path: Path, local_cloud: str
) -> None:
    functions = "".join(
        f"  f{i:02}: {{handler: app/f{i:02}.handler, environment: {{NOTE: function {i}}}}}\n"
        for i in range(FUNCTIONS)
    )
    root = write_project(
        tmp_path / "big",
        f"name: bigtemplate\nregion: us-east-1\nfunctions:\n{functions}",
    )
    template = synthesize(load_project(root), stage="dev", target="local")
    assert len(json.dumps(template, separators=(",", ":"))) > TEMPLATE_BODY_LIMIT
    result = deploy(load_project(root), stage="dev", target="local")
    assert result.path == "full" and len(result.outputs) >= FUNCTIONS
    state = load_state(root, "dev")
    assert state is not None
    s3 = cloud(root).client("s3")
    body = json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    key = f"templates/{hashlib.sha256(body).hexdigest()}.json"
    assert s3.get_object(Bucket=state.artifact_bucket, Key=key)["Body"].read() == body
