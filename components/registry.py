"""An ECR repository with scanning, encryption and a lifecycle policy."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class ContainerRegistryArgs:
    repository_name: pulumi.Input[str]
    immutable_tags: bool = True
    # Untagged images are build leftovers: expire them quickly.
    untagged_expiry_days: int = 7
    keep_tagged_images: int = 30
    kms_key_arn: pulumi.Input[str] | None = None
    # Deleting a repository that still holds images is only allowed outside prod.
    force_delete: bool = False
    protect: bool = False


def lifecycle_policy_document(untagged_expiry_days: int, keep_tagged_images: int) -> str:
    """ECR lifecycle rules: drop untagged images after N days, keep the newest N tagged ones."""
    rules = [
        {
            "rulePriority": 1,
            "description": f"Expire untagged images after {untagged_expiry_days} days",
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": untagged_expiry_days,
            },
            "action": {"type": "expire"},
        },
        {
            "rulePriority": 2,
            "description": f"Keep the last {keep_tagged_images} tagged images",
            "selection": {
                "tagStatus": "tagged",
                "tagPatternList": ["*"],
                "countType": "imageCountMoreThan",
                "countNumber": keep_tagged_images,
            },
            "action": {"type": "expire"},
        },
    ]
    return json.dumps({"rules": rules}, sort_keys=True)


class ContainerRegistry(pulumi.ComponentResource):
    repository: aws.ecr.Repository
    repository_url: pulumi.Output[str]
    repository_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ContainerRegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("diagramai:registry:ContainerRegistry", name, None, opts)
        encryption = (
            {"encryption_type": "KMS", "kms_key": args.kms_key_arn}
            if args.kms_key_arn is not None
            else {"encryption_type": "AES256"}
        )
        self.repository = aws.ecr.Repository(
            f"{name}-repository",
            name=args.repository_name,
            image_tag_mutability="IMMUTABLE" if args.immutable_tags else "MUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=[encryption],
            force_delete=args.force_delete,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.lifecycle_policy = aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=lifecycle_policy_document(args.untagged_expiry_days, args.keep_tagged_images),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.repository_url = self.repository.repository_url
        self.repository_arn = self.repository.arn
        self.register_outputs({"repositoryUrl": self.repository_url, "repositoryArn": self.repository_arn})
