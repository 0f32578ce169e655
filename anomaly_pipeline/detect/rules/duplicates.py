"""Lines that repeat or cancel other lines: exact duplicates, near-duplicates (same amount, account and
counterparty a few days apart) and reversals (a line that negates an earlier one on the same account).
Texts are normalised once per distinct value; matching runs on integer codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import (
    TEXT_DATE,
    TEXT_NUMBER,
    AnomalyDetectionAlgorithm,
    ConfigError,
    DetectionResult,
    as_string,
    combine_codes,
    encode,
    first_rows,
    has_values,
    text_words,
    voucher_fingerprint,
)
from anomaly_pipeline.detect.norms import habitual_share, percent
from anomaly_pipeline.detect.rules._common import (
    cents,
    check_min,
    check_severity,
    check_share,
    check_str_list,
    flag_result,
    matches_prefix,
    money,
    nothing_flagged,
    stripped,
    text,
    voucher_label,
    ymd,
)
from anomaly_pipeline.detect.settlements import pays_earlier_posting
from anomaly_pipeline.detect.shared import SharedWork

DAY_NS = 86_400 * 10**9


def _norm(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna("").str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)


def _filled_codes(values: pd.Series, clean: Callable[[pd.Series], pd.Series]) -> tuple[np.ndarray, pd.Series]:
    """`encode` where a missing value counts as the empty string (as `fillna('')` would make it)."""
    return encode(values, clean, fill="")


def _vouchers(transactions: pd.DataFrame) -> pd.Series:
    if "voucher_id" in transactions:
        return transactions["voucher_id"].astype("string")
    return pd.Series(pd.NA, index=transactions.index, dtype="string")


def _voucher_codes(shared: SharedWork) -> tuple[np.ndarray, pd.Series]:
    """The scored rows' voucher ids as written (missing = '') as codes."""
    if not shared.has("transactions", "voucher_id"):
        return _filled_codes(_vouchers(shared.frame("transactions")), as_string)
    return shared.encode("voucher_id", as_string, fill="")



def _description_codes(transactions: pd.DataFrame, shared: SharedWork) -> np.ndarray:
    """Normalized line texts as codes (missing = ''); all 0 without a description column."""
    if "description" not in transactions:
        return np.zeros(len(transactions), dtype="int64")
    return shared.encode("description", _norm, fill="")[0]


def _days(dates: pd.Series) -> np.ndarray:
    """Datetimes as int64 nanoseconds (NaT the minimum), for sorting and day differences."""
    return dates.to_numpy(dtype="datetime64[ns]").view("int64")


def _date_key(ns: np.ndarray) -> np.ndarray:
    """A narrow int64 key equal where the datetimes are (day numbers when all are dates; NaT below all)."""
    valid = ns != np.iinfo("int64").min
    if not valid.any():
        return np.zeros(len(ns), dtype="int64")
    key = ns // DAY_NS if (ns[valid] % DAY_NS == 0).all() else ns
    return np.where(valid, key, key[valid].min() - 1)


def _joined(keys: np.ndarray, values: pd.Series) -> np.ndarray:
    """Per row: the sorted distinct non-missing `values` among the rows with its key, joined by ', '."""
    pairs = pd.DataFrame({"key": keys, "value": values.to_numpy(dtype=object)})
    pairs = pairs.dropna().drop_duplicates().sort_values(["key", "value"])
    if pairs.empty:
        return np.full(len(keys), "", dtype=object)
    key = pairs["key"].to_numpy()
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    joined = np.add.reduceat((", " + pairs["value"]).to_numpy(dtype=object), starts)  # string concatenation
    lookup = pd.Series(joined, index=key[starts]).str[2:]
    return lookup.reindex(keys).fillna("").to_numpy(dtype=object)


