"""Two people acting at once, for the PostgreSQL race tests.

The first call runs until it has passed a given point (a function it calls once its row lock is
taken) and stops there; only then does the second call start. The first goes on as soon as the
second waits for a lock (it queues behind the first) or has finished without waiting (nothing
made it queue). The order is the same on every run: no sleep decides it."""

import threading

from django.db import connection

PATIENCE = 30  # seconds; only a broken service takes this long


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _waits_for_a_lock(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = %s AND NOT granted)", [pid]
        )
        return cursor.fetchone()[0]


def race(first, second, *, monkeypatch, holding):
    """Run `first` until `holding` (an (owner, name) pair: a module's function or an object's
    method) has returned in it, then `second`; `first` goes on once `second` queues behind it
    or is done. Return what each returned or raised, in that order."""
    owner, name = holding
    original = getattr(owner, name)
    first_holds = threading.Event()  # the first has passed `holding`: its lock is taken
    second_connected = threading.Event()
    second_done = threading.Event()
    first_thread: list[threading.Thread] = []
    second_pid: list[int] = []
    reached: list[bool] = []

    def pause_in_the_first(*args, **kwargs):
        answer = original(*args, **kwargs)
        if threading.current_thread() is first_thread[0] and not first_holds.is_set():
            reached.append(True)
            first_holds.set()
            _until_the_second_queues_or_is_done()
        return answer

    def _until_the_second_queues_or_is_done():
        assert second_connected.wait(PATIENCE), "the second call never started"
        for _ in range(PATIENCE * 100):
            if second_done.wait(0.01) or (second_pid and _waits_for_a_lock(second_pid[0])):
                return
        raise AssertionError("the second call neither queued nor finished")

    monkeypatch.setattr(owner, name, pause_in_the_first)
    outcomes: list[object] = [None, None]

    def run_first():
        try:
            outcomes[0] = first()
        except Exception as error:
            outcomes[0] = error
        finally:
            first_holds.set()  # a first that never reached `holding` lets the second go
            connection.close()

    def run_second():
        try:
            assert first_holds.wait(PATIENCE), "the first call never reached its lock"
            second_pid.append(_backend_pid())
            second_connected.set()
            outcomes[1] = second()
        except Exception as error:
            outcomes[1] = error
        finally:
            second_connected.set()
            second_done.set()
            connection.close()

    threads = [threading.Thread(target=run_first), threading.Thread(target=run_second)]
    first_thread.append(threads[0])
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=2 * PATIENCE)
    assert not any(thread.is_alive() for thread in threads), "a call never finished"
    assert reached, f"the first call never reached {name}: the two did not overlap"
    return outcomes
