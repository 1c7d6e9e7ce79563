"""Run the policy pack's rules on an offline evaluation, the way the Pulumi engine would.

The engine hands a policy pack each resource's inputs (`Analyze`) and, after the
preview, every resource of the stack (`AnalyzeStack`); this module builds the same
`pulumi_policy` argument objects from what the offline runner recorded, so the very
rules `pulumi preview --policy-pack policy` runs also run here, without the CLI.

Per-stack enforcement levels and rule settings come from `policy/config/<stack>.json`,
the file CI passes as `--policy-pack-config`; the same format is read here.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

from offline.engine import Evaluation, RecordedResource
from policy.rules import RULES, ResourceRule, Rule, StackRule

CONFIG_DIR = Path(__file__).resolve().parent / "config"
PACK_DEFAULT_LEVEL = EnforcementLevel.MANDATORY


@dataclass(frozen=True)
class RuleConfig:
    level: EnforcementLevel
    properties: Mapping[str, Any]


def load_config(stack: str, config_dir: Path = CONFIG_DIR) -> dict[str, Any]:
    """The stack's `--policy-pack-config` file, or {} (every rule at its default level)."""
    path = config_dir / f"{stack}.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text())


def rule_config(rule: Rule, config: Mapping[str, Any]) -> RuleConfig:
    """A rule's level and properties as the CLI resolves them: the rule's entry, then "all", then defaults."""
    level = rule.enforcement_level or PACK_DEFAULT_LEVEL
    if isinstance(config.get("all"), str):
        level = EnforcementLevel(config["all"])
    entry = config.get(rule.name)
    properties: dict[str, Any] = {}
    if isinstance(entry, str):
        level = EnforcementLevel(entry)
    elif isinstance(entry, Mapping):
        if "enforcementLevel" in entry:
            level = EnforcementLevel(entry["enforcementLevel"])
        properties = {k: v for k, v in entry.items() if k != "enforcementLevel"}
    return RuleConfig(level, properties)


def _provider_of(evaluation: Evaluation, resource: RecordedResource) -> RecordedResource | None:
    if not resource.provider:
        return None
    # A provider reference is "<provider URN>::<provider ID>".
    urn = resource.provider.rsplit("::", 1)[0]
    try:
        return evaluation.by_urn(urn)
    except LookupError:
        return None


def _options(resource: RecordedResource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=resource.protect,
        ignore_changes=[],
        delete_before_replace=resource.delete_before_replace,
        aliases=list(resource.aliases),
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=resource.parent,
    )


def _props(values: Mapping[str, Any]) -> Mapping[str, Any]:
    # The engine's props raise UnknownValueError on unknown values; the same proxy is used here.
    return unknown_checking_proxy(copy.deepcopy(dict(values)))


def _provider_resource(evaluation: Evaluation, resource: RecordedResource) -> PolicyProviderResource | None:
    provider = _provider_of(evaluation, resource)
    if provider is None:
        return None
    return PolicyProviderResource(provider.type, _props(provider.inputs), provider.urn, provider.name)


def resource_args(
    evaluation: Evaluation, resource: RecordedResource, properties: Mapping[str, Any] | None = None
) -> ResourceValidationArgs:
    """What `Analyze` passes a ResourceValidationPolicy: the resource's inputs, options and provider."""
    return ResourceValidationArgs(
        resource.type,
        _props(resource.inputs),
        resource.urn,
        resource.name,
        _options(resource),
        _provider_resource(evaluation, resource),
        dict(properties or {}),
    )


def stack_args(evaluation: Evaluation, properties: Mapping[str, Any] | None = None) -> StackValidationArgs:
    """What `AnalyzeStack` passes a StackValidationPolicy: every resource with its state, parent and dependencies."""
    by_urn: dict[str, PolicyResource] = {}
    for r in evaluation.resources:
        by_urn[r.urn] = PolicyResource(
            r.type,
            _props(r.state),
            r.urn,
            r.name,
            _options(r),
            _provider_resource(evaluation, r),
            None,
            [],
            {},
        )
    for r in evaluation.resources:
        resource = by_urn[r.urn]
        resource.parent = by_urn.get(r.parent or "")
        resource.dependencies = [by_urn[d] for d in r.dependencies if d in by_urn]
    return StackValidationArgs(list(by_urn.values()), dict(properties or {}))


def violations(rule: Rule, evaluation: Evaluation, properties: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    """(message, urn) of every violation `rule` reports for the evaluated stack."""
    found: list[tuple[str, str | None]] = []
    if isinstance(rule, ResourceRule):
        for resource in evaluation.resources:
            if resource.type in rule.types:
                rule.validate(
                    resource_args(evaluation, resource, properties),
                    lambda message, _urn=None, urn=resource.urn: found.append((message, urn)),
                )
    elif isinstance(rule, StackRule):
        rule.validate(stack_args(evaluation, properties), lambda message, urn=None: found.append((message, urn)))
    return found


def findings(evaluation: Evaluation, stack: str | None = None, config: Mapping[str, Any] | None = None) -> list[dict]:
    """Every violation as {policy, level, resource, type, urn, message}, mandatory first.

    `config` is a `--policy-pack-config` document; by default policy/config/<stack>.json.
    """
    if config is None:
        config = load_config(stack or evaluation.stack)
    names = {r.urn: (r.name, r.type) for r in evaluation.resources}
    result = []
    for rule in RULES:
        settings = rule_config(rule, config)
        if settings.level is EnforcementLevel.DISABLED:
            continue
        for message, urn in violations(rule, evaluation, settings.properties):
            name, type_ = names.get(urn or "", (evaluation.stack, "pulumi:pulumi:Stack"))
            result.append(
                {
                    "policy": rule.name,
                    "level": settings.level.value,
                    "resource": name,
                    "type": type_,
                    "urn": urn,
                    "message": message,
                }
            )
    order = {"mandatory": 0, "remediate": 0, "advisory": 1}
    return sorted(result, key=lambda f: (order.get(f["level"], 2), f["policy"], f["resource"]))
