"""Stripe Connect for the fake Stripe: connected accounts, the PaymentIntent and Charge behind
a paid Checkout Session, and "separate charges and transfers" (transfers funded by a charge,
their reversals, and the transfer list with Stripe's created[...] filters and cursor paging).

Endpoints: GET /v1/accounts/<id>, GET /v1/payment_intents/<id>, GET /v1/charges/<id>,
POST /v1/transfers, GET /v1/transfers (created[gte|gt|lte|lt], transfer_group, destination,
limit, starting_after), GET /v1/transfers/<id>, POST and GET /v1/transfers/<id>/reversals.

Errors are Stripe's where known (resource_missing, insufficient_capabilities_for_transfer,
balance_insufficient); the messages are close to Stripe's but simplified.
"""
from __future__ import annotations

import secrets
import time

Result = tuple[int, dict]


def _error(status: int, message: str, code: str | None = None, param: str | None = None) -> Result:
    error = {"type": "invalid_request_error", "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return status, {"error": error}


def _missing(kind: str, ident: str, param: str | None = None) -> Result:
    return _error(404 if param is None else 400, f"No such {kind}: '{ident}'", "resource_missing", param)


def _metadata(params: dict) -> dict:
    return {k[len("metadata["):-1]: v for k, v in params.items() if k.startswith("metadata[") and k.endswith("]")}


class StripeConnect:
    """Mixed into FakeStripe: the state and routes of Connect. `list_page` caps a list page
    (Stripe's own cap is 100) so tests can make the library page through a few transfers."""

    list_page = 100
    base: str

    def _init_connect(self) -> None:
        self.accounts: dict[str, dict] = {}
        self.payment_intents: dict[str, dict] = {}
        self.charges: dict[str, dict] = {}
        self.transfers: dict[str, dict] = {}  # in creation order
        self.reversals: list[dict] = []
        self.now: int | None = None  # the clock transfers are stamped with (None: the real one)

    def _clock(self) -> int:
        return int(time.time()) if self.now is None else self.now

    # --- test helpers ------------------------------------------------------
    def add_account(self, account_id: str, transfers: str = "active", name: str = "") -> dict:
        """A connected account; `transfers` is its transfers capability (active, inactive, pending)."""
        account = {
            "id": account_id, "object": "account", "type": "express", "country": "US",
            "business_profile": {"name": name or None},
            "capabilities": {"transfers": transfers} if transfers else {},
            "charges_enabled": transfers == "active", "payouts_enabled": transfers == "active",
            "details_submitted": transfers == "active",
        }
        self.accounts[account_id] = account
        return account

    def _settle_intent(self, session: dict, paid: bool) -> str:
        """The PaymentIntent and Charge behind a completed session: succeeded when paid, else
        processing with a pending charge (a slow method)."""
        intent_id = session.get("payment_intent") or "pi_" + secrets.token_hex(8)
        intent = self.payment_intents.get(intent_id)
        if intent is None:
            charge_id = "ch_" + secrets.token_hex(8)
            intent = self.payment_intents[intent_id] = {
                "id": intent_id, "object": "payment_intent", "amount": session["amount_total"],
                "amount_received": 0, "currency": session["currency"], "latest_charge": charge_id,
                "metadata": dict(session.get("metadata") or {}), "status": "processing",
            }
            self.charges[charge_id] = {
                "id": charge_id, "object": "charge", "amount": session["amount_total"], "amount_captured": 0,
                "amount_refunded": 0, "currency": session["currency"], "payment_intent": intent_id,
                "paid": False, "refunded": False, "status": "pending", "created": self._clock(),
            }
        charge = self.charges[intent["latest_charge"]]
        if paid:
            intent.update(status="succeeded", amount_received=intent["amount"])
            charge.update(status="succeeded", paid=True, amount_captured=charge["amount"])
        return intent_id

    def _refund_intent(self, intent_id: str | None) -> None:
        intent = self.payment_intents.get(intent_id or "")
        if intent:
            self.charges[intent["latest_charge"]].update(amount_refunded=intent["amount"], refunded=True)

    def left_of(self, charge_id: str) -> int:
        """What of a charge can still be transferred: its amount less refunds and live transfers."""
        charge = self.charges[charge_id]
        moved = sum(t["amount"] - t["amount_reversed"] for t in self.transfers.values()
                    if t["source_transaction"] == charge_id)
        return charge["amount"] - charge["amount_refunded"] - moved

    # --- the API -----------------------------------------------------------
    def _route_connect(self, method: str, path: str, params: dict) -> Result | None:
        parts = path.strip("/").split("/")  # v1, collection, id, sub
        if len(parts) < 2 or parts[0] != "v1":
            return None
        collection, rest = parts[1], parts[2:]
        if method == "GET" and len(rest) == 1:
            kinds = {"accounts": (self.accounts, "account"),
                     "payment_intents": (self.payment_intents, "payment_intent"),
                     "charges": (self.charges, "charge"), "transfers": (self.transfers, "transfer")}
            if collection in kinds:
                store, kind = kinds[collection]
                found = store.get(rest[0])
                if found is None and kind == "account":  # Stripe: the key cannot see it
                    return _error(403, f"The provided key does not have access to account '{rest[0]}' "
                                       "(or that account does not exist).")
                return (200, found) if found is not None else _missing(kind, rest[0])
        if collection != "transfers":
            return None
        if method == "POST" and not rest:
            return self._create_transfer(params)
        if method == "GET" and not rest:
            return self._list_transfers(params)
        if len(rest) == 2 and rest[1] == "reversals":
            transfer = self.transfers.get(rest[0])
            if transfer is None:
                return _missing("transfer", rest[0])
            if method == "POST":
                return self._reverse(transfer, params)
            data = [r for r in reversed(self.reversals) if r["transfer"] == transfer["id"]]
            return 200, {"object": "list", "url": f"/v1/transfers/{transfer['id']}/reversals",
                         "has_more": False, "data": data}
        return None

    def _create_transfer(self, params: dict) -> Result:
        try:
            amount = int(params.get("amount", ""))
        except ValueError:
            return _error(400, "Invalid integer: amount", "parameter_invalid_integer", "amount")
        if amount <= 0:
            return _error(400, "This value must be greater than or equal to 1.", "parameter_invalid_integer", "amount")
        currency = (params.get("currency") or "").lower()
        account = self.accounts.get(params.get("destination") or "")
        if account is None:
            return _missing("destination", params.get("destination") or "", "destination")
        if account["capabilities"].get("transfers") != "active":
            return _error(400, "Your destination account needs to have at least one of the following capabilities "
                               "enabled: transfers, crypto_transfers, legacy_payments",
                          "insufficient_capabilities_for_transfer", "destination")
        source = params.get("source_transaction")
        if source:
            charge = self.charges.get(source)
            if charge is None:
                return _missing("charge", source, "source_transaction")
            if charge["status"] != "succeeded":
                return _error(400, f"The source transaction '{source}' has not succeeded.", None, "source_transaction")
            if currency != charge["currency"]:
                return _error(400, f"The currency of source_transaction's balance transaction ({charge['currency']}) "
                                   f"must be the same as the transfer currency ({currency})", None, "currency")
            left = self.left_of(source)
            if amount > left:
                return _error(400, f"Insufficient funds: the transfer amount exceeds what is left of the source "
                                   f"transaction '{source}' ({left}).", "balance_insufficient", "amount")
        transfer_id = "tr_" + secrets.token_hex(8)
        transfer = {
            "id": transfer_id, "object": "transfer", "amount": amount, "amount_reversed": 0, "currency": currency,
            "created": self._clock(), "description": params.get("description"), "destination": account["id"],
            "destination_payment": "py_" + secrets.token_hex(8), "livemode": False, "metadata": _metadata(params),
            "reversed": False, "source_transaction": source, "source_type": "card",
            "transfer_group": params.get("transfer_group"),
            "reversals": {"object": "list", "url": f"/v1/transfers/{transfer_id}/reversals", "has_more": False,
                          "data": []},
        }
        self.transfers[transfer_id] = transfer
        return 200, transfer

    def _list_transfers(self, params: dict) -> Result:
        found = list(reversed(self.transfers.values()))  # newest first, as Stripe lists
        checks = {"gte": lambda c, v: c >= v, "gt": lambda c, v: c > v, "lte": lambda c, v: c <= v,
                  "lt": lambda c, v: c < v}
        for op, check in checks.items():
            if f"created[{op}]" in params:
                bound = int(params[f"created[{op}]"])
                found = [t for t in found if check(t["created"], bound)]
        if "created" in params:
            found = [t for t in found if t["created"] == int(params["created"])]
        for field in ("transfer_group", "destination"):
            if field in params:
                found = [t for t in found if t[field] == params[field]]
        if params.get("starting_after"):
            ids = [t["id"] for t in found]
            if params["starting_after"] not in ids:
                return _missing("transfer", params["starting_after"], "starting_after")
            found = found[ids.index(params["starting_after"]) + 1:]
        limit = min(int(params.get("limit") or 10), 100, self.list_page)
        return 200, {"object": "list", "url": "/v1/transfers", "has_more": len(found) > limit, "data": found[:limit]}

    def _reverse(self, transfer: dict, params: dict) -> Result:
        left = transfer["amount"] - transfer["amount_reversed"]
        amount = int(params["amount"]) if params.get("amount") else left
        if left <= 0:
            return _error(400, f"Transfer {transfer['id']} has already been reversed.")
        if amount <= 0 or amount > left:
            return _error(400, f"Refund amount ({amount}) is greater than unrefunded amount on transfer ({left})",
                          None, "amount")
        reversal = {
            "id": "trr_" + secrets.token_hex(8), "object": "transfer_reversal", "amount": amount,
            "currency": transfer["currency"], "created": self._clock(), "transfer": transfer["id"],
            "destination_payment_refund": "pyr_" + secrets.token_hex(8), "metadata": _metadata(params),
        }
        self.reversals.append(reversal)
        transfer["amount_reversed"] += amount
        transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
        transfer["reversals"]["data"].insert(0, reversal)
        return 200, reversal
