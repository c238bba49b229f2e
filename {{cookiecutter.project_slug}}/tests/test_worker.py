"""The worker works, beats and stops."""

import threading

from {{ cookiecutter.package_name }}.worker import Worker, heartbeat_age


def test_work_once_counts_units_across_restarts(settings):
    worker = Worker(settings)
    assert [worker.work_once() for _ in range(3)] == [1, 2, 3]
    assert Worker(settings).work_once() == 4


def test_no_heartbeat_before_the_first_beat(settings):
    assert heartbeat_age(settings) is None


def test_loop_beats_until_stopped(settings):
    worker = Worker(settings)
    threading.Timer(0.2, worker.stop).start()
    worker.loop()  # returns only because stop() was called
    assert worker.done >= 2
    assert heartbeat_age(settings) < 5
