"""WeChat Pay profit sharing (分账, API v3, direct merchant): the owner's share of a payment sent to
the owner's receiver. The provider's split methods delegate here.

A payment can be split only when it was ordered with settle_info.profit_sharing (Charge.split_later):
its money is then frozen until it is split, or unfrozen. Receivers are added once (a merchant's
full name goes RSA-OAEP encrypted with the platform public key); each split (POST
/v3/profitsharing/orders) sends the whole share to one receiver and unfreezes the rest
(unfreeze_unsplit), so a payment is split once; out_order_no (our split_no) makes asking again safe.
A split is taken back (POST /v3/profitsharing/return-orders) from a merchant receiver only. The
day's records are WeChat's profit-sharing bill: GET /v3/profitsharing/bills, then its download.
"""
from __future__ import annotations

import csv
import gzip
import hashlib
import io
import re
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from . import wechat_pay as wx
from .provider import Config, PaymentError, Receiver, Split, SplitRecord

MERCHANT, OPENID = "MERCHANT_ID", "PERSONAL_OPENID"
RECEIVER_KINDS = (MERCHANT, OPENID)
RELATION = "PARTNER"  # the project owner, to the platform
NO_BILL = frozenset({"NO_STATEMENT_EXIST"})  # WeChat has no bill for a day without splits
SPLIT, RETURN = "分账", "分账回退"  # the bill's 业务类型
SUCCESS = frozenset({"SUCCESS", "成功"})


def add_receiver(config: Config, receiver: Receiver) -> None:
    """Add the receiver (again is harmless); WeChat checks a merchant's full name against its 商户号."""
    if receiver.kind not in RECEIVER_KINDS:
        raise PaymentError(f"WeChat Pay takes {' or '.join(RECEIVER_KINDS)} receivers, not {receiver.kind!r}")
    if receiver.kind == MERCHANT and not receiver.name:
        raise PaymentError("WeChat Pay needs a merchant receiver's full name (商户全称)")
    sdk = wx.client(config)
    status, data = wx.call("add receiver", sdk.profitsharing_add_receiver, account_type=receiver.kind,
                           account=receiver.account, relation_type=RELATION, name=receiver.name or None)
    if status != 200:
        raise wx.refusal("add receiver", status, data)


def transaction_id(config: Config, split: Split) -> str:
    """The payment's transaction_id: the split's, or asked of WeChat (a payment not paid is refused)."""
    if split.payment_id:
        return split.payment_id
    status, data = wx.call("query", wx.client(config).query, out_trade_no=split.reference)
    if status != 200:
        raise wx.refusal("query", status, data)
    if data.get("trade_state") not in ("SUCCESS", "REFUND") or not data.get("transaction_id"):
        raise PaymentError(f"WeChat Pay payment {split.reference} is not paid ({data.get('trade_state')})")
    return str(data["transaction_id"])


def split(config: Config, split: Split) -> str:
    """Send the share to the receiver and unfreeze the rest; WeChat's order_id (the split id)."""
    if split.currency != "CNY":
        raise PaymentError(f"WeChat Pay splits CNY only, not {split.currency}")
    if split.receiver.kind not in RECEIVER_KINDS:
        raise PaymentError(f"WeChat Pay cannot split to a {split.receiver.kind!r} receiver")
    receivers = [{"type": split.receiver.kind, "account": split.receiver.account, "amount": split.amount_minor,
                  "description": (split.description or f"CarbonDot order {split.order_id}")[:80]}]
    status, data = wx.call("split", wx.client(config).profitsharing_order, transaction_id=transaction_id(config, split),
                           out_order_no=split.split_no, receivers=receivers, unfreeze_unsplit=True)
    if status != 200 or not data.get("order_id"):
        raise wx.refusal("split", status, data)
    for receiver in data.get("receivers") or []:
        if receiver.get("result") == "CLOSED":  # WeChat took it but could not pay it (final: a new split_no)
            raise PaymentError(f"WeChat Pay split {split.split_no} closed: {receiver.get('fail_reason')}")
    return str(data["order_id"])


