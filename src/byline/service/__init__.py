"""Use cases, one call each: evaluate a snapshot, synthesise a platform, run the demo."""

from byline.service.evaluation import evaluate_snapshot

__all__ = ["evaluate_snapshot"]
