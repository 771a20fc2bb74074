"""Sign-in, sign-out and the language switch."""

import secrets
import time
from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from coalition import versions
from coalition.accounts.forms import LoginForm
from coalition.accounts.models import User
from coalition.accounts.throttle import Attempt
from coalition.database import db, detached_copies
from coalition.extensions import kept, login_manager
from coalition.i18n import LOCALE_COOKIE
from coalition.security import on_site

bp = Blueprint("accounts", __name__)


def safe_next(target: str | None) -> str:
    """A redirect target on this site only (no open redirect through `next`)."""
    return on_site(target)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Find the user of a session; a changed session token ends the session."""
    user_id, _sep, token = session_id.partition(":")
    if not user_id.isdecimal():
        return None
    user = _signed_in(int(user_id))
    if (user is None or user.deleted_at is not None or not user.active
            or user.session_token != token):
        return None
    return user


def _signed_in(user_id: int) -> User | None:
    """The user, with their office, as read at the current versions of the users' and the
    offices' rows (`versions.table_version`).

    Every page needs them, and reading them was a twentieth of a page's time: a copy outside
    any session is kept per process for each versions, and merged into the request's session
    without a query (`merge(load=False)`). Any write of a user — a new role, a deactivation,
    a new password or session token — or of an office moves those versions, so the next
    request reads the user afresh, in every worker."""
    users = versions.table_version("users")
    if users is None:  # no write recorded yet: nothing to key a copy on
        return db.session.get(User, user_id)
    key = (user_id, users, versions.table_version("offices"))
    copies = kept("signed_in_users", 1000)
    copy = copies.get(key)
    if copy is not None:
        return db.session.merge(copy, load=False)
    user = db.session.get(User, user_id)
    if user is not None:
        copies[key] = detached_copies([user])[0]  # their office with them
    return user


@bp.before_app_request
def end_stale_sessions() -> ResponseReturnValue | None:
    """Sign out a session idle for too long or open for too long in all."""
    if not current_user.is_authenticated:
        return None
    now = time.time()
    config = current_app.config
    started, seen = session.setdefault("started", now), session.get("seen", now)
    if (now - seen > config["SESSION_IDLE_MINUTES"] * 60
            or now - started > config["SESSION_MAX_HOURS"] * 3600):
        logout_user()
        session.clear()
        flash(_("Your session has ended. Sign in again."), "info")
        return redirect(url_for("accounts.login", next=request.full_path))
    if "seen" not in session or now - seen >= 60:  # to the minute: the session cookie
        session["seen"] = now  # signed and sent again once a minute, not with every page
    return None


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    """Show and check the sign-in form; every attempt is counted before its password is."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        attempt = Attempt(form.username.data, request.remote_addr or "")
        refused = attempt.take()
        if refused is not None:
            flash(_("Too many sign-in attempts. Try again in %(wait)s.",
                    wait=format_timedelta(timedelta(seconds=refused.seconds), threshold=1)),
                  "danger")
            response = make_response(render_template("accounts/login.html", form=form), 429)
            response.headers["Retry-After"] = str(refused.seconds)
            return response
        user = db.session.execute(
            db.select(User).where(User.username == form.username.data.strip(),
                                  User.deleted_at.is_(None))
        ).scalar_one_or_none()
        if user is not None and user.active and user.check_password(form.password.data):
            attempt.succeeded()
            if not user.password_hash.startswith(current_app.config["PASSWORD_HASH_METHOD"]):
                user.set_password(form.password.data)  # re-hash with today's parameters
                db.session.commit()
            session.clear()
            session["started"] = session["seen"] = time.time()
            login_user(user)
            return redirect(safe_next(form.next.data))
        # the same words whether or not the user exists
        flash(_("Wrong username or password."), "danger")
    return render_template("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    """Sign out, ending every session of this user on every device."""
    if current_user.is_authenticated:
        current_user.session_token = secrets.token_hex(16)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str) -> ResponseReturnValue:
    """Switch the interface language, saved on the account and in a cookie."""
    if code not in current_app.config["LANGUAGES"]:
        code = current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user.is_authenticated:
        current_user.locale = code
        db.session.commit()
    response = redirect(safe_next(request.form.get("next")))
    response.set_cookie(LOCALE_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax",
                        httponly=True)
    return response
