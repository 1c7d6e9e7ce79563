"""Offline evaluation of the real Pulumi program with Pulumi's mock runtime.

No Pulumi CLI, cloud account or credentials: the stack's config is read from
Pulumi.yaml and Pulumi.<stack>.yaml the way the CLI reads it, `__main__.py` runs
unchanged, and every resource registration and provider call is answered by
deterministic fakes and recorded for printing, rendering and tests.
"""

from offline.engine import Evaluation, RecordedResource, evaluate

__all__ = ["Evaluation", "RecordedResource", "evaluate"]
