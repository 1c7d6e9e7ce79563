"""Run the real `__main__.py` for one stack under Pulumi's mock runtime and record it."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import runpy
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from offline.fakes import FakeCloud
from offline.stack_config import StackConfig, StackConfigError, load_stack_config

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Providers the stack files disable by default (`pulumi:disable-default-providers`):
# a resource or call that would fall back to them is a bug the real CLI rejects.
_PROVIDER_PACKAGES = ("aws", "kubernetes")


@dataclass
class RecordedResource:
    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    inputs: dict[str, Any]
    state: dict[str, Any]
    id: str | None
    provider: str | None
    protect: bool
    dependencies: list[str]
    delete_before_replace: bool = False
    aliases: list[Any] = field(default_factory=list)
    ignore_changes: list[str] = field(default_factory=list)
    # Top-level input properties that held a Pulumi secret anywhere inside (values above are unwrapped).
    secret_inputs: list[str] = field(default_factory=list)

    @property
    def package(self) -> str:
        return self.type.split(":", 1)[0]


@dataclass
class RecordedInvoke:
    token: str
    args: dict[str, Any]
    provider: str


@dataclass
class Evaluation:
    stack: str
    config: StackConfig | None
    resources: list[RecordedResource] = field(default_factory=list)
    invokes: list[RecordedInvoke] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: frozenset[str] = frozenset()
    warnings: list[str] = field(default_factory=list)
    # Set when the program (or its config) failed: the message a user would see.
    error: str | None = None
    # Program bugs found by the runner itself (e.g. a resource on a disabled default provider).
    findings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and not self.findings

    def of_type(self, type_: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str) -> RecordedResource:
        found = self.of_type(type_)
        if len(found) != 1:
            raise LookupError(f"expected one {type_}, found {len(found)}")
        return found[0]

    def by_urn(self, urn: str) -> RecordedResource:
        for r in self.resources:
            if r.urn == urn:
                return r
        raise LookupError(urn)


class _Mocks(pulumi_mocks.Mocks):
    def __init__(self, cloud: FakeCloud) -> None:
        self.cloud = cloud

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict]:
        if not args.custom:
            return None, dict(args.inputs)
        if args.typ.startswith("pulumi:providers:"):
            return f"{args.name}-provider-id", dict(args.inputs)
        return self.cloud.computed(args.typ, args.name, dict(args.inputs))

    def call(self, args: pulumi_mocks.MockCallArgs) -> dict:
        return self.cloud.call(args.token, dict(args.args))


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    """The SDK's mock monitor, keeping what the real engine would be told about each resource."""

    def __init__(self, mocks: _Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[RecordedResource] = []
        self.invokes: list[RecordedInvoke] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        registration = self.resources[response.urn]
        inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
        self.recorded.append(
            RecordedResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                inputs=_plain(inputs),
                state=_plain(registration.state),
                id=registration.id,
                provider=request.provider or None,
                protect=bool(request.protect),
                dependencies=sorted(request.dependencies),
                delete_before_replace=bool(request.deleteBeforeReplace),
                aliases=[str(a) for a in request.aliases],
                ignore_changes=list(request.ignoreChanges),
                secret_inputs=sorted(k for k, v in inputs.items() if _contains_secret(v)),
            )
        )
        return response

    def Invoke(self, request: Any) -> Any:
        args = pulumi.runtime.rpc.deserialize_properties(request.args)
        self.invokes.append(RecordedInvoke(request.tok, _plain(args), request.provider))
        return super().Invoke(request)


_SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def _contains_secret(value: Any) -> bool:
    if isinstance(value, dict):
        return value.get(_SECRET_SIG_KEY) == _SECRET_SIG or any(_contains_secret(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_contains_secret(v) for v in value)
    return False


def _plain(value: Any) -> Any:
    """Deserialized properties as plain data (secrets unwrapped; evaluation is local)."""
    if isinstance(value, dict):
        if value.get(_SECRET_SIG_KEY) == _SECRET_SIG:
            return _plain(value.get("value"))
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@contextlib.contextmanager
def _without_source_positions() -> Iterator[None]:
    """Skip the SDK's per-resource source position (a full `traceback.extract_stack()` plus a file URI per
    frame, about a fifth of the evaluation time): it only feeds the CLI's display, which the mock monitor
    never has. Restored afterwards; if the SDK renames the hook this is a no-op, not an error."""
    module = pulumi.runtime.resource
    original = getattr(module, "_get_stack_trace", None)
    stack_trace_type = getattr(getattr(module, "source_pb2", None), "StackTrace", None)
    if original is None or stack_trace_type is None:
        yield
        return
    module._get_stack_trace = stack_trace_type
    try:
        yield
    finally:
        module._get_stack_trace = original


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def evaluate(
    stack: str,
    *,
    project_dir: Path = PROJECT_DIR,
    overrides: dict[str, Any] | None = None,
    program: Path | None = None,
) -> Evaluation:
    """Evaluate `program` (default: the project's __main__.py) for `stack`, fully offline.

    `overrides` maps full config keys ("diagramai:cpu") to YAML-shaped values (None deletes).
    Each call runs in a fresh context, so evaluations do not leak into each other.
    """
    try:
        config = load_stack_config(project_dir, stack, overrides)
    except StackConfigError as e:
        return Evaluation(stack=stack, config=None, error=str(e))
    return contextvars.Context().run(_evaluate_in_context, config, project_dir, program)


def _evaluate_in_context(config: StackConfig, project_dir: Path, program: Path | None) -> Evaluation:
    result = Evaluation(stack=config.stack, config=config)
    region = config.values.get("aws:region", "us-east-1")
    monitor = _RecordingMonitor(_Mocks(FakeCloud(region)))
    handler = _ListHandler()
    logger = logging.Logger(f"offline.{config.stack}")
    logger.addHandler(handler)

    # A fresh event loop per evaluation keeps tasks of one run out of the next;
    # the caller's loop (if it had one) is put back afterwards.
    previous_loop = _current_event_loop()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_all_config(dict(config.values), list(config.secret_keys))
    pulumi_mocks.set_mocks(
        monitor.mocks, project=config.project, stack=config.stack, preview=True, logger=logger, monitor=monitor
    )
    # set_mocks leaves the set of pending output tasks as it was: start from an empty one so
    # tasks left by an earlier failed run (or Outputs made outside any run) are not awaited here.
    pulumi.runtime.settings.SETTINGS.outputs = set()
    main = program or project_dir / "__main__.py"
    exports: dict[str, Any] = {}

    def run_program() -> None:
        added = str(project_dir) not in sys.path
        if added:
            sys.path.insert(0, str(project_dir))
        try:
            runpy.run_path(str(main), run_name="__main__")
        finally:
            if added:
                sys.path.remove(str(project_dir))
        root = pulumi.runtime.settings.get_root_resource()
        exports.update(getattr(root, "outputs", {}))

    try:
        with _without_source_positions():
            _sync_await(run_pulumi_func(run_program))
        result.outputs, result.secret_outputs = _resolve_outputs(exports)
    except pulumi.RunError as e:
        result.error = str(e)
    except Exception:
        result.error = traceback.format_exc()
    finally:
        loop.close()
        if previous_loop is not None:
            asyncio.set_event_loop(previous_loop)
        else:
            # Back to "no loop yet": the next get_event_loop() (Pulumi's Output.secret, say) makes one.
            asyncio.set_event_loop_policy(None)
    # Sorted by URN: registration order depends on asyncio timing, and everything built from
    # an evaluation (tree, files, cost lines, JSON) must come out the same on every run.
    result.resources = sorted(monitor.recorded, key=lambda r: r.urn)
    result.invokes = monitor.invokes
    result.warnings = handler.messages
    result.findings = _default_provider_findings(result)
    return result


def _current_event_loop() -> asyncio.AbstractEventLoop | None:
    """The thread's current event loop without creating one (asyncio has no public way to peek)."""
    local = getattr(asyncio.get_event_loop_policy(), "_local", None)
    return getattr(local, "_loop", None)


def _resolve_outputs(exports: dict[str, Any]) -> tuple[dict[str, Any], frozenset[str]]:
    values: dict[str, Any] = {}
    secret: set[str] = set()
    for name, value in exports.items():
        output = pulumi.Output.from_input(value)
        values[name] = _plain(_sync_await(output.future()))
        if _sync_await(output.is_secret()):
            secret.add(name)
    return values, frozenset(secret)


def _default_provider_findings(result: Evaluation) -> list[str]:
    findings = [
        f"{r.type} '{r.name}' uses the default {r.package} provider, which the stack disables"
        for r in result.resources
        if r.custom
        and r.package in _PROVIDER_PACKAGES
        and not r.type.startswith("pulumi:providers:")
        and not r.provider
    ]
    findings += [
        f"provider function {i.token} uses the default provider, which the stack disables"
        for i in result.invokes
        if i.token.split(":", 1)[0] in _PROVIDER_PACKAGES and not i.provider
    ]
    return findings