def _originals(transactions: pd.DataFrame, flagged: np.ndarray, group: np.ndarray, entry: np.ndarray) -> np.ndarray:
    """Per row: among the flagged rows of its group, it belongs to the entry registered first (by registration
    date where the upload has one, then by place in the file): the original, which its copies repeat."""
    rows = np.flatnonzero(flagged)
    out = np.zeros(len(flagged), dtype=bool)
    if not len(rows):
        return out
    registered = (transactions["registration_date"].iloc[rows].to_numpy(dtype="datetime64[ns]").astype("int64")
                  if "registration_date" in transactions else np.zeros(len(rows), dtype="int64"))
    registered = np.where(registered == np.iinfo("int64").min, np.iinfo("int64").max, registered)  # NaT: last
    order = np.lexsort((rows, registered, group[rows]))
    ordered = group[rows][order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    first_entry = pd.Series(entry[rows][order][first], index=ordered[first])
    out[rows] = entry[rows] == first_entry.reindex(group[rows]).to_numpy()
    return out


class ExactDuplicate(AnomalyDetectionAlgorithm):
    """Lines with the same account, amount, posting date, text and counterparty. Where the upload has vouchers, the
    copies must sit in different vouchers that are identical line for line (same accounts and amounts):
    two invoices that merely share a VAT line of the same size are not duplicates, and identical lines
    inside one voucher are usually a split. The copies are flagged, not the original (the entry registered
    first, by registration date where there is one, else by its place in the file); the reason names every
    voucher of the group. Where more than `max_share` of a ledger's vouchers (of at
    least `norms.MIN_POPULATION`) have such a twin, in more sets of twins than `max_share` of its vouchers,
    identical entries are its routine and none is flagged: a day's batch of twenty identical tickets is one set, not a
    routine of its own."""

    algorithm = "exact_duplicate"
    kind = "rule"
    description = "Exact duplicates: same amount, account, date and text."
    required_columns = ("posting_date", "account", "amount")
    default_config = {"min_amount": 0.0, "max_share": 0.02, "severity": "medium"}
    default_weight = 0.75

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "min_amount", 0)
        check_share(self.algorithm, config, "max_share")
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        n = len(transactions)
        desc = _description_codes(transactions, shared)
        account = shared.encode("account", stripped)[0]
        amount = cents(transactions["amount"].fillna(0)).to_numpy()
        date = _date_key(_days(transactions["posting_date"]))
        # two members paid the same distribution, two customers credited the same return: not one entry twice
        party = (shared.encode("counterparty", stripped)[0] if "counterparty" in transactions
                 else np.zeros(n, dtype="int64"))
        vouchers = _vouchers(transactions)
        has_vouchers = bool(vouchers.notna().any())
        if has_vouchers:  # the whole voucher must repeat, not just one of its lines
            voucher = _voucher_codes(shared)[0]
            fingerprint = voucher_fingerprint(np.where(vouchers.notna().to_numpy(), voucher, -1), account, amount)
            group = combine_codes(account, amount, date, desc, party, fingerprint)
        else:
            group = combine_codes(account, amount, date, desc, party)
        size = np.bincount(group)[group]
        if has_vouchers:  # distinct vouchers per group
            width = int(voucher.max()) + 1
            spread = np.bincount(pd.unique(group * width + voucher) // width, minlength=len(size))[group]
        else:
            spread = np.full(n, 2)
        flagged = ((size >= 2) & (spread >= 2) & (amount != 0)
                   & (transactions["amount"].abs() >= config["min_amount"]).to_numpy(dtype=bool))
        weight, unit = shared.unit_weights()
        habit = habitual_share(flagged, (), weight)
        # identical entries are this ledger's routine where it makes them often: counted as sets of twins, so one
        # day's batch of twenty identical tickets is one event, not a fifth of the routine
        if habit.learned and habit.ledger_share > config["max_share"]:
            sets = combine_codes(date, fingerprint)[flagged] if has_vouchers else group[flagged]
            if len(np.unique(sets)) > config["max_share"] * habit.units:
                flagged = np.zeros(n, dtype=bool)
        members = np.flatnonzero(flagged)
        flagged &= ~_originals(transactions, flagged, group, voucher if has_vouchers else np.arange(n))
        idx = np.flatnonzero(flagged)
        others = (size[idx] - 1).astype(str).astype(object)
        texts = ("identical to " + others + " other line(s): account " + text(stripped(transactions["account"].iloc[idx]))
                 + ", amount " + money(transactions["amount"].iloc[idx]) + ", " + ymd(transactions["posting_date"].iloc[idx])
                 + ", text '" + (transactions["description"].astype("string").fillna("").iloc[idx].to_numpy(dtype=object)
                                 if "description" in transactions else "") + "'")
        if has_vouchers and len(idx):
            named = pd.Series(_joined(group[members], vouchers.iloc[members]), index=group[members])
            texts = texts + " in vouchers " + named[~named.index.duplicated()].reindex(group[idx]).to_numpy()
        if habit.learned and len(idx):
            texts = texts + f"; {percent(habit.ledger_share)} of this ledger's {unit} have an identical twin"
        summary = {"duplicate_groups": len(np.unique(group[idx]))}
        if habit.learned:
            summary["ledger_share"] = round(habit.ledger_share, 4)
        return flag_result(transactions, flagged, texts, config["severity"], summary)


class NearDuplicate(AnomalyDetectionAlgorithm):
    """Lines with the same account, amount and counterparty within `days` days of each other (different
    vouchers of the same total where there are vouchers), other than exact duplicates (their own rule): a payment
    made twice.
    Judged by the pair's own habits: where the same account, amount and counterparty recur routinely (more
    than `max_repeats` + 1 times), a repeat is flagged only when it comes in under half that pair's usual
    interval (a monthly fee charged again after three days, not the weekly one), and not where the pair repeats
    that soon by habit (`SHORT_HABIT`: licences bought now and then); where both lines carry
    different references (the reference column's, or invoice, order or payment numbers in their texts, none
    shared), the two are more likely two documents of the same amount than one paid twice, and the finding is
    `low`.
    Without a counterparty column it uses what the ledger has: with voucher ids, a voucher repeating an
    earlier one line for line (accounts and amounts) 0 to `days` days later whose text names the same document
    (the same reference, or one a slip of the pen away: "fakt. 869702" entered again as "fakt. 869720"), or up
    to `document_days` later where that text names a document number (four or more long) and the two do not
    fall on the same place of the month (where a standing monthly entry repeats its text), unless that voucher recurs routinely (more than `max_repeats` vouchers alike); without, the line's
    normalized text stands in for the counterparty."""

    algorithm = "near_duplicate"
    kind = "rule"
    description = "Near-duplicates: same amounts and accounts (and counterparty or text) within N days."
    required_columns = ("posting_date", "account", "amount")
    default_config = {"days": 5, "document_days": 60, "min_amount": 0.0, "max_repeats": 3, "severity": "medium"}
    default_weight = 0.9

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "days", 0)
        check_min(self.algorithm, config, "document_days", 0)
        check_min(self.algorithm, config, "min_amount", 0)
        check_min(self.algorithm, config, "max_repeats", 2)
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        has = {c: has_values(transactions, c) for c in ("counterparty", "voucher_id", "description")}
        if has["counterparty"]:
            return self._lines(transactions, shared, config, "counterparty")
        if has["voucher_id"]:
            return _repeated_vouchers(transactions, shared, config)
        if has["description"]:
            return self._lines(transactions, shared, config, "description")
        return DetectionResult.skip("the upload has no counterparty, voucher or description data")

    def _lines(self, transactions: pd.DataFrame, shared: SharedWork, config: dict[str, Any], key: str) -> DetectionResult:
        """Line by line: the same account, amount and `key` (counterparty, or text) within `days`."""
        n = len(transactions)
        account = shared.encode("account", stripped)[0]
        amount = cents(transactions["amount"].fillna(0)).to_numpy()
        party, parties = shared.encode(key, _norm, fill="")
        day = _days(transactions["posting_date"])
        desc = _description_codes(transactions, shared)
        voucher, vouchers = _voucher_codes(shared)
        unnamed = (vouchers.to_numpy(dtype=object) == "")[voucher]
        # lines without account or date have no neighbours to compare with
        rows = np.flatnonzero((parties.to_numpy(dtype=object) != "")[party] & (amount != 0)
                              & (transactions["amount"].abs() >= config["min_amount"]).to_numpy(dtype=bool)
                              & (account >= 0) & transactions["posting_date"].notna().to_numpy())
        # exact twins are the other rule's business: collapse them (onto their first line) so that their
        # neighbours are compared instead
        same = combine_codes(account[rows], amount[rows], party[rows])
        date = _date_key(day[rows])
        twin = combine_codes(same, date, desc[rows])
        # codes are numbered in order of appearance: a twin group's first line is where the count rises
        first = first_rows(twin)
        reps, rep_twin, same, date = rows[first], twin[first], same[first], date[first]
        order = np.lexsort((date, same))  # stable: equal dates stay in line order
        reps, rep_twin, same = reps[order], rep_twin[order], same[order]
        usual = _usual_interval(same, day[reps], config["max_repeats"])
        # a document entered twice repeats its total: a line shared by two documents of different totals (the
        # same part at the same price on two invoices, a flat carriage charge) is not one
        total = np.bincount(voucher, weights=np.maximum(amount, 0), minlength=len(vouchers))
        best_gap = np.full(len(reps), np.inf)
        partner = np.full(len(reps), -1, dtype="int64")
        for step in (1, -1):  # the previous and the next line of the same key are the nearest candidates
            other = np.roll(reps, step)
            exists = np.ones(len(reps), dtype=bool)
            if len(reps):
                exists[0 if step == 1 else -1] = False
            gap = np.abs(np.floor_divide(day[reps] - day[other], DAY_NS)).astype("float64")
            same_key = exists & (same == np.roll(same, step))
            distinct = (voucher[reps] != voucher[other]) | unnamed[reps]
            same_total = (total[voucher[reps]] == total[voucher[other]]) | unnamed[reps] | unnamed[other]
            ok = same_key & (gap <= config["days"]) & distinct & same_total & (gap < best_gap) & (2 * gap < usual)
            best_gap[ok] = gap[ok]
            partner[ok] = other[ok]
        twin_partner = np.full(len(first), -1, dtype="int64")
        twin_gap = np.zeros(len(first))
        twin_partner[rep_twin] = partner
        twin_gap[rep_twin] = best_gap
        hit = twin_partner[twin] >= 0
        if key == "counterparty":  # two payments of two invoices of one size: each pays its own
            hit &= ~pays_earlier_posting(transactions, shared)[rows]
        rows, partners, gaps = rows[hit], twin_partner[twin][hit], twin_gap[twin][hit]
        flagged = np.zeros(n, dtype=bool)
        flagged[rows] = True
        other_document = _other_documents(transactions, rows, partners)
        severity = np.full(n, config["severity"], dtype=object)
        severity[rows[other_document]] = "low"
        texts = ("same amount " + money(transactions["amount"].iloc[rows]) + ", account "
                 + text(transactions["account"].iloc[rows]) + " and " + ("counterparty " if key == "counterparty" else "text '")
                 + text(transactions[key].iloc[rows]) + ("" if key == "counterparty" else "'") + " as the line of "
                 + ymd(transactions["posting_date"].iloc[partners]) + voucher_label(transactions, partners)
                 + ", " + gaps.astype("int64").astype(str).astype(object) + " day(s) apart"
                 + np.where(other_document, "; they name different references", ""))
        return flag_result(transactions, flagged, texts, severity,
                           {"near_duplicates": int(flagged.sum()), "with_different_references": int(other_document.sum())})


