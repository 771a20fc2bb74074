"""The base view of every record screen, and the admin it is shown in; access is asked of
`access`. It imports no domain: the factory in `app.py` lists the screens."""

import hashlib
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, abort, current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_admin import Admin, AdminIndexView, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.form import BaseForm
from flask_admin.helpers import is_form_submitted
from flask_admin.model import typefmt
from flask_admin.theme import Bootstrap4Theme
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import func, or_
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Query, configure_mappers
from sqlalchemy.orm.exc import StaleDataError
from wtforms import HiddenField
from wtforms.validators import DataRequired, StopValidation, ValidationError

from coalition import access, versions
from coalition.audit.history import ACTIONS, changes_html, history_of
from coalition.choices import Choices
from coalition.database import Record, Refused, db, utcnow
from coalition.dates import input_text
from coalition.evidence.files import files_of, may_attach, may_read
from coalition.fields import (
    CHOICE,
    MANY,
    ONE,
    RECORD_LABELS,
    REQUIRED,
    Bound,
    Field,
    bound,
    is_blank,
    value_problem,
)
from coalition.i18n import language
from coalition.list_rows import row_writer
from coalition.normalize import without_bidi_controls
from coalition.security import csp_nonce, is_on_site
from coalition.widgets import (
    FilterConverter,
    ModelConverter,
    ltr_value,
    mark_fields,
    reads_left_to_right,
)


class AppForm(FlaskForm, BaseForm):
    """Admin form base: Flask-WTF's CSRF (global CSRFProtect clashes with SecureForm)."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict) -> Any:
            """Every field of every record form drops bidi controls from what is typed."""
            if len(unbound_field.args) < 3:  # filters not given by position
                options["filters"] = (without_bidi_controls, *(
                    options.get("filters") or unbound_field.kwargs.get("filters") or ()))
            return unbound_field.bind(form=form, **options)


def _label_formatter(field: str, pairs):
    """A list-column formatter that shows a code's label, or a dash for none."""
    labels = dict(pairs)
    return lambda _v, _c, model, _n: labels.get(getattr(model, field), "—")


#: what the details page shows after the declared fields: who made and changed the record
AUDIT_COLUMNS = ("created_at", "created_by", "updated_at", "updated_by")


class Declared:
    """A field's declared checks as a form validator: the import's verdict and message."""

    def __init__(self, field: Field, length: int | None = None) -> None:
        self.field, self.length = field, length
        self.field_flags = {"required": True} if field.required else {}

    def __call__(self, form: Any, field: Any) -> None:
        typed = any(str(raw).strip() for raw in (field.raw_data or ()))
        if not typed and (is_blank(field.data) or field.process_errors):
            field.errors[:] = []  # an empty date is not "not a valid date": it is missing
            if self.field.required:
                raise StopValidation(str(REQUIRED))
            raise StopValidation()  # nothing given: nothing more to check
        if field.process_errors:  # the text could not be read: that message says why
            raise StopValidation()
        if message := value_problem(self.field, field.data, self.length):
            raise StopValidation(message)


def _sort_key(b: Bound):
    """How a list column sorts: a related record by its Arabic name, others by value."""
    if b.kind == ONE:
        name = "name_ar" if hasattr(b.target, "name_ar") else "id"
        return (b.field.name, f"{b.field.name}.{name}")
    return b.field.name


def _filters(model, b: Bound) -> tuple:
    """The list filters of a declared field."""
    if b.kind == CHOICE:
        return choice_filters(getattr(model, b.attr), b.field.label, b.field.choices)
    if b.kind == ONE:
        assert b.target is not None  # a ONE field has its related model
        return (relation_filter(b.target, b.field.label),)
    return (b.field.name,)


def _ltr_formatter(field: str):
    """A list or details formatter that keeps a phone, e-mail or code left to right."""
    return lambda _v, _c, model, _n: ltr_value(getattr(model, field, None))


def _plain_formatter(field: str):
    """A list or details formatter that writes a number as it is, without grouping."""
    return lambda _v, _c, model, _n: "—" if (value := getattr(model, field, None)) is None \
        else str(value)


