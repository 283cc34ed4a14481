"""Fit the threshold profile ``tp_default_v1`` on the development sets and write it, with its reliability curve.

``python bench/calibrate_domains.py`` reads the development sets (see bench/domains.py: Sherlock's columns by their
values alone; presidio-research's entity columns by their values alone and under a header a real table would give
them), splits each into a fitting part (70%) and a held-out part (30%) by a hash of the column's position, and:

1. prepares every column once (samples, pattern shares, embedding similarities: what no weight changes);
2. fits the weights (alpha, beta, gamma, name_embedding, value_embedding) and tau_low by coordinate descent over
   fixed grids, maximising on the FITTING part the mean of Sherlock's macro-F1 and the PII-class macro-F1 of both
   presidio readings; for each candidate, tau_high is the lowest grid value whose high verdicts reach precision
   >= 0.97 on the fitting part (high means assigned without a person: its precision is the constraint);
3. reports the fitted profile's figures on both parts, and the reliability curve (confidence bins -> share correct)
   on the held-out part;
4. writes ``superset_review/domains/profiles/tp_default_v1.json``.

Deterministic: fixed seeds, fixed grids, a stable split and tie-breaks by grid order; the same data gives the same
file byte for byte. ``--check`` recomputes and fails when the file differs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import polars as pl  # noqa: E402

from bench.domains import HEADERS, PII_DATASET, SHERLOCK, presidio_columns, sherlock_columns  # noqa: E402
from superset_review.domains.classify import (  # noqa: E402
    Band,
    ColumnDomain,
    DomainClassifier,
    PreparedFrame,
    ThresholdProfile,
)
from superset_review.domains.vectors import CentroidIndex  # noqa: E402
from superset_review.pii.types import PiiType  # noqa: E402

OUTPUT = REPO / "superset_review" / "domains" / "profiles" / "tp_default_v1.json"
HOLDOUT_SHARE = 0.3
HIGH_PRECISION = 0.97
BATCH = 100  # columns per prepared frame (unrelated columns: no table context)
START = ThresholdProfile(
    name="tp_default_v1",
    version=1,
    alpha=0.6,
    beta=0.6,
    gamma=0.75,
    epsilon=0.1,
    zeta=0.05,
    tau_high=0.7,
    tau_low=0.45,
    margin=0.1,
    pattern_miss_penalty=0.4,
    pattern_miss_share=0.2,
    sample_size=300,
    max_value_chars=200,
    min_values=5,
    name_embedding=0.6,
    value_embedding=0.8,
)
GRIDS: dict[str, tuple[float, ...]] = {
    "alpha": (0.5, 0.6, 0.7, 0.8),
    "beta": (0.4, 0.5, 0.6, 0.7),
    "gamma": (0.5, 0.6, 0.75, 0.9),
    "name_embedding": (0.0, 0.4, 0.6, 0.8),
    "value_embedding": (0.0, 0.4, 0.6, 0.8, 1.0),
    "tau_low": (0.3, 0.35, 0.4, 0.45, 0.5, 0.55),
}
TAU_HIGH = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0)
PASSES = 2
BINS = 10


@dataclass(frozen=True)
class Column:
    dataset: str  # sherlock | presidio | presidio+header
    position: int
    header: str
    values: list[str | None]
    gold_domain: str | None  # Sherlock: the catalog domain its type maps to (None: no domain fits)
    gold_pii: PiiType | None  # presidio: the PII class of its entity (None: not personal data)

    @property
    def holdout(self) -> bool:
        digest = hashlib.sha256(f"{self.dataset.split('+')[0]}:{self.position}".encode()).digest()
        return digest[0] < 256 * HOLDOUT_SHARE

    def correct(self, verdict: ColumnDomain) -> bool:
        if self.dataset.startswith("sherlock"):
            return verdict.domain == self.gold_domain
        return verdict.pii is self.gold_pii


def development_columns() -> list[Column]:
    out: list[Column] = []
    for i, (label, values) in enumerate(sherlock_columns()):
        out.append(Column("sherlock", i, "c", values, SHERLOCK.get(label), None))
        # Under its type as a header, as a real table would name it ("birth Date", "rank"): a header must not make
        # a domain of a column whose type is none of the catalog's either.
        out.append(Column("sherlock+header", i, label, values, SHERLOCK.get(label), None))
    for i, (pii, entity, values) in enumerate(presidio_columns()):
        texts: list[str | None] = list(values)
        out.append(Column("presidio", i, "c", texts, None, pii))
        out.append(Column("presidio+header", i, HEADERS[entity], texts, None, pii))
    return out


def prepare(classifier: DomainClassifier, columns: Sequence[Column]) -> list[tuple[Column, PreparedFrame, int]]:
    """Each column prepared once, in batches of unrelated columns under unique names (header ``c`` says nothing;
    a real header is kept as it is, one column of each header per batch)."""
    out: list[tuple[Column, PreparedFrame, int]] = []
    pending: list[Column] = list(columns)
    while pending:
        batch: list[Column] = []
        used: set[str] = set()
        rest: list[Column] = []
        for column in pending:
            name = column.header if column.header != "c" else f"c{len(batch)}"
            if len(batch) < BATCH and name not in used:
                used.add(name)
                batch.append(column)
            else:
                rest.append(column)
        pending = rest
        length = max(len(c.values) for c in batch)
        names = [c.header if c.header != "c" else f"c{i}" for i, c in enumerate(batch)]
        padded = {name: c.values + [None] * (length - len(c.values)) for name, c in zip(names, batch, strict=True)}
        frame = pl.DataFrame({name: pl.Series(values, dtype=pl.String) for name, values in padded.items()})
        prepared = classifier.prepare(frame)
        out.extend((column, prepared, index) for index, column in enumerate(batch))
    return out


@dataclass(frozen=True)
class Verdict:
    domain: str | None
    pii: PiiType | None
    band: Band
    confidence: float


@dataclass(frozen=True)
class Scored:
    column: Column
    verdict: Verdict
    high_eligible: bool  # high at the lowest tau_high: the lead over the next domain is enough
    name_sim: float


def score(
    classifier: DomainClassifier, prepared: list[tuple[Column, PreparedFrame, int]], profile: ThresholdProfile
) -> list[Scored]:
    """Verdicts under ``profile`` with tau_high at tau_low: which columns could be high, for ``at_tau_high``."""
    frames: dict[int, tuple[PreparedFrame, list[tuple[Column, int]]]] = {}
    for column, frame, index in prepared:
        frames.setdefault(id(frame), (frame, []))[1].append((column, index))
    base = dataclasses.replace(profile, tau_high=profile.tau_low)
    out: list[Scored] = []
    for frame, members in frames.values():
        verdicts = classifier.classify_prepared(frame, base, alone=True)
        for column, index in members:
            v = verdicts[index]
            name_sim = float((v.evidence.get("score") or {}).get("name_sim") or 0.0)
            out.append(Scored(column, Verdict(v.domain, v.pii, v.band, v.confidence), v.band is Band.HIGH, name_sim))
    return at_tau_high(classifier, out, profile.tau_high)


def at_tau_high(classifier: DomainClassifier, scored: Sequence[Scored], tau_high: float) -> list[Scored]:
    """The same verdicts under another tau_high: high when it could be and its confidence reaches tau_high;
    personal data claimed when high, or borderline with the header pointing at it (as the classifier does)."""
    out = []
    for s in scored:
        v = s.verdict
        if v.domain is None:
            out.append(s)
            continue
        high = s.high_eligible and v.confidence >= tau_high
        domain = classifier.catalog.by_name[v.domain]
        pii = domain.pii if high or s.name_sim > 0 else None
        out.append(
            dataclasses.replace(s, verdict=Verdict(v.domain, pii, Band.HIGH if high else Band.BORDERLINE, v.confidence))
        )
    return out


def _f1(tp: int, fp: int, fn: int) -> float:
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def sherlock_f1(scored: Sequence[Scored]) -> tuple[float, dict[str, float], dict[str, float]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for s in scored:
        gold, predicted = s.column.gold_domain, s.verdict.domain
        if gold is not None and predicted == gold:
            tp[gold] += 1
            continue
        if gold is not None:
            fn[gold] += 1
        if predicted is not None:
            fp[predicted] += 1
    golds = sorted({s.column.gold_domain for s in scored if s.column.gold_domain})
    per_domain = {d: _f1(tp[d], fp[d], fn[d]) for d in golds}
    families: dict[str, list[float]] = defaultdict(list)
    for domain, value in per_domain.items():
        families[domain.split(".", 1)[0]].append(value)
    per_family = {family: statistics.fmean(values) for family, values in sorted(families.items())}
    return (statistics.fmean(per_domain.values()) if per_domain else 0.0), per_family, per_domain


def pii_scores(scored: Sequence[Scored]) -> dict[str, dict[str, float]]:
    predicted: Counter[PiiType] = Counter()
    correct: Counter[PiiType] = Counter()
    gold: Counter[PiiType] = Counter()
    for s in scored:
        if s.column.gold_pii is not None:
            gold[s.column.gold_pii] += 1
        if s.verdict.pii is not None:
            predicted[s.verdict.pii] += 1
            correct[s.verdict.pii] += s.verdict.pii is s.column.gold_pii
    return {
        pii.value: {
            "precision": correct[pii] / predicted[pii] if predicted[pii] else 0.0,
            "recall": correct[pii] / gold[pii] if gold[pii] else 0.0,
            "columns": gold[pii],
        }
        for pii in sorted(gold, key=str)
    }


def _pii_macro_f1(scored: Sequence[Scored]) -> float:
    values = [_f1_of(v["precision"], v["recall"]) for v in pii_scores(scored).values()]
    return statistics.fmean(values) if values else 0.0


def _f1_of(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def high_precision(scored: Sequence[Scored], *, known_only: bool = True) -> tuple[float, int]:
    """Precision of the high verdicts on the columns whose meaning is known: presidio's, and Sherlock's whose type
    maps onto the catalog. Sherlock's other types ("order", "result", "type") are no domain of the catalog by
    label, yet many are one by content (a column "order" of Mon, Tue, ... is weekdays): counted, they would make
    their label noise the constraint. ``known_only=False`` counts them too (reported beside)."""
    high = [
        s
        for s in scored
        if s.verdict.band is Band.HIGH
        and (not known_only or not s.column.dataset.startswith("sherlock") or s.column.gold_domain)
    ]
    return (sum(s.column.correct(s.verdict) for s in high) / len(high) if high else 1.0), len(high)


def objective(scored: Sequence[Scored]) -> float:
    by_set: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        by_set[s.column.dataset].append(s)
    return statistics.fmean(
        [
            sherlock_f1(by_set["sherlock"])[0],
            sherlock_f1(by_set["sherlock+header"])[0],
            _pii_macro_f1(by_set["presidio"]),
            _pii_macro_f1(by_set["presidio+header"]),
        ]
    )


def fit(
    classifier: DomainClassifier, prepared: list[tuple[Column, PreparedFrame, int]]
) -> tuple[ThresholdProfile, list[str]]:
    fitting = [p for p in prepared if not p[0].holdout]
    log: list[str] = []

    def evaluate(profile: ThresholdProfile) -> tuple[float, ThresholdProfile]:
        # tau_high: the lowest that keeps the high verdicts' precision on the fitting part.
        base = score(classifier, fitting, dataclasses.replace(profile, tau_high=profile.tau_low))
        for tau in TAU_HIGH:
            if tau < profile.tau_low:
                continue
            scored = at_tau_high(classifier, base, tau)
            if high_precision(scored)[0] >= HIGH_PRECISION or tau == max(TAU_HIGH):
                return objective(scored), dataclasses.replace(profile, tau_high=tau)
        raise AssertionError("unreachable: the last tau_high returns")

    best_value, best = evaluate(START)
    log.append(f"start: objective {best_value:.4f} with {START}")
    for round_ in range(PASSES):
        for name, grid in GRIDS.items():
            for value in grid:
                if getattr(best, name) == value:
                    continue
                candidate_value, candidate = evaluate(dataclasses.replace(best, **{name: value}))
                if candidate_value > best_value + 1e-9:
                    best_value, best = candidate_value, candidate
                    log.append(
                        f"pass {round_ + 1}: {name}={value} -> objective {best_value:.4f}, tau_high {best.tau_high}"
                    )
    return best, log


def known(column: Column) -> bool:
    """Whether the column's meaning is known (see ``high_precision``)."""
    return not column.dataset.startswith("sherlock") or column.gold_domain is not None


