"""Helpers shared by the rule detectors: config checks, flag assembly, formatting, account prefixes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import (
    SEVERITY_SCORE,
    AnomalyDetectionAlgorithm,
    ConfigError,
    DetectionResult,
    as_string,
    combine_codes,
    format_amount,
    has_values,
    text_words,
)
from anomaly_pipeline.detect.norms import (
    describe_habit,
    habitual_share,
    own_context_share,
    percent,
    rarity_score,
)
from anomaly_pipeline.detect.shared import Over, SharedWork
from anomaly_pipeline.series_ops import per_distinct

SEVERITIES = tuple(SEVERITY_SCORE)


def check_severity(name: str, config: dict[str, Any], key: str = "severity") -> None:
    if config[key] not in SEVERITY_SCORE:
        raise ConfigError(f"{name}.{key}: must be one of {', '.join(SEVERITIES)}, got {config[key]!r}")


def check_bool(name: str, config: dict[str, Any], key: str) -> None:
    if not isinstance(config[key], bool):
        raise ConfigError(f"{name}.{key}: true or false, got {config[key]!r}")


def check_min(name: str, config: dict[str, Any], key: str, minimum: float, *, strict: bool = False) -> None:
    value = config[key]
    if value < minimum or (strict and value == minimum):
        op = ">" if strict else ">="
        raise ConfigError(f"{name}.{key}: must be {op} {minimum}, got {value!r}")


def check_str_list(name: str, config: dict[str, Any], key: str, *, allow_empty: bool = True) -> None:
    values = config[key]
    if not all(isinstance(v, str) and v != "" for v in values):
        raise ConfigError(f"{name}.{key}: expected a list of non-empty strings, got {values!r}")
    if not allow_empty and not values:
        raise ConfigError(f"{name}.{key}: must not be empty")


def flag_result(transactions: pd.DataFrame, flagged: np.ndarray, texts: pd.Series | np.ndarray | list[str],
                severity: str | pd.Series | np.ndarray, summary: dict[str, Any] | None = None) -> DetectionResult:
    """A rule result: `texts` holds one reason per flagged row (in row order); score from the severity
    (one for all, or one per row)."""
    flagged = np.asarray(flagged, dtype=bool)
    idx = np.flatnonzero(flagged)
    reason = np.full(len(transactions), None, dtype=object)
    if len(idx):
        reason[idx] = np.asarray(texts, dtype=object)
    score = np.zeros(len(transactions))
    if isinstance(severity, str):
        score[idx] = SEVERITY_SCORE[severity]
    else:
        per_row = severity.iloc[idx] if isinstance(severity, pd.Series) else np.asarray(severity)[idx]
        score[idx] = pd.Series(np.asarray(per_row, dtype=object)).map(SEVERITY_SCORE).astype("float64").fillna(0.0).to_numpy()
        if isinstance(severity, pd.Series):
            severity = severity.reset_index(drop=True)
    return AnomalyDetectionAlgorithm.build_result(transactions, score, flagged, reason, severity, summary)


def nothing_flagged(transactions: pd.DataFrame, summary: dict[str, Any] | None = None) -> DetectionResult:
    return flag_result(transactions, np.zeros(len(transactions), dtype=bool), [], "low", summary)


def ymd(values: pd.Series) -> np.ndarray:
    return pd.Series(values).dt.strftime("%Y-%m-%d").to_numpy(dtype=object)


def text(values: pd.Series | np.ndarray) -> np.ndarray:
    """Strings for concatenation into reasons (missing values become '?')."""
    return pd.Series(values, dtype="string").fillna("?").to_numpy(dtype=object)


def matches_prefix(accounts: pd.Series, prefixes: list[str]) -> np.ndarray:
    """True where the account starts with any of `prefixes` (an exact account is its own prefix)."""
    values = accounts.astype("string").fillna("").str.strip()
    if not prefixes:
        return np.zeros(len(values), dtype=bool)
    return values.str.startswith(tuple(prefixes)).fillna(False).to_numpy(dtype=bool)


def longest_prefix(accounts: pd.Series, prefixes: list[str]) -> pd.Series:
    """The longest of `prefixes` each account starts with (NA where none does)."""
    values = accounts.astype("string").fillna("").str.strip().reset_index(drop=True)
    best = pd.Series(pd.NA, index=values.index, dtype="string")
    for prefix in sorted(prefixes, key=len):  # longer prefixes overwrite shorter ones
        best = best.mask(values.str.startswith(prefix).fillna(False).to_numpy(), prefix)
    return best


def voucher_keys(transactions: pd.DataFrame) -> pd.Series:
    """Voucher identity within an upload (entity-qualified when the upload holds several)."""
    keys = transactions["voucher_id"].astype("string").str.strip()
    if "entity" in transactions and transactions["entity"].nunique() > 1:
        keys = transactions["entity"].astype("string").fillna("") + "|" + keys
    return keys


def stripped(values: pd.Series) -> pd.Series:
    """Values as stripped strings (a `clean` for `encode`)."""
    return values.astype("string").str.strip()


def voucher_codes(shared: SharedWork, over: Over = "transactions") -> tuple[np.ndarray, pd.Series]:
    """`voucher_keys` of the chosen frame encoded: a code per row (-1 without a voucher id) and the distinct
    keys."""
    codes, keys = shared.encode("voucher_id", stripped, over=over)
    if not (shared.has(over, "entity") and shared.frame(over)["entity"].nunique() > 1):
        return codes, keys
    entity, names = shared.encode("entity", as_string, over=over)
    names = pd.concat([names, pd.Series([""], dtype="string")], ignore_index=True)  # missing entity: ''
    entity = np.where(entity >= 0, entity, len(names) - 1)
    valid = codes >= 0
    pair, pairs = pd.factorize(entity[valid] * len(keys) + codes[valid])
    out = np.full(len(codes), -1, dtype="int64")
    out[valid] = pair
    labels = (names.iloc[pairs // len(keys)].reset_index(drop=True) + "|"
              + keys.iloc[pairs % len(keys)].reset_index(drop=True))
    return out, labels


def cents(amount: pd.Series) -> pd.Series:
    """Amounts as integer cents, so equality is exact and immune to float noise."""
    return (amount.astype("float64") * 100).round().astype("int64")


def money(values: pd.Series | np.ndarray | list[float]) -> np.ndarray:
    """format_amount as an object array, safe on empty input."""
    values = np.asarray(values, dtype="float64")
    if not len(values):
        return np.array([], dtype=object)
    return format_amount(values).to_numpy(dtype=object)


def voucher_label(transactions: pd.DataFrame, idx: np.ndarray | pd.Index, prefix: str = " (voucher ",
                  suffix: str = ")") -> np.ndarray:
    """' (voucher A12)' per row, or '' where the upload has no voucher ids."""
    if "voucher_id" not in transactions:
        return np.full(len(idx), "", dtype=object)
    ids = transactions["voucher_id"].astype("string").iloc[np.asarray(idx)]
    return (prefix + ids.fillna("") + suffix).where(ids.notna(), "").to_numpy(dtype=object)


PERIOD_FREQ = {"month": "M", "quarter": "Q", "year": "Y"}


def check_period(name: str, config: dict[str, Any], key: str = "period") -> None:
    if config[key] not in PERIOD_FREQ:
        raise ConfigError(f"{name}.{key}: must be one of {', '.join(PERIOD_FREQ)}, got {config[key]!r}")


def period_of(dates: pd.Series, period: str) -> pd.Series:
    return per_distinct(dates, lambda d: d.dt.to_period(PERIOD_FREQ[period]))


def months_per_key(key: np.ndarray, dates: pd.Series) -> pd.Series:
    """Distinct calendar months per key (an integer per row; rows with a negative key or no date left out):
    how many months a pattern recurs in, which makes it a routine."""
    month = (dates.dt.year * 12 + dates.dt.month).to_numpy(dtype="float64", na_value=np.nan)
    ok = (key >= 0) & ~np.isnan(month)
    return pd.DataFrame({"key": key[ok], "month": month[ok]}).drop_duplicates().groupby("key").size()


def period_end(dates: pd.Series, period: str) -> pd.Series:
    """The last day of each date's period (midnight)."""
    return per_distinct(dates, lambda d: d.dt.to_period(PERIOD_FREQ[period]).dt.end_time.dt.normalize()
                        .astype("datetime64[ns]"))


