"""Reused readings: a module read for one group and installed in the next groups' programs
gives every function exactly what reading it again gives.

Each check analyses a project twice: as `analyse` does (readings of modules several groups
import are kept and installed, see tether.analysis.readings) and with nothing reused. The
corpus and the example app are analysed with every function doubled by a second handler module
that imports the first (so each closure is shared by two groups); the other projects are made
so that a reading installed without looking would be wrong: another module writes a global of
the helper, calls it while it is imported, or a file appears where its import used to miss.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
import textwrap
from dataclasses import fields
from pathlib import Path

import pytest

import tether.analysis
from tests.analysis.corpus import cases
from tests.analysis.test_incremental import Editor
from tests.helpers import EXAMPLE
from tether.analysis import Analysis, AnalysisCache, analyse
from tether.analysis.imports import handler_module
from tether.analysis.readings import _copy_class, _copy_def, _copy_state
from tether.analysis.records import ClassInfo, DefInfo, ModuleState
from tether.errors import ProjectError
from tether.model import Project, read_project_file


def _summary(analysis: Analysis) -> dict[str, object]:
    return {
        name: (f.operations, f.problems, f.closure, f.indexes, f.reads)
        for name, f in sorted(analysis.functions.items())
    }


def _without_reuse(project: Project, monkeypatch: pytest.MonkeyPatch) -> Analysis:
    with monkeypatch.context() as patched:
        patched.setattr(tether.analysis, "shared_modules", lambda groups: set())
        return analyse(project)


def _doubled(source: Path, root: Path) -> Project:
    """The project at `source`, copied to `root`, each function doubled by one whose handler
    module imports the original's handler."""
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".tether", "expected.json"))
    project = read_project_file(root)
    functions = dict(project.functions)
    for name, function in project.functions.items():
        again = f"again_{name.replace('-', '_')}"
        module = handler_module(function.handler)
        (root / f"{again}.py").write_text(
            f"from {module} import {function.handler_function} as handler\n"
        )
        functions[again] = dataclasses.replace(function, name=again, handler=f"{again}.handler")
    return dataclasses.replace(project, functions=functions)


def _doubled_again(root: Path) -> Project | None:
    """The project at `root` (already doubled by `_doubled`), read again after an edit."""
    try:
        project = read_project_file(root)
    except ProjectError:
        return None
    functions = dict(project.functions)
    for name, function in project.functions.items():
        again = f"again_{name.replace('-', '_')}"
        functions[again] = dataclasses.replace(function, name=again, handler=f"{again}.handler")
    return dataclasses.replace(project, functions=functions)


