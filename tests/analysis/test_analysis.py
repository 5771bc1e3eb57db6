"""The analysis API: merging into the project, problems across functions, closures, odd code."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import examples, write_project
from tether.analysis import actions, analyse, with_code_operations
from tether.model import Table, iam, read_project_file

RESOURCES = """\
name: unit
resources:
  thumbs: {type: s3.bucket}
  orders: {type: dynamodb.table, key: {id: S}}
  alerts: {type: sns.topic}
  work: {type: sqs.queue}
  inbox: {type: sqs.queue, external: "arn:aws:sqs:us-east-1:123456789012:inbox"}
  partner: {type: sns.topic, external: "arn:aws:sns:us-east-1:123456789012:partner"}
"""


def project(root: Path, functions: str, files: dict[str, str]) -> Path:
    return write_project(
        root,
        RESOURCES + textwrap.dedent(functions),
        {k: textwrap.dedent(v).lstrip() for k, v in files.items()},
    )


def test_found_operations_join_the_declared_ones(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        """\
        functions:
          fn:
            handler: app/main.handler
            operations: [{resource: orders, actions: ["dynamodb:GetItem"]}]
        """,
        {
            "app/main.py": """
            import os
            import boto3

            def handler(event, context):
                boto3.client("s3").put_object(Bucket=os.environ["THUMBS_BUCKET"], Key="k")
            """
        },
    )
    loaded = read_project_file(root)
    assert "thumbs" in loaded.unused()
    merged = with_code_operations(loaded, analyse(loaded))
    operations = merged.functions["fn"].operations
    assert [(o.resource, o.actions, o.origin) for o in operations] == [
        ("orders", ("dynamodb:GetItem",), "declared"),
        ("thumbs", ("s3:PutObject",), "code"),
    ]
    assert str(operations[1].location) == "app/main.py:5"
    assert operations[1].location.column == 24  # the method name
    assert "thumbs" not in merged.unused()
    assert merged.functions["fn"].linked_resources() == ["orders", "thumbs"]


def test_a_shared_helper_problem_is_reported_once_for_every_function(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        """\
        functions:
          a: {handler: app/a.handler}
          b: {handler: app/b.handler}
        """,
        {
            "app/__init__.py": "",
            "app/util.py": """
            import boto3

            def ship(queue_url):
                boto3.client("sqs").send_message(QueueUrl=queue_url, MessageBody="m")
            """,
            "app/a.py": "from app import util\n\ndef handler(event, context):\n"
            "    util.ship(event['url'])\n",
            "app/b.py": "import app.util\n\ndef handler(event, context):\n"
            "    app.util.ship(event['url'])\n",
        },
    )
    analysis = analyse(read_project_file(root))
    assert len(analysis.problems) == 1
    problem = analysis.problems[0]
    assert (problem.file, problem.line, problem.severity) == ("app/util.py", 4, "warning")
    assert "of functions 'a', 'b'" in problem.hint
    assert '- {resource: <name>, actions: ["sqs:SendMessage"]}' in problem.hint
    assert "where <name> is one of: work, inbox" in problem.hint
    assert len(analysis.functions["a"].problems) == 1
    assert "of function 'a'" in analysis.functions["a"].problems[0].hint
    assert analysis.affected(["app/util.py"]) == ["a", "b"]
    assert analysis.affected(["app/a.py"]) == ["a"]
    assert analysis.affected(["README.md"]) == []


ORDERS = """
import os
import boto3

ddb = boto3.client("dynamodb")
sns = boto3.client("sns")


def notify():
    sns.publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message="m")


def get_order(event, context):
    ddb.get_item(TableName=os.environ["ORDERS_TABLE"], Key={})
    GET_EXTRA


def create_order(event, context):
    ddb.put_item(TableName=os.environ["ORDERS_TABLE"], Item={})
    CREATE_EXTRA
