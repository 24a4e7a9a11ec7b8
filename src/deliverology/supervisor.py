"""Keep a child process running: start it again, after a pause that grows, whenever it ends.

`deliverology serve` runs the background worker under one, beside the web server, so a worker
that dies (a bug, a kill, an out-of-memory) is replaced instead of leaving uploads waiting.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Sequence

Say = Callable[[str], None]


class Supervisor:
    """Runs `command` in a thread of its own until `stop()`; restarts it when it ends."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        say: Say = print,
        first_wait: float = 1.0,
        longest_wait: float = 60.0,
        steady_after: float = 60.0,
    ) -> None:
        self.command = list(command)
        self.say = say
        self.first_wait, self.longest_wait, self.steady_after = (
            first_wait,
            longest_wait,
            steady_after,
        )
        self.starts = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._keep_running, daemon=True)

    def start(self) -> Supervisor:
        self._thread.start()
        return self

    def _keep_running(self) -> None:
        wait = self.first_wait
        while not self._stopping.is_set():
            self.process = subprocess.Popen(self.command)  # noqa: S603  (our own command)
            self.starts += 1
            try:
                status = self.process.wait(timeout=self.steady_after)
            except subprocess.TimeoutExpired:
                wait = self.first_wait  # it ran steadily: a later end starts a fresh back-off
                status = self.process.wait()
            if self._stopping.is_set():
                return
            self.say(f"The background worker ended (status {status}); restarting in {wait:.0f} s")
            if self._stopping.wait(wait):
                return
            wait = min(wait * 2, self.longest_wait)

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self._thread.join(timeout=timeout)