#: a routine series with at least this many repeats under half its usual interval, and more than this share of
#: its intervals, repeats at short intervals by habit
SHORT_HABIT = 3
SHORT_SHARE = 0.1


def _usual_interval(key: np.ndarray, day: np.ndarray, max_repeats: int) -> np.ndarray:
    """Per row (rows sorted by key, then date): the median days between successive rows of its key where
    the key recurs routinely (more than `max_repeats` + 1 rows), else infinity; 0 where the key repeats at under
    half that interval by habit (SHORT_HABIT)."""
    out = np.full(len(key), np.inf)
    if not len(key):
        return out
    code = pd.factorize(key)[0]
    count = np.bincount(code)
    routine = count[code] > max_repeats + 1
    if not routine.any():
        return out
    gap = np.floor_divide(np.diff(day, prepend=day[0]), DAY_NS).astype("float64")
    follows = np.r_[False, code[1:] == code[:-1]] & routine
    median = pd.Series(gap[follows]).groupby(code[follows]).median().reindex(range(len(count))).to_numpy()
    # a series whose repeats often come in under half its usual interval (licences bought now and then, not a
    # monthly fee) has no interval a repeat could break
    short = np.bincount(code[follows & (2 * gap < median[code])], minlength=len(count))
    habit = (short >= SHORT_HABIT) & (short > SHORT_SHARE * (count - 1))
    out[routine] = np.where(habit[code[routine]], 0.0, median[code[routine]])
    return out