#: below this many eligible lines a high flagged share is not read as systemic
SYSTEMIC_MIN_LINES = 20


def systemic(flagged: np.ndarray, eligible: int, max_share: float, what: str, why: str,
             unit: str = "lines") -> DetectionResult | None:
    """A skip result when more than `max_share` of the eligible lines fire: then the pattern describes the
    whole upload (a bulk import, a time zone, a numbering scheme), not individual entries, and flagging
    every line would only bury the real findings. The skip reason (shown per run) says so with the share."""
    count = int(np.count_nonzero(flagged))
    if eligible < SYSTEMIC_MIN_LINES or count <= max_share * eligible:
        return None
    return DetectionResult.skip(f"{count} of {eligible} {unit} ({count / eligible:.0%}) are {what}: {why}; "
                                f"per-line flags suppressed (max_flagged_share {max_share:g})")


def check_share(name: str, config: dict[str, Any], key: str = "max_flagged_share") -> None:
    if not 0 < config[key] <= 1:
        raise ConfigError(f"{name}.{key}: must be in (0, 1], got {config[key]!r}")


def dated_pattern(transactions: pd.DataFrame, shared: SharedWork, config: dict[str, Any], hit_of: Any, what: str,
                  label_of: Any, month_start: bool = False, against_the_account: bool = True) -> DetectionResult:
    """Shared by the calendar rules: flag rows where `hit_of(frame)` is true, |amount| >= min_amount, not
    on a month's last day (nor, with `month_start`, its first) with skip_month_end, in a ledger whose most
    habitual context (the ledger, the row's account, its user, its partner) shows the pattern on at most
    `max_share` of its vouchers. Where the upload tells kinds of voucher apart (`voucher_kinds`), the voucher's
    kind stands in for the ledger and each context counts its vouchers of that kind. Where that context (or the
    ledger) shows it `CONTRAST` times as often as the row's account (of `CONTRAST_LINES` lines or more) and the
    account itself at most `max_share`, the pattern lives elsewhere (the card on Saturdays, the tills every day)
    and the account's own habit judges the row, at high severity, unless the row's partner or kind has the habit
    (not with `against_the_account` false: a pattern the whole ledger hardly shows lives in no other account).
    A ledger too small to have habits (`norms.MIN_POPULATION`) gets the prior alone: every match is flagged."""
    frame, offset = shared.population()
    hit = np.array(hit_of(frame), dtype=bool)  # a copy: it is narrowed in place
    if config["skip_month_end"]:  # period-end entries carry the month's last date whatever the weekday
        hit &= ~frame["posting_date"].dt.is_month_end.fillna(False).to_numpy(dtype=bool)
        if month_start:  # and their reversals the next month's first
            hit &= ~frame["posting_date"].dt.is_month_start.fillna(False).to_numpy(dtype=bool)
    scheduled = 0
    if config["scheduled_months"] and hit.any():  # the calendar, not a person, chose a standing entry's date
        on_schedule = _scheduled(shared, frame, hit, config["scheduled_months"])
        scheduled = int(np.count_nonzero(on_schedule[offset:]))
        hit &= ~on_schedule
    weight, unit = shared.unit_weights("population")
    partner, partner_labels = partner_codes(shared, "population")
    contexts = shared.context_codes("population", "account", "user_name")
    if partner is not None:
        contexts = [*contexts, ("partner", partner)]
    kinds = voucher_kinds(shared, "population")
    habit = habitual_share(hit, contexts, weight, within=kinds[:2] if kinds is not None else None)
    rows = np.arange(offset, len(frame))
    share = habit.share[rows] if habit.learned else np.zeros(len(rows))
    big = transactions["amount"].abs().to_numpy() >= config["min_amount"]
    flagged = hit[rows] & big & (share <= config["max_share"])
    # weekends (or holidays) that belong to other accounts: the bank on a Sunday, a sales invoice on a Saturday
    contrast = np.zeros(len(rows), dtype=bool)
    account_share = np.full(len(rows), np.nan)
    accounts = (shared.context_codes("population", "account")
                if against_the_account and habit.learned and "account" in frame else [])
    if accounts and hit[rows].any():
        own, size = own_context_share(hit, accounts[0][1], weight)
        account_share = own[rows]
        known = np.nan_to_num(account_share, nan=1.0)
        contrast = (hit[rows] & big & (size[rows] >= CONTRAST_LINES) & (known <= config["max_share"])
                    & (np.maximum(share, habit.ledger_share) >= CONTRAST * known))
        # not where the line's partner (fuel on Saturdays) or its kind of voucher (the till's receipts) has the habit
        for own in ([partner] if partner is not None else []) + ([kinds[1]] if kinds is not None else []):
            if contrast.any():
                theirs = own_context_share(hit, own, weight)[0][rows]
                contrast &= np.nan_to_num(theirs, nan=0.0) <= config["max_share"]
    idx = np.flatnonzero(flagged | contrast)
    texts = label_of(transactions, idx)
    if habit.learned and len(idx):
        labels = {name: text(frame[column].iloc[rows[idx]].astype("string").str.strip())
                  for name, column in (("account", "account"), ("user", "user_name")) if column in frame}
        if partner is not None:
            labels["partner"] = partner_labels[np.maximum(partner[rows[idx]], 0)]
        if kinds is not None:  # the habits are those of the voucher's kind
            at = kinds[1][rows[idx]]
            kind = np.where(at >= 0, kinds[2][np.maximum(at, 0)], "?").astype(object)
            labels = {name: label + " (" + kind + ")" for name, label in labels.items()}
            labels[kinds[0]] = kind
        texts = texts + "; " + describe_habit(habit, rows[idx], f"{unit} {what}", labels)
        against = contrast[idx]
        if against.any():
            texts[against] = (label_of(transactions, idx[against]) + "; " + percent(account_share[idx[against]])
                              + " of account " + labels["account"][against] + f"'s {unit} {what}, against "
                              + percent(habit.ledger_share) + " of this ledger's")
    severity = np.where(contrast, "high", config["severity"]).astype(object)
    result = flag_result(transactions, flagged | contrast, texts, severity,
                         {"ledger_share": round(habit.ledger_share, 4), "unit": unit, "units": habit.units,
                          "calibrated": habit.learned, "max_share": config["max_share"], "scheduled": scheduled,
                          "against_the_account": int(contrast.sum())})
    score = rarity_score(share, config["max_share"], SEVERITY_SCORE[config["severity"]]) * flagged
    result.scores["score"] = np.where(contrast, rarity_score(np.nan_to_num(account_share, nan=1.0), config["max_share"],
                                                             SEVERITY_SCORE["high"]), score)
    return result


