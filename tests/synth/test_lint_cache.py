"""cfn-lint runs once per distinct template: the result is kept in memory and on disk, keyed by
the template, the region and cfn-lint's version, and a template that changes is linted again."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tether.synth import lint as lint_module
from tether.synth.lint import lint

BROKEN: dict[str, Any] = {
    "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"VisibilityTimeout": "x"}}}
}


def test_an_unchanged_template_is_linted_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(lint_module, "_KEPT", {})
    first = lint(BROKEN, region="us-east-1")
    assert first and all(p.file == "template.json" for p in first)
    assert any("VisibilityTimeout" in p.message for p in first)
    assert len(list((tmp_path / "tether" / "lint").glob("*.json"))) == 1

    calls: list[str] = []

    def counted(text: str, region: str) -> list[Any]:
        calls.append(region)
        return []

    monkeypatch.setattr(lint_module, "_lint", counted)
    assert lint(BROKEN, region="us-east-1") == first  # this process remembers
    monkeypatch.setattr(lint_module, "_KEPT", {})
    assert lint(BROKEN, region="us-east-1") == first  # another process reads the disk
    assert calls == []

    assert lint(BROKEN, region="eu-west-1") == []  # another region is another lint
    changed = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}
    assert lint(changed, region="us-east-1") == []
    assert calls == ["eu-west-1", "us-east-1"]