"""


def orders(*, get_extra: str, create_extra: str) -> str:
    return ORDERS.replace("GET_EXTRA", get_extra).replace("CREATE_EXTRA", create_extra)


def test_handlers_of_one_module_follow_an_edit_between_two_analyses(tmp_path: Path) -> None:
    """Two handlers in one file each get their own calls; moving a call from one to the other
    moves the permission on the next analysis (the dev loop and the IDE re-analyse)."""
    root = project(
        tmp_path,
        """\
        functions:
          get: {handler: app/orders.get_order}
          create: {handler: app/orders.create_order}
        """,
        {"app/orders.py": orders(get_extra="pass", create_extra="notify()")},
    )
    before = analyse(read_project_file(root))
    assert before.functions["get"].grants() == {("orders", "dynamodb:GetItem")}
    assert before.functions["create"].grants() == {
        ("orders", "dynamodb:PutItem"),
        ("alerts", "sns:Publish"),
    }
    (root / "app" / "orders.py").write_text(orders(get_extra="notify()", create_extra="pass"))
    after = analyse(read_project_file(root))
    assert after.functions["get"].grants() == {
        ("orders", "dynamodb:GetItem"),
        ("alerts", "sns:Publish"),
    }
    assert after.functions["create"].grants() == {("orders", "dynamodb:PutItem")}


def test_an_sms_is_not_a_topic_operation_to_declare(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        "functions:\n  fn: {handler: app/main.handler}\n",
        {
            "app/main.py": """
            import boto3

            def handler(event, context):
                boto3.client("sns").publish(PhoneNumber=event["phone"], Message="hi")
            """
        },
    )
    analysis = analyse(read_project_file(root))
    assert analysis.functions["fn"].grants() == frozenset()
    (problem,) = analysis.problems
    assert problem.severity == "warning"
    assert "sends an SMS" in problem.message
    assert "not a topic operation" in problem.message
    assert "operations:" not in problem.hint and "TopicArn" not in problem.message


def test_a_module_that_does_not_parse_is_a_warning_and_the_rest_is_analysed(
    tmp_path: Path,
) -> None:
    root = project(
        tmp_path,
        "functions:\n  fn: {handler: app/main.handler}\n",
        {
            "app/__init__.py": "",
            "app/broken.py": "def oops(:\n",
            "app/main.py": """
            import os
            import boto3
            from app import broken

            def handler(event, context):
                boto3.client("sns").publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message="m")
            """,
        },
    )
    analysis = analyse(read_project_file(root))
    assert analysis.functions["fn"].grants() == {("alerts", "sns:Publish")}
    (problem,) = analysis.problems
    assert (problem.file, problem.line, problem.severity) == ("app/broken.py", 1, "warning")
    assert "cannot be analysed: syntax error" in problem.message
    assert "app/broken.py" in analysis.functions["fn"].closure


@pytest.mark.parametrize("terms", [900, 50_000])
def test_code_nested_too_deeply_is_a_warning_not_a_crash(tmp_path: Path, terms: int) -> None:
    """A very long expression: Python may parse it (900 terms) or not (50,000); either way the
    file is named, and the other modules are still analysed."""
    long_key = " + ".join(['"k"'] * terms)
    root = project(
        tmp_path,
        "functions:\n  fn: {handler: app/main.handler}\n",
        {
            "app/__init__.py": "",
            "app/keys.py": f"import boto3\ns3 = boto3.client('s3')\nKEY = {long_key}\n",
            "app/main.py": """
            import os
            import boto3
            from app import keys

            def handler(event, context):
                boto3.client("sns").publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message="m")
            """,
        },
    )
    analysis = analyse(read_project_file(root))
    assert analysis.functions["fn"].grants() == {("alerts", "sns:Publish")}
    (problem,) = analysis.problems
    assert (problem.file, problem.severity) == ("app/keys.py", "warning")
    assert problem.message.startswith("app/keys.py cannot be analysed: ")
    assert "nested too deeply" in problem.message


KITCHEN_SINK = """
import asyncio, contextlib, dataclasses, functools, os, typing
from typing import Any
import boto3

T = typing.TypeVar("T")
sqs = boto3.client("sqs")


@dataclasses.dataclass
class Config:
    queue: str = os.environ["WORK_QUEUE_URL"]
    retries: int = 3


class Meta(type):
    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return super().__call__(*args, **kwargs)


class Node(metaclass=Meta):
    count = 0

    def __init__(self, parent: "Node | None" = None) -> None:
        self.parent = parent
        Node.count += 1

    def root(self) -> "Node":
        return self if self.parent is None else self.parent.root()

    @staticmethod
    def make(*children: "Node") -> list["Node"]:
        return [*children]

    @classmethod
    def new(cls) -> "Node":
        return cls()

    @property
    def depth(self) -> int:
        return 0 if self.parent is None else self.parent.depth + 1

    @depth.setter
    def depth(self, value: int) -> None:
        raise AttributeError


def recursive(n: int) -> int:
    return 1 if n <= 1 else n * recursive(n - 1)


def ping(a): return pong(a)
def pong(b): return ping(b)


def generator():
    total = yield 1
    yield from range(total or 3)


async def agen():
    async with contextlib.AsyncExitStack() as stack:
        async for item in stack:
            yield item
    await asyncio.sleep(0)


