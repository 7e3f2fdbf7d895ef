"""Local fakes of the payment providers: tests, and `make run` in development; never started in production."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .alipay import FakeAlipay
from .wechat_pay import FakeWeChatPay

__all__ = ["FakeAlipay", "FakeWeChatPay", "start"]

_running: list[Any] = []


def start(config: Mapping[str, Any]) -> dict[str, str]:
    """Start both wallet fakes on loopback (once per process) and return the keys that point the app
    at them. For `make run` (FAKE_WALLETS=1); the app factory never calls it in production."""
    if config.get("CARBONDOT_ENV") == "production" or config.get("ENV") == "production":
        raise RuntimeError("the payment fakes never run in production")
    if not _running:
        for fake in (FakeWeChatPay(), FakeAlipay()):
            fake.start()
            _running.append(fake)
    keys: dict[str, str] = {}
    for fake in _running:
        keys.update(fake.config())
    return keys
