"""Reusable Pulumi components for running one containerised web service on AWS.

Nothing in here knows about DiagramAI: every name, size and value comes in through
the components' args, so another service's program can reuse them as they are.
"""