@pytest.mark.parametrize("source", [EXAMPLE, *cases()], ids=lambda p: p.name)
def test_reused_readings_give_what_reading_again_gives(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        project = _doubled(source, tmp_path / "project")
    except ProjectError:
        pytest.skip("a case about a project that does not load")
    assert _summary(analyse(project)) == _summary(_without_reuse(project, monkeypatch))


@pytest.mark.parametrize(
    "source", [EXAMPLE, *random.Random(20261202).sample(cases(), 20)], ids=lambda p: p.name
)
def test_after_random_edits_reused_readings_give_what_a_fresh_analysis_gives(
    source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Edits (test_incremental.py's) of a doubled project, each followed by an analysis through
    the cache kept across edits: what it gives, reusing readings or not, is what a fresh
    analysis reading every group's modules gives."""
    root = tmp_path / "project"
    try:
        _doubled(source, root)
    except ProjectError:
        pytest.skip("a case about a project that does not load")
    kept = AnalysisCache(tmp_path / "cache")
    editor = Editor(root, random.Random(source.name))
    for step in range(9):
        if step:
            editor.edit()
        project = _doubled_again(root)
        if project is None:
            continue
        fresh = _without_reuse(project, monkeypatch)
        assert _summary(analyse(project, cache=kept)) == _summary(fresh), editor.log
        assert _summary(analyse(project)) == _summary(fresh), editor.log


# --- projects where installing a reading without looking would be wrong ---------------------


def _project(root: Path, files: dict[str, str], functions: list[str]) -> Project:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    resources = """\
        resources:
          photos: {type: s3.bucket}
          jobs: {type: sqs.queue}
        """
    yaml = "name: readings\n" + textwrap.dedent(resources) + "functions:\n"
    yaml += "".join(f"  {name}:\n    handler: app/{name}.handler\n" for name in functions)
    (root / "tether.yaml").write_text(yaml)
    return read_project_file(root)


def _actions(analysis: Analysis, function: str) -> set[tuple[str, str]]:
    return set(analysis.functions[function].grants())


HELPER = """\
    import os

    import boto3

    CLIENT = boto3.client("s3")


    def send(body):
        CLIENT.send_message(QueueUrl=os.environ["JOBS_QUEUE_URL"], MessageBody=body)
    """


@pytest.mark.parametrize("order", [["first", "second"], ["second", "first"]], ids=str)
def test_a_global_written_by_another_module_is_seen_by_the_helper(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, order: list[str]
) -> None:
    """`second` gives the helper an SQS client: the helper as read for `first` (an S3 client,
    which has no send_message) is not what `second` runs."""
    project = _project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/helper.py": HELPER,
            "app/first.py": """\
                from app import helper


                def handler(event, context):
                    helper.send("a")
                """,
            "app/second.py": """\
                import boto3

                from app import helper

                helper.CLIENT = boto3.client("sqs")


                def handler(event, context):
                    helper.send("b")
                """,
        },
        order,
    )
    analysis = analyse(project)
    assert not _actions(analysis, "first")
    assert _actions(analysis, "second") == {("jobs", "sqs:SendMessage")}
    assert _summary(analysis) == _summary(_without_reuse(project, monkeypatch))


def test_a_function_the_helper_calls_while_imported_keeps_that_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The helper calls `make()` before SERVICE is set, and `second` calls it while imported
    too: it gets the value from mid-import, as Python would give it (a client of no known
    service), whichever group read the helper first."""
    helper = """\
        import boto3


        def make():
            return boto3.client(SERVICE)


        DEFAULT = make()
        SERVICE = "s3"
        """
    project = _project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/maker.py": helper,
            "app/first.py": """\
                from app import maker


                def handler(event, context):
                    return maker.SERVICE
                """,
            "app/second.py": """\
                import os

                from app import maker

                CLIENT = maker.make()


                def handler(event, context):
                    CLIENT.put_object(Bucket=os.environ["PHOTOS_BUCKET"], Key="k", Body=b"")
                """,
        },
        ["first", "second"],
    )
    assert _summary(analyse(project)) == _summary(_without_reuse(project, monkeypatch))


def test_a_file_created_where_the_helper_looked_voids_every_group(tmp_path: Path) -> None:
    """The helper looks up `app.extra` while its function is read, and the file is missing;
    the second group installed the helper's reading, and must still count that question, so
    creating the file re-analyses both groups."""
    helper = """\
        import boto3

        import app


        def notify():
            boto3.client("sqs").send_message(QueueUrl=app.extra.EXTRA_QUEUE, MessageBody="")
        """
    handler = """\
        from app import notifier


        def handler(event, context):
            notifier.notify()
        """
    project = _project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/notifier.py": helper,
            "app/first.py": handler,
            "app/second.py": handler,
        },
        ["first", "second"],
    )
    cache = AnalysisCache(tmp_path / "cache")
    before = analyse(project, cache=cache)
    assert not _actions(before, "second")
    (tmp_path / "app" / "extra.py").write_text(
        'import os\n\nEXTRA_QUEUE = os.environ["JOBS_QUEUE_URL"]\n'
    )
    after = analyse(project, cache=cache)
    assert _summary(after) == _summary(analyse(project))
    assert _actions(after, "first") == {("jobs", "sqs:SendMessage")}
    assert _actions(after, "second") == {("jobs", "sqs:SendMessage")}


TRICKY: dict[str, dict[str, str]] = {
    "mutual recursion in the helper": {
        "app/helper.py": """\
            import os

            import boto3


            def ping(n):
                return pong(n - 1) if n else boto3.client("s3")


            def pong(n):
                return ping(n)


            def store():
                ping(3).put_object(Bucket=os.environ["PHOTOS_BUCKET"], Key="k", Body=b"")
            """,
    },
    "a handler read before the helper it calls": {
        "app/second.py": """\
            def handler(event, context):
                helper.store()


            from app import helper  # noqa: E402
            """,
    },
    "a module first imported from a function body": {
        "app/second.py": """\
            def handler(event, context):
                from app import late

                late.run()
            """,
        "app/late.py": """\
            from app import helper


            def run():
                helper.store()
            """,
    },
    "another module sets an attribute of the helper's object": {
        "app/helper.py": """\
            import os

            import boto3


            class Store:
                def __init__(self):
                    self.client = boto3.client("s3")

                def put(self):
                    self.client.send_message(QueueUrl=os.environ["JOBS_QUEUE_URL"], MessageBody="")


            STORE = Store()


            def store():
                STORE.put()
            """,
        "app/second.py": """\
            import boto3

            from app import helper

            helper.STORE.client = boto3.client("sqs")


            def handler(event, context):
                helper.store()
            """,
    },
    "the helper calls its own function on import": {
        "app/helper.py": """\
            import os

            import boto3


            def client():
                return boto3.client(SERVICE)


            FIRST = client()
            SERVICE = "s3"


            def store():
                client().put_object(Bucket=os.environ["PHOTOS_BUCKET"], Key="k", Body=b"")
            """,
    },
}


@pytest.mark.parametrize("case", sorted(TRICKY), ids=str)
@pytest.mark.parametrize("order", [["first", "second"], ["second", "first"]], ids=str)
def test_reuse_gives_what_reading_again_gives_in_tricky_projects(
    case: str, order: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = """\
        from app import helper


        def handler(event, context):
            helper.store()
        """
    files = {
        "app/__init__.py": "",
        "app/helper.py": """\
            import os

            import boto3

            CLIENT = boto3.client("s3")


            def store():
                CLIENT.put_object(Bucket=os.environ["PHOTOS_BUCKET"], Key="k", Body=b"")
            """,
        "app/first.py": plain,
        "app/second.py": plain,
        **TRICKY[case],
    }
    project = _project(tmp_path, files, order)
    assert _summary(analyse(project)) == _summary(_without_reuse(project, monkeypatch))


# --- what a reading copies --------------------------------------------------------------------


def _filled(kind: type) -> object:
    """An instance of dataclass `kind` with a distinct value in every field."""
    values: dict[str, object] = {}
    for index, field in enumerate(fields(kind)):
        annotation = str(field.type)
        if annotation.startswith("list"):
            values[field.name] = [f"item{index}"]
        elif annotation.startswith("dict"):
            inner: object = {f"item{index}"} if "set[" in annotation else [f"item{index}"]
            values[field.name] = {f"key{index}": inner}
        elif annotation.startswith("set"):
            values[field.name] = {f"item{index}"}
        elif annotation.startswith("frozenset"):
            values[field.name] = frozenset({f"item{index}"})
        elif annotation.startswith("int"):
            values[field.name] = index
        else:
            values[field.name] = f"value{index}"
    return kind(**values)


@pytest.mark.parametrize(
    ("kind", "copy"),
    [(DefInfo, _copy_def), (ClassInfo, _copy_class)],
    ids=["DefInfo", "ClassInfo"],
)
def test_a_reading_copies_every_field(kind: type, copy: object) -> None:
    original = _filled(kind)
    copied = copy(original)  # type: ignore[operator]
    assert copied == original
    for field in fields(kind):
        value = getattr(original, field.name)
        if isinstance(value, list | dict | set):
            assert getattr(copied, field.name) is not value, field.name


def test_a_reading_copies_every_field_of_a_module_state() -> None:
    original = _filled(ModuleState)
    assert isinstance(original, ModuleState)
    copied = _copy_state(original, ModuleState(original.source))
    assert copied == original
    for field in fields(ModuleState):
        value = getattr(original, field.name)
        if isinstance(value, list | dict | set):
            assert getattr(copied, field.name) is not value, field.name
