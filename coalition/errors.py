"""Friendly error pages in the user's language, never a traceback."""

from flask import Flask, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    401: (_l("Sign in first"), _l("Sign in to use this page.")),
    400: (_l("Bad request"), _l("The request could not be understood. Check what you sent.")),
    403: (_l("Not allowed"), _l("Your role does not give access to this page.")),
    404: (_l("Not found"), _l("There is nothing at this address, or it was moved to the trash.")),
    405: (_l("Not allowed"), _l("This address does not accept that kind of request.")),
    413: (_l("Too large"), _l("What you sent is larger than the allowed size.")),
    429: (_l("Too many attempts"), _l("Wait a moment before trying again.")),
    500: (_l("Something went wrong"), _l("The error was logged. Try again, or tell an admin.")),
}


def wants_json() -> bool:
    """True for API requests, which get JSON errors."""
    return request.path.startswith("/api/")


def render_error(code: int) -> ResponseReturnValue:
    """The error page (or JSON) for an HTTP status."""
    title, message = MESSAGES.get(code, MESSAGES[500])
    if wants_json():
        return jsonify(error=str(message)), code
    return render_template("error.html", code=code, title=title, message=message), code


def register_errorhandlers(app: Flask) -> None:
    """Answer every HTTP error with a page in the user's language."""

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 401:
            if wants_json():
                return render_error(401)
            return redirect(url_for("accounts.login", next=request.full_path))
        return render_error(error.code or 500)

    @app.errorhandler(CSRFError)
    def stale_form(error: CSRFError):
        # a form sent after the session ended: sign in again and come back to it (its draft
        # waits in the browser, see static/js/forms.js)
        if not current_user.is_authenticated and not wants_json() and request.endpoint not in (
                "accounts.login", "accounts.logout", "accounts.set_language"):
            flash(_l("Your session has ended. Sign in again."), "info")
            return redirect(url_for("accounts.login", next=request.full_path))
        return render_error(400)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        app.logger.exception("Unhandled error: %s", error)
        return render_error(500)
