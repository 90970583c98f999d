"""A scripted fake Nominatim server on 127.0.0.1, so online geocoding is tested without the internet."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    """One scripted answer: status, body (JSON-able value or raw bytes), extra headers, delay before answering."""

    status: int = 200
    body: Any = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class SeenRequest:
    """A request the stub received."""

    path: str
    params: dict[str, str]
    headers: dict[str, str]
    at: float  # time.monotonic() on arrival


def found(*places: dict[str, Any]) -> Reply:
    """Return a 200 reply with these results."""
    return Reply(200, list(places))


def not_found() -> Reply:
    """Return a 200 reply with no results, as Nominatim answers an unknown place."""
    return Reply(200, [])


def status(code: int, **headers: str) -> Reply:
    """Return an error reply with a small HTML body, like a real proxy or server would send."""
    return Reply(code, f"<html><body>{code}</body></html>".encode(), dict(headers))


def malformed() -> Reply:
    """Return a 200 reply whose body is not JSON."""
    return Reply(200, b'[{"lat": "50.45", "lon": ')


def slow(seconds: float) -> Reply:
    """Return a reply that arrives only after ``seconds``."""
    return Reply(200, [], delay=seconds)


def place(
    name: str = "Kyiv",
    *,
    lat: float = 50.4500336,
    lon: float = 30.5241361,
    osm_type: str = "relation",
    osm_id: int = 421866,
    osm_class: str = "boundary",
    osm_type_tag: str = "administrative",
    addresstype: str | None = "city",
    place_rank: int = 16,
    boundingbox: list[str] | None = None,
    display_name: str | None = None,
) -> dict[str, Any]:
    """Return a result shaped like Nominatim's format=json output (strings where it uses strings)."""
    result: dict[str, Any] = {
        "place_id": 12345,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": osm_type,
        "osm_id": osm_id,
        "lat": str(lat),
        "lon": str(lon),
        "class": osm_class,
        "type": osm_type_tag,
        "place_rank": place_rank,
        "importance": 0.7,
        "name": name,
        "display_name": display_name or f"{name}, Ukraine",
        "boundingbox": boundingbox
        if boundingbox is not None
        else ["50.2132422", "50.5909867", "30.2394401", "30.8259527"],
    }
    if addresstype is not None:
        result["addresstype"] = addresstype
    return result


class NominatimStub:
    """A real HTTP server answering /search from a script of replies; the default reply is "not found"."""

    def __init__(self) -> None:
        """Create the stub; call start() (or use it as a context manager) to serve."""
        self.replies: deque[Reply] = deque()
        self.default = not_found()
        self.requests: list[SeenRequest] = []
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def script(self, *replies: Reply) -> None:
        """Queue replies to give, in order, before falling back to ``default``."""
        self.replies.extend(replies)

    @property
    def domain(self) -> str:
        """Return "127.0.0.1:PORT", for Nominatim(domain=..., scheme="http")."""
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def _next_reply(self) -> Reply:
        try:
            return self.replies.popleft()
        except IndexError:
            return self.default

    def start(self) -> NominatimStub:
        """Start serving on a free port of 127.0.0.1."""
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                stub.requests.append(
                    SeenRequest(
                        url.path,
                        {k: v[-1] for k, v in parse_qs(url.query).items()},
                        {k.lower(): v for k, v in self.headers.items()},
                        time.monotonic(),
                    )
                )
                reply = stub._next_reply() if url.path == "/search" else status(404)
                if reply.delay and stub._stopping.wait(reply.delay):
                    return
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    is_json = not isinstance(reply.body, bytes) or reply.status == 200
                    self.send_header("Content-Type", "application/json; charset=utf-8" if is_json else "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test): nothing to answer

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and wake any handler that is still sleeping."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> NominatimStub:
        """Start the server."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop the server."""
        self.stop()
