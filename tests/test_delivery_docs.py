"""The README works alone: its `staging` steps produce a stack that evaluates.

The test takes the shell block under "Create a new stack: staging", applies each `pulumi config set`
line the way the Pulumi CLI writes the stack file (top-level values are strings unless `--type`
says otherwise; under `--path`, true/false become booleans and integers numbers; `--secret` stores
ciphertext), writes the resulting Pulumi.staging.yaml into a copy of the project and evaluates it offline.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from offline import Evaluation, evaluate
from offline.stack_config import SECRET_PLACEHOLDER_PREFIX

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DELIVERY = ROOT / "docs" / "delivery.md"
PROJECT = "diagramai"
PROGRAM_FILES = ("Pulumi.yaml", "__main__.py", "settings.py")
PATH_TOKEN = re.compile(r'\.([^.\[\]]+)|\[(\d+)\]|\["([^"]+)"\]')


def staging_commands() -> list[list[str]]:
    text = README.read_text()
    section = text[text.index("### Create a new stack: staging") :]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL)
    assert block, "no bash block in the staging section"
    return [words for line in block.group(1).splitlines() if (words := shlex.split(line, comments=True))]


def split_key(key: str) -> tuple[str, list[str | int]]:
    """'diagramai:image.tag' -> ('diagramai:image', ['tag']); "x[0]" -> ('diagramai:x', [0])."""
    head = re.match(r"[^.\[]+", key)
    assert head, key
    top = head.group(0) if ":" in head.group(0) else f"{PROJECT}:{head.group(0)}"
    rest, path = key[head.end() :], []
    while rest:
        token = PATH_TOKEN.match(rest)
        assert token, f"cannot parse the config path {key!r}"
        name, index, quoted = token.groups()
        path.append(int(index) if index is not None else (name or quoted))
        rest = rest[token.end() :]
    return top, path


def typed(value: str, type_: str | None, in_path: bool) -> Any:
    if type_ == "int":
        return int(value)
    if type_ == "float":
        return float(value)
    if type_ == "bool":
        assert value in ("true", "false"), value
        return value == "true"
    if type_ is None and in_path:
        if value in ("true", "false"):
            return value == "true"
        if re.fullmatch(r"-?\d+", value):
            return int(value)
    return value


def put(container: Any, path: list[str | int], value: Any) -> Any:
    """Set value at path inside container (created as needed), returning the new container."""
    if not path:
        return value
    step, rest = path[0], path[1:]
    if isinstance(step, int):
        items = list(container) if isinstance(container, list) else []
        assert step <= len(items), f"list index {step} skips an element"
        if step == len(items):
            items.append(None)
        items[step] = put(items[step], rest, value)
        return items
    mapping = dict(container) if isinstance(container, dict) else {}
    mapping[step] = put(mapping.get(step), rest, value)
    return mapping


def pulumi_config_set(config: dict[str, Any], args: list[str]) -> None:
    """Apply `pulumi config set ARGS` to a stack file's `config:` mapping."""
    flags: dict[str, Any] = {"path": False, "secret": False, "type": None}
    positional: list[str] = []
    words = iter(args)
    for word in words:
        if word == "--path":
            flags["path"] = True
        elif word in ("--secret", "--plaintext"):
            flags["secret"] = word == "--secret"
        elif word == "--type":
            flags["type"] = next(words)
        elif word.startswith("--type="):
            flags["type"] = word.split("=", 1)[1]
        elif word.startswith("-"):
            raise AssertionError(f"the emulation does not know `pulumi config set {word}`")
        else:
            positional.append(word)
    assert len(positional) == 2, f"expected KEY VALUE, got {positional}"
    key, raw = positional
    top, path = split_key(key) if flags["path"] else (key if ":" in key else f"{PROJECT}:{key}", [])
    value: Any = typed(raw, flags["type"], bool(path))
    if flags["secret"]:
        value = {"secure": "v1:" + hashlib.sha256(raw.encode()).hexdigest()[:32]}  # stands in for ciphertext
    config[top] = put(config.get(top), path, value)


def follow_staging_steps() -> tuple[str, dict[str, Any]]:
    stack = None
    config: dict[str, Any] = {}
    for words in staging_commands():
        if words[:3] == ["pulumi", "stack", "init"]:
            stack = words[3]
        elif words[:3] == ["pulumi", "config", "set"]:
            assert stack is not None, "`pulumi config set` before `pulumi stack init`"
            pulumi_config_set(config, words[3:])
    assert stack is not None, "the steps never create a stack"
    return stack, {"config": config}