class RecordView(ModelView):
    """A record screen: list, create, edit, details; every decision asks the access rules."""

    form_base_class = AppForm
    can_view_details = True
    page_size = 20
    can_set_page_size = True
    # the trash replaces hard deletion; bulk delete would bypass it
    action_disallowed_list = ["delete"]
    column_display_pk = False
    column_default_sort: Any = ("id", True)
    form_excluded_columns = (
        "created_at",
        "updated_at",
        "created_by",
        "updated_by",
        "version",
        "deleted_at",
    )
    column_details_exclude_list: tuple[str, ...] = ("deleted_at",)
    details_template = "admin/record_details.html"
    list_template = "admin/export_list.html"  # the list with its xlsx and csv downloads
    # dates and numbers shown the locale's way; stored values stay ISO and locale-free
    column_type_formatters = {
        **typefmt.BASE_FORMATTERS,
        # a datetime is a date too: it comes first, so it keeps its time
        datetime: lambda _view, value, _name: format_datetime(value, "short"),
        date: lambda _view, value, _name: format_date(value, "medium"),
        bool: lambda _view, value, _name: _yes_no(value),
        int: lambda _view, value, _name: format_decimal(value),
        float: lambda _view, value, _name: format_decimal(value),
        # an office or partner by its name in the interface language, the other on hover
        Record: lambda _view, value, _name: _local_name(value),
    }
    # the details page: the same, with both names of an office or partner written out
    column_type_formatters_detail = {
        **column_type_formatters,
        list: lambda _view, values, _name: Markup("، " if _arabic() else ", ").join(
            _both_names(value) for value in values),
        Record: lambda _view, value, _name: _both_names(value),
    }
    form_extra_fields = {"record_version": HiddenField()}
    # dates typed day/month/year or ISO, in any digits; codes and phones left to right
    model_form_converter = ModelConverter
    filter_converter = FilterConverter()
    # Flask-Admin's own settings, untyped there
    column_formatters: Any
    form_columns: Any
    #: form fields a browser draft never keeps (personal details); "personal_*" always
    personal_fields: tuple[str, ...] = ()
    #: coded choices a new record starts without, whatever the column's default
    form_no_default: tuple[str, ...] = ()
    #: the records its details page lists: (relationship, heading, the list's html id)
    details_related: tuple[tuple[str, Any, str], ...] = ()

    def __init__(self, model: type[Any], *, endpoint: str, category: str | None = None,
                 name: Any = None) -> None:
        self.kind = model.__tablename__
        name = name or model.fields.title
        self._declare(model)
        # coded columns show their label, and a dash rather than "None" when empty
        self.column_formatters = {
            **{name: _label_formatter(name, pairs) for name, pairs in
               (self.column_choices or {}).items()},
            **(self.column_formatters or {}),
        }
        for column in sa_inspect(model).column_attrs.keys():
            declared = model.fields.get(column)
            if reads_left_to_right(column) or getattr(declared, "ltr", False):
                self.column_formatters.setdefault(column, _ltr_formatter(column))
            elif declared is not None and not declared.grouped:  # a year: 1979, not 1,979
                self.column_formatters.setdefault(column, _plain_formatter(column))
        if self.form_columns:  # extra fields show only when listed
            self.form_columns = (*self.form_columns, *self.form_extra_fields)
        super().__init__(model, db, name=name, endpoint=endpoint, url=f"/{endpoint}",
                         category=category)

    def _declare(self, model) -> None:
        """Columns, labels, help, choices, filters, look-ups and checks from the declaration."""
        configure_mappers()  # every model is imported by now: relations can be followed
        declared = model.fields
        fields = {b.field.name: b for b in bound(model)}
        mine: Any = self  # the screen's own settings, where it has any, win

        def unless_set(attribute: str, value) -> None:
            if getattr(self, attribute, None) is None:
                setattr(self, attribute, value)

        self.column_labels = {**RECORD_LABELS, **declared.labels(), **(mine.column_labels or {})}
        self.column_descriptions = {**declared.helps(), **(mine.column_descriptions or {})}
        unless_set("column_list", declared.names(listed=True))
        unless_set("form_columns", declared.names(entered=True))
        unless_set("column_searchable_list", declared.names(searched=True) or None)
        unless_set("column_details_list", tuple(
            f.name for f in declared if not f.personal) + AUDIT_COLUMNS)
        choices = {f.name: f.choices.form() for f in declared if f.choices is not None}
        self.column_choices = {**choices, **(mine.column_choices or {})}
        self.form_choices = {**choices, **(mine.form_choices or {})}
        unless_set("column_sortable_list", tuple(
            _sort_key(fields[name]) for name in self.column_list
            if name in fields and fields[name].kind != MANY))
        unless_set("column_filters", tuple(
            flt for f in declared if f.filtered for flt in _filters(model, fields[f.name])))
        self.form_args = {
            **{f.name: {"validators": [Declared(f, fields[f.name].length)]}
               for f in declared if f.entered},
            **(mine.form_args or {}),
        }
        # a record part of one other (a meeting of an event) is of its office: a look-up of
        # one offers a coordinator their own office's; a look-up of many (partners, cited
        # figures) offers all that may be cited
        unless_set("form_ajax_refs", {
            name: ajax_ref(name, b.target, *b.field.lookup, own_office=b.kind != MANY)
            for name, b in fields.items() if b.field.lookup and b.target is not None} or None)
        self.form_widget_args = {
            **{f.name: {"dir": "ltr"} for f in declared if f.ltr},
            **(mine.form_widget_args or {}),
        }

    # --- who may see and do what -------------------------------------------------------
    def is_accessible(self) -> bool:
        return access.can(current_user, access.READ, self.kind, any_office=True)

    def inaccessible_callback(self, name: str, **kwargs: Any) -> ResponseReturnValue:
        if not current_user.is_authenticated:
            return redirect(url_for("accounts.login", next=request.full_path))
        abort(403)

    def _handle_view(self, name, **kwargs):
        """Flask-Admin's return address (`url=`) passes the site's one redirect check."""
        refused = super()._handle_view(name, **kwargs)
        target = request.values.get("url")
        if refused is not None or target is None or is_on_site(target):
            return refused
        if request.method != "GET":
            abort(400)
        kept = [(key, value) for key, value in request.args.items(multi=True) if key != "url"]
        return redirect(f"{request.path}?{urlencode(kept)}" if kept else request.path)

    @property
    def can_create(self) -> bool:
        return access.can(current_user, access.WRITE, self.kind, any_office=True)

    @property
    def can_edit(self) -> bool:
        return access.can(current_user, access.WRITE, self.kind, any_office=True)

    can_delete = can_edit

    # Flask-Admin quietly redirects when an action is off; we answer 403 like everywhere else.
    @expose("/new/", methods=("GET", "POST"))
    def create_view(self) -> ResponseReturnValue:
        access.require(self.can_create)
        return super().create_view()

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self) -> ResponseReturnValue:
        access.require(self.can_edit)
        return super().edit_view()

    @expose("/delete/", methods=("POST",))
    def delete_view(self) -> ResponseReturnValue:
        access.require(self.can_delete)
        return super().delete_view()

    # In-list editing and Flask-Admin's own export are not used (exports are ours): no route.
    @expose("/ajax/update/", methods=("POST",))
    def ajax_update(self) -> ResponseReturnValue:
        abort(404)

    @expose("/export/<export_type>/")
    def export(self, export_type: str) -> ResponseReturnValue:
        abort(404)

    def _get_list_value(self, context, model, name, column_formatters,
                        column_type_formatters):
        """Text from records is isolated (<bdi dir="auto">) in lists and details pages."""
        value = super()._get_list_value(context, model, name, column_formatters,
                                        column_type_formatters)
        if isinstance(value, str) and not isinstance(value, Markup):
            return Markup('<bdi dir="auto">{}</bdi>').format(value)
        return value

    def may_write(self, model: Any) -> bool:
        """True if the signed-in user may change this record (used by list templates)."""
        return access.can(current_user, access.WRITE, self.kind, model.office_scope)

    def _scoped(self, query):
        """Leave out the trash and what the user's read scope does not cover."""
        query = query.filter(self.model.deleted_at.is_(None))
        if access.scope(current_user, access.READ, self.kind) == access.OWN:
            query = query.filter(self.model.office_id == current_user.office_id)
        return query

    def _get_filter_groups(self):
        """Fill the filters whose options are read live (see relation_filter)."""
        groups = super()._get_filter_groups()
        for items in (groups or {}).values():
            for item in items:
                if live := getattr(self._filters[item["index"]], "live_options", None):
                    item["options"] = live()
        return groups

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        """Rows tied on the column sorted by come newest first, by id: the same order on every
        request and every page (PostgreSQL gives ties in any order, so a row could be shown
        on two pages and another on none)."""
        query, joins = super()._apply_sorting(query, joins, sort_column, sort_desc)
        return query.order_by(self.model.id.desc()), joins

    def get_query(self) -> Any:
        # relationship columns of the list are joined-loaded by Flask-Admin (one query a page)
        return self._scoped(super().get_query())

    def get_count_query(self) -> Any:
        """The list's count, kept until the next write (`KeptCount`); the whole list's from
        the rollup, when Flask-Admin adds no search nor filter to it."""
        query = self._scoped(KeptCount([func.count("*")], session=db.session())
                             .select_from(self.model))
        # the rollup knows the office alone: a screen that scopes its list otherwise (the
        # detainees' coalition-internal files) counts its records
        if self.model in versions.whole_counts and type(self)._scoped is RecordView._scoped:
            own = access.scope(current_user, access.READ, self.kind) == access.OWN
            # a reader of their own office's records with no office reads none: counted
            # from the records, never as the coalition's whole count
            if not own or current_user.office_id is not None:
                office_id = current_user.office_id if own else None
                query.whole = (self.model, office_id,
                               _whole_sql(query, (type(self), self.model), office_id))
        return query

    def get_one(self, id: str) -> Any:
        """Fetch a record for details, edit or delete; 404 if absent, 403 if not allowed."""
        try:
            model = db.session.get(self.model, int(id))
        except (TypeError, ValueError):
            model = None
        if model is None or model.deleted_at is not None:
            abort(404)
        writing = (request.endpoint or "").endswith((".edit_view", ".delete_view"))
        access.require(self.may(access.WRITE if writing else access.READ, model))
        return model

    def may(self, action: str, model: Any) -> bool:
        """True if the signed-in user may read (or change) this record, by the access rules."""
        return access.can(current_user, action, self.kind, model.office_scope)

    # --- forms --------------------------------------------------------------------------
    def _limit_office_choices(self, form) -> None:
        """A coordinator picks only their own office."""
        if "office" in form and access.scope(current_user, access.WRITE, self.kind) == access.OWN:
            office = self.model.office.property.mapper.class_
            form.office.query = db.session.query(office).filter(office.id == current_user.office_id)
            if request.method == "GET" and form.office.data is None:
                form.office.data = current_user.office

    def _live_choices(self, form, obj: Any = None) -> None:
        """A select of one related record offers none from the trash; the one already chosen
        stays, so an edit keeps it."""
        for relation in sa_inspect(self.model).relationships:
            target = relation.mapper.class_
            if (relation.uselist or relation.key not in form
                    or relation.key in (self.form_ajax_refs or {})  # its look-up does it
                    or not hasattr(target, "deleted_at")):
                continue
            chosen = getattr(getattr(obj, relation.key, None), "id", None)
            live = target.deleted_at.is_(None)
            field = form[relation.key]
            field.query = db.session.query(target).filter(
                live if chosen is None else or_(live, target.id == chosen))
            field._object_list = None  # a list read before this point was the unfiltered one

    @staticmethod
    def _blank_choices(form) -> None:
        """Show an empty choice as a dash (WTForms 3.3 would show its value, "__None")."""
        for field in form:
            if getattr(field, "allow_blank", False) and not getattr(field, "blank_text", "x"):
                field.blank_text = "—"

    def _offer_quick_add(self, form) -> None:
        """A look-up of partners or contacts offers to add a new one in place (quickadd)."""
        for field in form:
            model = getattr(getattr(field, "loader", None), "model", None)
            view = next((v for v in self.admin._views if getattr(v, "model", None) is model
                         and hasattr(v, "quick_add") and v.can_create), None)
            if view is not None:
                field.render_kw = {**(field.render_kw or {}),
                                   "data-quick-add": view.get_url(f"{view.endpoint}.quick_add"),
                                   "data-quick-label": view.quick_title}

    def _no_default(self, form, fresh: bool) -> None:
        """A coded choice that decides a KPI starts blank on a new record: chosen, not assumed."""
        for name in self.form_no_default:
            if name in form:
                form[name].allow_blank = True
                form[name].validators = [*form[name].validators,
                                         DataRequired(message=str(REQUIRED))]
                if fresh and not form[name].raw_data:
                    form[name].data = None

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        self._no_default(form, fresh=True)
        self._live_choices(form)
        self._limit_office_choices(form)
        self._blank_choices(form)
        mark_fields(form, self.personal_fields)
        self._offer_quick_add(form)
        return form

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        self._no_default(form, fresh=False)
        self._live_choices(form, obj)
        self._limit_office_choices(form)
        self._blank_choices(form)
        mark_fields(form, self.personal_fields)
        self._offer_quick_add(form)
        if request.method == "GET" and obj is not None:
            form.record_version.data = obj.version
        return form

    def check_form(self, form: Any) -> None:
        """The record's own rules (the declaration's), each beside its field."""
        rules = self.model.fields.rules
        if rules is None:
            return
        values = {field.name: field.data for field in form}
        for name, message in rules(values):
            target = form[name] if name in form else None
            if target is not None and not target.errors:
                target.errors = [*target.errors, message]

    def validate_form(self, form: Any) -> bool:
        valid = super().validate_form(form)
        # only record forms carry the version; delete and action forms do not
        if is_form_submitted() and "record_version" in form:
            self.check_form(form)
            valid = valid and not any(field.errors for field in form)
        for field in form:  # Flask-Admin shows only plain-string errors, not lazy ones
            if isinstance(field.errors, list | tuple):
                field.errors = [e if isinstance(e, dict | list) else str(e) for e in field.errors]
        return valid

    def on_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        if not access.can(current_user, access.WRITE, self.kind, model.office_scope):
            raise ValidationError(_("You may only save records of your own office."))
        sent = getattr(form, "record_version", None)
        if not is_created and sent is not None and str(sent.data or "").isdecimal() and int(
                sent.data) != model.version:
            raise ValidationError(
                _(
                    "Someone else saved this record (%(who)s, %(when)s) after you opened it. "
                    "Your changes were not saved. Changed meanwhile: %(fields)s. Reopen the "
                    "record and apply your changes again.",
                    who=model.updated_by or "—",
                    when=model.updated_at.strftime("%Y-%m-%d %H:%M"),
                    fields=self.changed_since(model, int(sent.data)),
                )
            )

    def changed_since(self, model: Any, version: int) -> str:
        """The fields changed after `version`, with their new values, from the audit trail."""
        changed: dict = {}
        with db.session.no_autoflush:  # the form's values are on the model, not to be saved
            history = history_of(model)
        for entry in history:
            if (entry.record_version or 0) > version:
                changed.update(entry.changed)
        labels = self.column_labels or {}
        return "; ".join(f"{labels.get(field, field)} → {_shown(new)}"
                         for field, (_old, new) in changed.items()) or "—"

    def render(self, template: str, **kwargs: Any) -> str:
        """Lists write their rows in Python (`list_rows`); details pages show the record's files
        and its history from the audit trail."""
        if template == self.list_template and "data" in kwargs:
            kwargs["row_html"] = row_writer(self, kwargs)
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs.update(history=history_of(model), audit_actions=ACTIONS,
                          audit_changes=changes_html, related=self.related(model))
            if may_read(current_user, model):
                kwargs.update(evidence=files_of(model),
                              may_attach=may_attach(current_user, model),
                              evidence_limit=current_app.config["EVIDENCE_MAX_BYTES"])
        return super().render(template, **kwargs)

    def related(self, model: Any) -> list[dict]:
        """The records listed under this one's details (a campaign's work, an event's
        meetings): those outside the trash the user may read, each with its page."""
        views = {getattr(v, "model", None): v for v in self.admin._views}
        sections = []
        for attr, heading, anchor in self.details_related:
            rows = []
            for record in getattr(model, attr):
                if record.deleted_at is not None or not access.can(
                        current_user, access.READ, record.__tablename__, record.office_scope):
                    continue
                view = views.get(type(record))
                dated_by = type(record).fields.dated_by or "dated_on"
                # a meeting by its topic, other work by its title: the date has its column
                label = getattr(record, "title", None) or getattr(record, "topic", None)
                rows.append({"record": label or record,
                             "date": getattr(record, dated_by, None),
                             "office": getattr(record, "office", None),
                             "url": view.get_url(f"{view.endpoint}.details_view", id=record.id)
                             if view is not None else None})
            sections.append({"heading": heading, "id": anchor, "rows": rows})
        return sections

    def after_model_change(self, form: Any, model: Any, is_created: bool) -> None:
        """Saved: the next page tells the browser to drop this form's draft (forms.js)."""
        super().after_model_change(form, model, is_created)
        session["draft_saved"] = f"{request.path}|{request.args.get('id', '')}"

    def delete_model(self, model: Any) -> bool:
        """Move the record to the trash instead of deleting it."""
        model.deleted_at = utcnow()
        try:
            db.session.commit()
        except Refused as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return False
        return True

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, Refused):  # e.g. a locked month: say why, keep the form
            flash(str(exc), "error")
            return True
        if isinstance(exc, IntegrityError):
            flash(_("This record conflicts with one that already exists."), "error")
            return True
        if isinstance(exc, DataError):  # e.g. a number beyond what the column holds
            flash(_("A value is out of range or not valid for its field."), "error")
            return True
        if isinstance(exc, StaleDataError):
            flash(_("Someone else saved this record meanwhile. Reopen it and try again."), "error")
            return True
        return super().handle_view_exception(exc)


