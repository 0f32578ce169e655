"""The queries a reviewer's face asks: a page of transactions with filters and sort, one transaction with
everything known about it. Each answers from an index: the partition (PostgreSQL) or primary key of the
upload, the partial index of anomalies, the voucher index, and one primary-key probe per algorithm."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from anomaly_pipeline.storage import schema
from anomaly_pipeline.storage.warehouse import Warehouse

SORTS = {"risk": "risk_score", "date": "posting_date", "amount": "amount", "id": "transaction_id"}
VOUCHER_LINES_LIMIT = 200


@dataclass(frozen=True)
class TransactionFilter:
    upload_id: str | None = None
    account: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    amount_min: float | None = None
    amount_max: float | None = None
    user: str | None = None
    text: str | None = None
    min_risk: float | None = None
    is_anomaly: bool | None = None


def list_transactions(wh: Warehouse, strategy: str, where: TransactionFilter, sort: str, limit: int,
                      offset: int) -> tuple[list[dict[str, Any]], bool]:
    """A page of active transactions with their risk under `strategy`, and whether more follow. `sort` is a
    key of SORTS, `-` in front for descending."""
    t, r = schema.transactions, schema.transaction_risk
    join = t.outerjoin(r, sa.and_(r.c.upload_id == t.c.upload_id, r.c.transaction_id == t.c.transaction_id,
                                  r.c.strategy == strategy))
    risk = sa.func.coalesce(r.c.risk_score, 0.0)
    query = sa.select(
        t.c.upload_id, t.c.transaction_id, t.c.voucher_id, t.c.voucher_type, t.c.posting_date, t.c.account,
        t.c.amount, t.c.currency, t.c.description, t.c.counterparty, t.c.user_name, risk.label("risk_score"),
        sa.func.coalesce(r.c.is_anomaly, False).label("is_anomaly"), r.c.reasons,
    ).select_from(join).where(~t.c.is_removed)
    conditions = []
    if where.upload_id:
        conditions.append(t.c.upload_id == where.upload_id)
    if where.account:
        conditions.append(t.c.account == where.account)
    if where.date_from:
        conditions.append(t.c.posting_date >= where.date_from)
    if where.date_to:
        conditions.append(t.c.posting_date <= where.date_to)
    if where.amount_min is not None:
        conditions.append(t.c.amount >= where.amount_min)
    if where.amount_max is not None:
        conditions.append(t.c.amount <= where.amount_max)
    if where.user:
        conditions.append(t.c.user_name == where.user)
    if where.text:  # a parameter, never SQL: LIKE's own wildcards in the text are escaped
        pattern = "%" + where.text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(t.c.description.ilike(pattern, escape="\\"))
    if where.min_risk is not None:
        conditions.append(risk >= where.min_risk)
    if where.is_anomaly is not None:
        flagged = sa.func.coalesce(r.c.is_anomaly, False)
        conditions.append(flagged if where.is_anomaly else ~flagged)
    query = query.where(*conditions)
    descending = sort.startswith("-")
    column = {"risk_score": risk, "posting_date": t.c.posting_date, "amount": t.c.amount,
              "transaction_id": t.c.transaction_id}[SORTS[sort.lstrip("-")]]
    order = sa.desc(column) if descending else sa.asc(column)
    query = query.order_by(order, t.c.upload_id, t.c.transaction_id).limit(limit + 1).offset(offset)
    with wh.engine.connect() as conn:
        rows = [dict(row) for row in conn.execute(query).mappings()]
    return rows[:limit], len(rows) > limit


def transaction_detail(wh: Warehouse, upload_id: str, transaction_id: int, strategy: str) -> dict[str, Any] | None:
    """Every stored field of one transaction (the raw record included), its risk under `strategy`, each
    algorithm's score and reason and each rule's flag, and the other lines of its voucher; None if unknown."""
    t, r = schema.transactions, schema.transaction_risk
    s, f, runs = schema.anomaly_scores, schema.rule_flags, schema.algorithm_runs
    with wh.engine.connect() as conn:
        row = conn.execute(sa.select(t).where(t.c.upload_id == upload_id, t.c.transaction_id == transaction_id)
                           ).mappings().first()
        if row is None:
            return None
        risk = conn.execute(sa.select(r.c.risk_score, r.c.voucher_risk, r.c.is_anomaly, r.c.reasons).where(
            r.c.upload_id == upload_id, r.c.strategy == strategy, r.c.transaction_id == transaction_id)
        ).mappings().first()
        outcomes = {o.algorithm: o for o in conn.execute(
            sa.select(runs.c.algorithm, runs.c.status, runs.c.skip_reason).where(
                runs.c.upload_id == upload_id, runs.c.strategy == strategy))}
        names = sorted(outcomes)  # a primary-key probe per algorithm, not a scan of the upload's scores
        scores = {x.algorithm: x for x in conn.execute(
            sa.select(s.c.algorithm, s.c.score, s.c.flagged, s.c.reason).where(
                s.c.upload_id == upload_id, s.c.strategy == strategy, s.c.algorithm.in_(names),
                s.c.transaction_id == transaction_id))}
        flags = {x.rule: x for x in conn.execute(
            sa.select(f.c.rule, f.c.severity, f.c.score, f.c.reason).where(
                f.c.upload_id == upload_id, f.c.strategy == strategy, f.c.rule.in_(names),
                f.c.transaction_id == transaction_id))}
        voucher: list[dict[str, Any]] = []
        if row["voucher_id"] is not None:
            voucher = [dict(v) for v in conn.execute(
                sa.select(t.c.transaction_id, t.c.line_number, t.c.posting_date, t.c.account, t.c.account_name,
                          t.c.amount, t.c.description, t.c.is_removed)
                .where(t.c.upload_id == upload_id, t.c.voucher_id == row["voucher_id"],
                       t.c.transaction_id != transaction_id)
                .order_by(t.c.transaction_id).limit(VOUCHER_LINES_LIMIT)).mappings()]
    algorithms = []
    for name in names:
        outcome, score, flag = outcomes[name], scores.get(name), flags.get(name)
        algorithms.append({
            "algorithm": name, "status": outcome.status,
            "skip_reason": outcome.skip_reason if isinstance(outcome.skip_reason, str) else None,
            "score": float(score.score) if score else float(flag.score) if flag else 0.0,
            "flagged": bool(score.flagged) if score else flag is not None,
            "severity": flag.severity if flag else None,
            "reason": score.reason if score else flag.reason if flag else None,
        })
    return {"transaction": dict(row), "risk": dict(risk) if risk else None, "algorithms": algorithms,
            "voucher_lines": voucher}


def algorithm_counts(wh: Warehouse, upload_id: str, strategy: str) -> list[dict[str, Any]]:
    """Each algorithm's outcome for (upload, strategy): status, skip reason, flagged and scored counts."""
    runs = schema.algorithm_runs
    query = sa.select(runs.c.algorithm, runs.c.status, runs.c.skip_reason, runs.c.flagged_count,
                      runs.c.scored_count).where(runs.c.upload_id == upload_id, runs.c.strategy == strategy
                                                 ).order_by(runs.c.algorithm)
    with wh.engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def latest_baseline(wh: Warehouse, upload_id: str, strategy: str) -> dict[str, Any] | None:
    """The entity history the latest analysis run of (upload, strategy) judged it with; None: none."""
    runs = schema.analysis_runs
    query = sa.select(runs.c.baseline).where(runs.c.upload_id == upload_id, runs.c.strategy == strategy) \
        .order_by(runs.c.id.desc()).limit(1)
    with wh.engine.connect() as conn:
        return conn.execute(query).scalar()


def flagged_counts(wh: Warehouse, upload_id: str, strategy: str) -> tuple[int, int]:
    """(flagged transactions, distinct vouchers among them; a line without a voucher counts as its own)."""
    r = schema.transaction_risk
    voucher = sa.func.coalesce(r.c.voucher_id, "#" + sa.cast(r.c.transaction_id, sa.Text))
    query = sa.select(sa.func.count(), sa.func.count(sa.distinct(voucher))).where(
        r.c.upload_id == upload_id, r.c.strategy == strategy, r.c.is_anomaly)
    with wh.engine.connect() as conn:
        transactions, vouchers = conn.execute(query).one()
    return int(transactions), int(vouchers)
