"""The seam between the local cloud and moto, snapshotted: a moto upgrade names each break.

The local cloud extends moto's internals (the version is pinned exactly in pyproject.toml)
through `tether.localcloud._patching`. `moto_seam.json`, next to this file, records for that
version:

- `replaced`: every attribute of moto an extension replaces, from `_patching.changes()` after
  `install_all()` (so a new hook is in the snapshot without anyone listing it), with moto's
  signature (`inspect.signature`) or kind (property, int);
- `added`: every attribute Tether adds, which moto must still lack;
- `models`: every CloudFormation type Tether registers a model for, with moto's own models of
  that type (a new one from moto may make Tether's unneeded, or differ from it); for a model
  that extends moto's (`class LocalTopic(Topic, CloudFormationModel)`), the moto class, the
  signature of each method it overrides (its `super()` calls rely on them), and what it adds;
- `read`: every private attribute of moto the local cloud reads without replacing it (`READ`
  below, by hand: grep src/tether/localcloud for `._` on moto's objects), with its signature,
  or for an attribute set by `__init__` the type of its value on a real instance.

After a change of the moto pin or of a hook, regenerate it and review the diff entry by entry:

    .venv/bin/python -m tests.localcloud.test_moto_seam --update

The snapshot is taken in a child process with a temporary TETHER_HOME: installing the
extensions changes moto for the whole process, and other tests use moto in-process.
"""

from __future__ import annotations

import functools
import inspect
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from importlib import import_module
from importlib.metadata import version
from typing import Any

import pytest
from moto.core.common_models import CloudFormationModel

from tests.helpers import REPO
from tether.localcloud import _patching

SNAPSHOT = REPO / "tests" / "localcloud" / "moto_seam.json"
REGENERATE = ".venv/bin/python -m tests.localcloud.test_moto_seam --update"
ACCOUNT = "123456789012"
REGION = "us-east-1"
_MISSING = object()

# Private attributes of moto the local cloud reads (or calls) without replacing them.
READ: dict[str, tuple[str, ...]] = {
    # the stack engine: cloudformation/engine.py, rollback.py, stack_events.py; persistence.py
    "moto.cloudformation.parsing.ResourceMap": (
        "_parsed_resources",
        "_resource_json_map",
        "_template",
        "_delete_resource",
    ),
    "moto.cloudformation.models.Stack": (
        "_add_stack_event",
        "_create_output_map",
        "_create_resource_map",
        "_parse_template",
    ),
    # cloudformation_limits.py, lambda_limits.py
    "moto.core.responses.BaseResponse": ("_get_param",),
    # lambda_function.py; the pollers call `_invoke_lambda` (replaced, so recorded already)
    "moto.awslambda.models.LambdaFunction": ("_get_layers_data",),
    # the pollers, persistence.py, lambda_code_sweep.py
    "moto.awslambda.models.LambdaBackend": ("_event_source_mappings", "_lambdas", "_layers"),
    "moto.awslambda.models.LambdaStorage": ("_functions",),
    # lambda_code_sweep.py
    "moto.awslambda.models.LayerStorage": ("_layers",),
    # lambda_push_events.py
    "moto.sns.models.Subscription": ("_filter_policy_matcher", "_parse_message_structure"),
    # sns_topic.py
    "moto.sns.models.Topic": ("_tags",),
    # lambda_pollers.py, sqs_message_counts.py, sqs_queue.py, persistence.py
    "moto.sqs.models.Queue": ("_messages", "_messages_lock", "_setup_dlq"),
    # events_targets.py
    "moto.events.models.EventsBackend": ("_normalize_event_bus_arn",),
    # persistence.py
    "moto.core.base_backend.BackendDict": ("_instances",),
    # s3/object_bodies.py: a key's body, out of the snapshot's pickle; every version kept
    "moto.s3.models.FakeKey": ("_value_buffer", "_max_buffer_size"),
    "moto.s3.utils": ("_VersionedKeyStore",),
}


