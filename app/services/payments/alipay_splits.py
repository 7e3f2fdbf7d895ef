"""Alipay royalty settlement (商家分账, direct merchant): the owner's share of a paid trade sent to the
owner's Alipay account. AlipayProvider's split methods delegate here (alipay.py would pass 600 lines).

- add_receiver: alipay.trade.royalty.relation.bind (Alipay checks the account exists and, when a name
  is given, that it is the holder's; a loginName must come with its name).
- split: alipay.trade.order.settle of one transfer leg to the receiver, extend_params.royalty_finish
  "true" (nothing more will be settled from the trade); out_request_no is the split_no, so asking again
  returns the same settle_no and moves nothing twice. The split id is Alipay's settle_no.
- return_split: alipay.trade.refund with refund_amount 0 and refund_royalty_parameters naming the
  receiver (trans_out) and the amount: the royalty taken back, nothing refunded to the buyer;
  out_request_no is the split_no + "R". This is the refund interface's "仅退分账" mode as Alipay
  documents it for 直付通; for a direct merchant Alipay takes refund_royalty_parameters only together
  with a refund to the buyer, so against the real gateway this call may be refused (see the fake).
- split_records: alipay.data.dataservice.bill.downloadurl.query (bill_type "trade") and the zipped GBK
  CSV it points to, read for its settle rows.

Alipay's request numbers take letters, digits and underscores only: a split_no's "-" is sent as "_"
(`request_no`), and the bill's rows name the split by that number.
"""
from __future__ import annotations

import csv
import io
import re
import secrets
import urllib.request
import zipfile
from datetime import date
from typing import Any

from .alipay import AlipayProvider, call, fen, yuan
from .provider import Config, PaymentError, Receiver, Split, SplitRecord

RECEIVER_KINDS = AlipayProvider.receiver_kinds  # userId (2088...), loginName
BILL_TYPE = "trade"
_REQUEST_NO = re.compile(r"[A-Za-z0-9_]{1,31}")  # 32 at most, with room for the return's "R"
_USER_ID = re.compile(r"2088\d{12}")
# The bill's columns we read, and its words for a settle's state.
COLUMNS = {"split_id": "分账单号", "split_no": "商户请求号", "amount": "分账金额（元）", "status": "状态"}
STATUSES = {"成功": "done", "处理中": "pending", "失败": "failed", "已退回": "returned"}


def request_no(split_no: str) -> str:
    """The split's out_request_no: the split_no with "-" as "_"."""
    number = split_no.replace("-", "_")
    if not _REQUEST_NO.fullmatch(number):
        raise PaymentError(f"split_no {split_no!r}: Alipay takes 1 to 31 letters, digits, '_' or '-'")
    return number


def _receiver(receiver: Receiver) -> dict[str, str]:
    if receiver.kind not in RECEIVER_KINDS:
        raise PaymentError(f"Alipay splits to a userId or loginName, not {receiver.kind!r}")
    if receiver.kind == "userId" and not _USER_ID.fullmatch(receiver.account):
        raise PaymentError(f"an Alipay userId is 2088 and 12 digits, not {receiver.account!r}")
    if receiver.kind == "loginName" and not receiver.name:
        raise PaymentError("an Alipay loginName receiver needs the account holder's name")
    return {"type": receiver.kind, "account": receiver.account}


def add_receiver(config: Config, receiver: Receiver) -> None:
    entry = {**_receiver(receiver), "memo": "CarbonDot project owner"}
    if receiver.name:
        entry["name"] = receiver.name
    response = call(config, "server_api", api_name="alipay.trade.royalty.relation.bind",
                    biz_content={"out_request_no": "B" + secrets.token_hex(12), "receiver_list": [entry]})
    if response.get("result_code") != "SUCCESS":
        raise PaymentError(f"Alipay relation.bind of {receiver.account}: result_code {response.get('result_code')!r}")


def _trade_no(config: Config, split: Split) -> str:
    """The split's payment as Alipay numbers it: payment_id, or asked of alipay.trade.query."""
    if split.payment_id:
        return split.payment_id
    trade_no = call(config, "api_alipay_trade_query", out_trade_no=split.reference).get("trade_no")
    if not trade_no:
        raise PaymentError(f"Alipay query for {split.reference} returned no trade_no")
    return str(trade_no)


