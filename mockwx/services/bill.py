"""The day's bill built from the orders and refunds, in WeChat's text format
(protocol/v2.md 6.6): a UTF-8 BOM, a comma-separated Chinese header, one line per payment or
refund with every cell prefixed by a backtick, a summary header and a totals line, CRLF line
ends, amounts in yuan, fees to five decimals at the standard 0.6% rate.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass

from ..domain.commands import BillRequest
from ..domain.errors import DomainError
from ..domain.models import Order, Refund, RefundStatus
from ..state import State
from ..wire import to_dashed

_BASE = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,"
    "交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额"
)
_REFUND = "微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态"
_TAIL = "商品名称,商户数据包,手续费,费率,订单金额"
HEADERS = {
    "ALL": f"{_BASE},{_REFUND},{_TAIL},申请退款金额,费率备注",
    "SUCCESS": f"{_BASE},{_TAIL},费率备注",
    "REFUND": f"{_BASE},退款申请时间,退款成功时间,{_REFUND},{_TAIL},申请退款金额,费率备注",
}
HEADERS["RECHARGE_REFUND"] = HEADERS["REFUND"]
FUND_FLOW_HEADER = (
    "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,"
    "资金变更提交申请人,备注,业务凭证号"
)
FUND_FLOW_SUMMARY = "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额"
SUMMARY_HEADER = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
RATE = "0.60%"


@dataclass(slots=True)
class Bill:
    body: bytes
    gzipped: bool


def _cells(cells: list[str]) -> str:
    """One bill line: every cell prefixed with a backtick, joined by commas."""
    return ",".join("`" + c for c in cells)


def _bill(lines: list[str], gzipped: bool) -> Bill:
    """The bill file: a UTF-8 BOM, CRLF line ends, gzipped if asked."""
    body = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
    return Bill(gzip.compress(body, mtime=0) if gzipped else body, gzipped)


def yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def fee_of(fen: int) -> int:
    """WeChat's fee at 0.6%, rounded half up to the fen."""
    return (abs(fen) * 6 + 500) // 1000 * (1 if fen >= 0 else -1)


def fee_text(fee_fen: int) -> str:
    return yuan(fee_fen) + "000"


