"""The machine-readable preview (`--format json`), described by schemas/offline-preview.schema.json."""

from __future__ import annotations

from typing import Any

from offline.cost import estimate_cost
from offline.engine import Evaluation
from offline.manifests import whole_numbers
from offline.redact import SECRET_MARK, safe_inputs, scrub

SCHEMA_VERSION = 1


def masked_outputs(result: Evaluation) -> dict[str, Any]:
    return {
        name: SECRET_MARK if name in result.secret_outputs else scrub(result.outputs[name])
        for name in sorted(result.outputs)
    }


def json_report(result: Evaluation, policy_findings: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Everything a CI job needs: resources (secrets masked), outputs, warnings, findings, cost."""
    resources = [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "custom": r.custom,
            "protect": r.protect,
            "provider": r.provider,
            "dependencies": r.dependencies,
            "inputs": whole_numbers(safe_inputs(r)),
        }
        for r in sorted(result.resources, key=lambda x: x.urn)
    ]
    return {
        "schemaVersion": SCHEMA_VERSION,
        "project": result.config.project if result.config else None,
        "stack": result.stack,
        "ok": result.ok,
        "error": scrub(result.error),
        "resources": resources,
        "outputs": whole_numbers(masked_outputs(result)),
        "secretOutputs": sorted(result.secret_outputs),
        "warnings": [scrub(w) for w in result.warnings],
        "findings": [scrub(f) for f in result.findings],
        # Filled by the policy pack (another branch); always present so consumers can rely on it.
        "policyFindings": policy_findings or [],
        "cost": estimate_cost(result).as_dict() if result.error is None else None,
    }
