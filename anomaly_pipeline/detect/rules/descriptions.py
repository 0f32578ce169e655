"""Blank or suspicious descriptions: entries without an explanation, or explained only as a test, an
adjustment, a correction or 'per instruction' (English and Swedish keywords by default)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm, ConfigError, DetectionResult, encode
from anomaly_pipeline.detect.rules._common import check_severity, check_str_list, flag_result, money

KEYWORDS = ["test", "adjustment", "correction", "misc", "miscellaneous", "per instruction", "manual",
            "rättelse", "justering", "diverse"]


class SuspiciousDescription(AnomalyDetectionAlgorithm):
    """Descriptions that contain one of `keywords` as a whole word or phrase (case-insensitive), and,
    when `flag_blank`, descriptions that are empty or punctuation only, as long as blanks are the
    exception (at most `max_blank_share` of the lines). Runs only when the upload has descriptions at all."""

    algorithm = "suspicious_description"
    kind = "rule"
    description = "Blank descriptions or texts like 'test', 'adjustment', 'per instruction', 'rättelse'."
    required_columns = ("description",)
    default_config = {"keywords": KEYWORDS, "flag_blank": True, "max_blank_share": 0.2, "severity": "medium",
                      "blank_severity": "low"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        check_str_list(self.algorithm, config, "keywords")
        if not 0 <= config["max_blank_share"] <= 1:
            raise ConfigError(f"{self.algorithm}.max_blank_share: must be in [0, 1], got {config['max_blank_share']!r}")
        check_severity(self.algorithm, config)
        check_severity(self.algorithm, config, "blank_severity")

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame) -> DetectionResult:
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
        flagged = blank | keyword
        idx = np.flatnonzero(flagged)
        amount = money(transactions["amount"].iloc[idx]) if "amount" in transactions else np.full(len(idx), "?", dtype=object)
        texts = np.where(keyword[idx],
                         "description '" + desc.iloc[idx].fillna("").to_numpy(dtype=object) + "' contains '"
                         + found[code[idx]] + "'; amount " + amount,
                         "blank description; amount " + amount)
        severity = np.where(keyword, config["severity"], config["blank_severity"])
        return flag_result(transactions, flagged, texts, severity,
                           {"blank": int((blank & ~keyword).sum()), "keyword": int(keyword.sum()),
                            "blank_share": round(blank_share, 4)})