def voucher_kinds(shared: SharedWork, over: Over) -> tuple[str, np.ndarray, np.ndarray] | None:
    """("voucher type", a code per row, a label per code) where the upload tells at least two kinds of voucher
    apart (journals, invoices, card expenses; SIE series): each kind keeps its own habits. A voucher whose lines
    carry different types (Sage's journal debit and credit lines, JD and JC) is of the kind they make together.
    None where there are no kinds. Computed once per frame."""
    return shared.once(("voucher_kinds", over), lambda: _voucher_kinds(shared, over))


def _voucher_kinds(shared: SharedWork, over: Over) -> tuple[str, np.ndarray, np.ndarray] | None:
    found = shared.context_codes(over, "voucher_type")
    if not found or found[0][1].max(initial=-1) < 1:
        return None
    kind = found[0][1]
    frame = shared.frame(over)
    names = stripped(frame["voucher_type"]).fillna("?").to_numpy(dtype=object)
    low, high = kind, kind
    if has_values(frame, "voucher_id"):  # a voucher's lowest and highest type: JC+JD
        voucher = shared.encode("voucher_id", over=over)[0]
        typed = (voucher >= 0) & (kind >= 0)
        per = pd.DataFrame({"voucher": voucher[typed], "kind": kind[typed]}).groupby("voucher")["kind"].agg(["min", "max"])
        if (per["min"] != per["max"]).any():
            lowest = np.full(int(voucher.max(initial=-1)) + 1, -1)
            highest = lowest.copy()
            lowest[per.index], highest[per.index] = per["min"], per["max"]
            at = np.maximum(voucher, 0)
            grouped = (voucher >= 0) & (lowest[at] >= 0)
            low, high = np.where(grouped, lowest[at], kind), np.where(grouped, highest[at], kind)
    codes = kind
    if low is not kind:
        codes = np.full(len(kind), -1, dtype="int64")
        valid = low >= 0
        codes[valid] = pd.factorize(combine_codes(low[valid], high[valid]))[0]
    rows = np.flatnonzero(codes >= 0)
    first = rows[np.unique(codes[rows], return_index=True)[1]]  # a row of each code, in code order
    first_of_kind = np.flatnonzero(kind >= 0)[np.unique(kind[kind >= 0], return_index=True)[1]]
    label = names[first_of_kind]  # per type code
    labels = np.where(low[first] == high[first], label[low[first]],
                      label[low[first]] + "/" + label[high[first]]).astype(object)
    return "voucher type", codes, labels