class KeptCount(Query):
    """A list's count query whose answer is kept under the data version
    (`coalition.versions`), keyed by its SQL and values: counting tens of thousands of
    records took longer than writing the page, for every page of every list. Every write of
    a record moves the version, and a list counts records (`Record`) outside the trash.

    A whole list — no search, no filter: its SQL and values still those `whole` gives — is
    counted from the rollup where there is one (`versions.whole_counts`), without reading
    the records (a list after every save: its count is worked out afresh)."""

    #: (model, office or None, the SQL and values of the whole list's count) when made
    whole: tuple[type, int | None, tuple] | None = None

    def scalar(self) -> Any:
        version = versions.data_version()
        asked = _sql(self)
        key = hashlib.sha256(repr(asked).encode()).hexdigest()
        count = super().scalar
        if self.whole is not None and asked == self.whole[2]:
            model, office_id, _sql_of_whole = self.whole
            rolled = versions.whole_counts.get(model)
            if rolled is not None:
                def count() -> Any:
                    found = rolled(office_id)
                    return found if found is not None else super(KeptCount, self).scalar()
        return versions.kept_at(version, f"list count:{key}", count)


def _sql(query: Query) -> tuple:
    """A query's SQL and values, as its database runs them."""
    compiled = query.statement.compile(dialect=query.session.get_bind().dialect)
    return str(compiled), sorted(compiled.params.items())


