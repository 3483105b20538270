"""A recording HTTP(S) proxy on localhost: proof that a process made no network request.

Point ``HTTP(S)_PROXY``/``ALL_PROXY`` at :attr:`ProxyRecorder.url`; every
connection attempt is recorded (its first request line, e.g. ``CONNECT
semgrep.dev:443 HTTP/1.1``) and refused with a 403.
"""

from __future__ import annotations

import socket
import threading
from typing import List

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


class ProxyRecorder:
    """Context manager: a listening socket on 127.0.0.1 and a thread recording request lines."""

    def __init__(self) -> None:
        self.requests: List[str] = []
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(16)
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.getsockname()[1]}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    head = conn.recv(4096).decode("latin-1")
                    conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                except OSError:
                    head = "<no request line>"
                self.requests.append(head.split("\r\n", 1)[0])

    def __enter__(self) -> "ProxyRecorder":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()
