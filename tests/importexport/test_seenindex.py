"""The importer's memory of earlier rows answers the same in memory and once spilled to disk."""

from __future__ import annotations

import pytest

from gridctl.seenindex import SeenIndex


@pytest.mark.parametrize("limit", [1_000_000, 3])
def test_add_put_remove_lookup(limit):
    with SeenIndex(memory_keys=limit) as seen:
        seen.add([("k:a", 2, None), ("h:1", 2, "610822100200001")])
        seen.add([("k:a", 9, None), ("k:b", 3, None), ("k:c", 4, None), ("k:d", 5, None)])
        assert seen.lookup(["k:a", "k:b", "k:x", "h:1"]) == {"k:a": (2, None), "k:b": (3, None),
                                                            "h:1": (2, "610822100200001")}
        seen.put([("H:1", 2, "ID1")])
        seen.put([("H:1", 7, "ID2")])
        assert seen.lookup(["H:1"]) == {"H:1": (7, "ID2")}
        seen.remove(["H:1", "H:none"])
        assert seen.lookup(["H:1"]) == {}
        assert (seen._mem is None) == (limit == 3)

