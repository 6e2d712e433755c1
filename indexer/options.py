"""Command-line flags generated from a settings model, so flags, variables and help agree.

Every flag's help names its default and its `VINDPLAATS_*` variable. A flag left out is None
and does not override the environment, the `.env` file or the default.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic_settings import BaseSettings

from .config import env_name


def _kind(annotation: Any) -> tuple[Any, list[str] | None]:
    """(argparse type, choices) for a field annotation."""
    if get_origin(annotation) is Literal:
        return str, [str(a) for a in get_args(annotation)]
    args = [a for a in get_args(annotation) if a is not type(None)]
    if args:  # Optional[X]
        return _kind(args[0])
    if annotation in (int, float, Path):
        return annotation, None
    return str, None


def _default_text(value: Any) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def add_setting_options(
    parser: argparse.ArgumentParser,
    model: type[BaseSettings],
    fields: Iterable[str],
    flags: Mapping[str, str] | None = None,
) -> None:
    """Add `--field-name` (or `flags[field]`) for each field, typed and documented."""
    for name in fields:
        info = model.model_fields[name]
        flag = (flags or {}).get(name, "--" + name.replace("_", "-"))
        help_text = (
            f"{info.description or name} "
            f"(default: {_default_text(info.default)}; env {env_name(model, name)})"
        ).replace("%", "%%")
        if info.annotation is bool:
            parser.add_argument(
                flag, dest=name, action=argparse.BooleanOptionalAction, default=None, help=help_text
            )
            continue
        kind, choices = _kind(info.annotation)
        metavar = None if choices else {Path: "PATH", int: "N", float: "N"}.get(kind, "VALUE")
        parser.add_argument(flag, dest=name, type=kind, choices=choices, metavar=metavar, help=help_text)


def setting_overrides(args: argparse.Namespace, model: type[BaseSettings]) -> dict[str, Any]:
    """The settings given on the command line (flags left out are not overrides)."""
    return {
        name: value for name, value in vars(args).items() if name in model.model_fields and value is not None
    }


def add_env_file_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--env-file",
        type=Path,
        default=Path(".env"),
        metavar="FILE",
        help="read VINDPLAATS_* settings from this file when it exists (default: .env)",
    )
