"""The analyser's fast paths give what the plain walks they replace give.

A cold analysis of a large project reads hundreds of modules, so the interpreter keeps facts on
the values themselves (depth, whether a Param or Lazy is inside), lists each kind of value's
children from a table, walks function bodies for their scopes through a table of node types
(skipping the expressions of code with no `:=` and no `lambda`), reads a loop's body once when
a second pass could only repeat the first, and builds no reference cycles (a whole group's
program would otherwise wait for the garbage collector, which `analyse` turns off). Each is
checked here against the plain definition: the dataclass fields, `ast.iter_child_nodes`, two
passes over every loop, the garbage collector's own count.
"""

from __future__ import annotations

import ast
import gc
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from tests.analysis.corpus import cases
from tests.helpers import EXAMPLE, examples, write_project
from tether.analysis import analyse, frames
from tether.analysis.scopes import Scope, binds_first, scan_scope
from tether.analysis.values import (
    _KINDS,
    MAX_DEPTH,
    Const,
    Dict,
    Func,
    GetAttr,
    Lazy,
    Param,
    Seq,
    Union,
    Unknown,
    Value,
    bounded,
    children,
    depth,
    has_lazy,
    is_symbolic,
    join,
)
from tether.model import read_project_file

# --- values ---------------------------------------------------------------------------------


def _sample(kind: type) -> tuple[Value, list[Value]]:
    """An instance of `kind` with a distinct marker value in every place a value can be, and
    the markers in field order (what `children` must list)."""
    markers: list[Value] = []

    def marker() -> Value:
        value = Const(f"marker{len(markers)}")
        markers.append(value)
        return value

    args: dict[str, Any] = {}
    for field in fields(kind):
        if not field.init:
            continue  # the facts and hash a value keeps
        annotation = str(field.type)
        if annotation in ("Value", "Value | None"):
            args[field.name] = marker()
        elif annotation == "tuple[Value, ...]":
            args[field.name] = (marker(), marker())
        elif annotation == "tuple[tuple[str, Value], ...]":
            args[field.name] = (("a", marker()), ("b", marker()))
        elif annotation == "tuple[tuple[Value, Value], ...]":
            args[field.name] = ((marker(), marker()),)
        elif annotation == "frozenset[Value]":
            args[field.name] = frozenset({marker(), marker()})
        elif annotation == "int":
            args[field.name] = 1
        elif annotation == "bool":
            args[field.name] = False
        elif annotation == "tuple[str, ...]":
            args[field.name] = ("a",)
        elif annotation == "tuple[Any, ...]":
            args[field.name] = ("module", "name")
        else:  # str, and Const's scalar
            assert annotation in ("str", "str | int | float | bool | bytes | None"), annotation
            args[field.name] = "text"
    return kind(**args), markers


@pytest.mark.parametrize("kind", sorted(_KINDS, key=lambda k: k.__name__), ids=lambda k: k.__name__)
def test_children_lists_every_value_inside_each_kind(kind: type) -> None:
    value, markers = _sample(kind)
    found = children(value)
    if kind is Union:  # a set: no order to keep
        assert set(found) == set(markers)
    else:
        assert list(found) == markers


def test_facts_follow_the_values_inside() -> None:
    param = Param(3, "bucket")
    lazy = Lazy("global", ("app.util", "CLIENT"))
    assert not is_symbolic(Const("x")) and depth(Const("x")) == 1
    assert is_symbolic(param) and not has_lazy(param)
    assert is_symbolic(lazy) and has_lazy(lazy)
    nested = Dict(((Const("k"), Seq((Const(1), GetAttr(param, "name")))),))
    assert is_symbolic(nested) and not has_lazy(nested)
    assert depth(nested) == 4  # Dict > Seq > GetAttr > Param
    holds_lazy = join(Const("a"), Func(1, bound=Seq((lazy,))))
    assert is_symbolic(holds_lazy) and has_lazy(holds_lazy)
    assert depth(holds_lazy) == 4  # Union > Func > Seq > Lazy


def test_a_value_nested_too_deeply_is_not_followed() -> None:
    value: Value = Param(1, "x")
    for _ in range(MAX_DEPTH - 1):
        value = GetAttr(value, "next")
    assert bounded(value) is value
    deeper = GetAttr(value, "next")
    assert isinstance(bounded(deeper), Unknown)


# --- scopes -----------------------------------------------------------------------------------


