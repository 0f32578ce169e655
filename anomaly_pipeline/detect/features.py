"""The shared feature matrix the ML detectors learn from, with the context their reasons quote.

Every feature is learned from a reference population (count tables, per-account medians) and evaluated on
the rows to score: log amount, its robust z within the account, the rarity of its sign for the account,
of its account pairing within the voucher, of its user for the account, of its weekday, of its user and
currency overall, the registration lag and the amount's roundness. Features whose source column is missing or empty are left out, so a bank statement (no
user, voucher or registration date) gets a narrower matrix rather than an error. Apart from the amount
features, each feature is oriented so that larger means rarer: -log10 of a share in the reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from anomaly_pipeline.detect.base import format_amount

MAD_TO_SIGMA = 1.4826
#: distinct accounts per voucher above which account pairs are not enumerated (keeps pairs O(n))
MAX_PAIR_ACCOUNTS = 12
DAY_NAMES = np.array(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"])


@dataclass
class Features:
    """matrix: model inputs (float, no NaN) for the rows to score; reference: the same for the reference
    population; context: per scored row, the raw figures reasons quote (aligned with matrix)."""

    matrix: pd.DataFrame
    reference: pd.DataFrame
    context: pd.DataFrame

    @property
    def names(self) -> list[str]:
        return list(self.matrix.columns)


def _present(frame: pd.DataFrame, column: str) -> bool:
    return column in frame.columns and frame[column].notna().any()


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype("string").fillna("")


def _rarity(counts: pd.Series, total: int) -> pd.Series:
    """-log10 share; unseen values count as half a posting."""
    return -np.log10(counts.astype("float64").fillna(0).clip(lower=0.5) / max(total, 1))


def _frequency(ref_keys: pd.Series, keys: pd.Series) -> pd.Series:
    table = ref_keys.value_counts()
    return keys.map(table).fillna(0).astype("float64")


def build_features(transactions: pd.DataFrame, reference: pd.DataFrame) -> Features:
    """Feature matrix for `transactions`, learned from `reference` (both canonical frames)."""
    n_ref = len(reference)
    rows: dict[str, pd.Series] = {}
    refs: dict[str, pd.Series] = {}
    ctx = pd.DataFrame(index=transactions.index)
    ctx["amount"] = transactions["amount"].astype("float64")

    def add(name: str, builder) -> None:
        rows[name] = builder(transactions).astype("float64").reset_index(drop=True)
        refs[name] = builder(reference).astype("float64").reset_index(drop=True)

    add("log_amount", lambda f: np.log10(f["amount"].abs() + 1.0))
    add("roundness", lambda f: _trailing_zeros(f["amount"]))

    if _present(transactions, "account") and _present(reference, "account"):
        ref_acc = _text(reference, "account")
        acc = _text(transactions, "account")
        ctx["account"] = acc
        ref_mag = np.log10(reference["amount"].abs() + 1.0)
        med = ref_mag.groupby(ref_acc).median()
        mad = (ref_mag - ref_acc.map(med)).abs().groupby(ref_acc).median()
        scale = (mad * MAD_TO_SIGMA).clip(lower=0.05)
        med_abs = reference["amount"].abs().groupby(ref_acc).median()
        ctx["account_median"] = acc.map(med_abs)
        acc_count = ref_acc.value_counts()
        ctx["account_count"] = acc.map(acc_count).fillna(0).astype("int64")

        def amount_z(f: pd.DataFrame) -> pd.Series:
            keys = _text(f, "account")
            mag = np.log10(f["amount"].abs() + 1.0)
            return ((mag - keys.map(med)) / keys.map(scale)).fillna(0.0)

        add("amount_z", amount_z)
        ref_pos = (reference["amount"] >= 0).groupby(ref_acc).mean()

        def sign_rarity(f: pd.DataFrame) -> pd.Series:
            share_pos = _text(f, "account").map(ref_pos).fillna(0.5)
            same = np.where(f["amount"] >= 0, share_pos, 1 - share_pos)
            return pd.Series(1.0 - same, index=f.index)

        add("sign_rarity", sign_rarity)
        same_side = np.where(transactions["amount"] >= 0, acc.map(ref_pos).fillna(0.5), 1 - acc.map(ref_pos).fillna(0.5))
        ctx["same_side"] = np.round(same_side * ctx["account_count"]).astype("int64")

        if _present(transactions, "voucher_id") and _present(reference, "voucher_id"):
            pair_table, voucher_count = _pair_counts(reference)
            rows["pair_rarity"], ctx["pair_other"], ctx["pair_count"], ctx["pair_base"] = _pair_rarity(
                transactions, pair_table, voucher_count)
            refs["pair_rarity"] = _pair_rarity(reference, pair_table, voucher_count)[0]

        if _present(transactions, "user_name") and _present(reference, "user_name"):
            ref_pair = ref_acc + "\x1f" + _text(reference, "user_name")
            pair_counts = ref_pair.value_counts()

            def user_account(f: pd.DataFrame) -> pd.Series:
                keys = _text(f, "account")
                count = (keys + "\x1f" + _text(f, "user_name")).map(pair_counts).astype("float64").fillna(0).clip(lower=0.5)
                return (-np.log10(count / keys.map(acc_count).astype("float64").fillna(1).clip(lower=1))).clip(lower=0)

            add("user_account_rarity", user_account)
            ctx["user"] = _text(transactions, "user_name")
            ctx["user_account_count"] = (acc + "\x1f" + ctx["user"]).map(pair_counts).fillna(0).astype("int64")

    # frequency encodings of categoricals, as rarity beyond a 1% share: a user or currency seen on 1 line
    # in 10 000 stands out, a monthly payroll clerk's 1% does not (account and counterparty rarity are left
    # to the conditional features above: a rarely used account is mostly a rarely needed one)
    for column in ("user_name", "currency"):
        if _present(transactions, column) and _present(reference, column):
            ref_keys = _text(reference, column)
            add(f"{column}_rarity", lambda f, c=column, r=ref_keys: (_rarity(_frequency(r, _text(f, c)), n_ref) - 2).clip(lower=0))
            ctx[column] = _text(transactions, column)
            ctx[f"{column}_count"] = _frequency(ref_keys, ctx[column]).astype("int64")

    if _present(transactions, "posting_date") and _present(reference, "posting_date"):
        ref_dow = reference["posting_date"].dt.day_of_week
        dow_share = ref_dow.value_counts(normalize=True)
        add("weekday_rarity", lambda f: -np.log10(f["posting_date"].dt.day_of_week.map(dow_share).fillna(0).clip(lower=0.5 / max(n_ref, 1))).fillna(0))
        dow = transactions["posting_date"].dt.day_of_week
        ctx["weekday"] = pd.Series(DAY_NAMES[dow.fillna(0).astype(int).to_numpy()], index=transactions.index).where(dow.notna())
        ctx["weekday_share"] = dow.map(dow_share).fillna(0.0)
        if _present(transactions, "registration_date") and _present(reference, "registration_date"):
            def lag(f: pd.DataFrame) -> pd.Series:
                return np.log1p((f["registration_date"] - f["posting_date"]).dt.days.abs()).fillna(0.0)

            add("registration_lag", lag)
            ctx["lag_days"] = (transactions["registration_date"] - transactions["posting_date"]).dt.days

    matrix = pd.DataFrame(rows)
    ref_matrix = pd.DataFrame(refs)
    # a feature constant over the reference carries no information for the models
    keep = [c for c in matrix.columns if ref_matrix[c].nunique(dropna=True) > 1]
    fill = ref_matrix[keep].median()
    return Features(matrix=matrix[keep].fillna(fill).fillna(0.0), reference=ref_matrix[keep].fillna(fill).fillna(0.0),
                    context=ctx.reset_index(drop=True))


def _trailing_zeros(amount: pd.Series) -> pd.Series:
    """0 for amounts with cents, else how many trailing zeros the whole amount has (capped at 6)."""
    cents = (amount.abs() * 100).round().astype("int64")
    out = pd.Series(0.0, index=amount.index)
    for power in range(1, 7):
        out = out + ((cents % (100 * 10**power) == 0) & (cents > 0)).astype("float64")
    return out


def _voucher_accounts(frame: pd.DataFrame) -> pd.DataFrame:
    pairs = pd.DataFrame({"voucher": _text(frame, "voucher_id"), "account": _text(frame, "account")})
    pairs = pairs[pairs["voucher"] != ""].drop_duplicates()
    size = pairs.groupby("voucher")["account"].transform("size")
    return pairs[size <= MAX_PAIR_ACCOUNTS]


def _pair_counts(reference: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Number of reference vouchers holding each ordered account pair, and each account."""
    va = _voucher_accounts(reference)
    merged = va.merge(va, on="voucher", suffixes=("", "_other"))
    merged = merged[merged["account"] != merged["account_other"]]
    pair = merged.groupby(["account", "account_other"]).size()
    return pair, va["account"].value_counts()


