"""Loopback MCP servers over Streamable HTTP, one per spec revision, standard library only.

``FakeHTTP(revision)`` serves on 127.0.0.1 (a port the OS picks) and
answers as the transport page of its revision shows
(https://modelcontextprotocol.io/specification/<revision>/basic/transports):

- ``2025-06-18`` and ``2025-11-25`` (the handshake era): ``initialize``
  gives an ``Mcp-Session-Id``; a later request without it is ``400``, with
  an unknown one ``404``, without the negotiated ``MCP-Protocol-Version``
  ``400``; notifications and responses are ``202``; ``DELETE`` ends the
  session; a request before ``initialize`` (the dual-era probe) is
  ``400`` with a JSON-RPC error that is not a modern one. Tools: ``add``
  (JSON), ``ask`` (an event stream on which the server pings the client
  and asks it for sampling, elicitation and roots, waits for the answers,
  and reports them), ``poll`` (the 2025-11-25 polling pattern: a priming
  event with an id and ``retry``, the connection closed, the rest replayed
  in two pieces to ``GET`` with ``Last-Event-ID``), ``cut`` (a stream closed
  without any event id: not resumable), ``hang`` (a stream that never
  answers). ``GET`` without ``Last-Event-ID`` is
  ``405``, or with ``listen=True`` the session's own stream: the server
  asks ``roots/list`` and sends a notification on it, keeps the answer in
  ``listened``, then sends keep-alives until the client closes it
  (``get_closed`` is set).
- ``2026-07-28``: no sessions (``GET``/``DELETE`` are ``405``); every POST
  is checked against its body (``MCP-Protocol-Version`` against ``_meta``,
  ``Mcp-Method``, ``Mcp-Name`` Base64-decoded, each ``Mcp-Param-*`` of the
  tool's ``x-mcp-header`` properties) and refused ``400`` with
  ``HeaderMismatch`` (-32020); ``initialize`` is ``400`` with
  ``UnsupportedProtocolVersion`` (-32022) naming 2026-07-28; an unknown
  method ``404`` with -32601. Tools: ``query`` (two ``x-mcp-header``
  parameters, one nested), ``bad`` (an annotation under ``items``: a client
  must leave it out), ``grüße`` (a name sent Base64-encoded), ``shed`` (an
  ``InputRequiredResult`` with only ``requestState``, twice), ``ask`` (-32021,
  the client lacks elicitation), ``ask-anyway`` (asks for elicitation
  regardless), ``flaky`` (its first stream breaks before the answer),
  ``hang`` (a stream that never answers).

Every request is kept in ``requests`` (method, lower-cased headers, JSON body).
"""

from __future__ import annotations

import base64
import json
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional, Tuple

MODERN = "2026-07-28"
META = "io.modelcontextprotocol/"


def _schema(**properties: Any) -> Dict[str, Any]:
    return {"type": "object", "properties": properties}


LEGACY_TOOLS = [
    {"name": n, "description": n, "inputSchema": _schema(a={"type": "integer"})}
    for n in ("add", "ask", "poll", "cut", "hang")
]
QUERY = _schema(
    region={"type": "string", "x-mcp-header": "Region"},
    opts=_schema(tenant={"type": "integer", "x-mcp-header": "Tenant"}),
    sql={"type": "string"},
)
MODERN_TOOLS = [
    {"name": "query", "description": "query", "inputSchema": QUERY},
    {
        "name": "bad",
        "description": "bad",
        "inputSchema": _schema(
            xs={"type": "array", "items": {"type": "string", "x-mcp-header": "X"}}
        ),
    },
    *(
        {"name": n, "description": n, "inputSchema": _schema(a={"type": "integer"})}
        for n in ("grüße", "shed", "ask", "ask-anyway", "flaky", "hang")
    ),
]


class Seen:
    """One request: its HTTP method, lower-cased headers and JSON body (``None`` if none)."""

    def __init__(self, method: str, headers: Dict[str, str], body: Any) -> None:
        self.method = method
        self.headers = headers
        self.body = body


