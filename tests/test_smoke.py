from offline import Evaluation


def test_both_committed_stacks_evaluate_with_a_service(stack: Evaluation) -> None:
    assert stack.one("aws:ecs/service:Service").inputs["name"] == f"diagramai-{stack.stack}"