def _check(split: Split) -> dict[str, str]:
    if split.currency != "CNY":
        raise PaymentError(f"Alipay splits CNY only, not {split.currency}")
    return _receiver(split.receiver)


def settle(config: Config, split: Split) -> str:
    receiver = _check(split)
    leg = {"royalty_type": "transfer", "trans_in_type": receiver["type"], "trans_in": receiver["account"],
           "amount": yuan(split.amount_minor), "desc": (split.description or f"CarbonDot {split.order_id}")[:128]}
    response = call(config, "api_alipay_trade_order_settle", out_request_no=request_no(split.split_no),
                    trade_no=_trade_no(config, split), royalty_parameters=[leg],
                    extend_params={"royalty_finish": "true"})
    if not response.get("settle_no"):
        raise PaymentError(f"Alipay settle of {split.split_no} returned no settle_no")
    return str(response["settle_no"])


def return_split(config: Config, split: Split, split_id: str) -> str:
    receiver = _check(split)
    trade_no = _trade_no(config, split)
    out_request_no = request_no(split.split_no) + "R"
    leg = {"royalty_type": "transfer", "trans_out_type": receiver["type"], "trans_out": receiver["account"],
           "amount": yuan(split.amount_minor)}
    response = call(config, "api_alipay_trade_refund", refund_amount="0.00", trade_no=trade_no,
                    out_trade_no=split.reference, out_request_no=out_request_no, refund_royalty_parameters=[leg])
    return f"{response.get('trade_no') or trade_no}:{out_request_no}"


def split_records(config: Config, day: str) -> list[SplitRecord]:
    try:
        date.fromisoformat(day)
    except ValueError:
        raise PaymentError(f"not a day (YYYY-MM-DD): {day!r}") from None
    response = call(config, "server_api", api_name="alipay.data.dataservice.bill.downloadurl.query",
                    biz_content={"bill_type": BILL_TYPE, "bill_date": day})
    url = response.get("bill_download_url")
    if not url:
        raise PaymentError(f"Alipay bill for {day} has no bill_download_url")
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:  # valid for 30 seconds
            body = answer.read()
    except OSError as exc:
        raise PaymentError(f"Alipay bill for {day}: {type(exc).__name__}: {exc}") from exc
    return parse_bill(body)


def parse_bill(body: bytes) -> list[SplitRecord]:
    """The settle rows of a bill (a zip of GBK CSVs with "#" header and footer lines). The member
    holding them is found by its columns: Alipay's zips name their members in GBK, unflagged."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        members = [archive.read(info) for info in archive.infolist() if info.filename.lower().endswith(".csv")]
    except (zipfile.BadZipFile, KeyError) as exc:
        raise PaymentError(f"Alipay bill: not a zip of CSV files ({exc})") from exc
    for member in members:
        try:
            text = member.decode("gbk")
        except UnicodeDecodeError as exc:
            raise PaymentError(f"Alipay bill: not GBK text ({exc})") from exc
        rows = list(csv.reader(line for line in text.splitlines() if line.strip() and not line.startswith("#")))
        if rows and all(name in rows[0] for name in COLUMNS.values()):
            at = {key: rows[0].index(name) for key, name in COLUMNS.items()}
            return [_record(row, at) for row in rows[1:]]
    raise PaymentError("Alipay bill: no member lists settles (分账单号, 商户请求号, ...)")


def _record(row: list[str], at: dict[str, int]) -> SplitRecord:
    cell: dict[str, Any] = {key: row[index].strip() if index < len(row) else "" for key, index in at.items()}
    if cell["status"] not in STATUSES:
        raise PaymentError(f"Alipay bill: unknown state {cell['status']!r} for {cell['split_id']}")
    try:
        amount = fen(cell["amount"])
    except ValueError as exc:
        raise PaymentError(f"Alipay bill: {exc} for {cell['split_id']}") from exc
    return SplitRecord(split_no=cell["split_no"], split_id=cell["split_id"], amount_minor=amount,
                       currency="CNY", status=STATUSES[cell["status"]])