def reliability(scored: Sequence[Scored]) -> list[dict[str, float | int]]:
    """Share of correct verdicts per confidence bin, on the columns whose meaning is known that got a domain."""
    bins: dict[int, list[Scored]] = defaultdict(list)
    for s in scored:
        if s.verdict.domain is not None and known(s.column):
            bins[min(BINS - 1, int(s.verdict.confidence * BINS))].append(s)
    out: list[dict[str, float | int]] = []
    for b in range(BINS):
        members = bins.get(b, [])
        out.append(
            {
                "lo": round(b / BINS, 2),
                "hi": round((b + 1) / BINS, 2),
                "mean_confidence": round(statistics.fmean(s.verdict.confidence for s in members), 4)
                if members
                else 0.0,
                "precision": round(sum(s.column.correct(s.verdict) for s in members) / len(members), 4)
                if members
                else 0.0,
                "count": len(members),
            }
        )
    return out


def figures(scored: Sequence[Scored]) -> dict[str, Any]:
    by_set: dict[str, list[Scored]] = defaultdict(list)
    for s in scored:
        by_set[s.column.dataset].append(s)
    macro, per_family, _ = sherlock_f1(by_set["sherlock"])
    header_macro, header_per_family, _ = sherlock_f1(by_set["sherlock+header"])
    precision, count = high_precision(scored)
    all_precision, all_count = high_precision(scored, known_only=False)
    return {
        "high_precision_all_columns": round(all_precision, 4),
        "high_count_all_columns": all_count,
        "columns": {name: len(members) for name, members in sorted(by_set.items())},
        "sherlock_macro_f1": round(macro, 4),
        "sherlock_macro_f1_per_family": {family: round(v, 4) for family, v in per_family.items()},
        "sherlock_with_header_macro_f1": round(header_macro, 4),
        "sherlock_with_header_macro_f1_per_family": {f: round(v, 4) for f, v in header_per_family.items()},
        "presidio_pii_values_only": _rounded(pii_scores(by_set["presidio"])),
        "presidio_pii_with_header": _rounded(pii_scores(by_set["presidio+header"])),
        "high_precision": round(precision, 4),
        "high_count": count,
        "high_share_all_columns": round(all_count / len(scored), 4) if scored else 0.0,
        "objective": round(objective(scored), 4),
    }


