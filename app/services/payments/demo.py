"""The demo provider: no money moves. Its page (/pay/<id>/demo, clearly labelled) says
"paid" or "failed", and that answer is the demo's notice, settled through the same
path as a real provider's webhook.

The registry offers it only on a server where no real provider is configured
(development and testing without a Stripe key), never beside one.
"""
from __future__ import annotations

import json
from collections.abc import Mapping

from ..languages import N_
from .provider import FAILED, PAID, PENDING, Charge, Checkout, Config, Notice, Outcome, PaymentProvider

OUTCOMES = (PAID, FAILED)


def notice_body(order_id: str, outcome: str) -> bytes:
    """What the demo page sends as its notice."""
    return json.dumps({"order": order_id, "outcome": outcome}).encode()


class DemoProvider(PaymentProvider):
    name = "demo"
    title = "Demo"
    label = N_("Demo payment")
    moves_money = False

    def create(self, config: Config, charge: Charge) -> Checkout:
        return Checkout(page="checkout.demo_page")

    def lookup(self, config: Config, charge: Charge) -> Outcome:
        return Outcome(status=PENDING, order_id=charge.order_id)  # only the demo page decides

    def refund(self, config: Config, charge: Charge, payment_id: str | None = None) -> str:
        return f"demo_refund_{charge.order_id}"  # nothing was taken, so nothing goes back

    def parse_notice(self, config: Config, headers: Mapping[str, str], body: bytes) -> Notice | None:
        data = json.loads(body)
        if data.get("outcome") not in OUTCOMES or not isinstance(data.get("order"), str):
            raise ValueError(f"a demo notice is {{order, outcome}} with outcome in {OUTCOMES}")
        return Notice(id=f"demo_{data['order']}_{data['outcome']}", provider=self.name,
                      outcome=Outcome(status=data["outcome"], order_id=data["order"]))


PROVIDER = DemoProvider()
