"""Stripe Connect splits ("separate charges and transfers") through the official library against
the fake: receivers are connected accounts, a split is a transfer funded by the payment's charge,
returned by a reversal, and reconciled from the transfer list. No Flask app."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
import stripe as stripe_library

from app.services.payments import stripe
from app.services.payments.provider import Charge, PaymentError, Receiver, Split, SplitRecord
from tests.fakes.stripe_api import FakeStripe

PROVIDER = stripe.PROVIDER
OWNER = Receiver(kind="account", account="acct_owner1")


@pytest.fixture(autouse=True)
def no_retry_sleep(monkeypatch):
    """The library retries a 500 twice with backoff: no waiting in tests."""
    monkeypatch.setattr(stripe_library._http_client.HTTPClient, "INITIAL_DELAY", 0)
    monkeypatch.setattr(stripe_library._http_client.HTTPClient, "MAX_DELAY", 0)


@pytest.fixture
def fake():
    with FakeStripe() as fake:
        fake.add_account(OWNER.account)
        yield fake


@pytest.fixture
def config(fake):
    return {"STRIPE_SECRET_KEY": fake.api_key, "STRIPE_WEBHOOK_SECRET": "whsec_x", "STRIPE_API_BASE": fake.base}


def order(config, fake, order_id="ord_1", amount=10_000, paid="paid") -> tuple[str, str | None]:
    """An order's Checkout Session, paid (or not): its reference and PaymentIntent."""
    checkout = PROVIDER.create(config, Charge(order_id=order_id, amount_minor=amount, currency="USD", title="Credits",
                                              return_url="https://x/ok", cancel_url="https://x/no"))
    assert checkout.reference
    if paid:
        fake.pay(checkout.reference, payment_status=paid)
    return checkout.reference, fake.sessions[checkout.reference]["payment_intent"]


def a_split(reference, payment_id, order_id="ord_1", amount=9_000, split_no="SPL1", receiver=OWNER) -> Split:
    return Split(split_no=split_no, order_id=order_id, reference=reference, payment_id=payment_id,
                 amount_minor=amount, currency="USD", receiver=receiver)


def transfer_posts(fake):
    return [r for r in fake.requests if r[0] == "POST" and r[1] == "/v1/transfers"]


def test_stripe_splits_to_connected_accounts():
    assert PROVIDER.splits and PROVIDER.receiver_kinds == ("account",)


def test_add_receiver_takes_a_connected_account_that_can_receive_transfers(config, fake):
    PROVIDER.add_receiver(config, OWNER)
    assert ("GET", f"/v1/accounts/{OWNER.account}") == fake.requests[-1][:2]


@pytest.mark.parametrize("transfers", ["inactive", "pending", ""])
def test_add_receiver_refuses_an_account_without_active_transfers(config, fake, transfers):
    fake.add_account("acct_new", transfers=transfers)
    with pytest.raises(PaymentError, match="cannot receive transfers"):
        PROVIDER.add_receiver(config, Receiver(kind="account", account="acct_new"))


def test_add_receiver_refuses_an_unknown_account_or_another_kind(config, fake):
    with pytest.raises(PaymentError, match="does not have access to account 'acct_nobody'"):
        PROVIDER.add_receiver(config, Receiver(kind="account", account="acct_nobody"))
    with pytest.raises(PaymentError, match="connected account"):
        PROVIDER.add_receiver(config, Receiver(kind="MERCHANT_ID", account="1900000109"))


def test_a_split_is_a_transfer_funded_by_the_payments_charge(config, fake):
    reference, intent = order(config, fake)
    split_id = PROVIDER.split(config, a_split(reference, intent))
    transfer = fake.transfers[split_id]
    charge = fake.payment_intents[intent]["latest_charge"]
    assert charge.startswith("ch_") and fake.charges[charge]["status"] == "succeeded"
    assert (transfer["amount"], transfer["currency"], transfer["destination"], transfer["source_transaction"],
            transfer["transfer_group"], transfer["metadata"]) == (
        9_000, "usd", OWNER.account, charge, "ord_1", {"order": "ord_1", "split_no": "SPL1"})
    assert transfer_posts(fake)[0][3]["idempotency-key"] == "SPL1"
    assert fake.left_of(charge) == 1_000


def test_a_split_finds_the_charge_through_the_session_when_the_order_has_no_payment_id(config, fake):
    reference, intent = order(config, fake)
    split_id = PROVIDER.split(config, a_split(reference, None))
    assert fake.transfers[split_id]["source_transaction"] == fake.payment_intents[intent]["latest_charge"]


def test_the_same_split_again_is_the_same_transfer(config, fake):
    reference, intent = order(config, fake)
    split = a_split(reference, intent)
    first = PROVIDER.split(config, split)
    assert PROVIDER.split(config, split) == first
    fake._idempotent.clear()  # Stripe forgets keys after 24 hours: the transfer group still knows
    assert PROVIDER.split(config, split) == first
    assert list(fake.transfers) == [first]


def test_a_failed_split_raises_and_the_retry_moves_the_money_once(config, fake):
    reference, intent = order(config, fake)
    split = a_split(reference, intent)
    fake.fail_next = 3  # the library's own two retries fail too
    with pytest.raises(PaymentError):
        PROVIDER.split(config, split)
    assert not fake.transfers
    split_id = PROVIDER.split(config, split)
    assert list(fake.transfers) == [split_id]