class FakeHTTP:
    """An MCP server of ``revision`` on a loopback port (a context manager)."""

    def __init__(
        self, revision: str, header_added_later: bool = False, listen: bool = False
    ) -> None:
        self.revision = revision
        self.listen = listen
        self.listened: List[Dict[str, Any]] = []
        self.get_closed = threading.Event()
        self.stopping = threading.Event()
        self.requests: List[Seen] = []
        self.sessions: Dict[str, queue.Queue[Dict[str, Any]]] = {}
        self.streams: Dict[str, List[Tuple[str, Dict[str, Any]]]] = {}
        self.attempts: Dict[str, int] = {}
        self.lists = 0
        self.header_added_later = header_added_later
        self.lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/mcp"

    def __enter__(self) -> FakeHTTP:
        threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def posted(self) -> List[Seen]:
        """The POSTs received, in order."""
        return [r for r in self.requests if r.method == "POST"]

    def tools(self) -> List[Dict[str, Any]]:
        if self.revision != MODERN:
            return LEGACY_TOOLS
        with self.lock:
            self.lists += 1
            first = self.lists == 1
        if self.header_added_later and first:  # as listed before the server changed it
            return [
                {
                    "name": "query",
                    "description": "query",
                    "inputSchema": _schema(region={"type": "string"}, sql={"type": "string"}),
                }
            ]
        return MODERN_TOOLS


def error(ident: Any, code: int, message: str, data: Any = None) -> Dict[str, Any]:
    body: Dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        body["data"] = data
    return {"jsonrpc": "2.0", "id": ident, "error": body}


def result(ident: Any, value: Dict[str, Any]) -> Dict[str, Any]:
    return {"jsonrpc": "2.0", "id": ident, "result": value}


