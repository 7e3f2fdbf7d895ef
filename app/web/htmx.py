"""Everything htmx, in one place.

htmx-flask gives `request.htmx`; its response helper has a broken swap list, so
HX-* response headers are set here directly, and HX-* request headers are read only
here (`is_htmx`, `target`, `trigger_name`). Templates hold their fragments as
blocks, rendered alone with jinja2-fragments when htmx asks.
"""
from flask import Response, redirect, render_template, request
from htmx_flask import Htmx
from jinja2_fragments.flask import render_block, render_blocks

htmx_ext = Htmx()


def is_htmx() -> bool:
    """True for an htmx request that is not a boosted full-page navigation."""
    hx = getattr(request, "htmx", None)
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def target() -> str:
    """The id of the element htmx will swap (HX-Target), or ""."""
    return request.headers.get("HX-Target", "")


def trigger_name() -> str | None:
    """The name of the input that triggered the request (HX-Trigger-Name)."""
    return request.headers.get("HX-Trigger-Name")


def render(template: str, block: str | list[str] | None = None, status: int = 200, **context) -> Response:
    """Render the whole page, or only `block` (or several blocks) when htmx asks."""
    if block and is_htmx():
        if isinstance(block, list):
            body = render_blocks(template, block, **context)
        else:
            body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = Response(body, status=status, mimetype="text/html")
    response.vary.add("HX-Request")
    return response


def client_redirect(url: str, status: int = 204) -> Response:
    """An empty response telling htmx to load `url` as a full page."""
    response = Response(status=status)
    response.headers["HX-Redirect"] = url
    return response


def redirect_to(url: str) -> Response:
    """Redirect a plain form with 303, an htmx request with HX-Redirect."""
    if getattr(request, "htmx", None):
        return client_redirect(url)
    return redirect(url, code=303)


def replace_url(response: Response, url: str) -> Response:
    """Tell htmx to put `url` in the address bar (no new history entry): Back and reload
    then ask the server for that URL."""
    response.headers["HX-Replace-Url"] = url
    return response
