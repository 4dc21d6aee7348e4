"""A page on another site cannot drive the mock (issue 8, finding 14; review B2): in a real browser, a
page served from http://127.0.0.2 tries every request a page may send anywhere without a CORS
preflight (a no-cors fetch with and without a body, a form post), and one it may not (JSON), to
reset the mock on http://127.0.0.1. The order placed before is still there; the mock's own
dashboard still resets it."""

from __future__ import annotations

from aiohttp import web
from playwright.sync_api import expect

from .dashboard import api

ATTACK = """<!doctype html><title>cute cats</title>
<iframe name="sink"></iframe>
<form id="form" method="post" enctype="text/plain" target="sink" action="{mock}/__mock__/reset">
  <input name='{{"x":"' value='"}}'>
</form>
<script>
(async () => {{
  const reset = "{mock}/__mock__/reset";
  const tried = [];
  const attempt = async (name, options) => {{
    try {{ tried.push(name + ":" + (await fetch(reset, options)).type); }}
    catch (error) {{ tried.push(name + ":refused by the browser"); }}
  }};
  await attempt("bare", {{ method: "POST", mode: "no-cors" }});
  const text = {{ "Content-Type": "text/plain" }};
  await attempt("empty text", {{ method: "POST", mode: "no-cors", headers: text, body: "" }});
  await attempt("text", {{ method: "POST", mode: "no-cors", headers: text, body: "{{}}" }});
  await attempt("json", {{ method: "POST", headers: {{ "Content-Type": "application/json" }}, body: "{{}}" }});
  document.querySelector("iframe").addEventListener("load", () => {{
    tried.push("form:sent");
    document.body.dataset.tried = tried.join(", ");
  }});
  document.getElementById("form").submit();
}})();
</script>"""


def test_a_page_on_another_site_cannot_reset_the_mock(page, live_mock):
    api(live_mock, lambda c: c.unifiedorder("X20261127000001", 1))

    async def attack(_: web.Request) -> web.Response:
        return web.Response(text=ATTACK.format(mock=live_mock.url), content_type="text/html")

    evil = web.Application()
    evil.router.add_get("/", attack)
    runner = web.AppRunner(evil, access_log=None)
    live_mock.run(runner.setup())
    site = web.TCPSite(runner, "127.0.0.2", 0)
    live_mock.run(site.start())
    try:
        port = runner.addresses[0][1]
        page.goto(f"http://127.0.0.2:{port}/")
        tried = "bare:opaque, empty text:opaque, text:opaque, json:refused by the browser, form:sent"
        expect(page.locator("body")).to_have_attribute("data-tried", tried)
    finally:
        live_mock.run(runner.cleanup())
    order = api(live_mock, lambda c: c.order("X20261127000001"))  # the answers reached the page: not a reset
    assert order["out_trade_no"] == "X20261127000001"
    page.goto(f"{live_mock.url}/__mock__/ui/control")  # the mock's own page may
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Reset the mock").click()
    expect(page.locator("#notifications .empty")).to_be_visible()
    assert api(live_mock, lambda c: c.control("GET", "/orders"))["orders"] == []
