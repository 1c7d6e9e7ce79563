"""A CloudWatch log group with explicit retention (AWS's default is to keep logs forever)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class LogGroupArgs:
    log_group_name: pulumi.Input[str]
    retention_days: pulumi.Input[int] = 30
    kms_key_arn: pulumi.Input[str] | None = None
    protect: bool = False


class LogGroup(pulumi.ComponentResource):
    log_group: aws.cloudwatch.LogGroup
    name: pulumi.Output[str]
    arn: pulumi.Output[str]

    def __init__(self, name: str, args: LogGroupArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("diagramai:log_group:LogGroup", name, None, opts)
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-log-group",
            name=args.log_group_name,
            retention_in_days=args.retention_days,
            kms_key_id=args.kms_key_arn,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.name = self.log_group.name
        self.arn = self.log_group.arn
        self.register_outputs({"name": self.name, "arn": self.arn})