def _pair_rarity(frame: pd.DataFrame, pair_table: pd.Series,
                 voucher_count: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series, pd.Series]:
    """Per row: -log10 of the least-supported pairing of its account with another account in its voucher
    (of the vouchers holding the rarer of the two accounts, the share that also hold the other: a monthly
    payroll pairing of bank and payroll tax is 12 of 12, salaries against sales 0 of 12); the other
    account; the pair's voucher count; the rarer account's voucher count."""
    va = _voucher_accounts(frame)
    merged = va.merge(va, on="voucher", suffixes=("", "_other"))
    merged = merged[merged["account"] != merged["account_other"]]
    idx = pd.MultiIndex.from_frame(merged[["account", "account_other"]])
    merged = merged.assign(count=pair_table.reindex(idx).fillna(0).to_numpy())
    merged["base"] = np.minimum(merged["account"].map(voucher_count).fillna(0),
                                merged["account_other"].map(voucher_count).fillna(0)).clip(lower=1)
    merged["share"] = merged["count"].clip(lower=0.5) / merged["base"]
    worst = merged.sort_values("share").drop_duplicates(["voucher", "account"])
    key = pd.MultiIndex.from_frame(worst[["voucher", "account"]])
    worst = worst.set_index(key)
    row_key = pd.MultiIndex.from_arrays([_text(frame, "voucher_id"), _text(frame, "account")])
    share = worst["share"].reindex(row_key).to_numpy()
    rarity = pd.Series(-np.log10(np.where(np.isnan(share), 1.0, np.minimum(share, 1.0))), dtype="float64")
    other = pd.Series(worst["account_other"].reindex(row_key).to_numpy(), dtype="string")
    count = pd.Series(worst["count"].reindex(row_key).fillna(-1).to_numpy(), dtype="int64")
    base = pd.Series(worst["base"].reindex(row_key).fillna(0).to_numpy(), dtype="int64")
    return rarity, other, count, base


