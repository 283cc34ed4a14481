"""Mapping plans (issue 14, item 4): per target column, a DSL pipeline from the source columns, its rates on the
Sample Pack and a decision (accept / hold / fix), and the ``mapping_plan`` artifact.

``run_mapping`` is the stage (``stages.py``), ``evaluate_mapping`` re-runs one pipeline a person edited,
``feedback_deltas`` turns an accepted or overridden mapping into staged aliases of the domain catalog.
"""

from superset_review.onboarding.mapping.feedback import feedback_deltas
from superset_review.onboarding.mapping.stage import evaluate_mapping, mapping_json, run_mapping

__all__ = ["evaluate_mapping", "feedback_deltas", "mapping_json", "run_mapping"]
