"""A time limit on a whole conversation with a mail server (fetch's IMAP, remind's SMTP)."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading


class Deadline:
    """A whole conversation with a mail server held to `seconds`. The per-read time-out only catches a server
    that goes quiet; one that trickles a byte within each time-out (a failing link, a hostile server) would hold
    `fetch` or `remind` for hours. When the time is up the watched socket is shut down from this timer's thread,
    which wakes the read waiting on it with an error; `expired` then tells that error from a real one."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._watched: object = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, held: object) -> None:
        """Watch a socket, or a client object whose `sock` is its current socket (STARTTLS replaces it)."""
        with self._lock:
            self._watched = held
            if self.expired:
                _shut(held)

    def cancel(self) -> None:
        self._timer.cancel()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            _shut(self._watched)


def _shut(held: object) -> None:
    """Shut the socket down under a read in another thread (the plain socket call: an SSL socket's own
    shutdown would first tear down its TLS state, which that read is using). On Linux that wakes the read;
    Windows documents only closing a socket as cancelling a blocked call on it, so there it is closed too."""
    sock = held if isinstance(held, socket.socket) else getattr(held, "sock", None)
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        if sys.platform == "win32":
            with contextlib.suppress(OSError):
                socket.socket.close(sock)