def test_a_retry_after_a_lost_answer_replays_the_transfer(config, fake):
    reference, intent = order(config, fake)
    split = a_split(reference, intent)
    first = PROVIDER.split(config, split)
    fake.transfers.clear()  # the group lookup finds nothing: the Idempotency-Key alone answers
    assert PROVIDER.split(config, split) == first
    assert len(transfer_posts(fake)) == 2 and not fake.transfers


@pytest.mark.parametrize("paid", ["unpaid", None])
def test_a_split_of_an_unpaid_payment_is_refused(config, fake, paid):
    reference, intent = order(config, fake, paid=paid)
    with pytest.raises(PaymentError, match="not paid"):
        PROVIDER.split(config, a_split(reference, intent))
    assert not transfer_posts(fake)


def test_a_split_above_what_is_left_of_the_charge_is_refused(config, fake):
    reference, intent = order(config, fake)
    with pytest.raises(PaymentError, match="exceeds what is left") as refused:
        PROVIDER.split(config, a_split(reference, intent, amount=10_001, split_no="SPL0"))
    assert isinstance(refused.value.__cause__, stripe_library.InvalidRequestError)
    assert refused.value.__cause__.code == "balance_insufficient"
    PROVIDER.split(config, a_split(reference, intent, amount=6_000))
    with pytest.raises(PaymentError, match="exceeds what is left"):
        PROVIDER.split(config, a_split(reference, intent, amount=6_000, split_no="SPL2"))
    assert len(fake.transfers) == 1


def test_a_split_to_an_account_that_lost_transfers_is_refused(config, fake):
    reference, intent = order(config, fake)
    fake.add_account("acct_gone", transfers="inactive")
    with pytest.raises(PaymentError) as refused:
        PROVIDER.split(config, a_split(reference, intent, receiver=Receiver(kind="account", account="acct_gone")))
    cause = refused.value.__cause__
    assert isinstance(cause, stripe_library.InvalidRequestError)
    assert cause.code == "insufficient_capabilities_for_transfer"
    assert not fake.transfers


def test_return_split_reverses_the_transfer_once(config, fake):
    reference, intent = order(config, fake)
    split = a_split(reference, intent)
    split_id = PROVIDER.split(config, split)
    return_id = PROVIDER.return_split(config, split, split_id)
    assert return_id.startswith("trr_")
    reversal_post = [r for r in fake.requests if r[0] == "POST" and r[1].endswith("/reversals")][0]
    assert reversal_post[1] == f"/v1/transfers/{split_id}/reversals" and reversal_post[3]["idempotency-key"] == "SPL1R"
    assert fake.transfers[split_id]["reversed"] and fake.transfers[split_id]["amount_reversed"] == 9_000
    assert PROVIDER.return_split(config, split, split_id) == return_id
    fake._idempotent.clear()
    assert PROVIDER.return_split(config, split, split_id) == return_id
    assert [r["id"] for r in fake.reversals] == [return_id]
    assert fake.left_of(fake.payment_intents[intent]["latest_charge"]) == 10_000
    PROVIDER.refund(config, Charge(order_id="ord_1", amount_minor=10_000, currency="USD", reference=reference))
    assert fake.left_of(fake.payment_intents[intent]["latest_charge"]) == 0


def test_return_split_of_an_unknown_transfer_fails(config, fake):
    reference, intent = order(config, fake)
    with pytest.raises(PaymentError, match="No such transfer"):
        PROVIDER.return_split(config, a_split(reference, intent), "tr_nothing")


def test_split_records_list_the_days_transfers_through_every_page(config, fake):
    day = datetime(2026, 3, 1, tzinfo=UTC)
    fake.list_page = 2  # three transfers on the day: the library pages through them
    splits, ids = [], []
    start = int(day.timestamp())
    for n, at in enumerate([start, start + 3600, start + 86399, start + 86400]):  # the last is the next day's
        fake.now = at
        reference, intent = order(config, fake, order_id=f"ord_{n}")
        splits.append(a_split(reference, intent, order_id=f"ord_{n}", amount=1_000 + n, split_no=f"SPL{n}"))
        ids.append(PROVIDER.split(config, splits[-1]))
    PROVIDER.return_split(config, splits[1], ids[1])
    fake.now = start + 60
    fake.handle("POST", "/v1/transfers", {"amount": "5", "currency": "usd", "destination": OWNER.account},
                {"authorization": f"Bearer {fake.api_key}"})  # not one of ours: no split_no

    records = PROVIDER.split_records(config, "2026-03-01")
    assert sorted(records, key=lambda r: r.split_no) == [
        SplitRecord("SPL0", ids[0], 1_000, "USD", "done"),
        SplitRecord("SPL1", ids[1], 1_001, "USD", "returned"),
        SplitRecord("SPL2", ids[2], 1_002, "USD", "done"),
    ]
    listed = [r for r in fake.requests if r[0] == "GET" and r[1].startswith("/v1/transfers?created")]
    assert len(listed) == 2 and "starting_after" in listed[-1][1]  # four on the day, two a page
    assert f"created%5Bgte%5D={start}" in listed[0][1] and f"created%5Blt%5D={start + 86400}" in listed[0][1]
    assert [r.split_no for r in PROVIDER.split_records(config, "2026-03-02")] == ["SPL3"]
    assert PROVIDER.split_records(config, "2026-02-28") == []


def test_split_records_fail_as_a_payment_error(config, fake):
    fake.fail_next = 3
    with pytest.raises(PaymentError):
        PROVIDER.split_records(config, "2026-03-01")
