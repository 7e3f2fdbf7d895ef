"""What the visitor's browser can do, from its User-Agent: only what a page must adapt to."""
from __future__ import annotations

import re

# WeChat's in-app browser says "MicroMessenger/8.0.x" on Android and iOS (and
# "WindowsWechat" / "MacWechat" on desktop, still MicroMessenger). It lacks the
# Web Share API and downloads, but long-press on an image offers save / send.
_WECHAT = re.compile(r"MicroMessenger/", re.IGNORECASE)


def is_wechat(user_agent: str | None) -> bool:
    """True inside WeChat's built-in browser."""
    return bool(user_agent and _WECHAT.search(user_agent))
