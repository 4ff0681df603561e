"""Two people acting at once, for the PostgreSQL race tests."""

import threading
import time

from django.db import connection


def race(*calls, stagger=0.0):
    """Run the calls in threads from one start; the n-th waits `stagger` * n seconds more.
    Return what each returned or raised, in the order of the calls."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        time.sleep(stagger * index)
        try:
            outcomes[index] = call()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a call never finished"
    return outcomes


def slowly(monkeypatch, owner, name, seconds=0.3):
    """Make `owner.name` (a module's function, or an object's method) pause after it ran:
    the window between checking and writing widens, as on a busy server."""
    original = getattr(owner, name)

    def slow(*args, **kwargs):
        answer = original(*args, **kwargs)
        time.sleep(seconds)
        return answer

    monkeypatch.setattr(owner, name, slow)
