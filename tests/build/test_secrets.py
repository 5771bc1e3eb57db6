"""Nothing secret leaves the machine: credential files stay out of the code zip, by name or by
content, with the reason in `tether build --verbose`; only a `.tetherignore` line naming one
ships it, and then every build warns. Change detection for quick deploys sees the same files."""

from __future__ import annotations

import json
import os
import zipfile

import pytest

from tests.build.conftest import ProjectFactory
from tests.helpers import tether
from tether.build import build_code, build_project
from tether.build.code import Rules, collect
from tether.deploy.changes import snapshot

PRIVATE_KEY = (
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n"
    "-----END OPENSSH PRIVATE KEY-----\n"
)
RSA_KEY = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\n"
CERTIFICATE = "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE\n-----END CERTIFICATE-----\n"
SERVICE_ACCOUNT = json.dumps(
    {
        "type": "service_account",
        "project_id": "acme",
        "private_key_id": "0123",
        "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIE\\n-----END PRIVATE KEY-----\\n",
        "client_email": "ci@acme.iam.gserviceaccount.com",
    },
    indent=2,
)

# path -> (content, the reason `tether build --verbose` gives)
CREDENTIALS: dict[str, tuple[str, str]] = {
    ".env": ("TOKEN=1\n", "credentials (.env)"),
    ".env.production": ("TOKEN=1\n", "credentials (.env)"),
    "app/prod.env": ("TOKEN=1\n", "credentials (.env)"),
    ".envrc": ("export AWS_SECRET_ACCESS_KEY=x\n", "credentials (.envrc)"),
    ".s3cfg": ("[default]\nsecret_key = x\n", "credentials (s3cmd config)"),
    ".boto": ("[Credentials]\naws_secret_access_key = x\n", "credentials (boto config)"),
    ".pgpass": ("db:5432:app:me:pw\n", "credentials (PostgreSQL password file)"),
    ".netrc": ("machine x login me password pw\n", "credentials (.netrc)"),
    ".npmrc": ("//registry.npmjs.org/:_authToken=npm_x\n", "credentials (npm config"),
    ".pypirc": ("[pypi]\npassword = pypi-x\n", "credentials (PyPI config"),
    ".git-credentials": ("https://me:tok@github.com\n", "credentials (git credentials)"),
    "credentials": ("[default]\naws_secret_access_key = x\n", "credentials (credentials file)"),
    "terraform.tfstate": ('{"version": 4}\n', "credentials (Terraform state)"),
    "infra/terraform.tfstate.backup": ('{"version": 4}\n', "credentials (Terraform state)"),
    "infra/prod.tfvars": ('db_password = "x"\n', "credentials (Terraform variables)"),
    "app/id_rsa": (RSA_KEY, "credentials (SSH key)"),
    "deploy/id_ed25519": (PRIVATE_KEY, "credentials (SSH key)"),
    "certs/tls.key": (RSA_KEY, "credentials (private key)"),
    "certs/tls.pem": (PRIVATE_KEY, "credentials (private key)"),
    "certs/combined.PEM": (CERTIFICATE + RSA_KEY, "credentials (private key)"),
    "certs/client.p12": ("\x30\x82", "credentials (key store)"),
    "keys/ci-runner.json": (SERVICE_ACCOUNT, "credentials (GCP service-account key)"),
    "app/oauth.json": (
        '{"installed": {"client_id": "1.apps", "client_secret": "GOCSPX-x"}}',
        "credentials (OAuth client secret)",
    ),
}
# Folders that hold credentials: left out whole.
CREDENTIAL_DIRS: dict[str, str] = {
    ".ssh/id_ed25519": ".ssh/",
    ".aws/credentials": ".aws/",
    ".docker/config.json": ".docker/",
    ".kube/config": ".kube/",
    "infra/.terraform/terraform.tfstate": "infra/.terraform/",
}
# Look alike, but ship: public certificates, ordinary JSON, Python modules named like secrets.
SHIPPED: dict[str, str] = {
    "app/api.py": "def handler(event, context):\n    return {}\n",
    "certs/rds-ca-bundle.pem": CERTIFICATE * 3,
    "certs/public.key.txt": "not a key\n",
    "app/settings.json": '{"type": "config", "private": false}\n',
    "app/credentials.py": "def load():\n    return None\n",
    "app/env.py": "STAGE = 'dev'\n",
    "app/data/big.json": json.dumps({"rows": ["x" * 100] * 1000, "private_key": "not read"}),
}