def _whole_sql(query: Query, view: tuple, office_id: int | None) -> tuple:
    """`_sql` of a screen's whole-list count, the same for every page of it in a scope:
    compiled once a process, not on every page besides the count's own."""
    key = (view, office_id, query.session.get_bind().dialect.name)
    if key not in _WHOLE_SQL:
        if len(_WHOLE_SQL) >= 1000:
            _WHOLE_SQL.clear()
        _WHOLE_SQL[key] = _sql(query)
    return _WHOLE_SQL[key]


_WHOLE_SQL: dict[tuple, tuple] = {}


def make_admin(app: Flask, index_view: AdminIndexView) -> Admin:
    """The admin every screen is added to: our theme, RTL base template and CSP nonce."""
    return Admin(
        app,
        name=_l("Coalition"),
        index_view=index_view,
        theme=Bootstrap4Theme(base_template="admin/base.html", fluid=True),
        translations_path=None,
        csp_nonce_generator=csp_nonce,
    )


def _arabic() -> bool:
    return language() == "ar"


def _local_name(record) -> Markup:
    """A record's name in the interface language, the other language's on hover."""
    names = getattr(record, "names", None)
    if not callable(names):
        return Markup("{}").format(record)
    from coalition.i18n import other_name

    other = other_name(*names())
    if not other:
        return Markup("<bdi>{}</bdi>").format(record)
    return Markup('<bdi title="{}">{}</bdi>').format(other, record)


