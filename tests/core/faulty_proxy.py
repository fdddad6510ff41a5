"""A real TCP proxy on loopback that damages some of the server's answers (tests only).

It reads each HTTP/1.1 request whole, forwards it on a fresh upstream connection, reads the
answer whole (the reference server always sends Content-Length), and then, by a seeded coin:
passes it on; cuts it (sends half the body and closes: shorter than its Content-Length);
garbles it (rewrites Content-Length to half and sends half: a well-framed 200 whose JSON is cut
short); or resets the connection without answering. The request has reached the server in every
case, so a client that retries must rely on idempotency to not duplicate anything.
"""

from __future__ import annotations

import random
import socket
import threading

MODES = ("pass", "cut", "garble", "reset")


def _read_message(sock: socket.socket, buffer: bytes, *, head_only: bool = False) -> tuple[bytes, bytes, bytes] | None:
    """(head, body, rest) of one HTTP message from ``sock`` (``buffer`` holds bytes read before)."""
    while b"\r\n\r\n" not in buffer:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    if head_only:
        length = 0
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return head, rest[:length], rest[length:]


class FaultyProxy:
    def __init__(self, upstream_port: int, *, fault_rate: float = 0.3, seed: int = 1) -> None:
        self.upstream_port = upstream_port
        self.fault_rate = fault_rate
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.counts = {m: 0 for m in MODES}
        self._stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _mode(self) -> str:
        with self.lock:
            mode = "pass" if self.random.random() >= self.fault_rate else self.random.choice(MODES[1:])
            self.counts[mode] += 1
            return mode

    def _accept(self) -> None:
        while not self._stopped:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        buffer = b""
        try:
            while True:
                request = _read_message(client, buffer)
                if request is None:
                    return
                head, body, buffer = request
                method = head.split(b" ", 1)[0]
                with socket.create_connection(("127.0.0.1", self.upstream_port), timeout=30) as up:
                    up.sendall(head + b"\r\n\r\n" + body)
                    answer = _read_message(up, b"", head_only=method == b"HEAD")
                if answer is None:
                    return
                r_head, r_body, _ = answer
                mode = self._mode() if r_body else "pass"
                if mode == "pass":
                    client.sendall(r_head + b"\r\n\r\n" + r_body)
                    continue
                if mode == "reset":
                    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                    return
                half = r_body[: len(r_body) // 2]
                if mode == "garble":
                    lines = [ln for ln in r_head.split(b"\r\n") if not ln.lower().startswith(b"content-length")]
                    lines.append(b"content-length: %d" % len(half))
                    client.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + half)
                    continue
                client.sendall(r_head + b"\r\n\r\n" + half)  # cut: fewer bytes than announced
                return
        except OSError:
            return
        finally:
            client.close()

    def close(self) -> None:
        self._stopped = True
        self.listener.close()