def test_every_kind_of_credential_stays_out_with_its_reason(make_project: ProjectFactory) -> None:
    files = {path: content for path, (content, _) in CREDENTIALS.items()}
    files |= dict.fromkeys(CREDENTIAL_DIRS, "secret\n") | SHIPPED
    project = make_project(files)
    artifact = build_code(project)

    with zipfile.ZipFile(artifact.path) as archive:
        assert sorted(archive.namelist()) == sorted(SHIPPED)
    reasons = dict(artifact.excluded)
    for path, (_, reason) in CREDENTIALS.items():
        assert reasons[path].startswith(reason), (path, reasons[path])
    for shown in CREDENTIAL_DIRS.values():
        assert reasons[shown].startswith("credentials ("), shown
    assert artifact.flagged == ()


def test_verbose_names_each_credential_and_plain_build_names_none(
    make_project: ProjectFactory,
) -> None:
    project = make_project(
        {".env": "TOKEN=1\n", "certs/tls.key": RSA_KEY, "keys/sa.json": SERVICE_ACCOUNT}
    )
    verbose = tether("build", "--verbose", "-p", str(project.root))
    assert verbose.returncode == 0, verbose.stderr
    rows = {line.split()[0]: line for line in verbose.stdout.splitlines() if line.startswith("  ")}
    assert rows[".env"].endswith("credentials (.env)")
    assert rows["certs/tls.key"].endswith("credentials (private key)")
    assert rows["keys/sa.json"].endswith("credentials (GCP service-account key)")

    plain = tether("build", "-p", str(project.root))
    assert plain.returncode == 0, plain.stderr
    assert "3 credentials" in plain.stdout and "tether build --verbose lists them" in plain.stdout
    for name in (".env", "tls.key", "sa.json"):
        assert name not in plain.stdout + plain.stderr


def test_a_tetherignore_line_naming_a_credential_ships_it_with_a_warning(
    make_project: ProjectFactory,
) -> None:
    project = make_project(
        {
            ".tetherignore": "!/certs/client.key\n!*.pem\n",
            "certs/client.key": RSA_KEY,
            "certs/other.pem": RSA_KEY,
            "certs/ca.pem": CERTIFICATE,
        }
    )
    result = tether("build", "--verbose", "-p", str(project.root))
    assert result.returncode == 0, result.stderr
    warning = (
        "warning: certs/client.key looks like credentials (private key); shipped because "
        ".tetherignore:1 (!/certs/client.key) re-includes it"
    )
    assert warning in result.stderr.splitlines()
    assert "shipped although they look like credentials: 1 path" in result.stdout
    # a wildcard is not a decision about a credential: other.pem stays out, and says why
    rows = dict(line.split(None, 1) for line in result.stdout.splitlines() if line[:2] == "  ")
    assert rows["certs/other.pem"] == (
        "credentials (private key); .tetherignore:2 (!*.pem) re-includes only credentials it "
        "names without wildcards"
    )
    artifact = build_code(project)
    assert "certs/client.key" in artifact.files and "certs/ca.pem" in artifact.files
    assert "certs/other.pem" not in artifact.files

    # the same warning reaches every build, and so `tether deploy`, through progress
    messages: list[str] = []
    build_project(project, progress=messages.append)
    assert warning in messages


def test_gitignore_cannot_reinclude_a_credential(make_project: ProjectFactory) -> None:
    project = make_project({".gitignore": "!.env\n", ".env": "TOKEN=1\n"})
    artifact = build_code(project)
    assert ".env" not in artifact.files
    assert dict(artifact.excluded)[".env"] == "credentials (.env)"


def test_a_file_turning_into_a_key_is_noticed_on_the_next_build(
    make_project: ProjectFactory,
) -> None:
    """The content check is cached by stat; an edit changes the stat, so it is read again."""
    project = make_project({"app/conf.json": '{"type": "config"}\n'})
    assert "app/conf.json" in build_code(project).files
    (project.root / "app/conf.json").write_text(SERVICE_ACCOUNT)
    assert "app/conf.json" not in build_code(project).files


@pytest.mark.parametrize("via", ["collect", "snapshot"])
def test_change_detection_sees_the_same_files_as_the_build(
    make_project: ProjectFactory, via: str
) -> None:
    project = make_project(
        {
            ".env": "TOKEN=1\n",
            "keys/sa.json": SERVICE_ACCOUNT,
            ".gitignore": "local/\n",
            "local/notes.py": "",
            "app/util.py": "",
        }
    )
    if via == "collect":
        entries, _ = collect(project, Rules.for_project(project))
        names = {entry.name for entry in entries}
    else:
        names = set(snapshot(project).code)
    assert names == set(build_code(project).files) == {"app/api.py", "app/util.py"}


def test_a_pipe_named_like_a_key_does_not_hang_the_build(make_project: ProjectFactory) -> None:
    """The content check opens only regular files: reading a named pipe would block forever."""
    project = make_project()
    os.mkfifo(project.root / "app" / "feed.json")
    artifact = build_code(project)
    assert dict(artifact.excluded)["app/feed.json"].startswith("not a regular file")
