"""The container image a service runs, always handed out pinned by digest.

Either a prebuilt image (a digest is used as is; a tag is resolved to its digest
now, so a later push to the same tag cannot change what runs), or a build from a
local context pushed to an ECR repository with short-lived ECR credentials.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_docker as docker

ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repository>[a-z0-9._/-]+):(?P<tag>[A-Za-z0-9_.-]+)$"
)
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class ContainerImageArgs:
    # A prebuilt image: registry/repository:tag or registry/repository@sha256:digest.
    uri: str | None = None
    # Or build: where to push (an ECR repository URL and its ARN), and what to build.
    repository_url: pulumi.Input[str] | None = None
    repository_arn: pulumi.Input[str] | None = None
    context: str | None = None
    dockerfile: str | None = None
    platform: str | None = None
    tag: str = "build"


def partition_for_region(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def without_tag_if_pinned(uri: str) -> str:
    """registry/repo:tag@sha256:x -> registry/repo@sha256:x (the digest alone decides what runs)."""
    if not DIGEST.search(uri):
        return uri
    name, _, digest = uri.rpartition("@")
    repository, _, tag = name.rpartition(":")
    return f"{repository}@{digest}" if repository and "/" not in tag else uri


def ecr_repository_arn(image_uri: str) -> str | None:
    """The ARN of the ECR repository an image URI points into, or None for other registries."""
    match = ECR_IMAGE.match(DIGEST.sub(":pinned", without_tag_if_pinned(image_uri)))
    if match is None:
        return None
    region = match["region"]
    return f"arn:{partition_for_region(region)}:ecr:{region}:{match['account']}:repository/{match['repository']}"


def _split_tag(uri: str) -> tuple[str, str]:
    repository, _, tag = uri.rpartition(":")
    return repository, tag


class ContainerImage(pulumi.ComponentResource):
    # registry/repository@sha256:<digest>
    image_ref: pulumi.Output[str]
    # ECR repositories the image is pulled from (for least-privilege pull permissions).
    ecr_repository_arns: list[pulumi.Input[str]]

    def __init__(self, name: str, args: ContainerImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("diagramai:image:ContainerImage", name, None, opts)
        if (args.uri is None) == (args.context is None):
            raise ValueError("ContainerImageArgs needs exactly one of `uri` or `context`")
        if args.uri is not None:
            self.image_ref = self._resolve_prebuilt(args.uri)
            arn = ecr_repository_arn(args.uri)
            self.ecr_repository_arns = [arn] if arn else []
        else:
            if args.repository_url is None or args.repository_arn is None:
                raise ValueError("building an image needs `repository_url` and `repository_arn`")
            self.image_ref = self._build_and_push(name, args)
            self.ecr_repository_arns = [args.repository_arn]
        self.register_outputs({"imageRef": self.image_ref})

    def _resolve_prebuilt(self, uri: str) -> pulumi.Output[str]:
        if DIGEST.search(uri):
            return pulumi.Output.from_input(without_tag_if_pinned(uri))
        invoke = pulumi.InvokeOutputOptions(parent=self)
        ecr = ECR_IMAGE.match(uri)
        if ecr is not None:
            found = aws.ecr.get_image_output(
                registry_id=ecr["account"],
                repository_name=ecr["repository"],
                image_tag=ecr["tag"],
                region=ecr["region"],
                opts=invoke,
            )
            return pulumi.Output.format("{0}@{1}", _split_tag(uri)[0], found.image_digest)
        found_remote = docker.get_registry_image_output(name=uri, opts=invoke)
        return pulumi.Output.format("{0}@{1}", _split_tag(uri)[0], found_remote.sha256_digest)

    def _build_and_push(self, name: str, args: ContainerImageArgs) -> pulumi.Output[str]:
        registry_id = pulumi.Output.from_input(args.repository_url).apply(lambda url: url.split(".", 1)[0])
        token = aws.ecr.get_authorization_token_output(
            registry_id=registry_id, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        image = docker.Image(
            f"{name}-image",
            image_name=pulumi.Output.format("{0}:{1}", args.repository_url, args.tag),
            build=docker.DockerBuildArgs(
                context=args.context,
                dockerfile=args.dockerfile,
                platform=args.platform,
            ),
            registry=docker.RegistryArgs(
                server=token.proxy_endpoint,
                username=token.user_name,
                password=pulumi.Output.secret(token.password),
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        # repo_digest is "<repository>@sha256:<digest>" of the pushed manifest.
        return image.repo_digest