def _stack() -> Any:
    from moto.cloudformation.models import cloudformation_backends

    template = {"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}
    backend = cloudformation_backends[ACCOUNT][REGION]
    return backend.create_stack(name="seam", template=json.dumps(template), parameters={})


def _queue() -> Any:
    from moto.sqs.models import sqs_backends

    return sqs_backends[ACCOUNT][REGION].create_queue("seam")


def _topic() -> Any:
    from moto.sns.models import sns_backends

    return sns_backends[ACCOUNT][REGION].create_topic("seam")


def _subscription() -> Any:
    from moto.sns.models import sns_backends

    backend = sns_backends[ACCOUNT][REGION]
    subscription = backend.subscribe(_topic().arn, _queue().queue_arn, "sqs")
    backend.set_subscription_attributes(subscription.arn, "FilterPolicy", '{"kind": ["a"]}')
    return subscription


def _key() -> Any:
    from moto.s3.models import FakeKey

    return FakeKey("seam", b"body", ACCOUNT, REGION)


def _lambda_backend() -> Any:
    from moto.awslambda.models import lambda_backends

    return lambda_backends[ACCOUNT][REGION]


# A real instance of each class whose private attributes `__init__` sets.
INSTANCES: dict[str, Callable[[], Any]] = {
    "moto.cloudformation.parsing.ResourceMap": lambda: _stack().resource_map,
    "moto.awslambda.models.LambdaBackend": _lambda_backend,
    "moto.awslambda.models.LambdaStorage": lambda: _lambda_backend()._lambdas,
    "moto.awslambda.models.LayerStorage": lambda: _lambda_backend()._layers,
    "moto.sns.models.Subscription": _subscription,
    "moto.sns.models.Topic": _topic,
    "moto.sqs.models.Queue": _queue,
    "moto.s3.models.FakeKey": _key,
}


def describe(value: Any) -> str:
    """What a hook relies on: a callable's signature, else the kind of thing it is."""
    if isinstance(value, property):
        return "property"
    kind = ""
    if isinstance(value, classmethod | staticmethod):
        kind = f"{type(value).__name__} "
        value = value.__func__
    if callable(value) and not isinstance(value, type):
        try:
            return f"{kind}{inspect.signature(value)}"
        except (TypeError, ValueError):
            return f"{kind}callable without a signature"
    return type(value).__name__


def _owner(dotted: str) -> Any:
    module, _, name = dotted.rpartition(".")
    return getattr(import_module(module), name)


def _read(dotted: str, name: str) -> str:
    found = inspect.getattr_static(_owner(dotted), name, _MISSING)
    if found is not _MISSING:
        return describe(found)
    if dotted not in INSTANCES:
        return "missing"
    instance = _instance(dotted)
    if name not in vars(instance):
        return "missing"
    return f"instance attribute: {type(vars(instance)[name]).__name__}"


@functools.cache
def _instance(dotted: str) -> Any:
    return INSTANCES[dotted]()


def _moto_models(resource_type: str) -> list[str]:
    from moto.core.common_models import CloudFormationModel

    found = []
    for model in CloudFormationModel.__subclasses__():
        if not model.__module__.startswith("moto."):
            continue
        try:
            if model.cloudformation_type() == resource_type:
                found.append(f"{model.__module__}.{model.__qualname__}")
        except NotImplementedError:
            continue
    return sorted(found)


def _model_entry(model: type) -> dict[str, Any]:
    """moto's own models of the type, and for a model extending one of moto's (a subclass),
    what it overrides (with moto's signature, which its `super()` calls rely on) and adds."""
    resource_type = model.cloudformation_type()  # type: ignore[attr-defined]
    entry: dict[str, Any] = {"moto's models": _moto_models(resource_type)}
    base = next((b for b in model.__mro__[1:] if b.__module__.startswith("moto.")), None)
    if base is None or base is CloudFormationModel:
        return entry
    # (moto's metaclass gives every class its own `instances_tracked`)
    own = [n for n in vars(model) if not n.startswith("__") and n != "instances_tracked"]
    found = {name: inspect.getattr_static(base, name, _MISSING) for name in own}
    entry["extends"] = f"{base.__module__}.{base.__qualname__}"
    entry["overrides"] = {n: describe(v) for n, v in found.items() if v is not _MISSING}
    entry["adds"] = sorted(n for n, v in found.items() if v is _MISSING)
    return entry


def collect() -> dict[str, Any]:
    """The seam as this moto and these extensions make it (changes moto for the process)."""
    from tether.localcloud.extensions import install_all

    install_all()
    changes = _patching.changes()
    install_all()
    if _patching.changes() != changes:
        raise AssertionError("installing the extensions again changed moto again")
    return {
        "moto": version("moto"),
        "regenerate": REGENERATE,
        "replaced": {c.where: describe(c.original) for c in changes if c.kind == "replaced"},
        "added": sorted(c.where for c in changes if c.kind == "added"),
        "models": {
            model.cloudformation_type(): _model_entry(model)  # type: ignore[attr-defined]
            for model in _patching.models()
        },
        "read": {
            f"{owner}.{name}": _read(owner, name) for owner, names in READ.items() for name in names
        },
    }


def text(seam: dict[str, Any]) -> str:
    return json.dumps(seam, indent=2, sort_keys=True) + "\n"


def differences(recorded: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """One line per entry that moved, so a moto upgrade names each break."""
    found = []
    for section in ("replaced", "added", "models", "read"):
        before, after = recorded.get(section), now[section]
        if isinstance(after, list):
            before, after = dict.fromkeys(before or [], ""), dict.fromkeys(after, "")
        before = before or {}
        for key in sorted(set(before) | set(after)):
            if key not in after:
                found.append(f"{section}: {key} is no longer relied on (was {before[key]!r})")
            elif key not in before:
                found.append(f"{section}: {key} is new: {after[key]!r}")
            elif before[key] != after[key]:
                found.append(f"{section}: {key}: was {before[key]!r}, now {after[key]!r}")
    return found


def _pinned() -> str:
    pyproject = (REPO / "pyproject.toml").read_text()
    match = re.search(r'"moto(?:\[[^\]]*\])?==([^"]+)"', pyproject)
    assert match is not None, "pyproject.toml must pin moto exactly (moto==X.Y.Z)"
    return match.group(1)


def test_moto_is_the_pinned_version_the_snapshot_was_taken_with() -> None:
    pinned = _pinned()
    assert version("moto") == pinned, f"moto {version('moto')} installed, {pinned} pinned"
    recorded = json.loads(SNAPSHOT.read_text())["moto"]
    assert recorded == pinned, (
        f"{SNAPSHOT.name} was taken with moto {recorded}, {pinned} is pinned: run "
        f"`{REGENERATE}` and review every change it names"
    )


def test_every_internal_of_moto_the_local_cloud_relies_on_is_as_recorded(
    tmp_path: Any,
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tests.localcloud.test_moto_seam", "--print"],
        cwd=REPO,
        env={**os.environ, "TETHER_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    moved = differences(json.loads(SNAPSHOT.read_text()), json.loads(result.stdout))
    assert moved == [], f"moto's internals moved; fix the hooks, then run `{REGENERATE}`"


class _Model:
    def method(self) -> str:
        return "moto's"

    @classmethod
    def make(cls) -> str:
        return "moto's"

    @property
    def name(self) -> str:
        return "moto's"


def _hook(self: Any) -> str:
    return "Tether's"


def test_replacing_what_moto_lacks_fails_loudly_and_names_it() -> None:
    model: Any = type("Model", (_Model,), {})
    with pytest.raises(RuntimeError, match=r"moto has no .*Model\.renamed to replace"):
        _patching.replace(model, "renamed", _hook)
    assert not hasattr(model, "renamed")


def test_adding_what_moto_has_fails() -> None:
    model: Any = type("Model", (_Model,), {})
    with pytest.raises(RuntimeError, match=r"moto has .*Model\.method now"):
        _patching.add(model, "method", _hook)
    assert model().method() == "moto's"


def test_a_hook_installed_again_changes_nothing_and_keeps_moto_s_original() -> None:
    model: Any = type("Model", (_Model,), {})
    for _ in range(2):  # install() builds a new classmethod and property each time
        _patching.replace(model, "make", classmethod(_hook))
        _patching.replace(model, "name", property(_hook))
        _patching.add(model, "extra", ("A", "B"))
    assert (model.make(), model().name, model.extra) == ("Tether's", "Tether's", ("A", "B"))
    assert _patching.original(model, "make").__func__(model) == "moto's"
    with pytest.raises(RuntimeError, match="two extensions change"):
        _patching.replace(model, "make", classmethod(lambda cls: "another"))


def main() -> None:
    if "--update" not in sys.argv and "--print" not in sys.argv:
        sys.exit(f"usage: python -m tests.localcloud.test_moto_seam --update | --print\n{__doc__}")
    with tempfile.TemporaryDirectory() as home:
        os.environ["TETHER_HOME"] = home  # the runtime's credentials: never the user's
        seam = text(collect())
    if "--update" in sys.argv:
        SNAPSHOT.write_text(seam)
        print(f"wrote {SNAPSHOT.relative_to(REPO)}: review `git diff` entry by entry")
    else:
        sys.stdout.write(seam)


if __name__ == "__main__":
    main()