#: tokens of a text that name a document: letters and digits with at least one digit, four or more long
_REFERENCE = r"[0-9a-z]*[0-9][0-9a-z]*"


def _other_documents(transactions: pd.DataFrame, rows: np.ndarray, partners: np.ndarray) -> np.ndarray:
    """Per pair: both lines carry different references (a reference column's, or the document numbers their
    texts name, dates aside, none shared)."""
    if not len(rows):
        return np.zeros(len(rows), dtype=bool)
    different = np.zeros(len(rows), dtype=bool)
    if "reference" in transactions:  # only the pairs' own references: a million-row column costs
        refs = _norm(transactions["reference"].iloc[np.r_[rows, partners]]).to_numpy(dtype=object)
        mine, theirs = refs[:len(rows)], refs[len(rows):]
        different = (mine != "") & (theirs != "") & (mine != theirs)
        # a reference retyped with a slip of the pen names the same document; the next number is another one
        different[different] = [not _slip(x, y) or _next_number(x, y) for x, y in
                                zip(mine[different], theirs[different], strict=True)]
    if "description" not in transactions:
        return different
    texts = _norm(transactions["description"].iloc[np.r_[rows, partners]]).str.replace(TEXT_DATE, " ", regex=True)
    tokens = texts.str.findall(_REFERENCE).reset_index(drop=True)
    pair = np.r_[np.arange(len(rows)), np.arange(len(rows))]
    side = np.r_[np.zeros(len(rows), dtype=bool), np.ones(len(rows), dtype=bool)]
    found = pd.DataFrame({"pair": pair, "side": side, "token": tokens}).explode("token").dropna()
    found = found[found["token"].str.len() >= 4].drop_duplicates()
    named = found.groupby("pair")["side"].nunique().reindex(range(len(rows)), fill_value=0).to_numpy() == 2
    shared = found.groupby(["pair", "token"])["side"].nunique()
    common = np.zeros(len(rows), dtype=bool)
    common[shared[shared == 2].index.get_level_values("pair").unique().to_numpy(dtype="int64")] = True
    return different | (named & ~common)


