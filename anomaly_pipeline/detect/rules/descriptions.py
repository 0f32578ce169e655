"""Blank or suspicious descriptions: entries without an explanation, or explained only as a test, an
adjustment, a correction or 'per instruction' (English and Swedish keywords by default)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, ConfigError, DetectionResult, encode
from anomaly_pipeline.detect.norms import describe_habit, habitual_share
from anomaly_pipeline.detect.rules._common import (
    check_severity,
    check_share,
    check_str_list,
    flag_result,
    money,
    text,
    voucher_codes,
)
from anomaly_pipeline.detect.shared import SharedWork

KEYWORDS = ["test", "adjustment", "correction", "misc", "miscellaneous", "per instruction", "manual",
            "rättelse", "justering", "diverse"]


class SuspiciousDescription(AnomalyDetectionAlgorithm):
    """Descriptions that contain one of `keywords` as a whole word or phrase (case-insensitive), and,
    when `flag_blank`, descriptions that are empty or punctuation only, as long as blanks are the
    exception (at most `max_blank_share` of the lines). Runs only when the upload has descriptions at all.

    A keyword is judged against this ledger's use of it: where it is in more than `max_share` of the
    ledger's vouchers, or of the row's account's (a monthly 'Justering' on the accrual account is a
    routine), it is the ledger's vocabulary, not a finding; the reason says how rare it is here. A ledger
    too small to have habits (`norms.MIN_POPULATION` vouchers) gets the keyword list alone."""

    algorithm = "suspicious_description"
    kind = "rule"
    description = "Blank descriptions or texts like 'test', 'adjustment', 'per instruction', 'rättelse'."
    required_columns = ("description",)
    default_config = {"keywords": KEYWORDS, "flag_blank": True, "max_blank_share": 0.2, "max_share": 0.05,
                      "severity": "medium", "blank_severity": "low"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        check_str_list(self.algorithm, config, "keywords")
        if not 0 <= config["max_blank_share"] <= 1:
            raise ConfigError(f"{self.algorithm}.max_blank_share: must be in [0, 1], got {config['max_blank_share']!r}")
        check_share(self.algorithm, config, "max_share")
        check_severity(self.algorithm, config)
        check_severity(self.algorithm, config, "blank_severity")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        desc = transactions["description"].astype("string")
        # the text work runs once per distinct description
        code, distinct = encode(desc)
        missing = code < 0
        code = np.maximum(code, 0)
        blank_text = distinct.str.fullmatch(r"[\W_]*").fillna(True).to_numpy(dtype=bool)
        blank = missing | blank_text[code] if len(distinct) else missing
        blank_share = float(blank.mean()) if len(blank) else 0.0
        # where most lines carry no text (line texts left to the voucher), a blank one is the norm, not a finding
        blank = blank & bool(config["flag_blank"] and blank_share <= config["max_blank_share"])
        words = sorted({k.strip().casefold() for k in config["keywords"] if k.strip()}, key=len, reverse=True)
        found = np.full(len(distinct), "", dtype=object)  # per distinct text: the keywords it contains
        if words and len(distinct):
            pattern = r"(?<!\w)(" + "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in words) + r")(?!\w)"
            hits = distinct.str.casefold().str.findall(pattern)
            found = hits.str.join("', '").fillna("").to_numpy(dtype=object)
        keyword = ~missing & (found != "")[code] if len(distinct) else np.zeros(len(desc), dtype=bool)
        keyword, norm, common = _rare_keywords(transactions, shared, keyword, found[code] if len(distinct) else found,
                                               config["max_share"])
        flagged = blank | keyword
        idx = np.flatnonzero(flagged)
        amount = money(transactions["amount"].iloc[idx]) if "amount" in transactions else np.full(len(idx), "?", dtype=object)
        texts = np.where(keyword[idx],
                         "description '" + desc.iloc[idx].fillna("").to_numpy(dtype=object) + "' contains '"
                         + found[code[idx]] + "'; amount " + amount + norm[idx],
                         "blank description; amount " + amount)
        severity = np.where(keyword, config["severity"], config["blank_severity"])
        return flag_result(transactions, flagged, texts, severity,
                           {"blank": int((blank & ~keyword).sum()), "keyword": int(keyword.sum()),
                            "blank_share": round(blank_share, 4), **({"habitual_keywords": common} if common else {})})


def _rare_keywords(transactions: pd.DataFrame, shared: SharedWork, keyword: np.ndarray, found: np.ndarray,
                   max_share: float) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(keyword rows kept, '; 0.4 % of this ledger's vouchers carry it' per row, the keyword sets left out as
    this ledger's vocabulary). A row's keyword set is the pattern; its share among the ledger's vouchers and
    its account's decides (vouchers counted once)."""
    norm = np.full(len(keyword), "", dtype=object)
    weight, unit = shared.unit_weights()
    if not keyword.any():
        return keyword, norm, []
    contexts = shared.context_codes("transactions", "account")
    kept = np.zeros(len(keyword), dtype=bool)
    common = []
    for words in pd.unique(found[keyword]):
        hit = keyword & (found == words)
        habit = habitual_share(hit, contexts, weight)
        if not habit.learned:  # too small to have a vocabulary: the keyword list alone
            return keyword, norm, []
        best = _most_habitual_line(transactions, shared, hit, habit.share)  # a voucher is as routine as its most habitual line
        rare = hit & (habit.share[best] <= max_share)
        if not rare.any():
            common.append(str(words))
            continue
        kept |= rare
        idx = np.flatnonzero(rare)
        labels = ({"account": text(transactions["account"].iloc[best[idx]].astype("string").str.strip())}
                  if contexts else None)
        norm[idx] = "; " + describe_habit(habit, best[idx], f"{unit} carry '{words}'", labels)
    return kept, norm, sorted(common)


def _most_habitual_line(transactions: pd.DataFrame, shared: SharedWork, hit: np.ndarray,
                        share: np.ndarray) -> np.ndarray:
    """Per row: the hit row of its voucher with the highest `share` (the row itself without a voucher id)."""
    own = np.arange(len(share))
    if "voucher_id" not in transactions or transactions["voucher_id"].isna().all():
        return own
    codes = voucher_codes(shared)[0]
    rows = np.flatnonzero(hit & (codes >= 0))
    if not len(rows):
        return own
    order = rows[np.lexsort((-share[rows], codes[rows]))]  # per voucher, its most habitual line first
    first = pd.Series(order).groupby(codes[order]).transform("first").to_numpy()
    out = own.copy()
    out[order] = first
    return out
