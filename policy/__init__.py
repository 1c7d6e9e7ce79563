"""The DiagramAI CrossGuard policy pack (rules in policy/rules.py, pack in policy/__main__.py).

`findings(evaluation, stack)` runs the rules on an offline evaluation (see policy/runner.py).
"""

from policy.runner import findings, load_config

__all__ = ["findings", "load_config"]
