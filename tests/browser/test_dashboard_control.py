"""The control panel in a real browser: secrets revealed on click, the clock moved to a time, fault
rules and magic amounts added and removed, a notification resent, the mock reset."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from mockwx import magic
from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID, DEMO_SECRET
from mockwx.faults import effect_fields
from mockwx.wire import mask_key, to_dashed

from ..support import Reply
from .dashboard import api, pay_order, receiver


def test_secrets_are_masked_until_revealed(page, live_mock):
    page.goto(f"{live_mock.url}/__mock__/ui/control")
    key, secret = page.locator("#mch-key-0"), page.locator("#app-secret-0")
    expect(key).to_have_text("1920************************6a2d")
    assert DEMO_API_KEY not in page.content() and DEMO_SECRET not in page.content()
    page.locator("[data-reveal='#mch-key-0']").click()
    expect(key).to_have_text(DEMO_API_KEY)
    page.locator("[data-reveal='#app-secret-0']").click()
    expect(secret).to_have_text(DEMO_SECRET)
    page.locator("[data-reveal='#mch-key-0']").click()
    expect(key).to_have_text("1920************************6a2d")


def test_the_v3_material_of_a_merchant_is_shown_revealed_and_downloaded(page, live_mock, screenshots):
    """Issue 11, review item 4: the panel showed no v3 material ("the PEM files of v3 when present")."""
    keys = api(live_mock, lambda c: c.control("GET", "/tenants/10000100/keys"))
    page.goto(f"{live_mock.url}/__mock__/ui/control")
    merchant = page.locator("#tenants dl[data-merchant='10000100']")
    expect(merchant.get_by_test_id("merchant-serial")).to_have_text(keys["merchant_serial"])
    expect(merchant.get_by_test_id("public-key-id")).to_have_text(keys["public_key_id"])
    expect(merchant.get_by_test_id("platform-serial")).to_have_text(keys["platform_serial"])
    v3_key = page.locator("#v3-key-0")
    expect(v3_key).to_have_text(mask_key(keys["api_v3_key"]))
    assert keys["api_v3_key"] not in page.content() and "PRIVATE KEY-----\nMII" not in page.content()
    page.locator("[data-reveal='#v3-key-0']").click()
    expect(v3_key).to_have_text(keys["api_v3_key"])
    files = page.get_by_test_id("pem-files-10000100")
    expect(files.locator("tr[data-file]")).to_have_count(4)
    private = files.locator("tr[data-file='apiclient_key.pem']")
    private.get_by_role("button", name="reveal").click()
    expect(files.locator("pre.pem").first).to_have_text(keys["merchant_private_key"].strip())
    certificate = files.locator("tr[data-file='apiclient_cert.pem']")
    certificate.get_by_role("button", name="show").click()
    expect(files.locator("pre.pem:visible").nth(1)).to_contain_text("BEGIN CERTIFICATE")
    page.screenshot(path=screenshots / "control-v3-keys.png", full_page=True)
    for name, field in (("apiclient_key.pem", "merchant_private_key"), ("pub_key.pem", "public_key")):
        with page.expect_download() as download:
            files.locator(f"tr[data-file='{name}']").get_by_role("link", name="download").click()
        assert download.value.suggested_filename == name
        assert Path(download.value.path()).read_text() == keys[field]


# One API of each family the form serves, with the fields it takes (issue 11, review item 5: every API
# but code2session, token and pay sent err_code, refused "unknown field(s) err_code for a checksession fault").
FAMILIES = [
    ("checksession", {"select[name=errcode]": "40013"}, {"errcode": 40013}),
    ("unifiedorder", {"select[name=err_code]": "NOTENOUGH", "input[name=return_msg]": ""}, {"err_code": "NOTENOUGH"}),
    ("v3/jsapi", {"select[name=code]": "SYSTEM_ERROR", "input[name=message]": "系统繁忙"}, {"code": "SYSTEM_ERROR"}),
    ("pay", {"select[name=outcome]": "cancel", "input[name=reason]": "changed my mind"}, {"outcome": "cancel"}),
    ("refund_notify", {"select[name=ack]": "lenient", "input[name=retry_delays]": "5 10"}, {"ack": "lenient"}),
]


def added_by_the_form(mock, api_name: str) -> list[dict]:
    """The rules on ``api_name`` that are not a magic amount's."""
    return [
        f for f in api(mock, lambda c: c.control("GET", "/faults"))["faults"] if f["api"] == api_name and not f["label"]
    ]


def test_the_fault_form_adds_a_rule_for_every_family_of_api(page, live_mock, screenshots):
    page.goto(f"{live_mock.url}/__mock__/ui/control")
    form = page.locator("#fault-form")
    for api_name, inputs, expected in FAMILIES:
        page.select_option("#fault-api", api_name)
        allowed = effect_fields(api_name)
        for field in form.locator("[data-field]").all():  # the form shows exactly what the server takes
            assert field.is_visible() == (field.get_attribute("data-field") in allowed), (api_name, field)
        for selector, value in inputs.items():
            if selector.startswith("select"):
                form.locator(selector).select_option(value)
            else:
                form.locator(selector).fill(value)
        page.fill("#fault-match", "out_trade_no=F20261127000001")
        form.get_by_role("button", name="Add").click()
        rule = page.locator("#faults tr[data-fault]").filter(has=page.get_by_text(api_name, exact=True))
        expect(rule).to_have_count(1)
        (added,) = added_by_the_form(live_mock, api_name)
        assert {k: added[k] for k in expected} == expected and added["match"] == {"out_trade_no": "F20261127000001"}
    (v3,) = added_by_the_form(live_mock, "v3/jsapi")
    assert (v3["status"], v3["message"]) == (500, "系统繁忙")
    (notify,) = added_by_the_form(live_mock, "refund_notify")
    assert notify["retry_delays"] == [5, 10]

    async def place_v3(client):
        openid = (await client.login("alice"))["openid"]
        body = {
            "appid": DEMO_APPID,
            "mchid": DEMO_MCH_ID,
            "description": "mockwx 咖啡",
            "out_trade_no": "F20261127000001",
            "notify_url": "http://127.0.0.1:9/notify",
            "amount": {"total": 1, "currency": "CNY"},
            "payer": {"openid": openid},
        }
        return await client.v3("POST", "/v3/pay/transactions/jsapi", body)

    answer = api(live_mock, place_v3)  # the rule added from the form takes effect on a real v3 call
    assert answer.status == 500 and answer.json["code"] == "SYSTEM_ERROR"
    page.screenshot(path=screenshots / "control-faults.png", full_page=True)


