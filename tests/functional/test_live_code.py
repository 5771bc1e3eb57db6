"""The code that serves is the code Tether says is live: quick deploys that are interrupted or
partly fail, and code changed from elsewhere, are found and put right by the next deploy."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from tests.functional.tiny import answer, cloud, project, say, write_tiny
from tether.cloud.session import CloudError
from tether.deploy import live, quick
from tether.deploy.journal import read_journal
from tether.deploy.pipeline import deploy
from tether.deploy.quick import QuickDeployError
from tether.deploy.state import load_state
from tether.errors import TetherError


@pytest.fixture
def tiny(tmp_path: Path, local_cloud: str) -> Path:
    return write_tiny(tmp_path / "tiny")


def test_quick_deploys_of_different_functions_follow_each_other(tiny: Path) -> None:
    deploy(project(tiny), stage="seq", target="local")
    say(tiny, "alpha", "two")
    first = deploy(project(tiny), stage="seq", target="local")
    assert (first.path, first.functions) == ("quick", ("alpha",))
    say(tiny, "beta", "two")
    second = deploy(project(tiny), stage="seq", target="local")
    # beta still runs the first zip: that is recorded, so it is not mistaken for drift
    assert (second.path, second.functions, second.reason) == (
        "quick",
        ("beta",),
        "only code changed: 1 file",
    )
    assert (answer(tiny, "seq", "alpha"), answer(tiny, "seq", "beta")) == ("two", "two")
    # A full deploy puts every function on the built zip (alpha still runs the first quick
    # deploy's, with the same code for it), with no word of drift; then there is nothing to do.
    full = deploy(project(tiny), stage="seq", target="local", mode="full")
    assert (full.path, full.functions, full.notes) == ("full", ("alpha",), ())
    again = deploy(project(tiny), stage="seq", target="local", mode="full")
    assert (again.path, again.functions) == ("none", ())


class Killed(BaseException):
    """The process dying mid-deploy (as SIGKILL would): nothing of Tether's catches it."""