def describe(feature: str, ctx: pd.DataFrame, value: np.ndarray) -> pd.Series:
    """Reason fragments for `feature` on the rows of `ctx` (flagged rows only), quoting the numbers.
    `value` is the row's feature value."""
    val = pd.Series(np.asarray(value, dtype="float64"), index=ctx.index)
    num = val.map("{:.1f}".format)
    if feature == "log_amount":
        return "unusual amount " + format_amount(ctx["amount"].to_numpy()).set_axis(ctx.index)
    if feature == "amount_z":
        return ("unusual amount for account " + ctx["account"] + " (" + format_amount(ctx["amount"].to_numpy()).set_axis(ctx.index)
                + " vs median " + format_amount(ctx["account_median"].to_numpy()).set_axis(ctx.index) + ", log-amount z " + num + ")")
    if feature == "sign_rarity":
        return ("unusual side for account " + ctx["account"] + " (" + ctx["same_side"].astype("string") + " of "
                + ctx["account_count"].astype("string") + " postings on this side)")
    if feature == "pair_rarity":
        return ("unusual account combination " + ctx["account"] + " with " + ctx["pair_other"].fillna("?") + " ("
                + ctx["pair_count"].clip(lower=0).astype("string") + " of " + ctx["pair_base"].astype("string")
                + " vouchers holding the rarer of the two)")
    if feature == "user_account_rarity":
        return ("rare user " + ctx["user"] + " for account " + ctx["account"] + " ("
                + ctx["user_account_count"].astype("string") + " of " + ctx["account_count"].astype("string") + " postings)")
    if feature in ("user_name_rarity", "currency_rarity"):
        column = feature.removesuffix("_rarity")
        label = {"user_name": "user", "currency": "currency"}[column]
        return "rare " + label + " " + ctx[column] + " (" + ctx[f"{column}_count"].astype("string") + " postings)"
    if feature == "weekday_rarity":
        return "posted on a " + ctx["weekday"].fillna("?") + " (" + (ctx["weekday_share"] * 100).map("{:.1f}".format) + "% of postings)"
    if feature == "registration_lag":
        return "registered " + ctx["lag_days"].astype("Int64").astype("string") + " days after its posting date"
    if feature == "roundness":
        return "round amount " + format_amount(ctx["amount"].to_numpy()).set_axis(ctx.index)
    return feature + " " + num
