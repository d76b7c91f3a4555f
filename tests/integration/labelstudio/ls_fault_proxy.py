"""A small HTTP proxy in front of the real Label Studio that injects faults on chosen requests.

Everything is forwarded to the real server except what a rule intercepts:
- `("status", code)`: answer `code` without forwarding (a server error on a read);
- `"drop_reply"`: forward to the real server, then close the connection without answering (the server
  did the work, the client never hears of it: a reply lost in the network or a crash after commit).
Rules match on method and path prefix and fire a given number of times. Every request is counted.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Union

import httpx

Action = Union[tuple, str]
_HOP = {"host", "content-length", "connection", "keep-alive", "transfer-encoding", "accept-encoding"}


@dataclass
class Rule:
    method: str
    path_prefix: str
    action: Action
    times: int


class FaultProxy:
    """`with FaultProxy(upstream) as proxy:` -> proxy.url to point a client at; proxy.add(...) rules."""

    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.rules: list[Rule] = []
        self.seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=60)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                action = proxy._match(self.command, self.path)
                if isinstance(action, tuple) and action[0] == "status":
                    payload = b'{"detail": "injected fault"}'
                    self.send_response(action[1])
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                reply = proxy._http.request(self.command, proxy.upstream + self.path, headers=headers, content=body)
                if action == "drop_reply":
                    self.close_connection = True
                    return
                data = reply.content
                self.send_response(reply.status_code)
                for k, v in reply.headers.items():
                    if k.lower() not in _HOP and k.lower() != "content-encoding":
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def add(self, method: str, path_prefix: str, action: Action, times: int = 1) -> None:
        with self._lock:
            self.rules.append(Rule(method.upper(), path_prefix, action, times))

    def count(self, method: str, path_prefix: str) -> int:
        with self._lock:
            return sum(1 for m, p in self.seen if m == method.upper() and p.startswith(path_prefix))

    def _match(self, method: str, path: str):
        with self._lock:
            self.seen.append((method, path))
            for rule in self.rules:
                if rule.times > 0 and rule.method == method and path.startswith(rule.path_prefix):
                    rule.times -= 1
                    return rule.action
        return None

    def __enter__(self) -> "FaultProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._http.close()