def interrupt_after_first_update(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the next quick deploy die (as if killed) right after updating its first function."""
    real = quick.update_all

    def dying(cloud_: Any, names: dict[str, str], bucket: str, key: str) -> dict[str, str]:
        first = sorted(names)[0]
        real(cloud_, {first: names[first]}, bucket, key)
        raise Killed

    monkeypatch.setattr(quick, "update_all", dying)


def test_an_interrupted_quick_deploy_is_found_and_put_right(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy(project(tiny), stage="cut", target="local")
    say(tiny, "alpha", "edited")
    say(tiny, "beta", "edited")
    interrupt_after_first_update(monkeypatch)
    with pytest.raises(Killed):
        deploy(project(tiny), stage="cut", target="local")
    monkeypatch.undo()
    assert read_journal(tiny, "cut") is not None
    assert answer(tiny, "cut", "alpha") == "edited"  # live, though the state does not know it

    # The user restores the files: the edited code must not keep serving behind "no changes".
    say(tiny, "alpha", "one")
    say(tiny, "beta", "one")
    result = deploy(project(tiny), stage="cut", target="local")
    assert result.path == "full"
    assert "interrupted after updating 1 of 2 functions (alpha)" in result.reason
    assert result.functions == ("alpha",)
    assert (answer(tiny, "cut", "alpha"), answer(tiny, "cut", "beta")) == ("one", "one")
    assert read_journal(tiny, "cut") is None
    again = deploy(project(tiny), stage="cut", target="local")
    assert again.path == "none"


def test_an_interrupted_quick_deploy_then_the_same_edit_goes_live_everywhere(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy(project(tiny), stage="cut2", target="local")
    say(tiny, "alpha", "edited")
    say(tiny, "beta", "edited")
    interrupt_after_first_update(monkeypatch)
    with pytest.raises(Killed):
        deploy(project(tiny), stage="cut2", target="local")
    monkeypatch.undo()
    result = deploy(project(tiny), stage="cut2", target="local")
    assert result.path == "full"
    assert (answer(tiny, "cut2", "alpha"), answer(tiny, "cut2", "beta")) == ("edited", "edited")


def test_a_failed_update_is_retried_by_the_next_deploy(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy(project(tiny), stage="retry", target="local")
    say(tiny, "alpha", "two")
    say(tiny, "beta", "two")
    real = quick.update_all

    def beta_fails(cloud_: Any, names: dict[str, str], bucket: str, key: str) -> dict[str, str]:
        real(cloud_, {f: n for f, n in names.items() if f != "beta"}, bucket, key)
        return {"beta": "code storage limit exceeded"}

    monkeypatch.setattr(quick, "update_all", beta_fails)
    with pytest.raises(QuickDeployError) as failed:
        deploy(project(tiny), stage="retry", target="local")
    assert "1 of 2 functions could not be updated" in failed.value.message
    assert "beta: code storage limit exceeded" in failed.value.message
    monkeypatch.undo()
    assert (answer(tiny, "retry", "alpha"), answer(tiny, "retry", "beta")) == ("two", "one")
    state = load_state(tiny, "retry")
    assert state is not None and state.stale == ["beta"]

    again = deploy(project(tiny), stage="retry", target="local")
    assert (again.path, again.functions, again.reason) == (
        "quick",
        ("beta",),
        "retrying the update of beta",
    )
    assert answer(tiny, "retry", "beta") == "two"
    state = load_state(tiny, "retry")
    assert state is not None and state.stale == [] and state.function_code == {}


def test_a_full_deploy_puts_back_code_changed_from_elsewhere(tiny: Path) -> None:
    deploy(project(tiny), stage="drift", target="local")
    other = tiny.parent / "other"
    write_tiny(other)
    say(other, "beta", "someone else")
    deploy(project(other), stage="elsewhere", target="local")
    state = load_state(other, "elsewhere")
    assert state is not None
    lam = cloud(tiny).client("lambda")
    lam.update_function_code(
        FunctionName="tiny-drift-beta", S3Bucket=state.artifact_bucket, S3Key=state.code_key
    )
    assert answer(tiny, "drift", "beta") == "someone else"
    result = deploy(project(tiny), stage="drift", target="local")  # nothing changed locally
    assert result.path == "full" and result.functions == ("beta",)
    assert result.notes == (
        "function beta ran code that Tether did not deploy (changed from elsewhere, or left by "
        "an interrupted deploy); it now runs the code of your files",
    )
    assert answer(tiny, "drift", "beta") == "one"


def test_artifacts_in_the_build_folder_hold_the_bytes_their_names_promise(tiny: Path) -> None:
    deploy(project(tiny), stage="names", target="local")
    for word in ("a", "b", "c"):
        say(tiny, "alpha", word)
        deploy(project(tiny), stage="names", target="local")
    zips = sorted((tiny / ".tether" / "build").glob("code-*.zip"))
    assert len(zips) >= 4
    for path in zips:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert path.name == f"code-{digest[:12]}.zip"
    assert not list((tiny / ".tether" / "build").glob(".patching-*"))


def test_code_loaded_by_name_goes_live_with_a_full_deploy(tiny: Path) -> None:
    """beta loads a module by name (importlib): the quick path cannot see that it is affected,
    but a full deploy puts every function on the code of the files."""
    (tiny / "app" / "words.py").write_text("WORD = 'first'\n")
    (tiny / "app" / "beta.py").write_text(
        "import importlib\n\n"
        "def handler(event, context):\n"
        "    return importlib.import_module('app.words').WORD\n"
    )
    deploy(project(tiny), stage="dyn", target="local")
    (tiny / "app" / "words.py").write_text("WORD = 'second'\n")
    say(tiny, "alpha", "two")
    deploy(project(tiny), stage="dyn", target="local")
    full = deploy(project(tiny), stage="dyn", target="local", mode="full")
    assert "beta" in full.functions and full.notes == ()
    assert answer(tiny, "dyn", "beta") == "second"


def test_a_failed_check_of_the_functions_code_keeps_the_record_of_the_stack(
    tiny: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy(project(tiny), stage="unchecked", target="local")
    (tiny / "tether.yaml").write_text(
        (tiny / "tether.yaml")
        .read_text()
        .replace("handler: app/beta.handler", "handler: app/beta.handler\n    memory: 640")
    )
    say(tiny, "alpha", "two")

    def failing(*args: Any, **kwargs: Any) -> Any:
        raise CloudError("the local cloud failed ListFunctions (ServiceException)")

    monkeypatch.setattr(live, "listed_code", failing)
    with pytest.raises(TetherError) as failed:
        deploy(project(tiny), stage="unchecked", target="local")
    assert failed.value.message.startswith(
        "the stack is deployed, but checking the functions' code failed"
    )
    monkeypatch.undo()
    state = load_state(tiny, "unchecked")
    assert state is not None and state.stale == ["alpha", "beta"]
    again = deploy(project(tiny), stage="unchecked", target="local")
    assert again.path == "quick" and set(again.functions) == {"alpha", "beta"}
    assert answer(tiny, "unchecked", "alpha") == "two"