class BillService:
    def __init__(self, state: State) -> None:
        self.state = state

    def _activity(self, request: BillRequest) -> tuple[list[Order], list[Refund]]:
        """The day's payments and refunds of one merchant, each in time order."""
        mch_id, start, end = request.mch_id, request.start, request.end
        orders = sorted(
            (
                o
                for o in self.state.orders.values()
                if o.mch_id == mch_id and o.env == request.env and o.time_end is not None and start <= o.time_end < end
            ),
            key=lambda o: o.time_end or 0,
        )
        refunds = sorted(
            (
                r
                for r in self.state.refunds.values()
                if r.mch_id == mch_id and r.env == request.env and start <= r.created_at < end
            ),
            key=lambda r: r.created_at,
        )
        return orders, refunds

    def bill(self, request: BillRequest) -> Bill:
        """The trade bill of one merchant's Beijing day; DomainError NO_BILL when nothing happened that day."""
        bill_type, mch_id = request.bill_type, request.mch_id
        orders, refunds = self._activity(request)
        if bill_type == "RECHARGE_REFUND":
            refunds = [r for r in refunds if r.refund_account == "REFUND_SOURCE_RECHARGE_FUNDS"]
        rows: list[tuple[list[str], int, int, int, int, int]] = []  # cells, settled, refunded, fee, ordered, asked
        if bill_type in ("ALL", "SUCCESS"):
            rows += [self._payment_row(o, bill_type) for o in orders]
        if bill_type != "SUCCESS":
            rows += [self._refund_row(r, bill_type) for r in refunds]
        if not rows:
            raise DomainError("NO_BILL", f"merchant {mch_id} has no {bill_type} activity on {request.date}")
        lines = [HEADERS[bill_type]]
        lines += [_cells(row[0]) for row in rows]
        totals = [sum(row[i] for row in rows) for i in range(1, 6)]
        lines.append(SUMMARY_HEADER)
        summary = [
            str(len(rows)),
            yuan(totals[0]),
            yuan(totals[1]),
            "0.00",
            fee_text(totals[2]),
            yuan(totals[3]),
            yuan(totals[4]),
        ]
        lines.append(_cells(summary))
        return _bill(lines, request.gzip)

    def fund_flow(self, request: BillRequest) -> Bill:
        """The fund flow bill of one merchant's Beijing day (API v3 fundflowbill): every payment in,
        every refund out, with the running balance of the basic account."""
        orders, refunds = self._activity(request)
        moves = [(o.time_end or 0.0, o.transaction_id, "交易", "收入", o.total_fee, o.out_trade_no) for o in orders]
        moves += [(r.created_at, r.refund_id, "退款", "支出", r.refund_fee, r.out_refund_no) for r in refunds]
        if not moves:
            raise DomainError("NO_BILL", f"merchant {request.mch_id} has no fund movement on {request.date}")
        moves.sort()
        lines, balance = [FUND_FLOW_HEADER], 0
        for n, (at, business_id, kind, direction, fen, voucher) in enumerate(moves, 1):
            balance += fen if direction == "收入" else -fen
            flow_id = f"{request.date}{n:010d}"
            cells = [
                to_dashed(at),
                business_id,
                flow_id,
                kind,
                kind,
                direction,
                yuan(fen),
                yuan(balance),
                "系统",
                "",
                voucher,
            ]
            lines.append(_cells(cells))
        income = [m for m in moves if m[3] == "收入"]
        spent = [m for m in moves if m[3] == "支出"]
        lines.append(FUND_FLOW_SUMMARY)
        totals = [len(moves), len(income), yuan(sum(m[4] for m in income)), len(spent), yuan(sum(m[4] for m in spent))]
        lines.append(_cells([str(t) for t in totals]))
        return _bill(lines, request.gzip)

    def _common(self, order: Order, state: str, settled: int) -> list[str]:
        return [
            to_dashed(order.time_end or 0),
            order.appid,
            order.mch_id,
            "0",
            order.device_info,
            order.transaction_id,
            order.out_trade_no,
            order.payer_openid,
            order.trade_type,
            state,
            order.bank_type,
            order.fee_type,
            yuan(settled),
            "0.00",
        ]

    def _payment_row(self, order: Order, bill_type: str) -> tuple[list[str], int, int, int, int, int]:
        fee = fee_of(order.total_fee)
        cells = self._common(order, "SUCCESS", order.total_fee)
        if bill_type == "ALL":
            cells += ["0", "0", "0.00", "0.00", "", "", order.body, order.attach, fee_text(fee), RATE]
            cells += [yuan(order.total_fee), "0.00", ""]
        else:
            cells += [order.body, order.attach, fee_text(fee), RATE, yuan(order.total_fee), ""]
        return cells, order.total_fee, 0, fee, order.total_fee, 0

    def _refund_row(self, refund: Refund, bill_type: str) -> tuple[list[str], int, int, int, int, int]:
        order = self.state.orders[refund.order_key]
        fee = -fee_of(refund.refund_fee)
        status = "SUCCESS" if refund.refund_status == RefundStatus.SUCCESS else refund.refund_status
        refund_cells = [refund.refund_id, refund.out_refund_no, yuan(refund.refund_fee), "0.00", "ORIGINAL", status]
        tail = [order.body, order.attach, fee_text(fee), RATE, "0.00", yuan(refund.refund_fee), ""]
        cells = self._common(order, "REFUND", 0)
        if bill_type == "ALL":
            cells[0] = to_dashed(refund.created_at)
            cells += refund_cells + tail
        else:
            success = to_dashed(refund.success_time) if refund.success_time else ""
            cells += [to_dashed(refund.created_at), success, *refund_cells, *tail]
        return cells, 0, refund.refund_fee, fee, 0, refund.refund_fee
