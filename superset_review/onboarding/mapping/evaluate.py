"""A mapping's pipeline run on the Sample Pack (data_mode), and the decision it earns.

Each row whose source value is present (not NULL, not blank) is one of:

- **success**: the pipeline gave a value, of the target's type, that fits the target's domain (one of its patterns,
  inside its range) where the domain has such checks;
- **near**: it gave a value, but one that does not fit (a pattern missed, outside the range): converted, but off;
- **fail**: it gave NULL (the DSL's reason column says at which step).

The rates are over those rows; a row whose source is NULL says nothing about the pipeline and is not counted. The
decision: ``accept`` when the success rate reaches ``mapping.accept_rate_min``; ``hold`` when it is within
``mapping.near_match_window`` below it, or when success and near matches together reach it (a person looks at the
near ones); else ``fix``. In metadata_only there is no sample: the rule's confidence decides, and never ``accept``
when the contract wants a person to confirm.

All candidates of all targets run in one ``apply_polars`` call over one plan (their targets renamed ``m0``, ``m1``,
...), so the Sample Pack is read once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from superset_review.domains.catalog import Catalog, Domain
from superset_review.onboarding.mapping.columns import NUMERIC, SourceColumn, TargetColumn
from superset_review.onboarding.mapping.examples import Masker
from superset_review.transform_dsl import DSL_VERSION, DslError, apply_polars, parse_plan

if TYPE_CHECKING:
    import polars as pl

MAX_EXAMPLES = 5
# Of the five examples, at most this many of each outcome, so a person sees what fails beside what works.
EXAMPLES_PER_OUTCOME = {"fail": 2, "near": 2, "success": 5}
MAX_REASONS = 3  # the commonest failure reasons named in the rationale
# metadata_only: what a rule's confidence must reach for accept (a person still confirms when the contract says so)
# and for hold; below, a person must fix it.
ACCEPT_CONFIDENCE = 0.9
HOLD_CONFIDENCE = 0.6
# data_mode: the confidence blends what the rule saw in the names and domains with what the sample showed.
RULE_SHARE = 0.4


@dataclass(frozen=True)
class Thresholds:
    accept_rate_min: float
    near_match_window: float
    human_confirm_required: bool = True

    @classmethod
    def of(cls, profile: Mapping[str, Any], contract: Mapping[str, Any]) -> Thresholds:
        mapping = profile.get("mapping") or {}
        return cls(
            float(mapping.get("accept_rate_min", 0.95)),
            float(mapping.get("near_match_window", 0.1)),
            contract.get("human_confirm_required", True) is not False,
        )


@dataclass(frozen=True)
class Evaluation:
    success_rate: float | None
    near_rate: float | None
    fail_rate: float | None
    counted: int  # rows with a source value
    examples: list[dict[str, Any]]  # masked; filled by SampleEvaluator.with_examples for the mapping kept
    reasons: list[str]  # what the rows say (failure reasons, near-match causes)
    # The rows the examples come from (index, outcome) and the pipeline's output: masked only once chosen.
    example_rows: tuple[tuple[int, str], ...] = field(default=(), repr=False, compare=False)
    values: Any = field(default=None, repr=False, compare=False)


def decide(success_rate: float, near_rate: float, thresholds: Thresholds) -> str:
    """accept / hold / fix from the rates (see the module's docstring); exact at the thresholds' edges."""
    # Rates are rounded to 4 places, so 0.95 - 0.1 is compared as 0.85, not 0.8499999.
    floor = round(thresholds.accept_rate_min - thresholds.near_match_window, 6)
    if success_rate >= thresholds.accept_rate_min:
        return "accept"
    if success_rate >= floor or round(success_rate + near_rate, 6) >= thresholds.accept_rate_min:
        return "hold"
    return "fix"


def decide_without_sample(confidence: float, thresholds: Thresholds) -> tuple[str, str]:
    """metadata_only: (decision, the reason said in the rationale)."""
    if confidence >= ACCEPT_CONFIDENCE:
        if thresholds.human_confirm_required:
            return "hold", "metadata only: a person confirms (the contract requires it)"
        return "accept", f"metadata only: rule confidence {confidence:.2f} >= {ACCEPT_CONFIDENCE}"
    if confidence >= HOLD_CONFIDENCE:
        return "hold", f"metadata only: rule confidence {confidence:.2f}, a person checks it"
    return "fix", f"metadata only: rule confidence {confidence:.2f} < {HOLD_CONFIDENCE}"


def blended_confidence(rule_confidence: float, success_rate: float) -> float:
    return round(RULE_SHARE * rule_confidence + (1 - RULE_SHARE) * success_rate, 4)


class DomainChecks:
    """The target domains' patterns (anchored, as domaining matches them: Polars' linear-time regex) and ranges."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def domain(self, name: str | None) -> Domain | None:
        return self.catalog.by_name.get(name) if name else None

    def fits(self, values: pl.Series, target: TargetColumn, output_type: str) -> tuple[pl.Series, str | None]:
        """Per value: does it fit the target's domain (True where the domain checks nothing)? And the check's name."""
        import polars as pl

        if output_type != target.dtype:
            return pl.Series([False] * len(values), dtype=pl.Boolean), f"of type {output_type}, not {target.dtype}"
        domain = self.domain(target.domain)
        if domain is None:
            return pl.Series([True] * len(values), dtype=pl.Boolean), None
        if output_type in NUMERIC and domain.value_range is not None:
            low, high = domain.value_range
            numbers = values.cast(pl.Float64, strict=False)
            inside = ((numbers >= low) & (numbers <= high)).fill_null(True)
            return inside, f"outside {domain.name}'s range {low:g}..{high:g}"
        if output_type == "string" and domain.regexes and domain.pattern_required:
            text = pl.col("value").cast(pl.String, strict=False)
            matched = pl.any_horizontal([text.str.contains(pattern.anchored) for pattern in domain.regexes])
            fits = pl.DataFrame({"value": values}).select(matched.fill_null(True)).to_series()
            return fits, f"not in {domain.name}'s pattern"
        return pl.Series([True] * len(values), dtype=pl.Boolean), None


