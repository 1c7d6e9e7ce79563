"""Read a stack's configuration the way the Pulumi CLI hands it to a program."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SECRET_PLACEHOLDER_PREFIX = "offline-secret-"


class StackConfigError(Exception):
    """The project or stack file cannot be used (missing, unreadable, wrong type)."""


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    # Full key ("project:key", "aws:region") -> value as the CLI passes it (JSON for non-strings).
    values: dict[str, str]
    secret_keys: frozenset[str]
    # Placeholder -> config path, for secure values.
    placeholders: dict[str, str]


def secret_placeholder(path: str) -> str:
    """A stable stand-in for an encrypted value; the real value is never available offline."""
    return SECRET_PLACEHOLDER_PREFIX + hashlib.sha256(path.encode()).hexdigest()[:16]


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError as e:
        raise StackConfigError(f"{path.name} not found in {path.parent}") from e
    except yaml.YAMLError as e:
        raise StackConfigError(f"{path.name} is not valid YAML: {e}") from e
    if not isinstance(data, dict):
        raise StackConfigError(f"{path.name} must be a YAML mapping")
    return data


def _full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _replace_secure(value: Any, path: str, placeholders: dict[str, str]) -> tuple[Any, bool]:
    """Swap every `{secure: ...}` leaf for a placeholder; report whether any was found."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            placeholder = secret_placeholder(path)
            placeholders[placeholder] = path
            return placeholder, True
        found = False
        result = {}
        for k, v in value.items():
            result[k], secret = _replace_secure(v, f"{path}.{k}", placeholders)
            found = found or secret
        return result, found
    if isinstance(value, list):
        items = []
        found = False
        for i, v in enumerate(value):
            item, secret = _replace_secure(v, f"{path}[{i}]", placeholders)
            items.append(item)
            found = found or secret
        return items, found
    return value, False


def _as_cli_string(value: Any) -> str:
    # The CLI passes strings as they are and everything else as JSON.
    if isinstance(value, str):
        return value
    return json.dumps(value)


_YAML_TYPES = {"string": str, "integer": int, "boolean": bool, "array": list}


def _check_declared_type(key: str, declared: dict[str, Any], value: Any) -> str | None:
    expected = declared.get("type")
    if expected is None or expected not in _YAML_TYPES:
        return None
    python_type = _YAML_TYPES[expected]
    ok = isinstance(value, python_type) and not (python_type is int and isinstance(value, bool))
    return None if ok else f"{key}: value {json.dumps(value)} is not of the declared type {expected}"


def load_stack_config(project_dir: Path, stack: str, overrides: dict[str, Any] | None = None) -> StackConfig:
    """Project defaults, then the stack file, then `overrides` (full keys, YAML-shaped values)."""
    project_file = _read_yaml(project_dir / "Pulumi.yaml")
    project = project_file.get("name")
    if not isinstance(project, str):
        raise StackConfigError("Pulumi.yaml has no project name")
    stack_file = _read_yaml(project_dir / f"Pulumi.{stack}.yaml")

    declared: dict[str, dict[str, Any]] = {}
    merged: dict[str, Any] = {}
    for key, spec in (project_file.get("config") or {}).items():
        full = _full_key(project, key)
        if isinstance(spec, dict):
            declared[full] = spec
            if "default" in spec:
                merged[full] = spec["default"]
            elif "value" in spec:
                merged[full] = spec["value"]
        else:
            merged[full] = spec
    for key, value in (stack_file.get("config") or {}).items():
        merged[_full_key(project, key)] = value
    for key, value in (overrides or {}).items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value

    problems = [
        p
        for key, spec in declared.items()
        if key in merged and (p := _check_declared_type(key, spec, merged[key])) is not None
    ]
    problems += [f"{key}: no value and no default" for key in declared if key not in merged]
    if problems:
        raise StackConfigError("Stack config does not match Pulumi.yaml:\n  - " + "\n  - ".join(problems))

    placeholders: dict[str, str] = {}
    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    for key, value in merged.items():
        clean, secret = _replace_secure(value, key, placeholders)
        values[key] = _as_cli_string(clean)
        if secret:
            secret_keys.add(key)
    return StackConfig(project, stack, values, frozenset(secret_keys), placeholders)
