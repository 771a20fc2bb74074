"""Response headers that keep pages to the app's own origin and personal data out of caches."""

import secrets
from urllib.parse import urlsplit

from flask import Flask, abort, g, request, url_for

#: only this origin; inline script only for Flask-Admin's own nonce'd snippets; no eval
CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def csp_nonce() -> str:
    """One nonce per request, for the inline snippets Flask-Admin's templates carry."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def is_on_site(target: str | None) -> bool:
    """True for a path of this site, and nothing a browser would read as another site's.

    The one check of every redirect target (sign-in's `next`, Flask-Admin's `url`, the
    trash's `next`): a path starting with one slash, with no backslash and no control
    character (browsers drop tabs and newlines, and read a backslash as a slash).
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def on_site(target: str | None, fallback: str | None = None) -> str:
    """`target` if it is a path of this site, else `fallback` (the home page)."""
    return target if target and is_on_site(target) else fallback or url_for("admin.index")


def _same_host(location: str) -> bool:
    parts = urlsplit(location)
    return parts.scheme in ("http", "https") and parts.netloc == request.host and \
        is_on_site(parts.path or "/")


def register_security(app: Flask) -> None:
    """Add the security headers to every response."""

    @app.before_request
    def refuse_nul_bytes():
        # no text field holds NUL; PostgreSQL refuses it, so refuse it at the door
        values = [*request.args.values(), *request.form.values()]
        if any("\x00" in value for value in values):
            abort(400)

    @app.after_request
    def redirects_stay_on_site(response):
        # a last guard behind every view's own check: no redirect leaves the site
        location = response.headers.get("Location")
        if location and 300 <= response.status_code < 400 and not (
                is_on_site(location) or _same_host(location)):
            response.headers["Location"] = url_for("admin.index")
        return response

    @app.after_request
    def security_headers(response):
        response.headers["Content-Security-Policy"] = CSP.format(nonce=csp_nonce())
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        if not request.path.startswith("/static/"):
            # pages may hold personal data: never store them in a browser or proxy cache
            response.headers["Cache-Control"] = "no-store"
        return response
