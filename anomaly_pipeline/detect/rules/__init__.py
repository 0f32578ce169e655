"""Rule-based detectors: explicit tests auditors and controllers know by name."""

from __future__ import annotations

from anomaly_pipeline.detect.base import AnomalyDetectionAlgorithm
from anomaly_pipeline.detect.rules.account_patterns import RareAccountCombination, SeldomUsedAccount
from anomaly_pipeline.detect.rules.account_rules import (
    AccountAmountLimit,
    ForbiddenAccountPair,
    SensitiveAccount,
)
from anomaly_pipeline.detect.rules.amount_patterns import AmountEnding, BelowApprovalLimit, RoundAmount
from anomaly_pipeline.detect.rules.benford import BenfordFirstDigit, BenfordFirstTwoDigits
from anomaly_pipeline.detect.rules.descriptions import SuspiciousDescription
from anomaly_pipeline.detect.rules.duplicates import ExactDuplicate, NearDuplicate, Reversal
from anomaly_pipeline.detect.rules.holiday_posting import HolidayPosting
from anomaly_pipeline.detect.rules.periodization import (
    EntryDateGap,
    LateRegistration,
    PeriodMismatch,
    RevenueCutoffReversal,
)
from anomaly_pipeline.detect.rules.time_patterns import (
    AfterHoursPosting,
    PeriodEndConcentration,
    PostingBurst,
)
from anomaly_pipeline.detect.rules.user_patterns import UnusualUserAccount
from anomaly_pipeline.detect.rules.voucher_integrity import (
    UnbalancedVoucher,
    VoucherNumberGap,
    VoucherOutOfOrder,
)

#: the journal-entry test battery beyond weekend_posting, in the order they are listed to users
JOURNAL_ENTRY_RULES: tuple[type[AnomalyDetectionAlgorithm], ...] = (
    HolidayPosting,
    PeriodMismatch,
    LateRegistration,
    EntryDateGap,
    RevenueCutoffReversal,
    AccountAmountLimit,
    ForbiddenAccountPair,
    SensitiveAccount,
    AfterHoursPosting,
    PeriodEndConcentration,
    PostingBurst,
    BenfordFirstDigit,
    BenfordFirstTwoDigits,
    RoundAmount,
    AmountEnding,
    BelowApprovalLimit,
    ExactDuplicate,
    NearDuplicate,
    Reversal,
    RareAccountCombination,
    SeldomUsedAccount,
    UnusualUserAccount,
    UnbalancedVoucher,
    VoucherNumberGap,
    VoucherOutOfOrder,
    SuspiciousDescription,
)
