"""Stack outputs published as SSM Parameter Store parameters, for consumers without Pulumi.

Teams on Terraform, CDK or plain scripts read `/<app>/<stack>/<outputName>` with their own
AWS credentials instead of needing access to the Pulumi stack. Parameters are plain `String`s,
readable by anyone allowed `ssm:GetParameter*` on the path, so a secret must never get here:
a value that is a Pulumi secret fails the deployment instead of being published.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

# SSM parameter names: letters, digits and . - _ with / separating the levels (at most 15).
PARAMETER_PATH = re.compile(r"^(/[A-Za-z0-9_.-]+)+$")
OUTPUT_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


class ParameterTier(enum.Enum):
    # Standard: free, values up to 4 KB. Advanced: charged, up to 8 KB.
    STANDARD = "Standard"
    ADVANCED = "Advanced"


class SecretOutputError(pulumi.RunError):
    """A secret value was handed to SsmOutputs, which publishes plain-text parameters."""


@dataclass(frozen=True)
class SsmOutputsArgs:
    # Parameter path prefix, e.g. "/diagramai/prod"; each value goes to "<path>/<outputName>".
    path: str
    # Output name -> non-secret string value.
    values: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    tier: ParameterTier = ParameterTier.STANDARD


def parameter_name(path: str, output_name: str) -> str:
    return f"{path}/{output_name}"


def _validate(args: SsmOutputsArgs) -> None:
    if not PARAMETER_PATH.match(args.path):
        raise ValueError(f"SsmOutputsArgs.path {args.path!r} must look like /app/stack (no trailing slash)")
    for output_name in args.values:
        if not OUTPUT_NAME.match(output_name):
            raise ValueError(f"output name {output_name!r} is not a valid SSM parameter name segment")


def refuse_secret(output_name: str, value: pulumi.Input[str]) -> pulumi.Output[str]:
    """`value` unchanged, or an error when it is a Pulumi secret (checked even when the value is unknown)."""
    output = pulumi.Output.from_input(value)

    def checked(is_secret: bool) -> pulumi.Output[str]:
        if is_secret:
            raise SecretOutputError(
                f"stack output '{output_name}' is a secret and must not be published as a plain SSM parameter"
            )
        return output

    return pulumi.Output.from_input(output.is_secret()).apply(checked)


class SsmOutputs(pulumi.ComponentResource):
    # Output name -> parameter name.
    parameter_names: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: SsmOutputsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("diagramai:ssm_outputs:SsmOutputs", name, None, opts)
        _validate(args)
        self.parameter_names = {}
        for output_name, value in args.values.items():
            parameter = aws.ssm.Parameter(
                f"{name}-{output_name}",
                name=parameter_name(args.path, output_name),
                type=aws.ssm.ParameterType.STRING,
                # insecure_value: shown in previews and state like any non-secret (a `value` would be
                # masked as if it were secret, hiding what consumers will read).
                insecure_value=refuse_secret(output_name, value),
                description=f"Pulumi stack output {output_name} (published by the stack; do not edit)",
                tier=args.tier.value,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.parameter_names[output_name] = parameter.name
        self.register_outputs({"path": args.path, "parameterNames": self.parameter_names})