def _present(values: pl.Series) -> pl.Series:
    import polars as pl

    if values.dtype == pl.String:
        return values.is_not_null() & (values.str.strip_chars() != "")
    if values.dtype.is_float():
        return values.is_not_null() & ~values.is_nan()
    return values.is_not_null()


@dataclass(frozen=True)
class Trial:
    """One pipeline to run on the sample: its JSON, the target it fills, the columns it reads."""

    pipeline: Mapping[str, Any]
    target: TargetColumn
    sources: Sequence[str]


class SampleEvaluator:
    def __init__(
        self,
        sample: pl.DataFrame,
        schema: Mapping[str, str],
        sources: Mapping[str, SourceColumn],
        catalog: Catalog,
    ) -> None:
        self.sample = sample
        self.schema = dict(schema)
        self.sources = sources
        self.checks = DomainChecks(catalog)
        self.masker = Masker(catalog)

    def run(self, trials: Sequence[Trial]) -> list[Evaluation | DslError]:
        """Every trial at once; one the DSL refuses gets its error (the others still run)."""
        results: list[Evaluation | DslError | None] = [None] * len(trials)
        runnable: list[int] = []
        pipelines: list[dict[str, Any]] = []
        for position, trial in enumerate(trials):
            renamed = {**trial.pipeline, "target": f"m{position}"}
            try:
                parse_plan({"dsl_version": DSL_VERSION, "pipelines": [renamed]}, self.schema)
            except DslError as error:
                results[position] = error
                continue
            runnable.append(position)
            pipelines.append(renamed)
        if pipelines:
            plan = parse_plan({"dsl_version": DSL_VERSION, "pipelines": pipelines}, self.schema)
            output = apply_polars(plan, self.sample)
            for position, pipeline in zip(runnable, plan.pipelines, strict=True):
                results[position] = self._evaluate(trials[position], output, pipeline.target, pipeline.output_type)
        return [result for result in results if result is not None]

    def _evaluate(self, trial: Trial, output: pl.DataFrame, column: str, output_type: str) -> Evaluation:
        import polars as pl

        source = self.sample.get_column(str(trial.pipeline["source"]))
        present = _present(source)
        values = output.get_column(column)
        reasons_column = output.get_column(f"{column}__reason")
        counted = int(present.sum())
        if counted == 0:
            return Evaluation(None, None, None, 0, [], [f"no value of {trial.pipeline['source']} in the Sample Pack"])
        fits, check = self.checks.fits(values, trial.target, output_type)
        converted = present & values.is_not_null()
        failed = present & values.is_null()
        near = converted & ~fits
        success = converted & fits
        rates = [round(int(mask.sum()) / counted, 4) for mask in (success, near, failed)]
        reasons: list[str] = []
        failures = Counter(
            str(reason) for reason in reasons_column.filter(failed).to_list() if reason is not None
        ).most_common(MAX_REASONS)
        reasons += [f"{count} of {counted} rows failed at {reason}" for reason, count in failures]
        if int(near.sum()) and check:
            reasons.append(f"{int(near.sum())} of {counted} rows converted but {check}")
        outcome = (
            pl.DataFrame({"failed": failed, "near": near})
            .select(
                pl.when(pl.col("failed"))
                .then(pl.lit("fail"))
                .when(pl.col("near"))
                .then(pl.lit("near"))
                .otherwise(pl.lit("success"))
            )
            .to_series()
        )
        rows: list[tuple[int, str]] = []
        for kind in ("fail", "near", "success"):
            chosen = (present & (outcome == kind)).arg_true().head(EXAMPLES_PER_OUTCOME[kind]).to_list()
            rows += [(int(index), kind) for index in chosen][: MAX_EXAMPLES - len(rows)]
        return Evaluation(rates[0], rates[1], rates[2], counted, [], reasons, tuple(sorted(rows)), values)

    def with_examples(self, trial: Trial, evaluation: Evaluation) -> Evaluation:
        """The evaluation with its examples masked (done for the mapping kept, not for every candidate)."""
        if not evaluation.example_rows or evaluation.values is None:
            return evaluation
        return replace(evaluation, examples=self._examples(trial, evaluation.values, evaluation.example_rows))

    def _examples(self, trial: Trial, values: pl.Series, rows: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
        target = trial.target
        examples = []
        for index, outcome in rows:
            before: dict[str, str | None] = {}
            for name in trial.sources:
                column = self.sources.get(name)
                raw = self.sample.get_column(name)[index] if name in self.sample.columns else None
                before[name] = self.masker.mask(raw, column.pii if column else None, column.domain if column else None)
            pii = target.pii or next(
                (self.sources[name].pii for name in trial.sources if name in self.sources and self.sources[name].pii),
                None,
            )
            after = self.masker.mask(values[index], pii, target.domain)
            examples.append({"before": before, "after": after, "outcome": outcome})
        return examples
