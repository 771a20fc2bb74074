"""Sign-in form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """Username and password."""

    username = StringField(_l("Username"), [DataRequired(), Length(max=80)])
    password = PasswordField(_l("Password"), [DataRequired(), Length(max=200)])
    next = HiddenField()
