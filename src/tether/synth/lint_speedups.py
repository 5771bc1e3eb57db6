"""cfn-lint made faster for `lint_runner`'s jobs, with the same findings.

cfn-lint's JSON-schema check of a resource (~15-20 ms) spends about half its time rebuilding,
for every resource and every value, things that do not change from one to the next:

- `Validator.extend` builds a new class (a dataclass, its methods compiled by `exec`) on each
  call, several times a resource; classes built from the same arguments are the same class,
  so `validators.create` keeps the one it built (`_create`);
- `BaseJsonSchema.extend_validator` builds a validator only to `evolve` it (which builds an
  empty `Template`, a context and a resolver, then drops them); `_extend_validator` builds the
  one it returns;
- every `evolve` asks `dataclasses.fields` for the fields of its class again (`_fields`), and
  `Context.evolve` goes through the frozen dataclass's `__init__` (`_context_evolve`);
- rule E1101 looks at each of its ~200 child rules for every keyword of every value it checks;
  `FastCfnLint` looks them up by keyword.

Together they halve the time of a piece (its findings unchanged: tests/synth compare them
with cfn-lint's API). E1101 is a subclass `lint_runner` puts in its own rule collections; the
others are cfn-lint's functions, replaced only while a job runs (`speedups`), so cfn-lint used
in any other way in the process (its API: `whole_with_api`, tests' reference lints) is
cfn-lint as shipped. Each one re-implements code of the pinned cfn-lint: `RELIED_ON` has a
digest of that code, and a replacement whose original changed is not made (cfn-lint as
shipped: slower, same findings); tests/synth/test_lint_speedups.py names each change, so an
upgrade looks at each one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib
import inspect
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from cfnlint.context import context as cfn_context
from cfnlint.jsonschema import _filter as cfn_filter
from cfnlint.jsonschema import validators as cfn_validators
from cfnlint.jsonschema._utils import Unset
from cfnlint.rules.jsonschema.Base import BaseJsonSchema
from cfnlint.rules.jsonschema.CfnLint import CfnLint
from cfnlint.schema.resolver import RefResolver

# The code each replacement re-implements (module, qualified name): the first 16 hex digits
# of the sha256 of its source in the pinned cfn-lint (1.58.0).
RELIED_ON: dict[tuple[str, str], str] = {
    ("cfnlint.jsonschema.validators", "create"): "2d1dd51fbc7a640b",
    ("cfnlint.rules.jsonschema.Base", "BaseJsonSchema.extend_validator"): "512d7e20846250f7",
    ("cfnlint.context.context", "Context"): "f4827ffb78f64a75",
    ("cfnlint.rules.jsonschema.CfnLint", "CfnLint.cfnLint"): "23947c8987cd5a17",
    ("cfnlint.rules._rules", "Rules.run"): "6fa2334a73faecae",
}
# Modules whose `evolve` methods call `dataclasses.fields` by this name.
FIELDS_USERS = (cfn_context, cfn_validators, cfn_filter)

_ORIGINAL_CREATE = cfn_validators.create
_ORIGINAL_CONTEXT_EVOLVE = cfn_context.Context.evolve
_CONTEXT_FIELDS = tuple(f.name for f in dataclasses.fields(cfn_context.Context) if f.init)
_CLASSES: dict[Any, Any] = {}  # validator classes by what `create` builds them from


def digest(module: str, name: str) -> str:
    """The digest of the source of `name` in `module`, as `RELIED_ON` keeps it."""
    found: Any = importlib.import_module(module)
    for part in name.split("."):
        found = getattr(found, part)
    return hashlib.sha256(inspect.getsource(found).encode()).hexdigest()[:16]


@functools.cache
def changed() -> frozenset[tuple[str, str]]:
    """The code `RELIED_ON` names that is not what it was (once per process: it reads the
    source files)."""
    found = set()
    for where, expected in RELIED_ON.items():
        try:
            same = digest(*where) == expected
        except (OSError, TypeError, AttributeError):  # no source to read, or no such code
            same = False
        if not same:
            found.add(where)
    return frozenset(found)


def usable(module: str, name: str) -> bool:
    return (module, name) not in changed()


def e1101() -> Any:
    """A new rule E1101: `FastCfnLint`, or cfn-lint's own if what it relies on changed."""
    relied_on = [
        ("cfnlint.rules.jsonschema.CfnLint", "CfnLint.cfnLint"),
        ("cfnlint.rules._rules", "Rules.run"),
    ]
    return FastCfnLint() if all(usable(*where) for where in relied_on) else CfnLint()


