"""The pytest plugin, exercised the way users run it: in a separate pytest run (pytester)."""

from __future__ import annotations

import textwrap

import pytest

from mockwx.scenarios.loader import LIBRARY
from mockwx.testing.server import MockServer

SYNC_MERCHANT = """
import http.server, threading
import pytest
from wechatpy import WeChatPay

ACK = b"<xml><return_code><![CDATA[SUCCESS]]></return_code></xml>"

class Handler(http.server.BaseHTTPRequestHandler):
    seen = []
    def do_POST(self):
        self.seen.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200); self.end_headers(); self.wfile.write(ACK)
    def log_message(self, *a): pass

@pytest.fixture
def merchant():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/notify"
    server.shutdown()

def wechat(mockwx):
    pay = WeChatPay(appid=mockwx.appid, api_key=mockwx.api_key, mch_id=mockwx.mch_id)
    pay.API_BASE_URL = mockwx.url + "/"
    return pay
"""


def write(pytester: pytest.Pytester, body: str) -> None:
    pytester.makepyfile(test_it=SYNC_MERCHANT + textwrap.dedent(body))


def test_sync_fixture_pays_and_notifies_a_threaded_merchant(pytester):
    write(
        pytester,
        """
        def test_pay(mockwx, merchant):
            openid = mockwx.login("alice")["openid"]
            pay = wechat(mockwx)
            order = pay.order.create("JSAPI", "t", 100, merchant, client_ip="127.0.0.1", user_id=openid,
                                     out_trade_no="PG0000001")
            answer = mockwx.pay(pay.jsapi.get_jsapi_params(order["prepay_id"]))
            assert answer["errMsg"] == "requestPayment:ok"
            note = mockwx.assert_notified("PG0000001")
            assert note["status"] == "acked" and Handler.seen
            assert mockwx.order("PG0000001")["trade_state"] == "SUCCESS"
            assert mockwx.advance("1h")["now"] > 0
        """,
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_each_test_gets_a_fresh_mock_and_shared_is_reset(pytester):
    write(
        pytester,
        """
        import pytest

        @pytest.mark.parametrize("n", [1, 2])
        def test_fresh(mockwx, n, merchant):
            openid = mockwx.login("bob")["openid"]
            wechat(mockwx).order.create("JSAPI", "t", 1, merchant, client_ip="127.0.0.1", user_id=openid,
                                        out_trade_no="SAME000001")  # would be a re-entry if state leaked

        @pytest.mark.parametrize("n", [1, 2])
        def test_shared(mockwx_shared, n, merchant):
            mockwx = mockwx_shared
            openid = mockwx.login("bob")["openid"]
            pay = wechat(mockwx)
            order = pay.order.create("JSAPI", "t", n, merchant, client_ip="127.0.0.1", user_id=openid,
                                     out_trade_no="SAME000002")  # a different total_fee: 201 if not reset
            assert order["result_code"] == "SUCCESS"
        """,
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_teardown_fails_on_unexpected_signature_failures_with_the_diagnosis(pytester):
    write(
        pytester,
        """
        import pytest
        from wechatpy import WeChatPay
        from wechatpy.exceptions import WeChatPayException

        def bad_call(mockwx):
            pay = WeChatPay(appid=mockwx.appid, api_key=mockwx.secret, mch_id=mockwx.mch_id)  # the AppSecret
            pay.API_BASE_URL = mockwx.url + "/"
            with pytest.raises(WeChatPayException):
                pay.order.query(out_trade_no="X1")

        def test_unexpected(mockwx):
            bad_call(mockwx)

        @pytest.mark.mockwx_expect("SIGNERROR")
        def test_declared_by_marker(mockwx):
            bad_call(mockwx)

        def test_declared_in_the_test(mockwx):
            mockwx.expect_problem("SIGNERROR")
            bad_call(mockwx)
        """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*1 protocol problem(s) this test did not expect*",
            "*POST /pay/orderquery -> FAIL*[[]SIGNERROR[]]*",
            "*why: The sign was made with the AppSecret of wxd930ea5d5a258f4f instead of the merchant API key*",
            "*expected string: appid=wxd930ea5d5a258f4f&mch_id=10000100*",
        ]
    )


def test_async_fixture_with_an_aiohttp_merchant_in_the_same_loop(pytester):
    pytester.makepyfile(
        test_async="""
        import pytest
        from aiohttp import web
        from mockwx.testing.client import MockClient

        @pytest.mark.asyncio
        async def test_async(amockwx):
            seen = []

            async def notify(request):
                seen.append(await request.read())
                return web.Response(body=b"<xml><return_code>SUCCESS</return_code></xml>")

            app = web.Application()
            app.router.add_post("/notify", notify)
            runner = web.AppRunner(app)
            await runner.setup()
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}/notify"
            async with MockClient(amockwx.url) as client:
                order = await client.unifiedorder("PA0000001", 5, notify_url=url)
                await amockwx.pay(client.payment_params(order["prepay_id"]))
            await amockwx.advance(0)
            assert (await amockwx.assert_notified("PA0000001"))["status"] == "acked" and len(seen) == 1
            await runner.cleanup()
        """
    )
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_assert_notified_explains_a_merchant_that_never_acknowledges(pytester):
    write(
        pytester,
        """
        def test_never(mockwx):
            openid = mockwx.login("alice")["openid"]
            pay = wechat(mockwx)
            order = pay.order.create("JSAPI", "t", 1, "http://127.0.0.1:9/notify", client_ip="127.0.0.1",
                                     user_id=openid, out_trade_no="PN0000001")
            mockwx.pay(pay.jsapi.get_jsapi_params(order["prepay_id"]))
            mockwx.advance("24h4m")
            mockwx.assert_notified("PN0000001", timeout=0.2)
        """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*did not reach status 'acked'*", "*given_up, 16 attempts*", "*connection_error*"])


def test_by_url_mode_uses_the_running_mock_and_resets_it(pytester):
    with MockServer.threaded() as server:
        server.run(_seed_order(server.url))
        write(
            pytester,
            f"""
            def test_remote(mockwx, merchant):
                assert mockwx.backend is None and mockwx.url == {server.url!r}
                openid = mockwx.login("alice")["openid"]
                pay = wechat(mockwx)
                order = pay.order.create("JSAPI", "t", 1, merchant, client_ip="127.0.0.1", user_id=openid,
                                         out_trade_no="PU0000001")
                mockwx.pay(pay.jsapi.get_jsapi_params(order["prepay_id"]))
                mockwx.assert_notified("PU0000001")
            """,
        )
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", f"--mockwx-url={server.url}")
        result.assert_outcomes(passed=1)
        assert server.backend.state.orders.keys() == {"prod:10000100:PU0000001"}  # the seeded order was reset


async def _seed_order(url: str) -> None:
    from mockwx.testing.client import MockClient

    async with MockClient(url) as client:
        await client.unifiedorder("SEEDED0001", 1)


def test_run_scenario_helper(pytester, tmp_path):
    scenario = tmp_path / "story.yaml"
    scenario.write_text(
        textwrap.dedent(
            """
            name: direct WeChat calls
            setup: {merchant: "http://127.0.0.1:9"}
            steps:
              - mint: alice
              - wechat: unifiedorder
                fields: {body: t, out_trade_no: RS0000001, total_fee: 1, spbill_create_ip: 127.0.0.1,
                         notify_url: "http://127.0.0.1:9/n", trade_type: JSAPI, openid: "${alice.openid}"}
                expect: {result_code: SUCCESS}
              - expect:
                  order: {out_trade_no: RS0000001, trade_state: NOTPAY}
            """
        )
    )
    signature = tmp_path / "signature.yaml"
    signature.write_text(
        "name: a story about a bad signature\nsetup: {merchant: 'http://127.0.0.1:9'}\nsteps:\n"
        "  - wechat: orderquery\n    key: appsecret\n    fields: {out_trade_no: X1}\n"
        "  - expect: {problems: {kinds: [SIGNERROR]}}\n"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(scenario.read_text().replace("NOTPAY", "SUCCESS"))
    write(
        pytester,
        f"""
        def test_good(mockwx):
            assert mockwx.run_scenario({str(scenario)!r}).passed

        def test_its_own_problems_do_not_fail_the_test(mockwx):
            mockwx.run_scenario({str(signature)!r})

        def test_bad(mockwx):
            mockwx.run_scenario({str(bad)!r})

        def test_the_merchant_on_v3(mockwx):
            result = mockwx.run_scenario({str(LIBRARY / "04_duplicate_notifications.yaml")!r}, api="v3")
            assert result.passed and result.api == "v3"
            assert mockwx.run_scenario({str(LIBRARY / "04_duplicate_notifications.yaml")!r}).api == "v2"
        """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, failed=1)
    result.stdout.fnmatch_lines(["*step 3 (expect order)*", '*trade_state: expected "SUCCESS", got "NOTPAY"*'])


AMOCKWX_TEST = """
async def test_login(amockwx):
    assert (await amockwx.login("alice"))["code"]
"""


def test_amockwx_without_asyncio_mode_says_what_to_configure(pytester):
    pytester.makepyfile(test_it=AMOCKWX_TEST)  # no ini: pytest-asyncio's default, strict mode
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert "mockwx: test_login is an async test that pytest-asyncio does not run: asyncio_mode is 'strict'" in out
    assert "pip install 'mockwx[pytest]'" in out and 'asyncio_mode = "auto"' in out
    pytester.makeini("[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n")
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)  # what the message said


def test_amockwx_without_pytest_asyncio_names_what_to_install(pytester):
    pytester.makepyfile(test_it=AMOCKWX_TEST)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:aiohttp")
    result.assert_outcomes(errors=1)
    out = result.stdout.str()
    assert "which pytest-asyncio provides; it is not installed" in out and "pip install 'mockwx[pytest]'" in out
    assert "fixture 'amockwx' not found" not in out