def _repeated_vouchers(transactions: pd.DataFrame, shared: SharedWork, config: dict[str, Any]) -> DetectionResult:
    """Vouchers that repeat an earlier voucher line for line (accounts and amounts) 0 to `days` days later and
    whose texts name the same document (`_same_document`); the copy's lines are flagged. A same-day copy with
    the very same text is `exact_duplicate`'s.
    A voucher alike to more than `max_repeats` others is a routine (a daily takings entry, a standing order),
    not a copy."""
    vouchers = _vouchers(transactions)
    voucher = np.where(vouchers.notna().to_numpy(), _voucher_codes(shared)[0], -1)
    account = shared.encode("account", stripped, fill="")[0]
    amount = cents(transactions["amount"].fillna(0)).to_numpy()
    fingerprint = voucher_fingerprint(voucher, account, amount)
    valid = (voucher >= 0) & transactions["posting_date"].notna().to_numpy()
    size = transactions["amount"].abs().to_numpy()
    per = pd.DataFrame({"v": voucher[valid], "fp": fingerprint[valid], "day": _date_key(_days(transactions["posting_date"]))[valid],
                        "size": size[valid], "row": np.flatnonzero(valid)}).groupby("v").agg(
        fp=("fp", "first"), day=("day", "min"), size=("size", "max"), row=("row", "first"), lines=("row", "size"))
    per = per[(per["size"] > 0) & (per["size"] >= config["min_amount"])]
    alike = per.groupby("fp")["fp"].transform("size")
    per = per[(alike >= 2) & (alike <= config["max_repeats"] + 1)].sort_values(["fp", "day", "row"], kind="stable")
    fp, day = per["fp"].to_numpy(), per["day"].to_numpy()
    gap = np.diff(day, prepend=0)
    near = np.flatnonzero(np.r_[False, fp[1:] == fp[:-1]] & (gap >= 0)
                          & (gap <= max(config["days"], config["document_days"])))
    texts_of = (transactions["description"].astype("string").fillna("") if "description" in transactions
                else pd.Series("", index=transactions.index, dtype="string"))
    row = per["row"].to_numpy()
    copy_text = texts_of.iloc[row[near]].to_numpy(dtype=object)
    original_text = texts_of.iloc[row[near - 1]].to_numpy(dtype=object)
    same, numbered = _same_document(copy_text, original_text)
    dates = transactions["posting_date"]
    standing = _same_place_in_month(dates.iloc[row[near]], dates.iloc[row[near - 1]])
    within = (gap[near] <= config["days"]) | (numbered & ~standing & (gap[near] <= config["document_days"]))
    keep = same & within & ((gap[near] >= 1) | (_norm(pd.Series(copy_text)) != _norm(pd.Series(original_text))).to_numpy())
    near = near[keep]
    copies, originals = per.index.to_numpy()[near], per.index.to_numpy()[near - 1]
    width = int(voucher.max(initial=-1)) + 1
    original_of = np.full(width, -1, dtype="int64")
    original_of[copies] = originals
    first_row, days_of, lines_of = (np.full(width, -1, dtype="int64"), np.zeros(width, dtype="int64"),
                                    np.zeros(width, dtype="int64"))
    first_row[per.index.to_numpy()] = row
    days_of[copies] = gap[near]
    lines_of[per.index.to_numpy()] = per["lines"].to_numpy()
    flagged = (voucher >= 0) & (original_of[np.maximum(voucher, 0)] >= 0) if width else np.zeros(len(voucher), dtype=bool)
    idx = np.flatnonzero(flagged)
    mine = voucher[idx]
    source = first_row[original_of[mine]]
    own = texts_of.iloc[first_row[mine]].to_numpy(dtype=object)
    theirs = texts_of.iloc[source].to_numpy(dtype=object)
    texts = ("voucher " + text(vouchers.iloc[idx]) + " repeats voucher " + text(vouchers.iloc[source]) + " of "
             + ymd(transactions["posting_date"].iloc[source]) + " line for line (" + lines_of[mine].astype(str).astype(object)
             + " lines, same accounts, amounts" + np.where(own == theirs, " and texts)", ")") + ", "
             + days_of[mine].astype(str).astype(object) + " day(s) later"
             + np.where(own == theirs, "", "; text '" + own + "' vs '" + theirs + "'"))
    return flag_result(transactions, flagged, texts, config["severity"],
                       {"repeated_vouchers": len(copies), "compared_by": "voucher lines and texts"})


