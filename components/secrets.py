"""Secrets Manager secrets for a service's secret environment variables.

A secret gets a value (a `SecretVersion`) only when the operator supplied one as a
Pulumi secret; otherwise it is created empty and its value is put out of band
(`aws secretsmanager put-secret-value`), so it never passes through Pulumi at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class SecretSpec:
    """One secret variable. With `arn` it refers to an existing secret (optionally one JSON key in it)."""

    name: str
    arn: str | None = None
    json_key: str | None = None

    @property
    def managed(self) -> bool:
        return self.arn is None


@dataclass(frozen=True)
class ServiceSecretsArgs:
    # Secrets are named "<name_prefix>/<NAME>", e.g. "diagramai/prod/DATABASE_URL".
    name_prefix: str
    secrets: Sequence[SecretSpec]
    # Only names listed here get a SecretVersion; values must be Pulumi secrets.
    values: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    # 0 deletes at once (dev: names can be reused); 7..30 lets prod undo a deletion.
    recovery_window_days: int = 30
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False


def ecs_value_from(arn: pulumi.Input[str], json_key: str | None) -> pulumi.Output[str]:
    """The `valueFrom` ECS expects: the ARN, or ARN:json-key:version-stage:version-id for one key."""
    if json_key is None:
        return pulumi.Output.from_input(arn)
    return pulumi.Output.format("{0}:{1}::", arn, json_key)


class ServiceSecrets(pulumi.ComponentResource):
    # ARN of every secret by variable name (managed and referenced).
    arns: dict[str, pulumi.Output[str]]
    # What a task definition's `secrets[].valueFrom` should say, by variable name.
    value_from: dict[str, pulumi.Output[str]]
    secrets: dict[str, aws.secretsmanager.Secret]

    def __init__(self, name: str, args: ServiceSecretsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("diagramai:secrets:ServiceSecrets", name, None, opts)
        unknown = sorted(set(args.values) - {s.name for s in args.secrets if s.managed})
        if unknown:
            raise ValueError(f"values given for secrets that this component does not manage: {unknown}")
        self.secrets = {}
        self.arns = {}
        self.value_from = {}
        for spec in args.secrets:
            arn = self._managed_secret(name, spec, args) if spec.managed else pulumi.Output.from_input(spec.arn)
            self.arns[spec.name] = arn
            self.value_from[spec.name] = ecs_value_from(arn, spec.json_key)
        self.register_outputs({"arns": self.arns})

    @property
    def readable_arns(self) -> list[pulumi.Output[str]]:
        """Exactly the secret ARNs a consumer needs `secretsmanager:GetSecretValue` on."""
        return [self.arns[k] for k in sorted(self.arns)]

    def _managed_secret(self, name: str, spec: SecretSpec, args: ServiceSecretsArgs) -> pulumi.Output[str]:
        role = spec.name.lower().replace("_", "-")
        secret = aws.secretsmanager.Secret(
            f"{name}-{role}",
            name=f"{args.name_prefix}/{spec.name}",
            description=f"{spec.name} for {args.name_prefix} (managed by Pulumi)",
            recovery_window_in_days=args.recovery_window_days,
            kms_key_id=args.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.secrets[spec.name] = secret
        value = args.values.get(spec.name)
        if value is not None:
            aws.secretsmanager.SecretVersion(
                f"{name}-{role}-value",
                secret_id=secret.id,
                # Wrapping again is harmless and guarantees the value is stored encrypted in state.
                secret_string=pulumi.Output.secret(value),
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
        return secret.arn
