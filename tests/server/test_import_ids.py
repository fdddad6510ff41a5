"""The import's batch of record ids: real UUIDv7 text, distinct, later calls sorting after earlier."""

import uuid

from server.services.imports import _uuid7s


def test_a_batch_of_ids_is_uuid7_text_distinct_and_in_time_order():
    first = _uuid7s(2000)
    assert len(set(first)) == 2000
    for text in first:
        value = uuid.UUID(text)
        assert (value.version, value.variant, str(value)) == (7, uuid.RFC_4122, text)
    later = None
    while later is None or later[0][:13] == first[0][:13]:  # a millisecond on
        later = _uuid7s(1)
    assert later[0] > max(first)
