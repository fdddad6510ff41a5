"""Plain coercion for plain parameters, so that a command does not load pydantic to parse them.

Typer 0.29 coerces every parameter through a pydantic TypeAdapter; importing pydantic and
building adapters costs ~50 ms on every run, --help and completion included. Our commands use
only simple types (text, numbers, flags, paths, enums and lists of them), which need no
pydantic; anything else still goes to Typer's own coercion. tests/test_startup.py checks the
result: no pydantic on those paths.
"""

from __future__ import annotations

import enum
import typing
from pathlib import Path
from typing import Any


def _light_runtime_param(descriptor):
    from typer._click.exceptions import BadParameter
    from typer._coercion import RuntimeParam

    from gridctl.i18n import t

    annotation = descriptor.annotation
    info = descriptor.parameter_info
    item = annotation
    if typing.get_origin(annotation) in (list, typing.List):
        args = typing.get_args(annotation)
        item = args[0] if args else str
    simple = item in (str, bool, int, float, Path) or (isinstance(item, type) and issubclass(item, enum.Enum))
    if not simple or descriptor.file_annotation is not None:
        return None
    low, high = getattr(info, "min", None), getattr(info, "max", None)

    def one(value: Any, param, ctx) -> Any:
        try:
            if isinstance(item, type) and issubclass(item, enum.Enum):
                if isinstance(value, item):
                    return value
                return item(value)
            if item is bool:
                if isinstance(value, bool):
                    return value
                text = str(value).lower()
                if text in ("1", "true", "yes", "on"):
                    return True
                if text in ("0", "false", "no", "off"):
                    return False
                raise ValueError
            converted = item(value) if not isinstance(value, item) else value
        except ValueError:
            if isinstance(item, type) and issubclass(item, enum.Enum):
                choices = ", ".join(str(m.value) for m in item)
                raise BadParameter(t("usage.not_one_of", value=value, choices=choices), ctx=ctx, param=param) from None
            kind = t("usage.kind." + item.__name__)
            raise BadParameter(t("usage.not_valid", value=value, kind=kind), ctx=ctx, param=param) from None
        if low is not None and converted < low or high is not None and converted > high:
            bounds = (t("usage.at_least", low=low) if high is None else t("usage.at_most", high=high) if low is None
                      else t("usage.between", low=low, high=high))
            raise BadParameter(t("usage.out_of_range", value=converted, bounds=bounds), ctx=ctx, param=param)
        return converted

    class Light(RuntimeParam):
        def _coerce_value(self, value, param, ctx):
            if item is not annotation:
                return [one(v, param, ctx) for v in value]
            return one(value, param, ctx)

    return Light(annotation=annotation, parameter_info=info)


def install() -> None:
    from typer import core

    if getattr(core._TyperParameter, "_gridctl_light", False):
        return

    def get_runtime_param(self):
        if self._runtime_param is None:
            self._runtime_param = _light_runtime_param(self.type_descriptor) or core.build_runtime_param(
                self.type_descriptor)
        return self._runtime_param

    core._TyperParameter.get_runtime_param = get_runtime_param
    core._TyperParameter._gridctl_light = True
