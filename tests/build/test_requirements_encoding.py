"""requirements.txt (and the files it includes, and `.tetherignore`) must be UTF-8: anything else
is a clear error naming the file, line and byte, never a traceback; UTF-8 with a byte-order mark
is accepted, as pip accepts it."""

from __future__ import annotations

import codecs

import pytest

from tests.build.conftest import ProjectFactory, write_wheel
from tests.helpers import tether
from tether import TetherError
from tether.build import build_code, build_layer
from tether.build.layer import read_requirements

LOCAL_WHEELS = "--no-index\n--find-links wheels\n"


def test_latin1_bytes_name_the_file_line_column_and_byte(make_project: ProjectFactory) -> None:
    project = make_project()
    (project.root / "requirements.txt").write_bytes(b"requests==2.31\n# d\xe9pendances\nsix\n")
    with pytest.raises(TetherError) as caught:
        build_layer(project)
    error = caught.value
    assert error.message.startswith(
        "requirements.txt:2:4: byte 0xe9 (byte 19 of the file) is not UTF-8; it looks like "
        "Latin-1 or Windows-1252 text:"
    )
    assert "# d\ufffdpendances" in error.message  # the line, to find it
    assert error.hint.startswith("save requirements.txt as UTF-8")


@pytest.mark.parametrize(
    ("bom", "width"),
    [(codecs.BOM_UTF16_LE, "16"), (codecs.BOM_UTF16_BE, "16"), (codecs.BOM_UTF32_LE, "32")],
)
def test_utf16_and_utf32_are_refused_with_the_powershell_hint(
    make_project: ProjectFactory, bom: bytes, width: str
) -> None:
    project = make_project()
    encoding = {"16": "utf-16", "32": "utf-32"}[width]
    data = bom + "six==1.16.0\n".encode(encoding)[len(bom) :]
    (project.root / "requirements.txt").write_bytes(data)
    with pytest.raises(TetherError) as caught:
        build_layer(project)
    assert caught.value.message == (
        f"requirements.txt is UTF-{width} text (it starts with a UTF-{width} byte-order mark), "
        "not UTF-8"
    )
    assert "Out-File -Encoding utf8" in caught.value.hint


def test_utf16_without_a_bom_is_recognised(make_project: ProjectFactory) -> None:
    project = make_project()
    (project.root / "requirements.txt").write_bytes("six\u00e9\n".encode("utf-16-le"))
    with pytest.raises(TetherError, match="NUL bytes: it looks like UTF-16"):
        build_layer(project)


def test_an_included_file_is_named(make_project: ProjectFactory) -> None:
    project = make_project({"requirements.txt": "-r deps/base.txt\n"})
    (project.root / "deps").mkdir()
    (project.root / "deps/base.txt").write_bytes(b"six\n\xff\n")
    with pytest.raises(TetherError) as caught:
        build_layer(project)
    assert caught.value.message.startswith("deps/base.txt:2:1: byte 0xff (byte 5 of the file)")


def test_utf8_with_a_bom_is_accepted_and_builds(make_project: ProjectFactory) -> None:
    project = make_project()
    text = LOCAL_WHEELS + "tinywheel==1.0  # café\n"
    (project.root / "requirements.txt").write_bytes(codecs.BOM_UTF8 + text.encode())
    write_wheel(project.root / "wheels", "tinywheel", "1.0")
    lines = read_requirements(project.root / "requirements.txt", project.root)
    assert [line.text for line in lines] == ["--no-index", "--find-links wheels", "tinywheel==1.0"]
    layer = build_layer(project)
    assert layer is not None and layer.packages == ("tinywheel==1.0",)


def test_a_tetherignore_that_is_not_utf8_is_named(make_project: ProjectFactory) -> None:
    project = make_project({"app/x.py": ""})
    (project.root / ".tetherignore").write_bytes(b"# ok\nnotes/\ncaf\xe9/\n")
    with pytest.raises(TetherError, match=r"^\.tetherignore:3:4: byte 0xe9"):
        build_code(project)


def test_the_cli_reports_a_bad_requirements_file_without_a_traceback(
    make_project: ProjectFactory,
) -> None:
    project = make_project()
    (project.root / "requirements.txt").write_bytes(b"six\n# d\xe9pendances\n")
    result = tether("build", "-p", str(project.root))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "requirements.txt:2:4: error: requirements.txt is not UTF-8 text: byte 0xe9" in (
        result.stderr
    )
    assert "hint: save it as UTF-8" in result.stderr