def test_a_magic_amount_is_switched_whole_v2_and_v3_rules_together(page, live_mock):
    """Issue 11, review item 8: Remove took the unifiedorder rule only, and left the v3 rules active and hidden."""

    def magic_rules():
        return [f for f in api(live_mock, lambda c: c.control("GET", "/faults"))["faults"] if "9999.04" in f["label"]]

    assert len(magic_rules()) == 5  # unifiedorder and the four v3 place APIs
    page.goto(f"{live_mock.url}/__mock__/ui/control")
    row = page.locator("#magic tr[data-fee='999904']")
    expect(row.locator(".magic-apis .tag")).to_have_text(["unifiedorder", "v3/jsapi", "v3/app", "v3/h5", "v3/native"])
    row.get_by_role("button", name="Remove").click()
    expect(page.locator("#magic tr[data-fee='999904']")).to_have_attribute("data-state", "off")
    assert magic_rules() == []
    for fee, what, spec in magic.rules():  # four of its five rules back, through the control API
        if fee == 999904 and spec["api"] != "v3/h5":
            full = {**spec, "match": {"total_fee": str(fee)}, "label": magic.label(fee, what)}
            api(live_mock, lambda c, full=full: c.control("POST", "/faults", full))
    page.reload()
    row = page.locator("#magic tr[data-fee='999904']")
    expect(row).to_have_attribute("data-state", "partly")
    expect(row.locator(".badge")).to_have_text("4 of 5 rules")
    row.get_by_role("button", name="Add").click()
    expect(page.locator("#magic tr[data-fee='999904']")).to_have_attribute("data-state", "on")
    assert sorted(f["api"] for f in magic_rules()) == ["unifiedorder", "v3/app", "v3/h5", "v3/jsapi", "v3/native"]


def test_faults_magic_amounts_resend_clock_and_reset(page, live_mock, screenshots):
    page.goto(f"{live_mock.url}/__mock__/ui/control")
    page.select_option("#fault-api", "unifiedorder")
    page.select_option("select[name=err_code]", "SYSTEMERROR")
    page.fill("#fault-match", "total_fee=101")
    page.fill("#fault-times", "1")
    page.get_by_role("button", name="Add", exact=True).click()
    rule = page.locator("#faults tr[data-fault]").filter(has_text="err_code=SYSTEMERROR")
    expect(rule).to_contain_text("total_fee=101")
    assert api(live_mock, lambda c: c.unifiedorder("B20261127000020", 101))["err_code"] == "SYSTEMERROR"
    rule.get_by_role("button", name="Remove").click()
    expect(page.locator("#faults tr[data-fault]").filter(has_text="err_code=SYSTEMERROR")).to_have_count(0)

    magic = page.locator("#magic tr").filter(has_text="999901")
    magic.get_by_role("button", name="Remove").click()
    expect(page.locator("#magic tr").filter(has_text="999901").get_by_role("button", name="Add")).to_have_count(1)
    page.locator("#magic tr").filter(has_text="999901").get_by_role("button", name="Add").click()
    expect(page.locator("#magic tr").filter(has_text="999901")).to_contain_text("active")

    with receiver(live_mock, Reply(status=500)) as merchant:
        pay_order(live_mock, "B20261127000021", merchant.url)
        api(live_mock, lambda c: c.advance(0))
        page.reload()
        expect(page.locator("#jobs")).to_contain_text("notify:")  # the retry waiting on the clock
        expect(page.locator("#jobs")).to_contain_text("in 15s")
        row = page.locator("#notifications tr[data-notification]").filter(has_text="B20261127000021")
        expect(row).to_contain_text("pending")
        row.get_by_role("button", name="Resend").click()
        expect(page.locator(".toast")).to_contain_text("Resent: acked")
        expect(page.locator("#notifications tr[data-notification]").filter(has_text="B20261127000021")).to_contain_text(
            "acked"
        )
    target = to_dashed(int(api(live_mock, lambda c: c.clock())["now"]) + 2 * 86400)  # Beijing time
    page.fill("#advance-target", target.replace(" ", "T"))
    page.get_by_role("button", name="Go").click()
    expect(page.locator("#clock-now")).to_have_text(target)
    assert api(live_mock, lambda c: c.clock())["beijing"] == target
    page.screenshot(path=screenshots / "control.png", full_page=True)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Reset the mock").click()
    expect(page.locator("#notifications .empty")).to_be_visible()
    assert api(live_mock, lambda c: c.control("GET", "/orders"))["orders"] == []