def _same_place_in_month(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Per pair of dates: within 3 days of the same day of the month, or both in a month's last 3 days: where a
    standing monthly entry repeats."""
    day_a, day_b = a.dt.day.to_numpy(), b.dt.day.to_numpy()
    end_a, end_b = (a.dt.days_in_month - a.dt.day).to_numpy(), (b.dt.days_in_month - b.dt.day).to_numpy()
    return (np.abs(day_a - day_b) <= 3) | ((end_a < 3) & (end_b < 3))


def _same_document(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair of texts: (they name the same document, they name it by a number four or more long). Set aside
    dates; the words must be the same,
    and the numbers (letters and digits holding a digit: "869702", "F-198078") pair up in order, each equal or,
    four or more long, a slip of the pen apart (`_slip`). "30027 Decko AB, 23" and "30027 Decko AB, 22" are
    two invoices to one customer; "fakt. 869702" and "fakt. 869720" one invoice typed twice."""
    words, numbers = [], []
    for values in (a, b):
        texts = pd.Series(values, dtype="string")
        norm = _norm(texts).str.replace(TEXT_DATE, " ", regex=True)
        numbers.append(norm.str.findall(TEXT_NUMBER).to_numpy(dtype=object))
        words.append(text_words(texts).fillna("").to_numpy(dtype=object))
    # a Python loop over candidate pairs only: vouchers identical line for line within days of each other
    alike = np.array([len(x) == len(y) and all(u == v or (min(len(u), len(v)) >= 4 and _slip(u, v))
                                               for u, v in zip(x, y, strict=True))
                      for x, y in zip(numbers[0], numbers[1], strict=True)], dtype=bool)
    numbered = np.array([any(len(u) >= 4 for u in x) for x in numbers[0]], dtype=bool)
    return alike & (words[0] == words[1]), numbered


def _slip(a: str, b: str) -> bool:
    """Whether two references are one, up to a slip of the pen: equal, one character mistyped, two adjacent
    ones swapped, or up to two characters added at either end."""
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) <= 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]])
    short, long = sorted((a, b), key=len)
    return len(long) - len(short) <= 2 and (long.startswith(short) or long.endswith(short))