def handler(event, context):
    global sqs
    config = Config()
    x = y = z = [1, 2, 3]
    a, *rest = x
    (b, c), d = (1, 2), 3
    x[0] += 1; del y[0]
    z[1:2] = [4]
    lam = lambda q=config.queue, *args, k=1, **kw: sqs.send_message(QueueUrl=q, MessageBody="m")
    lam()
    squares = {i: i * i for i in range(3) if i} | {k: v for k, v in {}.items()}
    nested = [[j for j in range(i)] for i in range(3)]
    text = f"{a!r:>10} {b:{c}} {'nested' + f'{d}'}" % () if False else "%s" % (a,)
    try:
        raise ValueError("x") from None
    except* ValueError as group:
        print(group)
    while (n := len(rest)) > 10:
        break
    else:
        pass
    for i, (key, value) in enumerate(squares.items()):
        continue
    match event:
        case {"kind": "a", **others}:
            print(others)
        case [first, *_]:
            print(first)
        case Node(parent=None) | None:
            pass
        case str() as s if s:
            print(s)
    with open(os.devnull) as f, contextlib.suppress(Exception):
        f.read()
    assert Node.new().root() is not None, "root"
    print(*nested, sep="", **{})
    sqs = None
    recursive(3); ping(1); list(generator()); text.strip(); recursive
    return typing.cast(Any, Node.make(Node(), Node(Node())))
"""


def test_odd_code_does_not_break_analysis(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        "functions:\n  fn: {handler: app/main.handler}\n",
        {"app/main.py": KITCHEN_SINK},
    )
    analysis = analyse(read_project_file(root))
    assert analysis.functions["fn"].grants() == {("work", "sqs:SendMessage")}
    assert analysis.problems == ()
    assert analyse(read_project_file(root)) == analysis  # deterministic


def test_deep_chains_and_wide_values_stay_cheap(tmp_path: Path) -> None:
    steps = "\n".join(f"    value = value.replace('{i}', '') + str({i})" for i in range(300))
    literal = ", ".join(f"'item{i}'" for i in range(2000))
    code = f"""
import os
import boto3

ITEMS = [{literal}]


def clean(value):
{steps}
    return value


def handler(event, context):
    boto3.client("s3").put_object(Bucket=os.environ["THUMBS_BUCKET"], Key=clean(event["k"]))
"""
    root = project(
        tmp_path, "functions:\n  fn: {handler: app/main.handler}\n", {"app/main.py": code}
    )
    analysis = analyse(read_project_file(root))
    assert analysis.functions["fn"].grants() == {("thumbs", "s3:PutObject")}


# --- every client method, built and named several ways (hypothesis) ---------------------------

RESOURCE_OF = {"s3": "thumbs", "dynamodb": "orders", "sns": "alerts", "sqs": "work"}
ENV_OF = {"s3": "THUMBS_BUCKET", "dynamodb": "ORDERS_TABLE", "sns": "ALERTS_TOPIC_ARN"}
ENV_OF["sqs"] = "WORK_QUEUE_URL"
BY_NAME = {"QueueName": ("inbox", "inbox"), "Name": ("partner", "partner")}


def callable_methods() -> list[actions.Method]:
    found = []
    for service in actions.MODELED:
        for method in actions.methods(service).values():
            if method.unsupported or not method.params or not method.actions:
                continue
            if method.source or method.request_items or method.items:
                continue
            found.append(method)
    return found


CLIENTS = [
    'boto3.client("{service}")',
    'boto3.session.Session().client("{service}")',
    'boto3.client(service_name="{service}")',
    'make("{service}")',
]
NAMES = ['os.environ["{env}"]', 'os.getenv("{env}")', "NAME", "name_of()"]


@settings(
    max_examples=examples(60),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    method=st.sampled_from(callable_methods()),
    client=st.sampled_from(CLIENTS),
    name=st.sampled_from(NAMES),
    positional=st.booleans(),
)
def test_every_method_grants_exactly_its_actions(
    tmp_path_factory: object,
    method: actions.Method,
    client: str,
    name: str,
    positional: bool,
) -> None:
    root: Path = tmp_path_factory.mktemp("m")  # type: ignore[attr-defined]
    param = method.params[0]
    resource, literal = BY_NAME.get(param, (RESOURCE_OF[method.service], ""))
    named = repr(literal) if literal else name.format(env=ENV_OF[method.service])
    argument = f"{param}=VALUE"
    if positional and method.signature and param in method.signature:
        position = method.signature.index(param)
        argument = ", ".join(["None"] * position + ["VALUE"])
    code = f"""
