"""The signature doctor: why a Pay v2 sign or a paySign did not verify (protocol/v2.md 2.1, 4).

It rebuilds the sign the way WeChat does, then the way one, two or three common mistakes at once
would (most likely first, within a work budget), and names the combination that reproduces the
sign received, in English and Chinese. Only the wire layer is used; callers pass the keys worth
trying and, for a paySign, the appids and orders worth suspecting.
"""

from ..wire.meter import MAX_CANDIDATES, MAX_WORK, Budget
from .catalogue import ALIASES, LANGS, MISTAKES, Mistake, lookup, readme_table, render
from .diagnosis import WITHHELD, Diagnosis, Finding, summary_of, view_of
from .engine import diagnose, diagnose_pay_sign
from .options import KeyCandidate, Option
from .paysign import meant_sign_type, rule_findings
from .v3 import v3_record

__all__ = [
    "ALIASES",
    "LANGS",
    "MAX_CANDIDATES",
    "MAX_WORK",
    "MISTAKES",
    "WITHHELD",
    "Budget",
    "Diagnosis",
    "Finding",
    "KeyCandidate",
    "Mistake",
    "Option",
    "diagnose",
    "diagnose_pay_sign",
    "lookup",
    "meant_sign_type",
    "readme_table",
    "render",
    "rule_findings",
    "summary_of",
    "v3_record",
    "view_of",
]