def project_copy(tmp_path: Path) -> Path:
    for name in PROGRAM_FILES:
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "components", tmp_path / "components", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


@pytest.fixture(scope="module")
def staging(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Evaluation]:
    stack, stack_file = follow_staging_steps()
    project = project_copy(tmp_path_factory.mktemp("project"))
    (project / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(stack_file, sort_keys=False))
    return stack_file, evaluate(stack, project_dir=project)


def test_the_steps_create_the_staging_stack_file(staging: tuple[dict[str, Any], Evaluation]) -> None:
    stack_file, result = staging
    config = stack_file["config"]
    assert result.stack == "staging"
    assert config["pulumi:disable-default-providers"] == ["aws"]
    # --type int / --type bool give the types Pulumi.yaml declares; --path makes maps and lists.
    assert config["diagramai:cpu"] == 512 and config["diagramai:protect"] is True
    assert config["diagramai:network"] == {"assignPublicIp": True}
    assert set(config["diagramai:secretValues"]["NEXTAUTH_SECRET"]) == {"secure"}


def test_the_staging_stack_evaluates_offline(staging: tuple[dict[str, Any], Evaluation]) -> None:
    _, result = staging
    assert result.error is None, result.error
    assert not result.findings, result.findings
    service = result.one("aws:ecs/service:Service")
    assert service.inputs["name"] == "diagramai-staging"
    assert service.inputs["desiredCount"] == 2


def test_the_staging_stack_keeps_the_output_contract(staging: tuple[dict[str, Any], Evaluation]) -> None:
    _, result = staging
    schema = json.loads((ROOT / "schemas" / "stack-outputs.schema.json").read_text())
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(result.outputs)) == []
    parameters = {p.inputs["name"] for p in result.of_type("aws:ssm/parameter:Parameter")}
    assert parameters and all(name.startswith("/diagramai/staging/") for name in parameters)


def test_the_staging_secret_value_stays_encrypted(staging: tuple[dict[str, Any], Evaluation]) -> None:
    stack_file, result = staging
    assert "openssl" not in yaml.safe_dump(stack_file)
    assert result.config is not None and "diagramai:secretValues" in result.config.secret_keys
    versions = result.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    (version,) = versions
    assert version.inputs["secretId"] == "diagramai/staging/NEXTAUTH_SECRET"
    # Offline, the encrypted value is a placeholder: the plaintext never reaches the program's inputs.
    assert version.inputs["secretString"].startswith(SECRET_PLACEHOLDER_PREFIX)


def test_the_esc_environment_example_in_the_prod_stack_file_is_valid(tmp_path: Path) -> None:
    # Uncommenting the example must give a stack file Pulumi accepts: `environment:` a list of names.
    text = (ROOT / "Pulumi.prod.yaml").read_text()
    example = re.search(r"^# environment:\n(?:#   - .+\n)+", text, re.MULTILINE)
    assert example, "the commented `environment:` example is missing from Pulumi.prod.yaml"
    uncommented = text.replace(example.group(0), re.sub(r"^# ", "", example.group(0), flags=re.MULTILINE))
    stack_file = yaml.safe_load(uncommented)
    assert stack_file["environment"] == ["diagramai/prod"]
    project = project_copy(tmp_path)
    (project / "Pulumi.prod.yaml").write_text(uncommented)
    result = evaluate("prod", project_dir=project)
    assert result.error is None and not result.findings


def test_the_documented_oidc_trust_matches_how_the_workflows_run() -> None:
    # Each role trusts one `sub` claim; it must be the one GitHub gives the job that assumes the role.
    text = DELIVERY.read_text()
    trust = json.loads(re.search(r"```json\n(.*?)```", text, re.DOTALL).group(1))
    condition = trust["Statement"][0]["Condition"]["StringEquals"]
    assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    workflows = ROOT / ".github" / "workflows"
    deploy = yaml.safe_load((workflows / "deploy.yml").read_text())
    environment = deploy["jobs"]["up-prod"]["environment"]
    environment = environment["name"] if isinstance(environment, dict) else environment
    assert condition["token.actions.githubusercontent.com:sub"] == f"repo:OWNER/REPO:environment:{environment}"
    # The table's claims for the other two roles: PR previews and pushes to the deploy branch.
    on_push = deploy.get("on", deploy.get(True))["push"]["branches"]
    assert f"`repo:OWNER/REPO:ref:refs/heads/{on_push[0]}`" in text
    assert "`repo:OWNER/REPO:pull_request`" in text
    assert "environment" not in deploy["jobs"]["up-dev"]  # else its sub would be environment:<name>
