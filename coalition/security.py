"""Response headers that keep pages to the app's own origin and personal data out of caches."""

import secrets

from flask import Flask, abort, g, request

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


def register_security(app: Flask) -> None:
    """Add the security headers to every response."""

    @app.before_request
    def refuse_nul_bytes():
        # no text field holds NUL; PostgreSQL refuses it, so refuse it at the door
        values = [*request.args.values(), *request.form.values()]
        if any("\x00" in value for value in values):
            abort(400)

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
