"""Alipay royalty settlement (商家分账, direct merchant) for the fake gateway: FakeAlipay's mixin.

The server APIs it adds (FakeAlipay.gateway dispatches them through ROYALTY_APIS):
- alipay.trade.royalty.relation.bind: binds receivers (userId 2088... or loginName) the fake knows
  (`add_known_account`); the name, when given (always for a loginName), must be the holder's.
- alipay.trade.order.settle: sends part of a paid trade to a bound receiver, synchronously; the same
  out_request_no answers the same settle_no again and moves nothing twice.
- alipay.trade.order.settle.query: one settle's royalty_detail_list (by settle_no, or out_request_no
  and trade_no).
- alipay.trade.refund carrying refund_royalty_parameters and refund_amount 0 (FakeAlipay._refund hands
  it here): a royalty taken back from its receiver, no money to the buyer. Modelled on the refund
  interface's "仅退分账" (return the royalty only) mode, which Alipay documents for 直付通; for a direct
  merchant's 商家分账 real Alipay takes refund_royalty_parameters only with a refund to the buyer.
- alipay.data.dataservice.bill.downloadurl.query: a bill_download_url (valid 30 s) serving a zip with
  one GBK CSV of the day's settles (the # header and footer lines of Alipay's bills, but our own
  simplified columns: 分账单号, 商户请求号, 支付宝交易号, ..., 状态, 分账时间).

Refusals use Alipay's sub_codes where known (ACQ.TRADE_NOT_EXIST, ACQ.TRADE_STATUS_ERROR,
ACQ.ALLOC_AMOUNT_VALIDATE_ERROR, isp.bill_not_exist); ACQ.USER_NOT_EXIST and
ACQ.ROYALTY_RECEIVER_INVALID come from third-party lists of the royalty codes, and a name that does not
match is answered ACQ.INVALID_PARAMETER (Alipay's exact sub_code for it is not documented where we looked).

It imports nothing from the fake (which imports it): refusals are raised as `self.Refusal` (FakeError).
"""
from __future__ import annotations

import csv
import io
import re
import secrets
import threading
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

SHANGHAI = timezone(timedelta(hours=8))
BILL_PATH = "/downloadBillFile.resource"  # as on dwbillcenter.alipay.com
BILL_TTL = 30  # seconds a bill_download_url stays valid
ROYALTY_APIS = {
    "alipay.trade.royalty.relation.bind": "_royalty_bind",
    "alipay.trade.order.settle": "_order_settle",
    "alipay.trade.order.settle.query": "_order_settle_query",
    "alipay.data.dataservice.bill.downloadurl.query": "_bill_downloadurl_query",
}
BILL_COLUMNS = ("分账单号", "商户请求号", "支付宝交易号", "商户订单号", "分账收入方", "分账金额（元）", "状态",
                "分账时间")
STATES = {"SUCCESS": "成功", "RETURNED": "已退回"}  # the bill's words for a settle's state
_REQUEST_NO = re.compile(r"[A-Za-z0-9_]{1,64}")
_USER_ID = re.compile(r"2088\d{12}")
_AMOUNT = re.compile(r"(0|[1-9]\d{0,8})(\.\d{1,2})?")

Reply = tuple[int, str, bytes, dict[str, str]]


def _minor(amount: Any) -> int | None:
    text = str(amount)
    return int(Decimal(text) * 100) if _AMOUNT.fullmatch(text) else None


def _yuan(amount_minor: int) -> str:
    return f"{amount_minor // 100}.{amount_minor % 100:02d}"


