"""Benford's law on leading digits with Nigrini's mean-absolute-deviation (MAD) conformity test.

A population (the upload, or each account / entity) is tested only when it is large enough for MAD to mean
something; when it does not conform, the transactions whose leading digits are the most over-represented
ones are flagged, provided the digit is a finding on two counts:

- significant: z >= `z_threshold`, so a small population's noise is not read as a spike;
- large: observed >= `min_ratio` x Benford's expected share (default 2, i.e. at least half of the lines
  carrying the digit are excess). The z-test alone grows more powerful with every line, so on a large
  ledger any mild, smooth departure (a digit 1 at 41% instead of 30%) is 'significant' and would flag
  hundreds of thousands of ordinary lines. MAD and the ratio are proportions: whether a population is
  flagged, and which share of it, does not depend on its size.

Low severity: a Benford finding points at where to look, it is not evidence on its own.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import (
    AnomalyDetectionAlgorithm,
    ConfigError,
    DetectionResult,
    encode,
    has_values,
)
from anomaly_pipeline.detect.rules._common import cents, check_min, check_severity, flag_result, money, text
from anomaly_pipeline.detect.shared import SharedWork

VERDICTS = ("close conformity", "acceptable conformity", "marginally acceptable conformity", "nonconformity")
POPULATIONS = ("", "account", "entity")


class _Benford(AnomalyDetectionAlgorithm):
    kind = "rule"
    required_columns = ("amount",)
    digits: ClassVar[int]
    #: Nigrini's MAD limits between the four verdicts
    mad_limits: ClassVar[tuple[float, float, float]]
    default_weight = 0.2

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "min_amount", 1)
        check_min(self.algorithm, config, "min_population", 50)
        check_min(self.algorithm, config, "top_digits", 1)
        check_min(self.algorithm, config, "z_threshold", 0, strict=True)
        check_min(self.algorithm, config, "min_ratio", 1)
        if config["group_by"] not in POPULATIONS:
            raise ConfigError(f"{self.algorithm}.group_by: one of '' (whole upload), 'account', 'entity', "
                              f"got {config['group_by']!r}")
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        size = transactions["amount"].abs().to_numpy(dtype="float64")
        usable = size >= config["min_amount"]
        low = 10 ** (self.digits - 1)
        lead = np.full(len(size), -1, dtype="int64")
        lead[usable] = leading_digits(cents(pd.Series(size[usable])).to_numpy(), self.digits)
        group_by = config["group_by"]
        if group_by and has_values(transactions, group_by):
            population, names = encode(transactions[group_by].astype("string").fillna("(none)"), sort=True)
        else:
            population, names = np.zeros(len(size), dtype="int64"), pd.Series(["upload"], dtype="string")
        support = np.arange(low, 10 ** self.digits)
        width = len(support)
        cell = population * width + (lead - low)
        counts = np.bincount(cell[usable], minlength=len(names) * width).reshape(len(names), width)
        present = np.flatnonzero(counts.sum(axis=1) > 0)  # populations with amounts to test
        counts, labels = counts[present], names.iloc[present].to_numpy(dtype=object)
        expected = np.log10(1 + 1 / support)
        n = counts.sum(axis=1)
        observed = counts / n[:, None]
        excess = observed - expected
        mad = np.abs(excess).mean(axis=1)
        verdict = np.array(VERDICTS)[np.searchsorted(self.mad_limits, mad, side="right")]
        z = (np.abs(excess) - 1 / (2 * n[:, None])) / np.sqrt(expected * (1 - expected)) * np.sqrt(n[:, None])
        tested = n >= config["min_population"]
        failing = tested & (verdict == VERDICTS[-1])
        # over-represented digits that are a finding: significantly so (z), and by enough that at least
        # 1 - 1/min_ratio of the lines carrying them are excess (the effect, which does not grow with n)
        finding = (failing[:, None] & (excess > 0) & (z >= config["z_threshold"])
                   & (observed >= config["min_ratio"] * expected))
        pop_at, digit_at = np.nonzero(finding)
        chosen = (pd.DataFrame({"population": labels[pop_at], "digit": support[digit_at],
                                "excess": excess[pop_at, digit_at], "cell": pop_at * width + digit_at})
                  .sort_values(["population", "excess"], ascending=[True, False])
                  .groupby("population").head(config["top_digits"]))
        by_name = pd.Index(labels)
        summary = _summary(pd.Series(n, index=by_name), pd.Series(mad, index=by_name),
                           pd.Series(verdict, index=by_name), pd.Series(tested, index=by_name), chosen, self.digits)
        if chosen.empty:
            return flag_result(transactions, np.zeros(len(transactions), dtype=bool), [], config["severity"], summary)
        pop, dig = chosen["cell"].to_numpy() // width, chosen["cell"].to_numpy() % width
        label, verb = ("leading digit ", " appears in ") if self.digits == 1 else ("first two digits ", " appear in ")
        where = (" of " + group_by + " " + text(pd.Series(labels[pop]))) if group_by else ""
        found = (label + support[dig].astype(str).astype(object) + verb + _fmt("{:.1f}%", observed[pop, dig] * 100)
                 + " of " + money(n[pop]) + " amounts" + where + " vs " + _fmt("{:.1f}%", expected[dig] * 100)
                 + " expected by Benford (z = " + _fmt("{:.1f}", z[pop, dig]) + "); MAD "
                 + _fmt("{:.4f}", mad[pop]) + " = nonconformity")
        # every (population, digit) cell: the finding's text, or None
        cell_text = np.full(len(names) * width, None, dtype=object)
        cell_text[present[pop] * width + dig] = found
        hit = usable & (cell_text[np.where(usable, cell, 0)] != None)  # noqa: E711 - elementwise
        return flag_result(transactions, hit, cell_text[cell[hit]], config["severity"], summary)


def leading_digits(values: np.ndarray, digits: int) -> np.ndarray:
    """The first `digits` digits of positive integers (each at least 10 ** (digits - 1)), by arithmetic."""
    values = np.asarray(values, dtype="int64")
    length = np.floor(np.log10(np.maximum(values, 1))).astype("int64")  # digits - 1, up to float error
    powers = 10 ** np.arange(19, dtype="int64")
    length -= values < powers[length]
    length += (length < 18) & (values >= powers[np.minimum(length + 1, 18)])
    return values // powers[np.maximum(length - digits + 1, 0)]


def _fmt(pattern: str, values: np.ndarray) -> np.ndarray:
    return np.array([pattern.format(v) for v in np.asarray(values, dtype="float64")], dtype=object)


def _summary(n: pd.Series, mad: pd.Series, verdict: pd.Series, tested: pd.Series, chosen: pd.DataFrame,
             digits: int) -> dict[str, Any]:
    flagged = chosen.groupby("population")["digit"].agg(list)
    table = pd.DataFrame({"n": n, "mad": mad.round(5), "verdict": verdict.where(tested, "too few amounts to test")})
    table["flagged_digits"] = flagged.reindex(table.index).apply(lambda v: v if isinstance(v, list) else [])
    populations = {str(k): {"n": int(r.n), "mad": float(r.mad), "verdict": r.verdict,
                            "flagged_digits": [int(d) for d in r.flagged_digits]}
                   for k, r in table.head(50).iterrows()}
    summary: dict[str, Any] = {"digits": digits, "populations_tested": int(tested.sum()),
                               "nonconforming": int(((verdict == VERDICTS[-1]) & tested).sum()),
                               "populations": populations}
    if len(table) == 1:
        only = next(iter(populations.values()))
        summary.update(n=only["n"], mad=only["mad"], verdict=only["verdict"])
    return summary


class BenfordFirstDigit(_Benford):
    """First-digit test; Nigrini's MAD limits 0.006 / 0.012 / 0.015."""

    algorithm = "benford_first_digit"
    default_weight = 0.05
    description = "Benford first-digit test (MAD conformity); flags the most over-represented leading digits."
    digits = 1
    mad_limits = (0.006, 0.012, 0.015)
    default_config = {"group_by": "", "min_amount": 10.0, "min_population": 1000, "top_digits": 1,
                      "z_threshold": 2.576, "min_ratio": 2.0, "severity": "low"}


class BenfordFirstTwoDigits(_Benford):
    """First-two-digits test (10-99); Nigrini's MAD limits 0.0012 / 0.0018 / 0.0022. Needs a larger
    population: with 90 digit pairs, sampling noise alone exceeds the limits below ~1500 amounts."""

    algorithm = "benford_first_two_digits"
    default_weight = 0.05
    description = "Benford first-two-digits test (MAD conformity); flags the most over-represented pairs."
    digits = 2
    mad_limits = (0.0012, 0.0018, 0.0022)
    default_config = {"group_by": "", "min_amount": 10.0, "min_population": 3000, "top_digits": 3,
                      "z_threshold": 2.576, "min_ratio": 2.0, "severity": "low"}