def _reference_scope(body: list[ast.AST]) -> Scope:
    """scan_scope's rules over a plain walk of every child node."""
    scope = Scope()
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                scope.bound.add(node.id)
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            scope.bound.add(node.name)
            scope.self_contained = False
            stack.extend(node.decorator_list)
            stack.extend(node.args.defaults)
            stack.extend(d for d in node.args.kw_defaults if d is not None)
            continue
        if isinstance(node, ast.ClassDef):
            scope.bound.add(node.name)
            scope.self_contained = False
            stack.extend(node.decorator_list)
            stack.extend(node.bases)
            continue
        if isinstance(
            node, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
        ):
            if any(isinstance(inner, ast.Lambda) for inner in ast.walk(node)):
                scope.self_contained = False
            continue
        if isinstance(node, ast.Import | ast.ImportFrom | ast.Global | ast.Nonlocal):
            scope.self_contained = False
        if isinstance(node, ast.Import):
            scope.bound.update(a.asname or a.name.partition(".")[0] for a in node.names)
            continue
        if isinstance(node, ast.ImportFrom):
            scope.bound.update(a.asname or a.name for a in node.names if a.name != "*")
            continue
        if isinstance(node, ast.Global):
            scope.globals.update(node.names)
            continue
        if isinstance(node, ast.Nonlocal):
            scope.nonlocals.update(node.names)
            continue
        if isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            scope.bound.add(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            scope.bound.add(node.rest)
        stack.extend(ast.iter_child_nodes(node))
    return scope


EVERY_BINDING = """
def f(a, *args, key=default(), **kw):
    global COUNT
    nonlocal_free = 1
    x = y = compute(a)
    (p, [q, *r]) = pair
    s: int = 3
    t += 1
    if (w := find()) is not None:
        pass
    for i, (j, k) in enumerate(items):
        pass
    while (m := step()):
        pass
    with open(path) as handle, lock() as (u, v):
        pass
    try:
        pass
    except ValueError as error:
        pass
    import os.path, json as j2
    from .util import helper, other as renamed
    del gone
    match event:
        case {"Records": [first, *others], **rest}:
            pass
        case Point(x=px, y=py) | [px, py] as point:
            pass
        case _:
            pass
    class Inner(Base, metaclass=Meta):
        hidden = 1
    @decorate(arg)
    def nested(z=zdefault):
        nonlocal x
        x = inside = 1
    squares = [n * n for n in range(3)]
    handler = lambda e: e
    CLIENT = 1
"""


def _functions(tree: ast.AST) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_scope_of_every_kind_of_binding() -> None:
    function, nested = _functions(ast.parse(EVERY_BINDING))
    assert scan_scope(nested.body) == Scope(
        bound={"x", "inside"}, nonlocals={"x"}, self_contained=False
    )
    scope = scan_scope(function.body)
    assert scope == _reference_scope(list(function.body))
    assert scope.globals == {"COUNT"}
    assert not scope.self_contained
    expected = {"nonlocal_free", "x", "y", "p", "q", "r", "s", "t", "w", "i", "j", "k", "m"}
    expected |= {"handle", "u", "v", "error", "os", "j2", "helper", "renamed", "gone"}
    expected |= {"first", "others", "rest", "px", "py", "point", "Inner", "nested"}
    expected |= {"squares", "handler", "CLIENT"}
    assert scope.bound == expected


def _python_files() -> list[Path]:
    roots = [*cases(), EXAMPLE]
    return sorted(p for root in roots for p in root.rglob("*.py") if ".tether" not in p.parts)


def test_a_body_that_defines_imports_or_declares_nothing_is_self_contained() -> None:
    tree = ast.parse(
        "def plain(x):\n    return [y for y in x if y]\n\n"
        "def sorter(x):\n    return sorted(x, key=lambda y: y)\n\n"
        "def hidden(x):\n    return [lambda: y for y in x]\n\n"
        "def importer():\n    import json\n"
    )
    found = {f.name: scan_scope(f.body).self_contained for f in _functions(tree)}
    assert found == {"plain": True, "sorter": False, "hidden": False, "importer": False}


def test_scopes_of_every_function_of_the_corpus_match_a_plain_walk() -> None:
    checked = plain = 0
    for path in _python_files():
        text = path.read_bytes()
        try:
            tree = ast.parse(text)
        except SyntaxError:
            continue  # the corpus has broken files on purpose
        shortcut = b":=" not in text and b"lambda" not in text
        for function in _functions(tree):
            reference = _reference_scope(list(function.body))
            assert scan_scope(function.body) == reference, path
            if shortcut:
                assert scan_scope(function.body, plain=True) == reference, path
                plain += 1
            checked += 1
    assert checked > 100
    assert plain > 100


def test_the_plain_scope_of_every_kind_of_binding_but_walrus_and_lambda() -> None:
    text = EVERY_BINDING.replace("(w := find())", "find()").replace("(m := step())", "step()")
    text = text.replace("lambda e: e", "e")
    assert ":=" not in text and "lambda" not in text
    function, nested = _functions(ast.parse(text))
    for body in (function.body, nested.body):
        assert scan_scope(body, plain=True) == _reference_scope(list(body))
    assert scan_scope(function.body, plain=True).bound >= {"x", "p", "q", "r", "s", "t", "gone"}


# --- loops read once --------------------------------------------------------------------------


def _loop(code: str) -> ast.For | ast.While:
    (found,) = [n for n in ast.walk(ast.parse(code)) if isinstance(n, ast.For | ast.While)]
    return found


@pytest.mark.parametrize(
    ("code", "first", "not_first"),
    [
        ("for r in rs:\n    a = f(r)\n    b = g(a)\n", {"r", "a", "b"}, set()),
        ("for r, (s, *t) in rs:\n    pass\n", {"r", "s", "t"}, set()),
        ("for x.y in rs:\n    a = 1\n", {"a"}, {"x"}),
        ("for r in rs:\n    use(a)\n    a = f(r)\n", set(), {"a"}),  # the last pass's
        ("for r in rs:\n    a = a + r\n", set(), {"a"}),
        ("for r in rs:\n    if r:\n        a = r\n", set(), {"a"}),  # may keep the last
        ("for r in rs:\n    d[r] = 1\n", set(), {"d"}),
        ("for r in rs:\n    a = 1\n    a += r\n", {"a"}, set()),
        ("for r in rs:\n    f = [a for r in rs]\n    a = 1\n", {"f"}, {"a"}),
        ("while a:\n    a = f()\n", set(), {"a"}),  # the test reads it first
        ("while True:\n    page = get(k)\n    k = page\n", {"page"}, {"k"}),
        ("for r in rs:\n    super().f()\n    self = r\n", set(), {"self"}),  # reads self
        ("for r in rs:\n    self = r\n    super().f()\n", {"self"}, set()),
    ],
)
def test_which_names_a_loop_binds_before_reading_them(
    code: str, first: set[str], not_first: set[str]
) -> None:
    loop = _loop(code)
    for name in first:
        assert binds_first(loop, {name}), name
    for name in not_first:
        assert not binds_first(loop, {name}), name
    assert binds_first(loop, set())


LOOPS = """
import os

import boto3

NAMES = [os.environ["THUMBS_BUCKET"]]
client = None
bucket = None


def handler(event, context):
    client = None
    for record in event["Records"]:
        if client is not None:
            client.put_object(Bucket=bucket, Key="k")  # the client of the pass before
        client = boto3.client("s3")
        bucket = os.environ["THUMBS_BUCKET"]
        key = record["s3"]["object"]["key"]
        boto3.client("sqs").send_message(QueueUrl=os.environ["WORK_QUEUE_URL"], MessageBody=key)
    queue = None
    while True:
        if queue:
            queue.publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message="m")
        queue = boto3.client("sns")
        items = [queue]
        if not items:
            break
    rebind()
    for name in NAMES:
        store.get_object(Bucket=name, Key="k")  # a global a function called below rebinds
        set_store()


def rebind():
    pass


def set_store():
    global store
    store = boto3.client("s3")


store = None
"""


def test_loops_read_once_find_what_loops_read_twice_find(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second pass is skipped only when it could find nothing new: values a pass carries to
    the next (a client set at the end of a pass and called at the start of the next) are still
    found, in the corpus too."""
    yaml = (
        "name: loops\nresources:\n  thumbs: {type: s3.bucket}\n  work: {type: sqs.queue}\n"
        "  alerts: {type: sns.topic}\nfunctions:\n  fn: {handler: app/main.handler}\n"
    )
    roots = [write_project(tmp_path / "loops", yaml, {"app/main.py": LOOPS}), EXAMPLE, *cases()]
    once = [analyse(read_project_file(root)) for root in roots]
    monkeypatch.setattr(frames, "binds_first", lambda node, names: False)
    twice = [analyse(read_project_file(root)) for root in roots]
    for root, a, b in zip(roots, once, twice, strict=True):
        assert a == b, root.name
        assert [f.findings for f in a.functions.values()] == [
            f.findings for f in b.functions.values()
        ], root.name
    found = {(o.resource, o.actions) for o in once[0].functions["fn"].operations}
    assert found == {
        ("thumbs", ("s3:PutObject",)),
        ("work", ("sqs:SendMessage",)),
        ("alerts", ("sns:Publish",)),
        ("thumbs", ("s3:GetObject",)),
    }


# --- no reference cycles ----------------------------------------------------------------------


@pytest.mark.parametrize("source", [EXAMPLE, *cases()[: examples(20)]], ids=lambda p: p.name)
def test_an_analysis_leaves_nothing_for_the_garbage_collector(source: Path) -> None:
    """What one group's program holds is freed as soon as the group is analysed: a long-running
    process (the IDE, `tether dev`) does not hold every program until a collection."""
    project = read_project_file(source)
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        analyse(project)
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()