def partner_codes(shared: SharedWork, over: Over) -> tuple[np.ndarray | None, np.ndarray]:
    """(per row: a code for whom the line deals with, -1 where unknown; per code: how a reason names its
    vouchers, "counterparty ACME's" or "'cb station total'"): the counterparty where the line has one, else
    the words of its text ('CB STATION TOTAL A43' -> the fuel station), so that a supplier's or a card
    merchant's own habits count. None without either column. Computed once per frame for every calendar rule."""
    return shared.once(("partner_codes", over), lambda: _partner_codes(shared, over))


def _partner_codes(shared: SharedWork, over: Over) -> tuple[np.ndarray | None, np.ndarray]:
    frame = shared.frame(over)
    has = {c: has_values(frame, c) for c in ("counterparty", "description")}
    if not any(has.values()):
        return None, np.zeros(0, dtype=object)
    codes = np.full(len(frame), -1, dtype="int64")
    labels = [np.zeros(0, dtype=object)]
    if has["counterparty"]:
        party, parties = shared.encode("counterparty", as_string, fill="", over=over)
        names = parties.to_numpy(dtype=object)
        named = (names != "")[party]
        codes[named] = party[named]
        labels = ["counterparty " + names + "'s"]
    if has["description"]:
        words, texts = shared.encode("description", text_words, fill="", over=over)
        phrases = texts.to_numpy(dtype=object)
        worded = (codes < 0) & (phrases != "")[words]
        codes[worded] = sum(len(part) for part in labels) + words[worded]
        labels.append("'" + phrases + "'")
    return codes, np.concatenate(labels)


