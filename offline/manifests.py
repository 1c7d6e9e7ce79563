"""The Kubernetes objects of an offline evaluation, as the manifests the provider would apply.

pulumi-kubernetes sends each object's inputs (already camelCase, with apiVersion and
kind) to the API server; this turns the recorded inputs back into those manifests, so
they can be checked against Kubernetes' own OpenAPI schemas or written out as YAML.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from offline.engine import Evaluation, RecordedResource

REDACTED = "<redacted: the value stays in Pulumi's encrypted config>"


def _whole_numbers(value: Any) -> Any:
    """Pulumi's wire format carries every number as a float; Kubernetes integers are whole."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_numbers(v) for v in value]
    return value


def is_kubernetes_object(resource: RecordedResource) -> bool:
    return resource.custom and resource.package == "kubernetes" and not resource.type.startswith("pulumi:providers:")


def manifest(resource: RecordedResource) -> dict[str, Any]:
    """One object as a manifest: apiVersion, kind, metadata (with the name the provider chose) first."""
    body = _whole_numbers(resource.inputs)
    metadata = dict(body.get("metadata") or {})
    # An auto-named object gets its name from the provider (recorded in its state).
    if "name" not in metadata:
        metadata["name"] = (resource.state.get("metadata") or {}).get("name")
    rest = {k: v for k, v in body.items() if k not in ("apiVersion", "kind", "metadata")}
    return {"apiVersion": body["apiVersion"], "kind": body["kind"], "metadata": metadata, **rest}


def kubernetes_manifests(result: Evaluation) -> list[dict[str, Any]]:
    return [manifest(r) for r in result.resources if is_kubernetes_object(r)]


def redacted(item: dict[str, Any]) -> dict[str, Any]:
    """A Secret with its values replaced, so no written file ever holds one (not even a placeholder)."""
    if item["kind"] != "Secret":
        return item
    copy = dict(item)
    for key in ("data", "stringData"):
        if isinstance(copy.get(key), dict):
            copy[key] = dict.fromkeys(copy[key], REDACTED)
    return copy


def write_manifests(result: Evaluation, directory: Path) -> list[Path]:
    """One YAML file per object (`<kind>-<name>.yaml`, lower case), Secrets redacted."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for item in kubernetes_manifests(result):
        path = directory / f"{item['kind'].lower()}-{item['metadata']['name']}.yaml"
        path.write_text(yaml.safe_dump(redacted(item), sort_keys=False))
        written.append(path)
    return written
