"""The scenario runner: loading errors that name the file, step and field; failure reports that name
the step and show the diff; JUnit and JSON output; exit codes. These stories talk to WeChat directly
(no merchant), so they exercise the runner alone."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mockwx.scenarios import Runner, ScenarioError, load_scenario, parse_duration
from mockwx.scenarios.loader import LIBRARY

ROOT = Path(__file__).resolve().parents[2]
NO_MERCHANT = 'setup: {merchant: "http://127.0.0.1:9"}\n'
ORDER = (
    "{body: t, out_trade_no: %s, total_fee: 1, spbill_create_ip: 127.0.0.1, notify_url: 'http://127.0.0.1:9/n',"
    " trade_type: JSAPI, openid: '${alice.openid}'}"
)

PASSING = f"""
name: a story that passes
{NO_MERCHANT}steps:
  - mint: alice
  - wechat: unifiedorder
    fields: {ORDER % "RU0000001"}
    expect: {{result_code: SUCCESS}}
    as: created
  - pay: {{out_trade_no: RU0000001}}
  - advance: 24h4m
  - expect:
      order: {{out_trade_no: RU0000001, trade_state: SUCCESS, total_fee: 1}}
      notification: {{out_trade_no: RU0000001, status: given_up, attempts: 16, offsets: [0, 15, 30, 60, 240, 840,
        2040, 3840, 5640, 7440, 11040, 21840, 32640, 43440, 65040, 86640]}}
      requests: {{api: unifiedorder, count: 1, outcomes: [SUCCESS]}}
"""

FAILING = f"""
name: a story that fails at step 3
{NO_MERCHANT}steps:
  - mint: alice
  - wechat: unifiedorder
    fields: {ORDER % "RU0000002"}
  - expect:
      order: {{out_trade_no: RU0000002, trade_state: SUCCESS, total_fee: 2}}
  - advance: 1