def text(value: str, modern: bool = False) -> Dict[str, Any]:
    found: Dict[str, Any] = {"content": [{"type": "text", "text": value}]}
    if modern:
        found["resultType"] = "complete"
    return found


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeHTTP

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- the wire ---------------------------------------------------------------------------
    def reply(
        self, status: int, body: Any = None, headers: Optional[Dict[str, str]] = None
    ) -> None:
        payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def stream(self) -> None:
        """Start an event stream that ends when the connection closes."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def event(self, message: Any = None, ident: str = "", retry: int = 0) -> None:
        lines = [f"id: {ident}"] if ident else []
        if retry:
            lines.append(f"retry: {retry}")
        lines.append("data: " + ("" if message is None else json.dumps(message)))
        self.wfile.write(("\n".join(lines) + "\n\n").encode())
        self.wfile.flush()

    # -- requests ---------------------------------------------------------------------------
    def _seen(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        headers = {k.lower(): v for k, v in self.headers.items()}
        with self.fake.lock:
            self.fake.requests.append(Seen(self.command, headers, body))
        return body

    def do_POST(self) -> None:
        message = self._seen()
        if self.fake.revision == MODERN:
            self._modern(message)
        else:
            self._legacy(message)

    def do_GET(self) -> None:
        self._seen()
        last = self.headers.get("Last-Event-ID")
        if self.fake.revision != MODERN and not last and self.fake.listen:
            self._listen()
            return
        if self.fake.revision == MODERN or not last:
            self.reply(405)
            return
        stream = last.rsplit("-", 1)[0]
        events = self.fake.streams.get(stream, [])
        after = [e for e in events if int(e[0].rsplit("-", 1)[1]) > int(last.rsplit("-", 1)[1])]
        self.stream()
        for ident, message in after[:1]:  # one event per connection: the client polls again
            self.event(message, ident, retry=20)

    def _listen(self) -> None:
        fake = self.fake
        inbox = fake.sessions[self.headers["Mcp-Session-Id"]]
        self.stream()
        self.event({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
        self.event({"jsonrpc": "2.0", "id": "g1", "method": "roots/list"}, "g-1")
        fake.listened.append(inbox.get(timeout=10))
        try:
            while not fake.stopping.wait(0.05):
                self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except OSError:
            fake.get_closed.set()

    def _hang(self) -> None:
        """An event stream that never answers (until the server stops)."""
        self.stream()
        self.fake.stopping.wait(30)

    def do_DELETE(self) -> None:
        self._seen()
        if self.fake.revision == MODERN:
            self.reply(405)
            return
        self.fake.sessions.pop(self.headers.get("Mcp-Session-Id", ""), None)
        self.reply(200)

    # -- 2025-06-18 and 2025-11-25 ----------------------------------------------------------
    def _legacy(self, message: Dict[str, Any]) -> None:
        fake, method, ident = self.fake, message.get("method"), message.get("id")
        if method == "initialize":
            session = f"session-{len(fake.sessions) + 1}"
            fake.sessions[session] = queue.Queue()
            answer = {
                "protocolVersion": fake.revision,
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "fake-http", "version": "1"},
            }
            self.reply(200, result(ident, answer), {"Mcp-Session-Id": session})
            return
        session = self.headers.get("Mcp-Session-Id")
        if not session:
            self.reply(400, error(None, -32600, "Bad Request: No valid session ID provided"))
            return
        if session not in fake.sessions:
            self.reply(404, error(None, -32600, "Session not found"))
            return
        if self.headers.get("MCP-Protocol-Version") != fake.revision:
            self.reply(400, error(None, -32600, "Bad Request: Unsupported protocol version"))
            return
        if method is None:  # the client's answer to one of our requests
            fake.sessions[session].put(message)
            self.reply(202)
        elif ident is None:
            self.reply(202)
        elif method == "tools/list":
            self.reply(200, result(ident, {"tools": fake.tools()}))
        elif method == "tools/call":
            self._legacy_call(message, fake.sessions[session])
        else:
            self.reply(200, error(ident, -32601, f"Method not found: {method}"))

    def _legacy_call(self, message: Dict[str, Any], inbox: queue.Queue[Dict[str, Any]]) -> None:
        name, ident = message["params"]["name"], message["id"]
        if name == "add":
            self.reply(200, result(ident, text(str(message["params"]["arguments"]["a"] + 1))))
        elif name == "ask":
            self.stream()
            self.event(
                {
                    "jsonrpc": "2.0",
                    "method": "notifications/progress",
                    "params": {"progressToken": 1, "progress": 0.5},
                }
            )
            asked = {
                "q1": ("ping", None),
                "q2": (
                    "sampling/createMessage",
                    {
                        "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}],
                        "maxTokens": 10,
                    },
                ),
                "q3": (
                    "elicitation/create",
                    {
                        "mode": "form",
                        "message": "Name?",
                        "requestedSchema": _schema(name={"type": "string"}),
                    },
                ),
                "q4": ("roots/list", None),
            }
            for key, (method, params) in asked.items():
                request: Dict[str, Any] = {"jsonrpc": "2.0", "id": key, "method": method}
                if params is not None:
                    request["params"] = params
                self.event(request)
            answers = {}
            for _ in asked:
                got = inbox.get(timeout=10)
                answers[asked[got["id"]][0]] = got.get("error", {}).get("code", got.get("result"))
            self.event(result(ident, text(json.dumps(answers, sort_keys=True))))
        elif name == "poll":
            stream = f"stream{ident}"
            self.fake.streams[stream] = [
                (
                    f"{stream}-1",
                    {
                        "jsonrpc": "2.0",
                        "method": "notifications/progress",
                        "params": {"progressToken": 2, "progress": 0.5},
                    },
                ),
                (f"{stream}-2", result(ident, text("polled"))),
            ]
            self.stream()
            self.event(None, f"{stream}-0", retry=20)  # priming, then the connection closes
        elif name == "hang":
            self._hang()
        else:  # cut: closed with no event id to resume from
            self.stream()
            self.event(
                {
                    "jsonrpc": "2.0",
                    "method": "notifications/progress",
                    "params": {"progressToken": 3, "progress": 0.1},
                }
            )

    # -- 2026-07-28 -------------------------------------------------------------------------
    def _modern(self, message: Dict[str, Any]) -> None:
        method, ident = message.get("method"), message.get("id")
        params = message.get("params") or {}
        meta = params.get("_meta") or {}
        version = meta.get(META + "protocolVersion")
        if method == "initialize" or version != MODERN:
            data = {"supported": [MODERN], "requested": version or params.get("protocolVersion")}
            self.reply(400, error(ident, -32022, "Unsupported protocol version", data))
            return
        wrong = self._mismatch(message)
        if wrong:
            self.reply(400, error(ident, -32020, f"Header mismatch: {wrong}"))
            return
        if method == "server/discover":
            found = {
                "resultType": "complete",
                "supportedVersions": [MODERN],
                "capabilities": {"tools": {}},
                "ttlMs": 0,
                "cacheScope": "private",
                "_meta": {META + "serverInfo": {"name": "fake-http", "version": "2"}},
            }
            self.reply(200, result(ident, found))
        elif method == "tools/list":
            found = {
                "resultType": "complete",
                "tools": self.fake.tools(),
                "ttlMs": 0,
                "cacheScope": "private",
            }
            self.reply(200, result(ident, found))
        elif method == "tools/call":
            self._modern_call(message)
        else:
            self.reply(404, error(ident, -32601, f"Method not found: {method}"))

    def _mismatch(self, message: Dict[str, Any]) -> str:
        """What in the headers does not match the body ("" if all do)."""
        params = message.get("params") or {}
        if self.headers.get("MCP-Protocol-Version") != params["_meta"][META + "protocolVersion"]:
            return "MCP-Protocol-Version"
        if self.headers.get("Mcp-Method") != message.get("method"):
            return "Mcp-Method"
        if message.get("method") != "tools/call":
            return ""
        if _decoded(self.headers.get("Mcp-Name")) != params.get("name"):
            return "Mcp-Name"
        if params.get("name") != "query":
            return ""
        arguments = params.get("arguments") or {}
        for header, value in (
            ("Region", arguments.get("region")),
            ("Tenant", (arguments.get("opts") or {}).get("tenant")),
        ):
            sent = _decoded(self.headers.get(f"Mcp-Param-{header}"))
            if (None if value is None else str(value)) != sent:
                return f"Mcp-Param-{header}"
        return ""

    def _modern_call(self, message: Dict[str, Any]) -> None:
        params, ident = message["params"], message["id"]
        name, arguments = params["name"], params.get("arguments") or {}
        if name == "shed" and params.get("requestState") != "state-2":
            state = "state-2" if params.get("requestState") == "state-1" else "state-1"
            self.reply(200, result(ident, {"resultType": "input_required", "requestState": state}))
        elif name == "ask":
            data = {"requiredCapabilities": {"elicitation": {}}}
            self.reply(400, error(ident, -32021, "This tool needs elicitation", data))
        elif name == "ask-anyway":
            asked = {
                "who": {
                    "method": "elicitation/create",
                    "params": {
                        "mode": "form",
                        "message": "Name?",
                        "requestedSchema": _schema(n={"type": "string"}),
                    },
                }
            }
            self.reply(200, result(ident, {"resultType": "input_required", "inputRequests": asked}))
        elif name == "hang":
            self._hang()
        elif name == "flaky":
            with self.fake.lock:
                self.fake.attempts[name] = self.fake.attempts.get(name, 0) + 1
                first = self.fake.attempts[name] == 1
            if first:  # a progress event, then the stream breaks
                self.stream()
                self.event(
                    {
                        "jsonrpc": "2.0",
                        "method": "notifications/progress",
                        "params": {"progressToken": 1, "progress": 0.1},
                    }
                )
                return
            self.reply(200, result(ident, text(f"flaky {ident}", modern=True)))
        else:
            self.reply(
                200,
                result(ident, text(f"{name} {json.dumps(arguments, sort_keys=True)}", modern=True)),
            )


def _decoded(value: Optional[str]) -> Optional[str]:
    """A header value, Base64-decoded if sent in the sentinel form."""
    if value is not None and value.startswith("=?base64?") and value.endswith("?="):
        return base64.b64decode(value[9:-2]).decode("utf-8")
    return value