def _next_number(a: str, b: str) -> bool:
    """Two references that are consecutive numbers with the same prefix ("INV-4711", "INV-4712")."""
    x, y = re.match(r"(.*?)(\d+)$", a), re.match(r"(.*?)(\d+)$", b)
    return bool(x and y and x[1] == y[1] and abs(int(x[2]) - int(y[2])) == 1)


def _cancels_whole_voucher(row: np.ndarray, orig: np.ndarray, within: np.ndarray, voucher: np.ndarray,
                           vouchers: pd.Series, lines: np.ndarray) -> np.ndarray:
    """Per matched pair: whether, within the time limit, one later voucher negates every line of the earlier
    line's voucher. A payment clears only the payable line of its invoice and a reclassification moves one
    line; a reversal cancels the entry. A line without a voucher id is a voucher of its own."""
    unit = np.where((vouchers.to_numpy(dtype=object) != "")[voucher], voucher, len(vouchers) + np.arange(len(voucher)))
    size = np.bincount(unit[lines], minlength=len(vouchers) + len(voucher))  # lines with an amount and a date
    at = np.flatnonzero(within)
    whole = np.zeros(len(row), dtype=bool)
    if not len(at):
        return whole
    of = unit[orig[at]]
    pair = combine_codes(unit[row[at]], of)
    distinct = first_rows(combine_codes(pair, orig[at]))  # each earlier line counted once per pair
    covered = np.bincount(pair[distinct], minlength=int(pair.max()) + 1)[pair]
    whole[at] = covered == size[of]
    return whole