"""


def scenario(tmp_path: Path, text: str, name: str = "story.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


async def test_a_passing_story(tmp_path):
    result = await Runner().run(load_scenario(scenario(tmp_path, PASSING)))
    assert result.passed, (result.message, result.diff)
    assert [s.status for s in result.steps] == ["passed"] * 5


async def test_a_failing_story_names_the_step_and_shows_the_diff(tmp_path):
    result = await Runner().run(load_scenario(scenario(tmp_path, FAILING)))
    assert result.status == "failed"
    assert [s.status for s in result.steps] == ["passed", "passed", "failed", "skipped"]
    assert result.message.startswith("step 3 (expect order)")
    assert "order: the mock's order RU0000002 is not as expected" in result.diff
    assert '  trade_state: expected "SUCCESS", got "NOTPAY"' in result.diff
    assert "  total_fee: expected 2, got 1" in result.diff


async def test_unexpected_protocol_problems_fail_a_story(tmp_path):
    text = (
        "name: signs with the AppSecret but does not say it expects that\n"
        + NO_MERCHANT
        + "steps:\n  - wechat: orderquery\n    key: appsecret\n    fields: {out_trade_no: X1}\n"
    )
    result = await Runner().run(load_scenario(scenario(tmp_path, text)))
    assert result.status == "failed" and "did not expect" in result.message
    assert "AppSecret" in result.diff[0] and "SIGNERROR" in result.diff[0]


async def test_references_and_saved_values(tmp_path):
    text = (
        "name: references\n"
        + NO_MERCHANT
        + "steps:\n  - mint: alice\n    as: someone\n  - expect:\n      order: {out_trade_no: '${nope.x}'}\n"
    )
    result = await Runner().run(load_scenario(scenario(tmp_path, text)))
    assert result.status == "failed" and "nothing called 'nope'" in result.message + " ".join(result.diff)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("- just a list", "a scenario is a mapping"),
        ("name: x\nsteps: []", "steps must be a non-empty list"),
        ("steps: [{advance: 1}]", "name is required"),
        ("name: x\nstepz: []", "unknown top-level key(s) stepz"),
        ("name: x\nsteps: [{advance: 1, pay: {}}]", "step 1: a step has exactly one action (found advance, pay)"),
        ("name: x\nsteps: [{jump: 1}]", "step 1: a step has exactly one action (found none)"),
        ("name: x\nsteps: [{advance: 1}, {advance: soon}]", "step 2 (advance): 'soon' is not a duration"),
        ("name: x\nsteps: [{pay: {}, outcome: maybe}]", "step 1 (pay): outcome is ok, cancel or fail"),
        ("name: x\nsteps: [{login: alice, colour: red}]", "step 1 (login): unknown field(s) colour"),
        ("name: x\nsteps: [{merchant: /api/orders}]", "step 1 (merchant): write it as `METHOD /path`"),
        ("name: x\nsteps: [{wechat: payme}]", "step 1 (wechat): name a Pay v2 API"),
        ("name: x\nsteps: [{expect: {weather: sunny}}]", "step 1 (expect): unknown check(s) weather"),
        ("name: x\nsetup: {merchant: ftp://x}\nsteps: [{advance: 1}]", "setup.merchant must be"),
        ("name: x\nsetup: {colour: red}\nsteps: [{advance: 1}]", "setup: unknown key(s) colour"),
        ("name: x\nrules: {api: pay}\nsteps: [{advance: 1}]", "rules must be a list"),
        ("name: [unclosed\n", "not valid YAML"),
    ],
)
def test_malformed_files_are_named_precisely(tmp_path, text, needle):
    path = scenario(tmp_path, text, "broken.yaml")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert needle in str(caught.value) and "broken.yaml" in str(caught.value)


def test_a_bad_rule_is_named_on_load(tmp_path):
    rules = "rules: [{api: notify}, {api: notify, ack: sometimes}]\n"
    text = f"name: bad rule\n{NO_MERCHANT}{rules}steps: [{{advance: 1}}]\n"
    with pytest.raises(ScenarioError, match=r"rules\[1\]: ack must be"):
        load_scenario(scenario(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("1: a\nzz: b\nname: x\nsteps: [{advance: 1}]", "unknown top-level key(s) 1, zz"),
        ("name: x\nsteps: [{advance: 1, 2: x}]", "step 1 (advance): unknown field(s) 2"),
        ("name: x\nsteps: [{mint: alice, as: [x]}]", "step 1 (mint): as must be a name"),
        ("name: x\nsteps: [{advance: .nan}]", "is not a duration"),
    ],
)
def test_odd_types_are_named_too(tmp_path, text, needle):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(scenario(tmp_path, text, "odd.yaml"))
    assert needle in str(caught.value) and "odd.yaml" in str(caught.value)


async def test_code2session_action(tmp_path):
    text = (
        f"name: code2session\n{NO_MERCHANT}steps:\n  - mint: alice\n"
        "  - code2session: {js_code: '${alice.code}'}\n    expect: {openid: '${alice.openid}'}\n"
        "  - code2session: {js_code: '${alice.code}'}\n    expect: {errcode: 40163}\n"
        "  - expect: {problems: {kinds: [errcode 40163]}}\n"
    )
    result = await Runner().run(load_scenario(scenario(tmp_path, text)))
    assert result.passed, (result.message, result.diff)


async def test_an_early_problems_check_does_not_hide_later_problems(tmp_path):
    text = (
        f"name: looks early\n{NO_MERCHANT}steps:\n  - expect: {{problems: {{count: 0}}}}\n"
        "  - wechat: orderquery\n    key: appsecret\n    fields: {out_trade_no: X1}\n"
    )
    result = await Runner().run(load_scenario(scenario(tmp_path, text)))
    assert result.status == "failed" and "did not expect" in result.message


def test_durations():
    assert parse_duration("24h4m") == 86640 and parse_duration(15) == 15 and parse_duration("1d") == 86400
    assert parse_duration("90") == 90 and parse_duration("1.5s") == 1.5
    for bad in ("", "h", "5x", -1, True, "1h-2m"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "run_mock.py"), "run", *args], capture_output=True, text=True, timeout=60
    )


def test_cli_exit_codes_junit_and_json(tmp_path):
    good = scenario(tmp_path, PASSING, "good.yaml")
    bad = scenario(tmp_path, FAILING, "bad.yaml")
    broken = scenario(tmp_path, "name: [unclosed\n", "broken.yaml")
    passed = run_cli(str(good))
    assert passed.returncode == 0 and "PASSED: 1 passed, 0 failed" in passed.stdout
    junit, report = tmp_path / "junit.xml", tmp_path / "report.json"
    failed = run_cli(str(tmp_path), "--junit", str(junit), "--json", str(report))
    assert failed.returncode == 1
    assert "FAIL  3 expect order" in failed.stdout and 'trade_state: expected "SUCCESS", got "NOTPAY"' in failed.stdout
    assert "FAILED: 1 passed, 2 failed, 3 scenarios" in failed.stdout
    suite = ET.parse(junit).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    cases = {c.get("classname"): c for c in suite.iter("testcase")}
    assert cases["good"].find("failure") is None
    assert "step 3 (expect order)" in cases["bad"].find("failure").get("message")
    assert "not valid YAML" in cases["broken"].find("error").text
    data = json.loads(report.read_text())
    assert (data["passed"], data["failed"]) == (1, 2)
    assert {s["path"] for s in data["scenarios"]} == {str(good), str(bad), str(broken)}
    usage = run_cli(str(tmp_path / "missing"))
    assert usage.returncode == 2 and "no such file or folder" in usage.stderr


async def test_a_real_clock_story_cannot_advance(tmp_path):
    text = (
        "name: real time\n" + NO_MERCHANT.replace("{merchant:", "{clock: real, merchant:") + "steps:\n  - advance: 1\n"
    )
    result = await Runner().run(load_scenario(scenario(tmp_path, text)))
    assert result.status == "failed" and "409" in result.message and "--clock virtual" in result.message
    with pytest.raises(ScenarioError, match="setup.clock must be"):
        load_scenario(scenario(tmp_path, "name: x\nsetup: {clock: sundial}\nsteps: [{advance: 1}]\n", "c.yaml"))


def test_junit_carries_control_characters_from_replies(tmp_path):
    from mockwx.scenarios.report import write_junit
    from mockwx.scenarios.runner import ScenarioResult

    result = ScenarioResult(
        path="x.yaml", name="bell \x07", status="failed", message="reply \x00\x1b[31m", diff=["\x0c"]
    )
    write_junit([result], tmp_path / "j.xml", 0.1)
    case = ET.parse(tmp_path / "j.xml").getroot().find("testsuite/testcase")
    assert case.get("name") == "bell \ufffd" and "\ufffd" in case.find("failure").text


def test_cli_runs_the_merchant_on_api_v3(tmp_path):
    library = LIBRARY
    result = run_cli(str(library / "01_happy_path_md5.yaml"), str(library / "02_happy_path_hmac.yaml"), "--api", "v3")
    assert result.returncode == 0, result.stdout
    assert "01_happy_path_md5.yaml [v3]: happy path, MD5" in result.stdout
    assert "02_happy_path_hmac.yaml: happy path, HMAC-SHA256" in result.stdout  # it pins setup.api: v2
    report = tmp_path / "report.json"
    run_cli(str(library / "01_happy_path_md5.yaml"), "--api", "v3", "--json", str(report))
    assert json.loads(report.read_text())["scenarios"][0]["api"] == "v3"


async def test_v3_wechat_steps_name_apis_or_operations(tmp_path):
    text = (
        "name: v3 by hand\nsetup: {api: v3, merchant: 'http://127.0.0.1:9'}\nsteps:\n  - mint: alice\n"
        "  - wechat: place\n    fields: {description: t, out_trade_no: V3STEP0001, notify_url: 'http://127.0.0.1:9/n',"
        " amount: {total: 5}, payer: {openid: '${alice.openid}'}}\n    expect: {status: 200}\n"
        "  - wechat: v3/query\n    fields: {out_trade_no: V3STEP0001}\n    expect: {status: 200, trade_state: NOTPAY}\n"
        "  - wechat: v3/refund_query\n    fields: {out_refund_no: NONE0001}\n"
        "    expect: {status: 404, code: RESOURCE_NOT_EXISTS}\n"
        "  - close: V3STEP0001\n    expect: {status: 204}\n"
        "  - expect: {order: {out_trade_no: V3STEP0001, trade_state: CLOSED, dialect: v3}}\n"
    )
    result = await Runner().run(load_scenario(scenario(tmp_path, text)))
    assert result.passed, (result.message, result.diff)
    assert result.api == "v3"
    with pytest.raises(ScenarioError, match="setup.api must be v2 or v3"):
        load_scenario(scenario(tmp_path, "name: x\nsetup: {api: v4}\nsteps: [{advance: 1}]\n", "a.yaml"))


def test_no_path_or_a_library_name_is_the_bundled_library(tmp_path, monkeypatch):
    from mockwx.scenarios.loader import scenario_files

    monkeypatch.chdir(tmp_path)  # no scenarios/ folder here: the names mean the library shipped in the package
    story = LIBRARY / "06_forged_signature.yaml"
    assert scenario_files([]) == scenario_files(["scenarios/"]) == sorted(LIBRARY.glob("*.yaml"))
    assert len(scenario_files([])) >= 27
    assert scenario_files(["06_forged_signature"]) == scenario_files(["scenarios/06_forged_signature.yaml"]) == [story]
    (tmp_path / "06_forged_signature.yaml").write_text("name: mine\nsteps: [{advance: 1}]\n")
    assert scenario_files(["06_forged_signature.yaml"]) == [Path("06_forged_signature.yaml")]  # a file here wins
    with pytest.raises(ScenarioError, match=r"nope: no such file or folder, nor a story of the bundled library \(01_"):
        scenario_files(["nope"])


def test_cli_runs_a_library_story_by_name_from_anywhere(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mockwx", "run", "06_forged_signature"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "06_forged_signature.yaml: a forged notification is refused" in result.stdout
    assert "PASSED: 1 passed" in result.stdout