import os
import boto3

NAME = os.environ["{ENV_OF[method.service]}"]


def make(service):
    return boto3.client(service)


def name_of():
    return NAME


def handler(event, context):
    VALUE = {named}
    {client.format(service=method.service)}.{method.name}({argument})
"""
    project(root, "functions:\n  fn: {handler: app/main.handler}\n", {"app/main.py": code})
    loaded = read_project_file(root)
    target = loaded.resources[resource]
    scopable = set()
    for action in method.actions:
        scopes = set(iam.resource_types(action) or ()) & target.scopes
        if isinstance(target, Table) and not target.has_stream:
            scopes.discard("stream")
        if scopes:
            scopable.add((resource, action))
    analysis = analyse(loaded)
    assert analysis.functions["fn"].grants() == scopable, code
    if len(scopable) < len(method.actions):
        assert any("cannot be limited" in p.message for p in analysis.problems)


def test_an_edit_of_the_same_size_and_time_is_analysed_again(tmp_path: Path) -> None:
    """A long-running process (the IDE, `tether dev`) keeps parsed files: an edit is seen even
    when it keeps the file's size and modification time (two quick saves, a restored mtime)."""
    import os

    root = project(
        tmp_path,
        "functions:\n  fn: {handler: app/main.handler}\n",
        {
            "app/main.py": """
            import os

            import boto3

            def handler(event, context):
                boto3.client("s3").get_object(Bucket=os.environ["THUMBS_BUCKET"], Key="k")
            """
        },
    )
    main = root / "app" / "main.py"
    stat = main.stat()
    assert analyse(read_project_file(root)).functions["fn"].grants() == {("thumbs", "s3:GetObject")}
    main.write_text(main.read_text().replace("get_object", "put_object"))
    os.utime(main, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert main.stat().st_size == stat.st_size and main.stat().st_mtime_ns == stat.st_mtime_ns
    assert analyse(read_project_file(root)).functions["fn"].grants() == {("thumbs", "s3:PutObject")}


def test_code_the_analysis_cannot_follow_is_a_warning_and_other_functions_are_analysed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When following one function's code exhausts Python's recursion limit (seen on real,
    deeply self-referential code), the user gets a warning at its handler's file saying to
    declare its operations, not a traceback; the other functions are analysed as ever."""
    from tether.analysis import resolve

    root = project(
        tmp_path,
        "functions:\n  deep: {handler: app/deep.handler}\n  fine: {handler: app/fine.handler}\n",
        {
            "app/__init__.py": "",
            "app/deep.py": """
            def handler(event, context):
                return event
            """,
            "app/fine.py": """
            import os
            import boto3

            def handler(event, context):
                boto3.client("sns").publish(TopicArn=os.environ["ALERTS_TOPIC_ARN"], Message="m")
            """,
        },
    )
    real_run = resolve.FunctionResolver.run

    def run(self: resolve.FunctionResolver) -> resolve.Result:
        if self.function.name == "deep":
            raise RecursionError("maximum recursion depth exceeded")
        return real_run(self)

    monkeypatch.setattr(resolve.FunctionResolver, "run", run)
    analysis = analyse(read_project_file(root))
    assert analysis.functions["fine"].grants() == {("alerts", "sns:Publish")}
    assert analysis.functions["deep"].operations == ()
    assert "app/deep.py" in analysis.functions["deep"].closure
    (problem,) = analysis.problems
    assert (problem.file, problem.severity) == ("app/deep.py", "warning")
    assert "nests deeper than the analysis can follow" in problem.message
    assert "operations:" in problem.hint


def test_a_chain_of_calls_too_long_to_follow_is_a_warning_naming_the_fix(tmp_path: Path) -> None:
    """3,000 functions each calling the next: the file is named, the hint says to declare the
    operations (there is nothing to fix in the file), and nothing crashes."""
    chain = "".join(f"def f{i}(x):\n    return f{i + 1}(x)\n\n" for i in range(3000))
    chain += "def f3000(x):\n    return s3.list_buckets()\n"
    root = project(
        tmp_path,
        "functions:\n  fn: {handler: app/main.handler}\n",
        {
            "app/__init__.py": "",
            "app/main.py": "import boto3\ns3 = boto3.client('s3')\n\n"
            + chain
            + "\ndef handler(event, context):\n    return f0(event)\n",
        },
    )
    analysis = analyse(read_project_file(root))
    (problem,) = analysis.problems
    assert (problem.file, problem.severity) == ("app/main.py", "warning")
    assert "long chain of calls" in problem.message
    assert "operations:" in problem.hint
