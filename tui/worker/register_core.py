"""The worker app's register operations (DESIGN 17): households with their members, a person
added, edited, moved out, tagged — the same ``gridctl.ops`` calls as the CLI, nothing more."""

from __future__ import annotations

from typing import Any


class RegisterOps:
    """Mixed into ``tui.worker.core.Core`` (which provides ``client``, ``ops`` and ``offline``)."""

    def household_with_members(self, ref: str, include_all: bool = False) -> dict:
        return self.ops.show_household(self.client, ref, include_all=include_all)

    def _written(self, result: Any):
        from tui.worker.core import _as_dict, _write_seen

        return _as_dict(result), _write_seen(result, self.offline)

    def add_person(self, household_ref: str, **fields: Any):
        previous = fields.pop("previous_head_relation", None)
        fields = {k: v for k, v in fields.items() if v not in (None, "", [])}
        return self._written(self.ops.add_person(self.client, household_ref, previous_head_relation=previous,
                                                 **fields))

    def update_person(self, ref: str, **fields: Any):
        previous = fields.pop("previous_head_relation", None)
        fields = {k: v for k, v in fields.items() if v not in (None, "")}
        return self._written(self.ops.update_person(self.client, ref, previous_head_relation=previous, **fields))

    def move_out(self, ref: str, *, to: str, on: str | None = None):
        return self._written(self.ops.move_out(self.client, ref, to=to, on=on or None))

    def decease(self, ref: str, *, on: str | None = None):
        return self._written(self.ops.decease(self.client, ref, on=on or None))

    def tag_person(self, ref: str, *, add: list[str], remove: list[str], risk_level: int | None = None):
        return self._written(self.ops.tag(self.client, ref, add=add, remove=remove, risk_level=risk_level))

    def add_household(self, *, grid: str, household_no: str, address: str):
        return self._written(self.ops.add_household(self.client, grid=grid, household_no=household_no,
                                                    address=address))

    def restore_person(self, ref: str):
        return self._written(self.ops.restore(self.client, ref))

    def update_household(self, ref: str, **changes: Any):
        return self._written(self.ops.update_household(self.client, ref, **changes))

    def move_person(self, ref: str, *, household: str, relation: str | None = None,
                    previous_head_relation: str | None = None):
        return self._written(self.ops.move(self.client, ref, household=household, relation=relation or None,
                                           previous_head_relation=previous_head_relation or None))
