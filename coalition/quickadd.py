"""Adding a partner or a contact from inside another form (a meeting's counterparts), without
leaving it: a small form in a dialog, refused when the name is already on file."""

from collections.abc import Callable
from typing import Any

from flask import jsonify, render_template, request
from flask.typing import ResponseReturnValue
from flask_admin import expose
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError
from wtforms.validators import ValidationError

from coalition import access
from coalition.database import db


class QuickAdd:
    """A record view mixin: GET /quick/ gives the small form, POST /quick/ adds the record.

    The view says which of its form's fields the small form shows (`quick_columns`), which
    values a record added this way gets (`quick_values`) and how a duplicate is found
    (`duplicate_of`)."""

    quick_columns: tuple[str, ...] = ()
    quick_values: dict = {}
    quick_title = ""
    # given by the record view the mixin is part of
    can_create: bool
    create_form: Callable[..., Any]
    get_url: Callable[..., str]
    build_new_instance: Callable[[], Any]
    on_model_change: Callable[..., None]
    after_model_change: Callable[..., None]

    def duplicate_of(self, form: Any) -> Any:
        """The record already on file under this name, or None; views override it."""
        return None

    def _quick_form(self):
        form = self.create_form()
        for name in [field.name for field in form]:
            if name not in self.quick_columns and name != "csrf_token":
                del form[name]
        return form

    @staticmethod
    def _label(model) -> str:
        from coalition.i18n import bilingual

        names = getattr(model, "names", None)
        return bilingual(*names()) if callable(names) else str(model)

    @expose("/quick/", methods=("GET", "POST"))
    def quick_add(self) -> ResponseReturnValue:
        access.require(self.can_create)
        form = self._quick_form()
        if request.method == "GET":
            return render_template("admin/quick_add.html", form=form, title=self.quick_title,
                                   action=self.get_url(".quick_add"))
        if not form.validate():
            return jsonify(errors={name: [str(e) for e in errors]
                                   for name, errors in form.errors.items()}), 400
        existing = self.duplicate_of(form)
        if existing is not None:
            message = (_("Already on file: %(name)s. Link it instead.", name=self._label(existing))
                       if existing.deleted_at is None else
                       _("Already on file, in the trash: %(name)s. An admin can restore it.",
                         name=self._label(existing)))
            found = ({"id": existing.id, "text": self._label(existing)}
                     if existing.deleted_at is None else None)
            return jsonify(message=message, duplicate=found), 409
        model = self.build_new_instance()
        form.populate_obj(model)
        for attr, value in self.quick_values.items():
            setattr(model, attr, value)
        try:
            db.session.add(model)
            self.on_model_change(form, model, True)
            db.session.commit()
        except ValidationError as error:
            db.session.rollback()
            return jsonify(message=str(error)), 403
        except SQLAlchemyError:
            db.session.rollback()
            return jsonify(message=_("This record conflicts with one that already exists.")), 409
        self.after_model_change(form, model, True)
        return jsonify(id=model.id, text=self._label(model)), 201
