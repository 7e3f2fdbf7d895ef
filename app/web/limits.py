"""Who a rate limit counts: the visitor or the account first, the address only at venue scale.

A venue's Wi-Fi or a carrier's NAT puts hundreds of phones behind one address,
so a per-address budget sized for one person stops a crowd. Each write is
counted twice:
- per visitor: the signed-in account, else the session that rendered the form
  (its CSRF token), else the participant cookie; a request with none of these
  is not counted here (a first-time API call has no cookie yet);
- per address, sized for a venue (VENUE_RATE_LIMIT, e.g. 600 a minute): it
  bounds a script that drops its cookies, while 300 phones at the door pass.
IPv6 addresses count per /64 (one household or one phone's network).
What holds credits is bounded by the ledger (the hold pool), not by these.
"""
from __future__ import annotations

import hashlib
import ipaddress

from flask import current_app, request, session
from flask_login import current_user


def address_key() -> str:
    """The client address; IPv6 grouped by /64."""
    addr = request.remote_addr or "unknown"
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return addr
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def visitor_key() -> str:
    """The visitor behind the request (account, form session or participant cookie), or "" for none.

    The session comes before the participant cookie: a browser's first checkout (which sets the
    cookie) and its later ones then count against one budget.
    """
    if current_user and current_user.is_authenticated:
        return f"u:{current_user.get_id()}"
    csrf = session.get("csrf_token")
    if isinstance(csrf, str) and csrf:
        return "s:" + _digest(csrf)
    token = request.cookies.get(current_app.config["PARTICIPANT_COOKIE"], "")
    if 20 <= len(token) <= 64:
        return "p:" + _digest(token)
    return ""


def account_key() -> str:
    """The signed-in account (organizers' own orders), else the address."""
    if current_user and current_user.is_authenticated:
        return f"u:{current_user.get_id()}"
    return "a:" + address_key()


def no_visitor() -> bool:
    return not visitor_key()


def per_visitor(limiter, config_key: str):
    """Decorator: CONFIG[config_key] per visitor, one budget for every route that names it
    (not counted for a request without a visitor)."""
    return limiter.shared_limit(lambda: current_app.config[config_key], scope=f"visitor-{config_key}",
                                key_func=visitor_key, exempt_when=no_visitor, override_defaults=False)


def per_venue(limiter, config_key: str = "VENUE_RATE_LIMIT"):
    """Decorator: CONFIG[config_key] per client address, sized for a venue's shared network
    (one budget for every write that names it: the form, the API and the kiosk)."""
    return limiter.shared_limit(lambda: current_app.config[config_key], scope=f"venue-{config_key}",
                                key_func=address_key, override_defaults=False)


def per_account(limiter, config_key: str):
    """Decorator: CONFIG[config_key] per signed-in account."""
    return limiter.shared_limit(lambda: current_app.config[config_key], scope=f"account-{config_key}",
                                key_func=account_key, override_defaults=False)