def return_split(config: Config, split: Split, split_id: str) -> str:
    """Take the split back from the merchant receiver (out_return_no = split_no + "R"); the return_id."""
    if split.receiver.kind != MERCHANT:
        raise PaymentError("WeChat Pay takes splits back from merchant receivers only, not from a personal openid")
    status, data = wx.call("split return", wx.client(config).profitsharing_return,
                           out_return_no=split.split_no + "R", return_mchid=split.receiver.account,
                           amount=split.amount_minor, description=f"CarbonDot order {split.order_id} refunded",
                           order_id=split_id or None, out_order_no=None if split_id else split.split_no)
    if status != 200 or not data.get("return_id"):
        raise wx.refusal("split return", status, data)
    if data.get("result") == "FAILED":
        raise PaymentError(f"WeChat Pay split return {split.split_no}R failed: {data.get('fail_reason')}")
    return str(data["return_id"])


def split_records(config: Config, day: str) -> list[SplitRecord]:
    """The day's profit-sharing bill (Beijing time), read into one record per split: "done", or
    "returned" when the bill has its 分账回退. WeChat makes a day's bill the next day."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        raise PaymentError(f"not a day: {day!r}")
    sdk = wx.client(config)
    status, data = wx.call("profit-sharing bill", sdk.profitsharing_bill, bill_date=day, tar_type="GZIP")
    if status != 200 and data.get("code") in NO_BILL:
        return []
    if status != 200 or not data.get("download_url"):
        raise wx.refusal("profit-sharing bill", status, data)
    return parse_bill(verified(download(sdk, str(data["download_url"])), data))


def download(sdk: Any, url: str) -> bytes:
    """The bill file: a signed GET to WeChat's own API host (its answer is not signed)."""
    if not url.startswith(sdk._core._gate_way + "/"):
        raise PaymentError(f"WeChat Pay bill at an unexpected address: {url}")
    try:
        status, content = sdk.download_bill(url)
    except Exception as exc:
        raise PaymentError(f"WeChat Pay bill download: {exc}") from exc
    if status != 200 or not isinstance(content, bytes):
        raise PaymentError(f"WeChat Pay bill download refused ({status}): {content!r:.200}")
    return content


def verified(content: bytes, data: dict) -> bytes:
    """The bill, unzipped, once its digest matches the one the (signed) bill answer gave."""
    try:
        bill = gzip.decompress(content) if content[:2] == b"\x1f\x8b" else content
    except (OSError, EOFError) as exc:
        raise PaymentError(f"WeChat Pay bill is not a readable gzip file: {exc}") from exc
    algorithm = str(data.get("hash_type") or "SHA1").lower()
    if algorithm not in ("sha1", "sha256") or hashlib.new(algorithm, bill).hexdigest() != str(
            data.get("hash_value", "")).lower():
        raise PaymentError("WeChat Pay bill does not match its digest")
    return bill


def fen(text: str) -> int:
    """The bill's yuan as fen, exactly."""
    try:
        minor = Decimal(text) * 100
    except InvalidOperation:
        raise PaymentError(f"WeChat Pay bill: not an amount: {text!r}") from None
    if minor != minor.to_integral_value():
        raise PaymentError(f"WeChat Pay bill: not a whole number of fen: {text!r}")
    return int(minor)


def parse_bill(bill: bytes) -> list[SplitRecord]:
    """The bill's detail rows (every value prefixed with `; the summary follows a header without it)."""
    lines = csv.reader(io.StringIO(bill.decode("utf-8-sig")))
    header = [name.strip() for name in next(lines, [])]
    wanted = ("分账订单号", "商户分账单号", "分账金额(元)", "业务类型", "处理状态")
    if any(name not in header for name in wanted):
        raise PaymentError(f"WeChat Pay bill without the columns {', '.join(wanted)}: {header}")
    at = {name: header.index(name) for name in wanted}
    records: dict[str, SplitRecord] = {}
    for line in lines:
        if not line or not line[0].startswith("`"):
            break  # the summary
        row = {name: line[index].strip().lstrip("`") for name, index in at.items()}
        if row["处理状态"] not in SUCCESS:
            continue
        split_no, kind = row["商户分账单号"], row["业务类型"]
        found = records.get(split_no)
        if kind == SPLIT:  # one row per receiver: a split here has one
            status = found.status if found else "done"
            records[split_no] = SplitRecord(split_no=split_no, split_id=row["分账订单号"],
                                            amount_minor=fen(row["分账金额(元)"]), currency="CNY", status=status)
        elif kind == RETURN:  # its split is in this bill, or an earlier day's
            records[split_no] = replace(found, status="returned") if found else SplitRecord(
                split_no=split_no, split_id=row["分账订单号"], amount_minor=fen(row["分账金额(元)"]), currency="CNY",
                status="returned")
    return list(records.values())