def _both_names(record) -> Markup:
    """Both names of an office or partner (the details page), each isolated."""
    names = getattr(record, "names", None)
    if not callable(names):
        return Markup("{}").format(record)
    from coalition.i18n import bilingual

    return Markup("<bdi>{}</bdi>").format(bilingual(*names()))


def _yes_no(value: bool) -> Markup:
    """A tick or a dash, with a tooltip in the user's language."""
    icon, text = ("fa-check-circle", _("Yes")) if value else ("fa-minus-circle", _("No"))
    return Markup('<span class="fa {}" title="{}"></span><span class="sr-only">{}</span>').format(
        icon, text, text)


def choice_filters(column: Any, label: Any, choices: Choices | None) -> tuple:
    """List filters on a coded column: equals, not equal, one of, empty; labels offered."""
    from flask_admin.contrib.sqla import filters

    def options():  # lazy labels: Flask-Admin renders them in each request's language
        return list(choices or ())

    return (filters.FilterEqual(column, label, options=options),
            filters.FilterNotEqual(column, label, options=options),
            filters.FilterInList(column, label, options=options),
            filters.FilterEmpty(column, label))


def relation_filter(model: type[Any], label: Any) -> Any:
    """A list filter by office, track or project: a menu of their names, filtering on codes.

    The names are read at each request (in its language); Flask-Admin would read them once,
    at start-up, before the database may even exist.
    """
    from flask_admin.contrib.sqla import filters

    flt = filters.FilterEqual(model.code, label)

    def options() -> list[tuple[str, str]]:
        return [(row.code, str(row)) for row in db.session.scalars(
            db.select(model).where(model.deleted_at.is_(None)).order_by(model.name_ar))]

    # kept until the next write of that table, in each language
    flt.live_options = lambda: versions.kept_at(
        versions.table_version(model.__tablename__),
        f"filter options:{model.__tablename__}:{language()}", options)
    return flt


