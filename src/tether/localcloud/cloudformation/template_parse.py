"""A template's text, parsed once per CloudFormation request: JSON by json.loads, YAML by libyaml.

moto reads template text with PyYAML's pure-Python loader, JSON templates included (YAML reads
JSON too), and does it at every step that needs the template: a change set parses it for the
limits check, the dependency check, the change set itself and the comparison with the stack's
template, and again when it runs. A deploy's 1.2 MB template took 4.6 s per parse that way,
against 22 ms with `json.loads`: two thirds of the local cloud's time in a 200-function deploy.

`parse(text)` is the one reader: `json.loads` when the text is JSON (what CloudFormation does
with a JSON template: a JSON number such as `1e5` is a number, which PyYAML would take for a
string), else YAML on libyaml's loader when PyYAML has it, with CloudFormation's short forms
read as CloudFormation reads them: `!Ref x` is `{"Ref": "x"}`, `!Condition c` is
`{"Condition": "c"}`, `!GetAtt a.b.c` is `{"Fn::GetAtt": ["a", "b.c"]}`, any other `!Name`
is `{"Fn::Name": ...}` with what follows read as YAML (a scalar, a list or a mapping). moto's
own reading left the YAML nodes of `!GetAtt [a, b]` or of a tagged mapping in the template, cut
`!GetAtt a.b.c` at every dot and made `!Condition` an `Fn::Condition` nobody evaluates. It is
safe YAML: a `!!python/...` tag builds nothing (it reads as an unknown short form, as any tag
PyYAML does not know). Errors are PyYAML's and json's, as before.

Within one CloudFormation request (`one_parse_per_request`, held by the stack lock's hook for
every request) a text is parsed once, keyed by its SHA-256: the steps that read it share one
result, and the cache ends with the request (the next request may bring the same text for
another stack, which must not share the first one's template). Every step reads the template
before the step that keeps it (the stack being created or updated) changes it.

Hook: moto's CloudFormation modules (`models`, `responses`) see a `yaml` whose `load` is
`parse` (`MotoYaml`; the rest is PyYAML's): every `yaml.load` of theirs, in `Stack`,
`ChangeSet`, GetTemplateSummary and ValidateTemplate, goes through here. The stack engine and
the limits check call `parse` directly.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from types import ModuleType
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]
from moto.cloudformation import models, responses

from tether.localcloud._patching import replace

log = logging.getLogger(__name__)

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, when PyYAML has it


class ShortFormLoader(_Base):  # type: ignore[misc]
    """Safe YAML plus CloudFormation's short forms (`!Ref`, `!GetAtt`, `!Sub`...)."""


_SHORT_KEYS = {"Ref": "Ref", "Condition": "Condition"}  # every other `!Name` is `Fn::Name`


def _short_form(loader: Any, tag: str, node: Any) -> dict[str, Any]:
    name = tag[1:]
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if name == "GetAtt":
            value = value.split(".", 1)  # the logical ID has no dot; an attribute may
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {_SHORT_KEYS.get(name, f"Fn::{name}"): value}


ShortFormLoader.add_multi_constructor("", _short_form)

# The texts parsed in the current request, by SHA-256 (None: not in a request, no sharing).
_REQUEST: ContextVar[dict[bytes, Any] | None] = ContextVar("tether_templates", default=None)


@contextmanager
def one_parse_per_request() -> Iterator[None]:
    """Within the block, each template text is parsed once; the results go with the block."""
    token = _REQUEST.set({})
    try:
        yield
    finally:
        _REQUEST.reset(token)


def parse(text: str | bytes) -> Any:
    """The template as data (a dict for any real template). Raises json's or PyYAML's error."""
    parsed = _REQUEST.get()
    if parsed is None:
        return _read(text)
    key = hashlib.sha256(text if isinstance(text, bytes) else text.encode("utf-8", "replace"))
    digest = key.digest()
    if digest not in parsed:
        parsed[digest] = _read(text)
    return parsed[digest]


def _read(text: str | bytes) -> Any:
    started = time.perf_counter()
    try:
        result, kind = json.loads(text), "JSON"
    except ValueError:  # not JSON (UnicodeDecodeError is one too): YAML, or an error
        result, kind = yaml.load(text, Loader=ShortFormLoader), "YAML"
    log.debug(
        "parsed a template of %d characters as %s in %.1f ms",
        len(text),
        kind,
        (time.perf_counter() - started) * 1000,
    )
    return result


class MotoYaml(ModuleType):
    """PyYAML as moto's CloudFormation modules see it: `load` is `parse` (the loader they name
    is not used), everything else is PyYAML's own (`add_multi_constructor` still registers
    moto's short forms on PyYAML's loaders, as it always did)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(yaml, name)

    @staticmethod
    def load(stream: str | bytes, Loader: Any = None) -> Any:
        del Loader  # moto passes its loader; `parse` picks the reader
        return parse(stream)


# Made once: `replace` recognises its own hook when `install()` runs again.
_MOTO_YAML = MotoYaml("yaml", MotoYaml.__doc__)


def install() -> None:
    replace(models, "yaml", _MOTO_YAML)
    replace(responses, "yaml", _MOTO_YAML)
