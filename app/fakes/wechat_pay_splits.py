"""WeChat Pay profit sharing (分账, direct merchant) for the fake: a mixin FakeWeChatPay inherits.

Endpoints (API v3, signed and verified like the rest of the fake's API):
POST /v3/profitsharing/receivers/add, POST /v3/profitsharing/orders, GET /v3/profitsharing/orders/{out_order_no},
POST /v3/profitsharing/return-orders, GET /v3/profitsharing/bills (the day's profit-sharing bill) and
GET /v3/billdownload/file?token=... (the bill itself: CSV, gzipped for tar_type=GZIP, unsigned as WeChat's are).

What it checks, as WeChat Pay does: a merchant receiver's name (RSA-OAEP encrypted with the platform
public key, Wechatpay-Serial naming that key) must match the merchant's registered name; a split needs
a paid payment ordered with settle_info.profit_sharing, receivers added beforehand, and no more than
is left of the payment; unfreeze_unsplit ends the payment's splitting (one split per payment); the
same out_order_no / out_return_no again gets the same answer and moves no money twice. Splits finish
at once (state FINISHED, result SUCCESS); WeChat's are asynchronous (PROCESSING, PENDING first).
"""
from __future__ import annotations

import base64
import csv
import gzip
import hashlib
import io
import json
import re
import secrets
import string
import time
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

if TYPE_CHECKING:
    from .wechat_pay import Reply

CHINA = timezone(timedelta(hours=8))
OUT_ORDER_NO = re.compile(r"[0-9A-Za-z_\-|*@]{1,64}")
RECEIVER_TYPES = ("MERCHANT_ID", "PERSONAL_OPENID")
RELATION_TYPES = ("STORE", "STAFF", "STORE_OWNER", "PARTNER", "HEADQUARTER", "BRAND", "DISTRIBUTOR", "USER",
                  "SUPPLIER", "CUSTOM")
KNOWN_MERCHANT = ("1900000109", "凉山森林恢复有限公司")  # a merchant WeChat Pay knows, for tests and `make run`
BILL_TTL = 30  # seconds a bill's download_url works
BILL_HEADER = ["分账发起时间", "分账方商户号", "分账订单号", "商户分账单号", "微信订单号", "分账接收方", "分账金额(元)",
               "业务类型", "处理状态", "分账描述", "商户回退单号", "微信回退单号"]
BILL_SUMMARY = ["分账笔数", "分账金额(元)", "分账回退笔数", "分账回退金额(元)"]


def _digits(n: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(n))


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _when(at: float) -> datetime:
    return datetime.fromtimestamp(at, CHINA)


def rfc3339(at: float) -> str:
    return _when(at).isoformat(timespec="seconds")


def refused(status: int, code: str, message: str) -> Exception:
    """The fake's ApiError (imported at call time: wechat_pay.py imports this module)."""
    from .wechat_pay import ApiError
    return ApiError(status, code, message)