class _Lookup(QueryAjaxModelLoader):
    """An ajax look-up that leaves the trash out and ignores ids that are not numbers."""

    def get_one(self, pk):
        # an id in any decimal digits (٠–٩ too) is read as a number, never sent to the database as
        # text (PostgreSQL refuses "٠" for an integer)
        text = str(pk)
        return super().get_one(int(text)) if text.isdecimal() and len(text) < 10 else None

    def __init__(self, *args: Any, own_office: bool = False, **options: Any) -> None:
        super().__init__(*args, **options)
        self.own_office = own_office

    def get_query(self):
        """With `own_office`, office work of a coordinator's own office only (another's could
        not be chosen); dated records the latest first."""
        query = super().get_query()
        office_id = getattr(self.model, "office_id", None)
        if self.own_office and office_id is not None and access.scope(
                current_user, access.WRITE, self.model.__tablename__) == access.OWN:
            query = query.filter(office_id == current_user.office_id)
        if (dated := getattr(self.model, "date", None)) is not None:
            query = query.order_by(dated.desc(), self.model.id.desc())
        return query

    def format(self, model):
        """Both names of a partner while searching, so the right one is picked; a dated
        record (an event) with its date."""
        if model is None:
            return None
        names = getattr(model, "names", None)
        if callable(names):
            from coalition.i18n import bilingual

            return getattr(model, self.pk), bilingual(*names())
        day = getattr(model, "date", None)
        if isinstance(day, date):
            # the title isolated (FSI … PDI): an Arabic title keeps its date after it on an
            # English page too
            return getattr(model, self.pk), f"\u2068{model}\u2069 — {input_text(day)}"
        return super().format(model)


def ajax_ref(name: str, model: type[Any], *fields: str,
             own_office: bool = False) -> QueryAjaxModelLoader:
    """An ajax look-up of `model` records over `fields` (see _Lookup for `own_office`)."""
    return _Lookup(name, db.session, model, fields=fields, filters=["deleted_at IS NULL"],
                   page_size=20, placeholder=_l("Type to search…"), minimum_input_length=1,
                   own_office=own_office)


def _shown(value) -> str:
    """A value of the audit trail in a message: a dash for none, a collection's items joined."""
    if value is None:
        return "—"
    return ", ".join(map(str, value)) or "—" if isinstance(value, list) else str(value)
