"""schemas/collector.py: the cyclic collector is off while any import holds it, on again after
the last one leaves (not before), and an error inside still propagates."""

from __future__ import annotations

import gc
import threading

import pytest

from schemas.collector import collector_held


def test_off_while_held_and_on_after_the_last_holder():
    assert gc.isenabled()
    first_in, second_out = threading.Event(), threading.Event()
    seen = {}

    def other():
        with collector_held():
            first_in.wait(10)
            seen["inside other"] = gc.isenabled()
        second_out.set()

    with collector_held():
        assert not gc.isenabled()
        t = threading.Thread(target=other)
        t.start()
        first_in.set()
        assert second_out.wait(10)
        assert not gc.isenabled()  # the other holder left; this one still holds
    t.join(10)
    assert seen == {"inside other": False}
    assert gc.isenabled()


def test_an_error_inside_propagates_and_the_collector_is_back():
    with pytest.raises(ValueError):
        with collector_held():
            raise ValueError("boom")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off():
    gc.disable()
    try:
        with collector_held():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_cycles_made_while_held_are_collected_after():
    import weakref

    class Node:
        pass

    with collector_held():
        a, b = Node(), Node()
        a.other, b.other = b, a
        ref = weakref.ref(a)
        del a, b
        assert ref() is not None  # waits: nothing collects cycles while held
    gc.collect()
    assert ref() is None
