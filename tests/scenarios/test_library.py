"""The bundled scenario library passes against the reference merchant, and covers the stories the
project promises."""

from __future__ import annotations

from mockwx.scenarios import Runner, load_scenario, scenario_files
from mockwx.scenarios.loader import LIBRARY

# a story the library must tell -> words its file name carries
REQUIRED = {
    "happy path MD5": "happy_path_md5",
    "happy path HMAC-SHA256": "happy_path_hmac",
    "the user cancels then pays": "cancel_then_pay",
    "duplicate notifications": "duplicate_notifications",
    "concurrent duplicate notifications": "concurrent_duplicates",
    "forged signature": "forged_signature",
    "tampered amount": "tampered_amount",
    "wrong appid": "wrong_appid",
    "the merchant never acknowledges (24h4m)": "never_acknowledged",
    "the merchant is down then recovers": "merchant_down_then_recovers",
    "slow merchant timeout": "slow_merchant",
    "SYSTEMERROR then identical retry": "systemerror_retry",
    "re-entry identical": "reentry_identical",
    "re-entry changed": "reentry_changed",
    "close then try to pay": "close_then_pay",
    "expiry": "expiry",
    "full refund with notification": "full_refund",
    "partial refunds": "partial_refunds",
    "excessive refund": "excessive_refund",
    "code reused (40163)": "code_reused",
    "code expired (40029)": "code_expired",
    "sandbox getsignkey flow": "sandbox_getsignkey",
    "a signature made with the AppSecret, diagnosed": "appsecret_signature",
    "API v3 magic amounts": "v3_magic_amounts",
}
# the core stories, which must also hold with the merchant on API v3
V3_CORE = ("happy_path_md5", "duplicate", "forged", "tampered", "lost_notification_reconciled", "full_refund")


def test_library_covers_the_promised_stories():
    names = [p.stem for p in scenario_files([LIBRARY])]
    assert len(names) >= 20
    missing = [story for story, words in REQUIRED.items() if not any(words in n for n in names)]
    assert not missing, f"the library lacks: {missing}"


async def test_every_bundled_scenario_passes_against_the_reference_merchant():
    results = [await Runner().run(load_scenario(path)) for path in scenario_files([LIBRARY])]
    failed = [f"{r.path}: {r.message}\n" + "\n".join(r.diff) for r in results if not r.passed]
    assert not failed, "\n\n".join(failed)


async def test_every_portable_scenario_passes_with_the_merchant_on_api_v3():
    """Scenarios that do not pin setup.api run with the merchant speaking v3: the same stories, v3 on the wire."""
    portable = [load_scenario(path) for path in scenario_files([LIBRARY])]
    portable = [s for s in portable if not s.api]
    names = [s.id for s in portable]
    missing = [core for core in V3_CORE if not any(core in n for n in names)]
    assert not missing, f"core stories pinned to one API: {missing}"
    results = [await Runner(api="v3").run(s) for s in portable]
    failed = [f"{r.path} (v3): {r.message}\n" + "\n".join(r.diff) for r in results if not r.passed]
    assert not failed, "\n\n".join(failed)
    assert {r.api for r in results} == {"v3"}
