"""The Kubernetes objects of an offline evaluation, as the manifests the provider would apply.

pulumi-kubernetes sends each object's inputs (already camelCase, with apiVersion and
kind) to the API server; this turns the recorded inputs back into those manifests, so
they can be checked against Kubernetes' own OpenAPI schemas and written out as YAML
(`offline.artifacts`, `python -m offline STACK --out DIR`).
"""

from __future__ import annotations

import re
from typing import Any

from offline.engine import Evaluation, RecordedResource


def whole_numbers(value: Any) -> Any:
    """Pulumi's wire format carries every number as a float; AWS and Kubernetes integers are whole."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: whole_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whole_numbers(v) for v in value]
    return value


# Types under `kubernetes:` that are not objects of the cluster (Pulumi-side components and releases).
_NOT_KUBERNETES_OBJECTS = re.compile(r"^kubernetes:(helm\.sh|yaml|kustomize)/")


def is_kubernetes_object(resource: RecordedResource) -> bool:
    return resource.custom and resource.package == "kubernetes" and not _NOT_KUBERNETES_OBJECTS.match(resource.type)


def manifest(resource: RecordedResource, inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    """One object as a manifest: apiVersion, kind, metadata (with the name the provider chose) first.

    `inputs` replaces the recorded inputs, e.g. with secret values masked for writing.
    """
    body = whole_numbers(resource.inputs if inputs is None else inputs)
    metadata = dict(body.get("metadata") or {})
    # An auto-named object gets its name from the provider (recorded in its state).
    if "name" not in metadata:
        metadata["name"] = (resource.state.get("metadata") or {}).get("name")
    rest = {k: v for k, v in body.items() if k not in ("apiVersion", "kind", "metadata")}
    return {"apiVersion": body["apiVersion"], "kind": body["kind"], "metadata": metadata, **rest}


def kubernetes_manifests(result: Evaluation) -> list[dict[str, Any]]:
    return [manifest(r) for r in result.resources if is_kubernetes_object(r)]
