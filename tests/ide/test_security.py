"""Only the browser that opened the printed URL may use the IDE: token, Host, Origin, on HTTP
and on the WebSocket; and no CORS header ever."""

from __future__ import annotations

import socket

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.ide.conftest import Ide


@pytest.mark.parametrize("path", ["/", "/api/info", "/api/files", "/static/index.html"])
def test_a_request_without_the_token_is_forbidden(ide: Ide, path: str) -> None:
    reply = ide.get(path, token=None)
    assert reply.status == 403
    assert reply.json["error"] == "forbidden"


def test_a_wrong_token_is_forbidden(ide: Ide) -> None:
    assert ide.get("/api/info", token="not-the-token").status == 403
    assert ide.get(f"/?token={ide.token}x", token=None).status == 403


def test_the_token_in_the_url_becomes_a_strict_http_only_cookie(ide: Ide) -> None:
    login = ide.get(f"/?token={ide.token}", token=None)
    assert login.status == 303
    assert login.headers["location"] == "/"
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    pair = cookie.split(";", 1)[0]
    page = ide.get("/", token=None, headers={"Cookie": pair})
    assert page.status == 200
    assert page.headers["content-type"].startswith("text/html")
    assert b"/static/app.js" in page.body
    assert ide.get("/api/info", token=None, headers={"Cookie": pair}).status == 200


@pytest.mark.parametrize(
    "host", ["evil.example", "evil.example:{port}", "127.0.0.1:1", "0.0.0.0:{port}", ""]
)
def test_a_foreign_host_is_forbidden_even_with_the_token(ide: Ide, host: str) -> None:
    reply = ide.get("/api/info", headers={"Host": host.format(port=ide.port)})
    assert reply.status == 403
    assert reply.json["error"] == "forbidden"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_the_loopback_names_are_accepted(ide: Ide, host: str) -> None:
    assert ide.get("/api/info", headers={"Host": f"{host}:{ide.port}"}).status == 200


@pytest.mark.parametrize(
    "origin", ["http://evil.example", "null", "http://localhost:{port}", "https://127.0.0.1:{port}"]
)
def test_a_foreign_origin_is_forbidden(ide: Ide, origin: str) -> None:
    reply = ide.request(
        "PUT",
        "/api/file",
        {"path": "app/new.py", "content": "x = 1\n", "version": None},
        headers={"Origin": origin.format(port=ide.port)},
    )
    assert reply.status == 403
    assert not (ide.root / "app" / "new.py").exists()


def test_the_ides_own_origin_is_accepted_and_no_cors_header_is_sent(ide: Ide) -> None:
    reply = ide.get("/api/info", headers={"Origin": f"http://{ide.host}"})
    assert reply.status == 200
    assert not [h for h in reply.headers if h.startswith("access-control-")]
    assert "frame-ancestors 'none'" in reply.headers["content-security-policy"]
    preflight = ide.request("OPTIONS", "/api/file", headers={"Origin": "http://evil.example"})
    assert preflight.status == 403


def test_the_websocket_needs_the_token_the_host_and_the_origin(ide: Ide) -> None:
    good = {"X-Tether-Token": ide.token}
    with connect(ide.ws_url(), additional_headers=good, origin=f"http://{ide.host}"):  # type: ignore[arg-type]
        pass
    refused = [
        (ide.ws_url(), {}, f"http://{ide.host}"),
        (ide.ws_url(), good, "http://evil.example"),
        # a DNS-rebinding page: the browser connects to 127.0.0.1 but names its own host
        (f"ws://evil.example:{ide.port}/api/events", good, None),
    ]
    for url, headers, origin in refused:
        sock = socket.create_connection(("127.0.0.1", ide.port))
        with pytest.raises(InvalidStatus) as caught:
            connect(url, sock=sock, additional_headers=headers, origin=origin).close()  # type: ignore[arg-type]
        assert caught.value.response.status_code == 403