def _rounded(table: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    return {key: {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()} for key, row in table.items()}


def evaluate_profile(profile: ThresholdProfile) -> dict[str, Any]:
    """``profile``'s figures on every development column, and on the fitting and held-out parts (no refit)."""
    classifier = DomainClassifier(similarity=CentroidIndex.for_catalog(DomainClassifier(embeddings=False).catalog))
    scored = score(classifier, prepare(classifier, development_columns()), profile)
    return {
        "all": figures(scored),
        "fitting": figures([s for s in scored if not s.column.holdout]),
        "held_out": figures([s for s in scored if s.column.holdout]),
    }


def calibrate() -> tuple[dict[str, Any], list[str]]:
    classifier = DomainClassifier(similarity=CentroidIndex.for_catalog(DomainClassifier(embeddings=False).catalog))
    prepared = prepare(classifier, development_columns())
    profile, log = fit(classifier, prepared)
    scored = score(classifier, prepared, profile)
    fitting = [s for s in scored if not s.column.holdout]
    held_out = [s for s in scored if s.column.holdout]
    document = {
        "profile": profile.to_json(),
        "reliability": reliability(held_out),
        "measured_on": {
            "sherlock": "Sherlock column sample (MIT): sherlock_sample_values.csv / _labels.csv, values only and under "
            "its type as the header",
            "presidio": f"presidio-research synthetic corpus (MIT), {PII_DATASET.name}: entity columns of 20 values, "
            "values only and under a header",
            "split": f"sha256 of each column's position: {1 - HOLDOUT_SHARE:.0%} fitting, {HOLDOUT_SHARE:.0%} held out",
            "reliability_on": "held out, the columns whose meaning is known (presidio's; Sherlock's mapped types)",
            "embedder": classifier.similarity.embedder.model_id
            if isinstance(classifier.similarity, CentroidIndex)
            else None,
        },
        "metrics": {"fitting": figures(fitting), "held_out": figures(held_out)},
    }
    return document, log


def main(argv: Sequence[str]) -> int:
    document, log = calibrate()
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if "--check" in argv:
        same = OUTPUT.exists() and OUTPUT.read_text(encoding="utf-8") == text
        print("tp_default_v1.json is current" if same else "tp_default_v1.json differs from a fresh calibration")
        return 0 if same else 1
    print("\n".join(log))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(text, encoding="utf-8")
    print(json.dumps({"profile": document["profile"], "metrics": document["metrics"]}, indent=1))
    print(f"wrote {OUTPUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