class SplitsMixin:
    """Receivers, splits (分账单, by out_order_no) and returns (回退单, by out_return_no), in memory."""

    # provided by FakeWeChatPay
    appid: str
    mchid: str
    base: str
    platform_key: Any
    public_key_id: str
    payments: dict[str, dict[str, Any]]

    def _init_splits(self) -> None:
        self.known_merchants: dict[str, str] = {KNOWN_MERCHANT[0]: KNOWN_MERCHANT[1]}  # account -> full name
        self.known_openids: dict[str, str] = {}  # openid -> real name ("": unchecked); the payer's is added
        self.receivers: dict[tuple[str, str], dict[str, Any]] = {}  # (type, account) -> what was added
        self.splits: dict[str, dict[str, Any]] = {}  # by out_order_no: the answer, plus "created"
        self.returns: dict[str, dict[str, Any]] = {}  # by out_return_no: the answer, plus "created"
        self.max_ratio: float | None = None  # WeChat caps a split at a share of the payment (30% by default)
        self._bills: dict[str, tuple[bytes, float]] = {}  # download token -> file, issued

    def add_known_merchant(self, account: str, name: str) -> None:
        """A merchant WeChat Pay knows (its 商户号 and registered full name)."""
        self.known_merchants[account] = name

    def add_known_openid(self, openid: str, name: str = "") -> None:
        self.known_openids[openid] = name

    # --- routing (from FakeWeChatPay._api and .dispatch) ----------------------------------------
    def _profitsharing(self, method: str, url: SplitResult, headers: dict[str, str], body: bytes
                       ) -> tuple[int, dict[str, Any] | None]:
        try:
            req = json_body(body)
        except ValueError as exc:
            raise refused(400, "PARAM_ERROR", str(exc)) from None
        path, query = url.path, dict(parse_qsl(url.query))
        if method == "POST" and path == "/v3/profitsharing/receivers/add":
            return 200, self._add_receiver(req, headers)
        if method == "POST" and path == "/v3/profitsharing/orders":
            return 200, self._split(req)
        if method == "GET" and (m := re.fullmatch(r"/v3/profitsharing/orders/([^/]+)", path)):
            found = self.splits.get(m[1])
            if found is None or found["transaction_id"] != query.get("transaction_id"):
                raise refused(404, "RESOURCE_NOT_EXISTS", "分账单不存在")
            return 200, public(found)
        if method == "POST" and path == "/v3/profitsharing/return-orders":
            return 200, self._return(req)
        if method == "GET" and path == "/v3/profitsharing/bills":
            return 200, self._bill(query)
        raise refused(404, "NOT_FOUND", "无效的请求URL")

    def _download(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        """GET /v3/billdownload/file?token=...: the bill, unsigned (the SDK skips verifying it)."""
        problem = self._check_authorization(method, target, headers, body)  # type: ignore[attr-defined]
        if problem:
            return self._signed(401, {"code": "SIGN_ERROR", "message": problem})  # type: ignore[attr-defined]
        token = dict(parse_qsl(urlsplit(target).query)).get("token", "")
        found = self._bills.get(token)
        if method != "GET" or found is None or time.time() - found[1] > BILL_TTL:
            return self._signed(400, {"code": "INVALID_REQUEST", "message": "下载链接已失效"})  # type: ignore[attr-defined]
        return 200, {"Content-Type": "application/octet-stream"}, found[0]

    # --- receivers -------------------------------------------------------------------------------
    def _add_receiver(self, req: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        if req.get("appid") != self.appid:
            raise refused(400, "PARAM_ERROR", "appid与商户号不匹配")
        kind, account = req.get("type"), str(req.get("account") or "")
        if kind not in RECEIVER_TYPES or not account:
            raise refused(400, "PARAM_ERROR", "分账接收方类型或账号不合法")
        if req.get("relation_type") not in RELATION_TYPES:
            raise refused(400, "PARAM_ERROR", "relation_type 不合法")
        if req["relation_type"] == "CUSTOM" and not req.get("custom_relation"):
            raise refused(400, "PARAM_ERROR", "relation_type 为 CUSTOM 时须填写 custom_relation")
        name = self._decrypt_name(req.get("name"), headers)
        if kind == "MERCHANT_ID":
            if account == self.mchid:
                raise refused(400, "INVALID_REQUEST", "不能添加分账方自己为分账接收方")
            if account not in self.known_merchants:
                raise refused(400, "PARAM_ERROR", "分账接收方商户号不存在")
            if not name:
                raise refused(400, "PARAM_ERROR", "接收方类型为 MERCHANT_ID 时须填写 name (商户全称)")
            if name != self.known_merchants[account]:
                raise refused(400, "PARAM_ERROR", "分账接收方全称与商户号不匹配")
        else:
            known = self.known_openids.get(account)
            if known is None:
                raise refused(400, "PARAM_ERROR", "openid 与 appid 不匹配")
            if name and known and name != known:
                raise refused(400, "PARAM_ERROR", "分账接收方姓名与 openid 不匹配")
        self.receivers[(kind, account)] = {"type": kind, "account": account, "name": name,
                                           "relation_type": req["relation_type"],
                                           "custom_relation": req.get("custom_relation")}
        answer = {"type": kind, "account": account, "relation_type": req["relation_type"]}
        if req.get("custom_relation"):
            answer["custom_relation"] = req["custom_relation"]
        return answer

    def _decrypt_name(self, cipher: Any, headers: dict[str, str]) -> str:
        if not cipher:
            return ""
        if headers.get("wechatpay-serial") != self.public_key_id:
            raise refused(400, "PARAM_ERROR", "Wechatpay-Serial 与加密敏感信息所用的微信支付公钥不匹配")
        try:
            return str(self.platform_key.decrypt(base64.b64decode(cipher), padding.OAEP(
                mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None)).decode())
        except Exception:  # not base64, not ours, not UTF-8
            raise refused(400, "PARAM_ERROR", "敏感信息解密失败") from None

    # --- splits ----------------------------------------------------------------------------------
    def _split(self, req: dict[str, Any]) -> dict[str, Any]:
        if req.get("appid") != self.appid:
            raise refused(400, "PARAM_ERROR", "appid与商户号不匹配")
        out_order_no = str(req.get("out_order_no") or "")
        if not OUT_ORDER_NO.fullmatch(out_order_no) or not req.get("transaction_id"):
            raise refused(400, "PARAM_ERROR", "transaction_id 或 out_order_no 不合法")
        if out_order_no in self.splits:
            return public(self.splits[out_order_no])  # the same split again: no second split
        receivers = req.get("receivers")
        if not isinstance(receivers, list) or not 0 < len(receivers) <= 50 or not isinstance(
                req.get("unfreeze_unsplit"), bool):
            raise refused(400, "PARAM_ERROR", "receivers 须为1-50个接收方, unfreeze_unsplit 必填")
        for r in receivers:
            if not (isinstance(r, dict) and isinstance(r.get("amount"), int) and r["amount"] > 0
                    and r.get("description") and r.get("type") in RECEIVER_TYPES and r.get("account")):
                raise refused(400, "PARAM_ERROR", "分账接收方的 type、account、amount、description 不合法")
        payment = next((p for p in self.payments.values() if p["transaction_id"] == req["transaction_id"]), None)
        if payment is None:
            raise refused(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if payment["trade_state"] not in ("SUCCESS", "REFUND"):
            raise refused(400, "INVALID_REQUEST", "订单未支付成功，不能分账")
        if not (payment["request"][1].get("settle_info") or {}).get("profit_sharing"):
            raise refused(400, "INVALID_REQUEST", "订单不支持分账")
        done = [s for s in self.splits.values() if s["transaction_id"] == req["transaction_id"]]
        if any(s["unfreeze_unsplit"] for s in done):
            raise refused(400, "INVALID_REQUEST", "该订单已完成分账(剩余资金已解冻)")
        for r in receivers:
            if (r["type"], r["account"]) not in self.receivers:
                raise refused(400, "RECEIVER_INVALID", f"分账接收方 {r['account']} 未添加")
        amount = sum(r["amount"] for r in receivers)
        split_before = sum(r["amount"] for s in done for r in s["receivers"])
        if amount > payment["total"] - payment["refunded"] - split_before:
            raise refused(400, "NOT_ENOUGH", "分账金额超出订单剩余可分账金额")
        if self.max_ratio is not None and amount + split_before > payment["total"] * self.max_ratio:
            raise refused(400, "INVALID_REQUEST", "分账金额超出最大分账比例")
        now, order_id = time.time(), "3008" + _digits(24)
        self.splits[out_order_no] = {
            "transaction_id": req["transaction_id"], "out_order_no": out_order_no, "order_id": order_id,
            "state": "FINISHED", "unfreeze_unsplit": req["unfreeze_unsplit"], "created": now,
            "receivers": [{"amount": r["amount"], "description": r["description"], "type": r["type"],
                           "account": r["account"], "result": "SUCCESS", "detail_id": "3601" + _digits(20),
                           "create_time": rfc3339(now), "finish_time": rfc3339(now), "returned": 0}
                          for r in receivers]}
        return public(self.splits[out_order_no])

    def _return(self, req: dict[str, Any]) -> dict[str, Any]:
        out_return_no = str(req.get("out_return_no") or "")
        if not OUT_ORDER_NO.fullmatch(out_return_no):
            raise refused(400, "PARAM_ERROR", "out_return_no 不合法")
        if out_return_no in self.returns:
            return public(self.returns[out_return_no])  # the same return again: taken back once
        if not (isinstance(req.get("amount"), int) and req["amount"] > 0 and req.get("description")
                and req.get("return_mchid")):
            raise refused(400, "PARAM_ERROR", "amount、description、return_mchid 必填")
        split = next((s for s in self.splits.values() if (req.get("order_id") and s["order_id"] == req["order_id"])
                      or (req.get("out_order_no") and s["out_order_no"] == req["out_order_no"])), None)
        if split is None:
            raise refused(404, "RESOURCE_NOT_EXISTS", "分账单不存在")
        receiver = next((r for r in split["receivers"]
                         if r["type"] == "MERCHANT_ID" and r["account"] == req["return_mchid"]), None)
        if receiver is None:
            raise refused(400, "PARAM_ERROR", "回退商户号不是该分账单的商户接收方")
        if req["amount"] > receiver["amount"] - receiver["returned"]:
            raise refused(400, "INVALID_REQUEST", "回退金额超过可回退金额")
        receiver["returned"] += req["amount"]
        now = time.time()
        self.returns[out_return_no] = {
            "order_id": split["order_id"], "out_order_no": split["out_order_no"], "out_return_no": out_return_no,
            "return_id": "3008" + _digits(24), "return_mchid": req["return_mchid"], "amount": req["amount"],
            "description": req["description"], "result": "SUCCESS", "create_time": rfc3339(now),
            "finish_time": rfc3339(now), "created": now}
        return public(self.returns[out_return_no])

    # --- the bill --------------------------------------------------------------------------------
    def _bill(self, query: dict[str, str]) -> dict[str, Any]:
        day, tar_type = query.get("bill_date", ""), query.get("tar_type", "")
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) or tar_type not in ("", "GZIP"):
            raise refused(400, "PARAM_ERROR", "bill_date 须为 YYYY-MM-DD, tar_type 须为 GZIP 或不填")
        text = self.bill_text(day)
        if text is None:
            raise refused(400, "NO_STATEMENT_EXIST", "账单文件不存在")
        data = text.encode()
        token = secrets.token_urlsafe(24)
        self._bills[token] = (gzip.compress(data) if tar_type == "GZIP" else data, time.time())
        return {"hash_type": "SHA1", "hash_value": hashlib.sha1(data).hexdigest(),
                "download_url": f"{self.base}/v3/billdownload/file?token={token}"}

    def bill_text(self, day: str) -> str | None:
        """The day's profit-sharing bill (Beijing time): a row per split receiver (分账) and per return
        (分账回退), every value prefixed with `, then a summary; None when the day has none."""
        rows: list[list[str]] = []
        splits_by_id = {s["order_id"]: s for s in self.splits.values()}
        for s in self.splits.values():
            if _when(s["created"]).date().isoformat() != day:
                continue
            for r in s["receivers"]:
                if r["result"] == "SUCCESS":
                    rows.append([_when(s["created"]).strftime("%Y-%m-%d %H:%M:%S"), self.mchid, s["order_id"],
                                 s["out_order_no"], s["transaction_id"], r["account"], _yuan(r["amount"]), "分账",
                                 "SUCCESS", r["description"], "", ""])
        for ret in self.returns.values():
            if _when(ret["created"]).date().isoformat() != day or ret["result"] != "SUCCESS":
                continue
            split = splits_by_id[ret["order_id"]]
            rows.append([_when(ret["created"]).strftime("%Y-%m-%d %H:%M:%S"), self.mchid, ret["order_id"],
                         ret["out_order_no"], split["transaction_id"], ret["return_mchid"], _yuan(ret["amount"]),
                         "分账回退", "SUCCESS", ret["description"], ret["out_return_no"], ret["return_id"]])
        if not rows:
            return None
        rows.sort(key=lambda row: row[0])
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(BILL_HEADER)
        writer.writerows([["`" + value for value in row] for row in rows])
        splits = [int(row[6].replace(".", "")) for row in rows if row[7] == "分账"]
        returns = [int(row[6].replace(".", "")) for row in rows if row[7] == "分账回退"]
        writer.writerow(BILL_SUMMARY)
        writer.writerow(["`" + str(len(splits)), "`" + _yuan(sum(splits)), "`" + str(len(returns)),
                         "`" + _yuan(sum(returns))])
        return out.getvalue()


def json_body(body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        raise ValueError("请求体不是合法的JSON") from None
    if not isinstance(data, dict):
        raise ValueError("请求体不是JSON对象")
    return data


def public(record: dict[str, Any]) -> dict[str, Any]:
    """A split or return as WeChat Pay answers it (without the fake's own bookkeeping)."""
    answer = {k: v for k, v in record.items() if k not in ("created", "unfreeze_unsplit")}
    if "receivers" in answer:
        answer["receivers"] = [{k: v for k, v in r.items() if k != "returned"} for r in answer["receivers"]]
    return answer