class FastCfnLint(CfnLint):  # type: ignore[misc]  # cfn-lint has no type hints
    """Rule E1101 as cfn-lint has it, its child rules found by keyword (in the same order)
    rather than by looking at each one for each keyword. A collection wires its rules to
    their parents each time it runs, after it initializes them (`Rules.run`): the table is
    made again on the first call of each run."""

    def __init__(self) -> None:
        super().__init__()
        self._by_keyword: dict[str, list[Any]] | None = None

    def initialize(self, cfn: Any) -> None:
        super().initialize(cfn)
        self._by_keyword = None

    def cfnLint(self, validator: Any, keywords: Any, instance: Any, schema: Any) -> Iterator[Any]:
        validator = validator.evolve(
            function_filter=validator.function_filter.evolve(
                add_cfn_lint_keyword=False,
            )
        )
        by_keyword = self._by_keyword
        if by_keyword is None:
            by_keyword = self._by_keyword = self._rules_by_keyword()
        for keyword in keywords:
            for rule in by_keyword.get(keyword, ()):
                for err in rule.validate(validator, keyword, instance, schema):
                    if err.rule is None and isinstance(err.validator, Unset):
                        err.rule = rule
                    yield err

    def _rules_by_keyword(self) -> dict[str, list[Any]]:
        table: dict[str, list[Any]] = {}
        for rule in self.child_rules.values():
            if rule is None or not rule.id:
                continue
            for keyword in rule.keywords:
                table.setdefault(keyword, []).append(rule)
        return table


@contextlib.contextmanager
def speedups() -> Iterator[None]:
    """cfn-lint's functions replaced by the faster ones while the block runs (those whose
    original is what `RELIED_ON` says), and put back after."""
    replaced: list[tuple[Any, str, Any]] = []

    def replace(owner: Any, name: str, faster: Any) -> None:
        replaced.append((owner, name, owner.__dict__[name]))
        setattr(owner, name, faster)

    try:
        if usable("cfnlint.jsonschema.validators", "create"):
            replace(cfn_validators, "create", _create)
        if usable("cfnlint.rules.jsonschema.Base", "BaseJsonSchema.extend_validator"):
            replace(BaseJsonSchema, "extend_validator", _extend_validator)
        if usable("cfnlint.context.context", "Context"):
            replace(cfn_context.Context, "evolve", _context_evolve)
        for module in FIELDS_USERS:
            if module.__dict__.get("fields") is dataclasses.fields:
                replace(module, "fields", _fields)
        yield
    finally:
        for owner, name, original in reversed(replaced):
            setattr(owner, name, original)


def _create(
    validators: Mapping[str, Any] | None = None,
    function_filter: Any = None,
    fn_resolvers: Mapping[str, Any] | None = None,
) -> Any:
    """`validators.create`, the class built once for the same validators, function filter
    (by its fields' values) and resolvers: a class holds nothing else, and no one changes
    what it holds."""
    try:
        key = (
            tuple((validators or {}).items()),
            None if function_filter is None else _fields_key(function_filter),
            tuple((fn_resolvers or {}).items()),
        )
        built = _CLASSES.get(key)
    except TypeError:  # something unhashable: not kept
        return _ORIGINAL_CREATE(validators, function_filter, fn_resolvers)
    if built is None:
        built = _CLASSES[key] = _ORIGINAL_CREATE(validators, function_filter, fn_resolvers)
    return built


def _fields_key(value: Any) -> tuple[Any, ...]:
    return (type(value), *((k, _frozen(v)) for k, v in vars(value).items()))


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _extend_validator(
    self: Any,
    validator: Any,
    schema: Any,
    context: Any,
    validators: dict[str, Any] | None = None,
) -> Any:
    """`BaseJsonSchema.extend_validator`: the validator it gives, built directly (the same
    fields: its `evolve` kept the class's function filter, and set the rest)."""
    all_validators = self._get_validators()
    if validators:
        all_validators.update(validators)
    return validator.extend(validators=all_validators)(
        schema=schema,
        cfn=validator.cfn,
        context=context,
        resolver=RefResolver.from_schema(schema),
    )


def _context_evolve(self: Any, **kwargs: Any) -> Any:
    """`Context.evolve`, the new frozen dataclass given its fields' values directly rather
    than through `__init__` (which only sets them: there is no `__post_init__`)."""
    if not kwargs.keys() <= _CONTEXT_NAMES:
        return _ORIGINAL_CONTEXT_EVOLVE(self, **kwargs)
    if "ref_values" in kwargs:
        ref_values = self.ref_values.copy()
        ref_values.update(kwargs["ref_values"])
        kwargs["ref_values"] = ref_values
    values = self.__dict__
    if values.keys() == _CONTEXT_NAMES:
        fields = values.copy()
    else:  # a cached property's value too (`module_names`): not the new context's
        fields = {name: values[name] for name in _CONTEXT_FIELDS}
    fields.update(kwargs)
    evolved = object.__new__(self.__class__)
    _set(evolved, "__dict__", fields)
    return evolved


_CONTEXT_NAMES = frozenset(_CONTEXT_FIELDS)
_set: Callable[[Any, str, Any], None] = object.__setattr__


@functools.cache
def _class_fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(cls)


def _fields(class_or_instance: Any) -> tuple[dataclasses.Field[Any], ...]:
    """`dataclasses.fields`, kept for a class (a class's fields do not change)."""
    if isinstance(class_or_instance, type):
        return _class_fields(class_or_instance)
    return dataclasses.fields(class_or_instance)