def _beijing(unix: float) -> str:
    return datetime.fromtimestamp(unix, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


class RoyaltyMixin:
    """Receivers, settles, royalty returns and bills; FakeAlipay provides the attributes below."""

    Refusal: Callable[..., Exception]
    trades: dict[str, dict]
    clock: Callable[[], float]
    seller_id: str
    base: str
    _lock: threading.Lock
    _find: Callable[..., dict]

    def _init_royalty(self) -> None:
        self.accounts: dict[str, dict] = {}  # Alipay accounts the fake knows, by userId
        self.receivers: dict[str, dict] = {}  # bound receivers, by userId: type, account, name, memo
        self.splits: dict[str, dict] = {}  # settles, by out_request_no (our split_no)
        self.split_returns: dict[str, dict] = {}  # royalty returns, by the refund's out_request_no
        self.royalty_max_ratio = 100  # percent of a trade that may be settled (Alipay's is set per merchant)
        self.bills_for_today = True  # Alipay has no bill before the next day; the fake serves today's too
        self._bills: dict[str, tuple[float, str, bytes]] = {}  # fileId: expiry, file name, zip
        self.add_known_account("2088101126765726", "owner@liangshan.example", "凉山森林恢复有限公司")

    def add_known_account(self, user_id: str, login_name: str, name: str) -> None:
        """An Alipay account that exists (and so can be bound as a receiver)."""
        self.accounts[user_id] = {"user_id": user_id, "login_name": login_name, "name": name}

    def _account(self, kind: str, account: str) -> dict | None:
        if kind == "userId":
            return self.accounts.get(account)
        if kind == "loginName":
            return next((a for a in self.accounts.values() if a["login_name"] == account), None)
        raise self.Refusal("ACQ.INVALID_PARAMETER", f"分账方类型 {kind} 不支持 (userId, loginName)")

    # --- binding ---------------------------------------------------------------
    def _royalty_bind(self, params: dict[str, str], biz: dict) -> dict:
        receivers = biz.get("receiver_list")
        if not _REQUEST_NO.fullmatch(str(biz.get("out_request_no", ""))) or len(biz["out_request_no"]) > 32:
            raise self.Refusal("ACQ.INVALID_PARAMETER", "out_request_no 只能包含字母、数字、下划线, 32 个字符以内")
        if not isinstance(receivers, list) or not receivers or len(receivers) > 20:
            raise self.Refusal("ACQ.INVALID_PARAMETER", "receiver_list 须有 1 至 20 个分账接收方")
        found = []
        for receiver in receivers:
            kind, account, name = receiver.get("type", ""), str(receiver.get("account", "")), receiver.get("name")
            if kind == "userId" and not _USER_ID.fullmatch(account):
                raise self.Refusal("ACQ.INVALID_PARAMETER", "userId 为 2088 开头的 16 位数字")
            if kind == "loginName" and not name:
                raise self.Refusal("ACQ.INVALID_PARAMETER", "分账方类型为 loginName 时 name 必填")
            known = self._account(kind, account)
            if known is None:
                raise self.Refusal("ACQ.USER_NOT_EXIST", "分账接收方不存在")
            if name and name != known["name"]:
                raise self.Refusal("ACQ.INVALID_PARAMETER", "分账接收方姓名不匹配")
            found.append((known, receiver))
        for known, receiver in found:  # all or nothing
            self.receivers[known["user_id"]] = {"type": receiver["type"], "account": receiver["account"],
                                                "name": receiver.get("name") or "", "memo": receiver.get("memo", ""),
                                                "bind_login_name": known["login_name"]}
        return {"result_code": "SUCCESS"}

    # --- settling ----------------------------------------------------------------
    def _settled(self, trade_no: str) -> int:
        return sum(s["amount_minor"] - s["returned_minor"] for s in self.splits.values() if s["trade_no"] == trade_no)

    def _order_settle(self, params: dict[str, str], biz: dict) -> dict:
        request_no, parts = str(biz.get("out_request_no", "")), biz.get("royalty_parameters")
        if not _REQUEST_NO.fullmatch(request_no):
            raise self.Refusal("ACQ.INVALID_PARAMETER", "out_request_no 只能包含字母、数字、下划线")
        if not biz.get("trade_no"):
            raise self.Refusal("ACQ.INVALID_PARAMETER", "缺少 trade_no")
        if not isinstance(parts, list) or not parts:
            raise self.Refusal("ACQ.INVALID_PARAMETER", "缺少 royalty_parameters")
        done = self.splits.get(request_no)
        if done is not None:  # the same request again: the same answer, and no money moves
            if done["trade_no"] != biz["trade_no"] or done["parameters"] != parts:
                raise self.Refusal("ACQ.CONTEXT_INCONSISTENT", "请求信息与已有分账不一致")
            return {"trade_no": done["trade_no"], "settle_no": done["settle_no"]}
        trade = self._find({"trade_no": biz["trade_no"]})
        if not trade["gmt_payment"]:
            raise self.Refusal("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        legs = []
        for part in parts:
            amount = _minor(part.get("amount", ""))
            if part.get("royalty_type", "transfer") != "transfer" or not amount:
                raise self.Refusal("ACQ.INVALID_PARAMETER", "royalty_type 须为 transfer, amount 须为正数 (元)")
            known = self._account(part.get("trans_in_type", "userId"), str(part.get("trans_in", "")))
            if known is None or known["user_id"] not in self.receivers:
                raise self.Refusal("ACQ.ROYALTY_RECEIVER_INVALID", "收入方不在分账关系内")
            legs.append((known, amount))
        total = sum(amount for _, amount in legs)
        ceiling = trade["amount_minor"] * self.royalty_max_ratio // 100
        if total > min(ceiling, trade["amount_minor"] - trade["refunded_minor"]) - self._settled(trade["trade_no"]):
            raise self.Refusal("ACQ.ALLOC_AMOUNT_VALIDATE_ERROR", "分账金额超过最大可分账金额")
        now = self.clock()
        settle_no = datetime.fromtimestamp(now, SHANGHAI).strftime("%Y%m%d") + "0025300" + "".join(
            secrets.choice("0123456789") for _ in range(17))
        self.splits[request_no] = {
            "settle_no": settle_no, "out_request_no": request_no, "trade_no": trade["trade_no"],
            "out_trade_no": trade["out_trade_no"], "parameters": parts, "amount_minor": total,
            "trans_in": [(known["user_id"], amount) for known, amount in legs], "returned_minor": 0,
            "state": "SUCCESS", "time": _beijing(now),
            "royalty_finish": (biz.get("extend_params") or {}).get("royalty_finish") == "true",
        }
        return {"trade_no": trade["trade_no"], "settle_no": settle_no}

    def _order_settle_query(self, params: dict[str, str], biz: dict) -> dict:
        split = next((s for s in self.splits.values() if s["settle_no"] == biz.get("settle_no") or (
            s["out_request_no"] == biz.get("out_request_no") and s["trade_no"] == biz.get("trade_no"))), None)
        if split is None:
            raise self.Refusal("ACQ.TRADE_NOT_EXIST", "分账单不存在")
        return {"out_request_no": split["out_request_no"], "operation_dt": split["time"], "royalty_detail_list": [
            {"operation_type": "transfer", "execute_dt": split["time"], "trans_out": self.seller_id,
             "trans_out_type": "userId", "trans_in": user_id, "trans_in_type": "userId", "amount": _yuan(amount),
             "state": "SUCCESS", "detail_id": split["settle_no"] + str(n)}
            for n, (user_id, amount) in enumerate(split["trans_in"])]}

    # --- returning (FakeAlipay._refund hands over a refund with refund_royalty_parameters) ---------
    def _royalty_return(self, params: dict[str, str], biz: dict) -> dict:
        trade = self._find(biz)
        request_no, parts = str(biz.get("out_request_no", "")), biz["refund_royalty_parameters"]
        if not _REQUEST_NO.fullmatch(request_no):
            raise self.Refusal("ACQ.INVALID_PARAMETER", "out_request_no 只能包含字母、数字、下划线")
        if _minor(biz.get("refund_amount", "")) != 0:
            raise self.Refusal("ACQ.INVALID_PARAMETER", "假网关只退分账: refund_amount 须为 0 (the fake takes "
                               "refund_royalty_parameters only to return a royalty, not with a refund)")
        done = self.split_returns.get(request_no)
        if done is not None:
            if done["parameters"] != parts:
                raise self.Refusal("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
            return {**done["content"], "fund_change": "N"}
        if not isinstance(parts, list) or not parts:
            raise self.Refusal("ACQ.INVALID_PARAMETER", "refund_royalty_parameters 为空")
        takes = []
        for part in parts:
            amount = _minor(part.get("amount", ""))
            known = self._account(part.get("trans_out_type", "userId"), str(part.get("trans_out", "")))
            if part.get("royalty_type", "transfer") != "transfer" or not amount or known is None:
                raise self.Refusal("ACQ.INVALID_PARAMETER", "退分账参数有误")
            # What this receiver got from this trade and still has: the settles' legs to it, less returns.
            splits = [s for s in self.splits.values() if s["trade_no"] == trade["trade_no"]
                      and any(user_id == known["user_id"] for user_id, _ in s["trans_in"])]
            if amount > sum(s["amount_minor"] - s["returned_minor"] for s in splits):
                raise self.Refusal("ACQ.INVALID_PARAMETER", "退分账金额超过已分账金额")
            takes.append((splits, amount))
        for splits, amount in takes:
            for split in splits:
                taken = min(amount, split["amount_minor"] - split["returned_minor"])
                split["returned_minor"] += taken
                amount -= taken
                if split["returned_minor"] == split["amount_minor"]:
                    split["state"] = "RETURNED"
        content = {"trade_no": trade["trade_no"], "out_trade_no": trade["out_trade_no"],
                   "buyer_logon_id": "159****5620", "buyer_user_id": trade["buyer_id"], "fund_change": "Y",
                   "refund_fee": _yuan(trade["refunded_minor"]), "gmt_refund_pay": _beijing(self.clock())}
        self.split_returns[request_no] = {"parameters": parts, "content": content, "trade_no": trade["trade_no"],
                                          "time": content["gmt_refund_pay"]}
        return content

    # --- the bill ------------------------------------------------------------------
    def _bill_downloadurl_query(self, params: dict[str, str], biz: dict) -> dict:
        bill_type, bill_date = biz.get("bill_type"), str(biz.get("bill_date", ""))
        if bill_type not in ("trade", "signcustomer"):
            raise self.Refusal("isv.invalid-parameter", "bill_type 须为 trade 或 signcustomer", "40002",
                               "Invalid Arguments")
        try:
            day = date.fromisoformat(bill_date) if len(bill_date) == 10 else None
        except ValueError:
            day = None
        if day is None:
            raise self.Refusal("isv.invalid-parameter", "bill_date 格式为 yyyy-MM-dd (假网关无月账单)", "40002",
                               "Invalid Arguments")
        today = datetime.fromtimestamp(self.clock(), SHANGHAI).date()
        if day > today or (day == today and not self.bills_for_today):
            raise self.Refusal("isp.bill_not_exist", "账单不存在")
        file_id = secrets.token_hex(12)
        name = f"{self.seller_id}0156_{day:%Y%m%d}.csv.zip"
        self._bills[file_id] = (self.clock() + BILL_TTL, name, self._bill_zip(day))
        query = urlencode({"bizType": bill_type, "userId": self.seller_id, "fileType": "csv.zip",
                           "bizDates": f"{day:%Y%m%d}", "downloadFileName": name, "fileId": file_id})
        return {"bill_download_url": f"{self.base}{BILL_PATH}?{query}"}

    def _bill_zip(self, day: date) -> bytes:
        rows = [s for s in self.splits.values() if s["time"].startswith(day.isoformat())]
        text = io.StringIO()
        end = day + timedelta(days=1)
        text.write(f"#支付宝分账明细查询\r\n#账号：[{self.seller_id}]\r\n"
                   f"#起始日期：[{day:%Y年%m月%d日} 00:00:00]   终止日期：[{end:%Y年%m月%d日} 00:00:00]\r\n"
                   "#-----------------------------------------分账明细列表----------------------------------------\r\n")
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow(BILL_COLUMNS)
        for split in sorted(rows, key=lambda s: s["time"]):
            # As in Alipay's bills, long numbers end with a tab (so spreadsheets keep them as text).
            writer.writerow([split["settle_no"] + "\t", split["out_request_no"] + "\t", split["trade_no"] + "\t",
                             split["out_trade_no"] + "\t", ";".join(u for u, _ in split["trans_in"]),
                             _yuan(split["amount_minor"]), STATES[split["state"]], split["time"]])
        text.write("#-----------------------------------------分账明细列表结束------------------------------------\r\n"
                   f"#分账合计：笔数{len(rows)}，金额{_yuan(sum(s['amount_minor'] for s in rows))}\r\n"
                   f"#导出时间：[{_beijing(self.clock())}]\r\n")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{self.seller_id}0156_{day:%Y%m%d}_分账明细.csv", text.getvalue().encode("gbk"))
        return buffer.getvalue()

    def _bill_download(self, params: dict[str, str]) -> Reply:
        with self._lock:
            expires, name, body = self._bills.get(params.get("fileId", ""), (0.0, "", b""))
        if not body or self.clock() > expires:
            return 404, "text/plain", "账单文件不存在或链接已过期".encode(), {}
        return 200, "application/oct-stream", body, {"Content-Disposition": f"attachment; filename={name}"}
