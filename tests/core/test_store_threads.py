"""One store, several threads: the worker TUI reads and writes its cache from thread workers
(one search per keystroke, a background sync, a save). Found by hand: typing a household number
in the TUI answered "Unexpected error: cannot start a transaction within a transaction" several
times, because every thread shared one SQLite connection and their transactions interleaved —
one thread's ROLLBACK could undo another's committed-to-be writes. Transactions now take turns."""

from __future__ import annotations

import sqlite3
import threading

from gridctl.store import Store


def test_a_second_thread_waits_for_the_first_transaction_and_rolls_back_only_its_own(tmp_path):
    store = Store(tmp_path / "store.db")
    inside, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        with store.transaction() as conn:
            store.set_meta("first", 1, conn)
            inside.set()
            assert release.wait(30)

    def second() -> None:
        assert inside.wait(30)
        try:
            with store.transaction() as conn:
                store.set_meta("second", 2, conn)
                raise LookupError("this thread's own failure")
        except LookupError:
            pass
        except sqlite3.Error as exc:
            errors.append(exc)

    one, two = threading.Thread(target=first), threading.Thread(target=second)
    one.start()
    two.start()
    # While the first holds its transaction, the second must be waiting for it, not failing.
    two.join(timeout=2)
    still_waiting = two.is_alive()
    release.set()
    one.join(30)
    two.join(30)
    assert errors == []
    assert still_waiting
    assert (store.get_meta("first"), store.get_meta("second")) == (1, None)


def test_reads_of_another_thread_never_see_an_unfinished_transaction(tmp_path):
    store = Store(tmp_path / "store.db")
    store.set_meta("value", "old")
    inside, release = threading.Event(), threading.Event()
    seen: list = []

    def writer() -> None:
        try:
            with store.transaction() as conn:
                store.set_meta("value", "half-done", conn)
                inside.set()
                assert release.wait(30)
                raise LookupError("rolled back")
        except LookupError:
            pass

    def reader() -> None:
        assert inside.wait(30)
        seen.append(store.get_meta("value"))

    w, r = threading.Thread(target=writer), threading.Thread(target=reader)
    w.start()
    r.start()
    r.join(timeout=2)
    release.set()
    w.join(30)
    r.join(30)
    assert seen == ["old"]
