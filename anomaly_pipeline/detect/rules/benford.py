"""Benford's law on leading digits with Nigrini's mean-absolute-deviation (MAD) conformity test.

A population (the upload, or each account / entity) is tested only when it is large enough for MAD to mean
something; when it does not conform, the transactions whose leading digits are the most significantly
over-represented ones are flagged. Low severity: a Benford finding points at where to look, it is not
evidence on its own.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, ConfigError, DetectionResult
from anomaly_pipeline.detect.rules._common import cents, check_min, check_severity, flag_result, money, text

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
        check_min(self.name(), config, "min_amount", 1)
        check_min(self.name(), config, "min_population", 50)
        check_min(self.name(), config, "top_digits", 1)
        check_min(self.name(), config, "z_threshold", 0, strict=True)
        if config["group_by"] not in POPULATIONS:
            raise ConfigError(f"{self.name()}.group_by: one of '' (whole upload), 'account', 'entity', "
                              f"got {config['group_by']!r}")
        check_severity(self.name(), config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
        size = transactions["amount"].abs()
        usable = (size >= config["min_amount"]).to_numpy()
        lead = pd.Series(-1, index=transactions.index, dtype="int64")
        lead[usable] = cents(size[usable]).astype(str).str[: self.digits].astype("int64")
        group_by = config["group_by"]
        if group_by and group_by in transactions and transactions[group_by].notna().any():
            population = transactions[group_by].astype("string").fillna("(none)")
        else:
            population = pd.Series("upload", index=transactions.index, dtype="string")
        support = np.arange(10 ** (self.digits - 1), 10 ** self.digits)
        expected = pd.Series(np.log10(1 + 1 / support), index=support)
        counts = pd.crosstab(population[usable], lead[usable]).reindex(columns=support, fill_value=0)
        n = counts.sum(axis=1)
        observed = counts.div(n, axis=0)
        mad = (observed - expected).abs().mean(axis=1)
        verdict = pd.Series(np.array(VERDICTS)[np.searchsorted(self.mad_limits, mad.to_numpy(), side="right")],
                            index=mad.index)
        z = ((observed - expected).abs() - 1 / (2 * n.to_numpy()[:, None])).div(
            np.sqrt(expected * (1 - expected)).to_numpy()[None, :]).mul(np.sqrt(n.to_numpy())[:, None], axis=0)
        excess = observed - expected
        tested = n >= config["min_population"]
        failing = tested & (verdict == VERDICTS[-1])
        # the most over-represented digits that are also significantly so, per failing population
        candidates = excess.where((excess > 0) & (z >= config["z_threshold"])).loc[failing]
        chosen = (candidates.stack().dropna().rename("excess").reset_index()
                  .set_axis(["population", "digit", "excess"], axis=1)
                  .sort_values(["population", "excess"], ascending=[True, False])
                  .groupby("population").head(config["top_digits"]))
        summary = _summary(n, mad, verdict, tested, chosen, self.digits)
        if chosen.empty:
            return flag_result(transactions, np.zeros(len(transactions), dtype=bool), [], config["severity"], summary)
        key = pd.MultiIndex.from_arrays([population, lead])
        hit = key.isin(pd.MultiIndex.from_frame(chosen[["population", "digit"]])) & usable
        idx = np.flatnonzero(hit)
        pop, dig = population.iloc[idx].to_numpy(), lead.iloc[idx].to_numpy()
        obs = observed.stack().reindex(pd.MultiIndex.from_arrays([pop, dig])).to_numpy()
        zs = z.stack().reindex(pd.MultiIndex.from_arrays([pop, dig])).to_numpy()
        label, verb = ("leading digit ", " appears in ") if self.digits == 1 else ("first two digits ", " appear in ")
        where = (" of " + group_by + " " + text(pop)) if group_by else np.full(len(idx), "", dtype=object)
        texts = (label + dig.astype(str).astype(object) + verb
                 + pd.Series(obs * 100).map("{:.1f}%".format).to_numpy(dtype=object) + " of "
                 + money(n.reindex(pop)) + " amounts" + where + " vs "
                 + pd.Series(expected.reindex(dig).to_numpy() * 100).map("{:.1f}%".format).to_numpy(dtype=object)
                 + " expected by Benford (z = " + pd.Series(zs).map("{:.1f}".format).to_numpy(dtype=object)
                 + "); MAD " + mad.reindex(pop).map("{:.4f}".format).to_numpy(dtype=object) + " = nonconformity")
        return flag_result(transactions, hit, texts, config["severity"], summary)


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
                      "z_threshold": 2.576, "severity": "low"}


class BenfordFirstTwoDigits(_Benford):
    """First-two-digits test (10-99); Nigrini's MAD limits 0.0012 / 0.0018 / 0.0022. Needs a larger
    population: with 90 digit pairs, sampling noise alone exceeds the limits below ~1500 amounts."""

    algorithm = "benford_first_two_digits"
    default_weight = 0.05
    description = "Benford first-two-digits test (MAD conformity); flags the most over-represented pairs."
    digits = 2
    mad_limits = (0.0012, 0.0018, 0.0022)
    default_config = {"group_by": "", "min_amount": 10.0, "min_population": 3000, "top_digits": 3,
                      "z_threshold": 2.576, "severity": "low"}