class Reversal(AnomalyDetectionAlgorithm):
    """A voucher that cancels an earlier one within `days` days: each of the earlier voucher's lines is
    negated, on the same account, by a line of the later voucher (a line without a voucher id counts as a
    voucher of its own). A payment that clears the payable line of an invoice is no reversal. Accounts
    where a line negating an earlier one is routine (receivables, payables, clearing: more than
    `max_account_share` of their lines negate an earlier line at any distance, given at least
    `min_account_lines` lines) are settlement accounts and are not flagged; `exclude_account_prefixes`
    drops others by name. Where more than `max_share` of the ledger's vouchers (of at least
    `norms.MIN_POPULATION`) hold such a reversal, reversing is its way of correcting and none is flagged."""

    algorithm = "reversal"
    kind = "rule"
    description = "Reversals: a line negating an earlier line on the same account within N days."
    required_columns = ("posting_date", "account", "amount")
    default_config = {"days": 30, "max_account_share": 0.2, "min_account_lines": 10,
                      "exclude_account_prefixes": [], "min_amount": 0.0, "max_share": 0.02, "severity": "medium"}
    default_weight = 0.5

    def check_config(self, config: dict[str, Any]) -> None:
        check_min(self.algorithm, config, "days", 0)
        if not 0 < config["max_account_share"] <= 1:
            raise ConfigError(f"{self.algorithm}.max_account_share: must be in (0, 1], got {config['max_account_share']!r}")
        check_min(self.algorithm, config, "min_account_lines", 2)
        check_str_list(self.algorithm, config, "exclude_account_prefixes")
        check_min(self.algorithm, config, "min_amount", 0)
        check_share(self.algorithm, config, "max_share")
        check_severity(self.algorithm, config)

    def _detect(self, transactions: pd.DataFrame, config: dict[str, Any], reference: pd.DataFrame,
                shared: SharedWork) -> DetectionResult:
        account, accounts = shared.encode("account", stripped, fill="")
        amount = cents(transactions["amount"].fillna(0)).to_numpy()
        dates = transactions["posting_date"]
        day = _days(dates)
        voucher, vouchers = _voucher_codes(shared)
        rows = np.flatnonzero((amount != 0) & dates.notna().to_numpy())
        if not len(rows):
            return nothing_flagged(transactions)
        rows = rows[np.argsort(day[rows], kind="stable")]  # by date, then line order
        # a line's (account, cents) and its negation's in one code space: merge_asof matches on one int key
        signed = pd.factorize(np.concatenate([amount[rows], -amount[rows]]))[0]
        width = int(signed.max()) + 1
        date = dates.to_numpy(dtype="datetime64[ns]")[rows]
        lines = pd.DataFrame({"date": date, "key": account[rows] * width + signed[: len(rows)], "row": rows})
        earlier = pd.DataFrame({"date": date, "key": account[rows] * width + signed[len(rows):], "orig_row": rows})
        # matched without a time limit first: how often an account's lines cancel earlier ones at all tells
        # settlement accounts (an invoice and its payment, however late) from accounts where it is rare
        matched = pd.merge_asof(lines, earlier, on="date", by="key", direction="backward")
        matched = matched[matched["orig_row"].notna()]
        row, orig = matched["row"].to_numpy(), matched["orig_row"].to_numpy(dtype="int64")
        keep = (((day[orig] < day[row]) | (orig < row))
                & ((voucher[row] != voucher[orig]) | (vouchers.to_numpy(dtype=object) == "")[voucher[row]]))
        row, orig = row[keep], orig[keep]
        lines_per_account = np.bincount(account[rows], minlength=len(accounts))
        matched_per_account = np.bincount(account[row], minlength=len(accounts))
        with np.errstate(invalid="ignore", divide="ignore"):
            share = matched_per_account / lines_per_account
        routine = ((matched_per_account > 0) & (share > config["max_account_share"])
                   & (lines_per_account >= config["min_account_lines"]))
        excluded = routine | matches_prefix(accounts, config["exclude_account_prefixes"])
        days = np.floor_divide(day[row] - day[orig], DAY_NS)
        whole = _cancels_whole_voucher(row, orig, days <= config["days"], voucher, vouchers, rows)
        keep = (whole & ~excluded[account[row]]
                & (transactions["amount"].abs().to_numpy()[row] >= config["min_amount"]))
        order = np.argsort(row[keep])
        rows, orig, days = row[keep][order], orig[keep][order], days[keep][order]
        flagged = np.zeros(len(transactions), dtype=bool)
        flagged[rows] = True
        weight, unit = shared.unit_weights()
        habit = habitual_share(flagged, (), weight)
        if habit.learned and habit.ledger_share > config["max_share"]:  # this ledger corrects by reversing
            return nothing_flagged(transactions, {"reversals": int(flagged.sum()), "ledger_share": round(habit.ledger_share, 4),
                                                  "note": f"{percent(habit.ledger_share)} of the {unit} hold a reversal: "
                                                          "routine here"})
        texts = ("reverses " + money(transactions["amount"].iloc[orig]) + " on account "
                 + text(transactions["account"].iloc[rows]) + " posted " + ymd(transactions["posting_date"].iloc[orig])
                 + voucher_label(transactions, orig) + ", " + days.astype(str).astype(object) + " day(s) earlier")
        settlement = sorted(accounts.iloc[np.flatnonzero(routine)].tolist())[:50]
        return flag_result(transactions, flagged, texts, config["severity"],
                           {"reversals": int(flagged.sum()), "settlement_accounts_skipped": settlement})