#: a context showing the pattern this many times as often as the row's account (of at least CONTRAST_LINES lines,
#: showing it at most `max_share`): the pattern belongs to other accounts, and the account's own habit judges
CONTRAST = 5.0
CONTRAST_LINES = 100


def _scheduled(shared: SharedWork, frame: pd.DataFrame, hit: np.ndarray, months: int) -> np.ndarray:
    """Per row of the population: a hit whose account, amount and day of the month recur in at least `months`
    calendar months (the rent on the 1st, a retainer, a standing order). Only rows sharing some hit's amount
    are counted."""
    amount = np.abs(np.round(frame["amount"].to_numpy(dtype="float64", na_value=0.0) * 100)).astype("int64")
    rows = np.flatnonzero(np.isin(amount, amount[hit]))
    dates = frame["posting_date"].iloc[rows]
    account = (shared.encode("account", as_string, fill="", over="population")[0][rows] if "account" in frame
               else np.zeros(len(rows), dtype="int64"))
    key = combine_codes(account, amount[rows], dates.dt.day.fillna(0).to_numpy(dtype="int64"))
    per_key = months_per_key(key, dates)
    out = np.zeros(len(frame), dtype=bool)
    out[rows] = hit[rows] & (per_key.reindex(key).fillna(0).to_numpy() >= months)
    return out


def rare_here(transactions: pd.DataFrame, shared: SharedWork, hit: np.ndarray, max_share: float, what: str,
              columns: tuple[str, ...] = ("account",)) -> tuple[np.ndarray, np.ndarray, dict[str, Any], np.ndarray]:
    """(flagged, comparison text per flagged row, summary, share per row): `hit` kept where the pattern is rare
    here (its share in the ledger and in the row's `columns` contexts, vouchers counted once, at most
    `max_share`); every hit where the ledger is too small to have habits (its shares then NaN). The text reads
    '0.4 % of this ledger's vouchers <what>' (or of the account's, where that is the more habitual context)."""
    weight, unit = shared.unit_weights()
    habit = habitual_share(hit, shared.context_codes("transactions", *columns), weight)
    if not habit.learned:
        idx = np.flatnonzero(hit)
        return (np.asarray(hit, dtype=bool), np.full(len(idx), "", dtype=object), {"calibrated": False},
                np.full(len(hit), np.nan))
    flagged = np.asarray(hit, dtype=bool) & (habit.share <= max_share)
    idx = np.flatnonzero(flagged)
    labels = {name: text(transactions[column].iloc[idx].astype("string").str.strip())
              for name, column in (("account", "account"), ("user", "user_name")) if column in columns}
    texts = "; " + describe_habit(habit, idx, f"{unit} {what}", labels)
    summary = {"calibrated": True, "ledger_share": round(habit.ledger_share, 4), "max_share": max_share}
    return flagged, texts, summary, habit.share
