"""The worker: does one unit of work every WORK_INTERVAL seconds until told to stop."""

import logging
import os
import signal
import threading
import time
from pathlib import Path

from {{ cookiecutter.package_name }} import store

log = logging.getLogger(__name__)


class Worker:
    """A loop that works, leaves a heartbeat for the health check, and stops at once on SIGTERM."""

    def __init__(self, settings):
        self.settings = settings
        self.done = 0
        self.stopping = threading.Event()

    def work_once(self):
        """One unit of work; replace the body with the real job. Returns how many units were
        done in all, a count kept in DATA_DIR, so it goes on across restarts."""
        self.done += 1
        total = store.hit(self.settings, "units")
        log.info("unit of work %d done", total)
        return total

    def beat(self):
        """Record that the loop is alive (`healthcheck` reads the file's age)."""
        Path(self.settings.heartbeat_file).touch()

    def stop(self, *_):
        """Finish the current unit, then leave the loop (the SIGTERM and SIGINT handler)."""
        self.stopping.set()

    def run(self):
        """Stop on SIGTERM (`docker stop`) and SIGINT (Ctrl-C), and loop."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.loop()

    def loop(self):
        """Work, beat, and wait an interval, until stopped."""
        log.info("worker started, one unit every %s s", self.settings.interval)
        while not self.stopping.is_set():
            self.work_once()
            self.beat()
            self.stopping.wait(self.settings.interval)
        log.info("worker stopped after %d units", self.done)


def heartbeat_age(settings):
    """Seconds since the last heartbeat, or None when there has been none."""
    try:
        return time.time() - os.stat(settings.heartbeat_file).st_mtime
    except FileNotFoundError:
        return None
