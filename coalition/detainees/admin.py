"""The Detainees Office's screens: documented persons (names need-to-know, every view of
them logged), their episodes, informants, consents and family support, and the review of
likely duplicates."""

from typing import Any

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import insert, or_, select

from coalition import access
from coalition.audit.models import AuditEntry, entry_row, log_view
from coalition.database import Refused, db
from coalition.detainees import duplicates
from coalition.detainees.matching import LABELS, MIN_SCORE
from coalition.detainees.models import (
    Consent,
    DetaineeMerge,
    DetentionEpisode,
    FamilySupport,
    Informant,
    Person,
)
from coalition.fields import shown
from coalition.i18n import language
from coalition.views import RecordView

#: the access key of the persons' identifying fields
PERSONAL = Person.personal_access
#: the person's identifying fields, as the details page shows them
IDENTIFYING = tuple(f for f in Person.fields if f.personal)


def may_see_names(office_id: int | None) -> bool:
    """True if the signed-in user may see the names of the persons of this office."""
    return access.can(current_user, access.READ, PERSONAL, office_id)


def _names_scope() -> int | None | bool:
    """The office whose names the user sees (None: every office; False: none)."""
    granted = access.scope(current_user, access.READ, PERSONAL)
    if granted == access.ALL:
        return None
    if granted == access.OWN and current_user.office_id:
        return current_user.office_id
    return False


def _person(value) -> Person:
    """A person by id from a form or the address, for a user who may change their file."""
    try:
        person = db.session.get(Person, int(value))
    except (TypeError, ValueError):
        person = None
    if person is None or person.deleted_at is not None:
        abort(404)
    access.require(access.can(current_user, access.WRITE, Person.__tablename__,
                              person.office_id) and may_see_names(person.office_id))
    return person


def _log_views(persons: list[Person]) -> None:
    """Log that the signed-in user saw the names of these persons (one entry each)."""
    if persons:
        db.session.execute(insert(AuditEntry), [
            entry_row("view_personal", person, {}) for person in {p.id: p for p in persons}
            .values()])
        db.session.commit()


#: the person page's tables: endpoint, context key, model, columns
SECTIONS = (
    ("detention_episodes", "episodes", DetentionEpisode,
     ("arrested_on", "arrest_estimated", "detaining_party", "governorate", "place", "facility",
      "court", "released_on")),
    ("detainee_informants", "informants", Informant,
     ("relationship_to_person", "name", "phone", "how_reached", "interviewed_on",
      "interviewed_by", "reliability")),
    ("detainee_consents", "consents", Consent,
     ("purpose", "external_body", "given", "given_on", "recorded_by", "withdrawn_on")),
    ("family_support", "supports", FamilySupport,
     ("date", "kind", "participants", "amount", "outcome")),
)


def _show(obj, name: str) -> str:
    """A value of a part of the person's file as it reads (personal values only reach the
    sections their readers may see)."""
    declared = type(obj).fields.get(name)
    value = getattr(obj, name, None)
    if declared is not None and declared.personal:
        return value or "—"
    return shown(declared, value)


class PersonView(RecordView):
    """Documented persons: pseudonymous for all but their office's coordinators and admins."""

    column_default_sort = ("documented_on", True)
    details_template = "admin/detainee_details.html"
    personal_fields = tuple(f.name for f in IDENTIFYING)
    form_no_default = ("status",)

    # --- who reads which file ------------------------------------------------------------
    def _scoped(self, query):
        """A coordinator reads their office's files, and the pseudonymous reference of the
        files marked coalition-internal."""
        query = query.filter(self.model.deleted_at.is_(None))
        if access.scope(current_user, access.READ, self.kind) == access.OWN:
            query = query.filter(or_(self.model.office_id == current_user.office_id,
                                     self.model.confidentiality == "coalition"))
        return query

    def may(self, action: str, model: Any) -> bool:
        """Besides the rules, a coalition-internal file's reference is read by every
        coordinator."""
        return super().may(action, model) or (
            action == access.READ and model.confidentiality == "coalition"
            and access.scope(current_user, access.READ, self.kind) == access.OWN)

    def edit_form(self, obj: Any = None) -> Any:
        """The latest arrest comes from the episodes once there are any."""
        form = super().edit_form(obj)
        if obj is not None and obj.episodes:
            for name in ("arrest_date", "detaining_party"):
                if name in form:
                    del form[name]
        return form

    def get_save_return_url(self, model: Any, is_created: bool = False) -> str:
        """After saving, the person's page: it shows the likely duplicates."""
        return self.get_url(".details_view", id=model.id)

    # --- the person's page -----------------------------------------------------------------
    def _parts(self, model: Person) -> dict:
        """What the person's page shows besides the pseudonymous fields, each by its rule."""
        office = model.office_id

        def readable(kind: str) -> bool:
            return access.can(current_user, access.READ, kind, office)

        def alive(items):
            return [item for item in items if item.deleted_at is None]

        context: dict = {"may_write": access.can(current_user, access.WRITE, self.kind, office),
                         "labels": LABELS}
        context["status_history"] = alive(model.status_changes)
        if readable(DetentionEpisode.__tablename__):
            context["episodes"] = alive(model.episodes)
        if readable(FamilySupport.__tablename__):
            context["supports"] = alive(model.supports)
        if readable(Consent.__tablename__):
            context["consents"] = alive(model.consents)
        if may_see_names(office):
            log_view(model)  # every view of identifying data is on record
            context["personal"] = [(f.label, getattr(model, f.name), f.ltr) for f in IDENTIFYING]
            if readable(Informant.__tablename__):
                context["informants"] = alive(model.informants)
            context["candidates"] = duplicates.candidates(model, office_id=_names_scope() or None)
            context["merges"] = list(db.session.scalars(select(DetaineeMerge).where(
                DetaineeMerge.kept_id == model.id, DetaineeMerge.undone_at.is_(None),
                DetaineeMerge.deleted_at.is_(None))))
        return context

    def render(self, template: str, **kwargs: Any) -> Any:
        model = kwargs.get("model")
        if template == self.edit_template and model is not None:
            log_view(model)  # the edit form shows the names too
        if template == self.details_template and model is not None:
            parts = self._parts(model)
            sections = [
                (key, model_.fields.title, parts[name],
                 [(column, model_.fields.by_name[column].label,
                   model_.fields.by_name[column].ltr) for column in columns])
                for key, name, model_, columns in SECTIONS if name in parts]
            kwargs.update(parts, sections=sections, show=_show, lang=language(), part_urls={
                name: self.get_url(f"{name}.create_view", person=model.id)
                for name in ("detention_episodes", "detainee_informants", "detainee_consents",
                             "family_support")})
        return super().render(template, **kwargs)

    # --- duplicates --------------------------------------------------------------------------
    @expose("/duplicates/")
    def duplicates_view(self) -> Any:
        """Every likely pair of files the user may see the names of, to merge or set apart."""
        scope = _names_scope()
        access.require(scope is not False)
        try:
            min_score = float(request.args.get("min_score", MIN_SCORE))
        except ValueError:
            abort(400, _("The minimum score must be a number between 0 and 1."))
        if not 0 <= min_score <= 1:
            abort(400, _("The minimum score must be a number between 0 and 1."))
        pairs = duplicates.all_pairs(min_score, office_id=scope)[:200]
        ids = {i for a, b, _s, _m in pairs for i in (a, b)}
        persons = {p.id: p for p in db.session.scalars(
            select(Person).where(Person.id.in_(ids)))} if ids else {}
        rows = [(persons[a], persons[b], value, matched) for a, b, value, matched in pairs]
        _log_views([person for row in rows for person in row[:2]])
        return self.render("admin/detainee_duplicates.html", rows=rows, labels=LABELS,
                           min_score=min_score)

    def _back(self, person: Person) -> Any:
        target = request.form.get("back")
        if target == "review":
            return redirect(self.get_url(".duplicates_view"))
        return redirect(self.get_url(".details_view", id=person.id))

    @expose("/merge/", methods=("POST",))
    def merge_view(self) -> Any:
        """Merge the second file into the first (audited; undoable from the kept file)."""
        access.require(self.can_edit)
        kept, merged = _person(request.form.get("kept")), _person(request.form.get("merged"))
        if kept.id == merged.id:
            abort(400, _("A file cannot be merged with itself."))
        try:
            duplicates.merge(kept, merged)
            db.session.commit()
        except Refused as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return self._back(kept)
        flash(_("%(merged)s was merged into %(kept)s. The merge can be undone from this page.",
                merged=merged.reference, kept=kept.reference), "success")
        return redirect(self.get_url(".details_view", id=kept.id))

    @expose("/unmerge/", methods=("POST",))
    def unmerge_view(self) -> Any:
        """Undo a merge: the merged file gets back everything it brought."""
        access.require(self.can_edit)
        try:
            record = db.session.get(DetaineeMerge, int(request.form.get("merge", "")))
        except ValueError:
            record = None
        if record is None or record.undone_at is not None:
            abort(404)
        _person(record.kept_id)
        try:
            duplicates.undo_merge(record)
            db.session.commit()
        except Refused as refused:
            db.session.rollback()
            flash(str(refused), "error")
            return redirect(self.get_url(".details_view", id=record.kept_id))
        flash(_("The merge was undone: %(merged)s is a file of its own again.",
                merged=record.merged.reference), "success")
        return redirect(self.get_url(".details_view", id=record.kept_id))

    @expose("/not-same/", methods=("POST",))
    def not_same_view(self) -> Any:
        """Remember that two files are different people."""
        access.require(self.can_edit)
        a, b = _person(request.form.get("a")), _person(request.form.get("b"))
        if a.id == b.id:
            abort(400, _("A file is always the same person as itself."))
        duplicates.not_same(a, b)
        db.session.commit()
        flash(_("%(a)s and %(b)s are kept apart and will not be proposed again.",
                a=a.reference, b=b.reference), "success")
        return self._back(a)


class PartView(RecordView):
    """A record about a documented person: picked among the files the user may change,
    opened from the person's page and back to it after saving."""

    column_default_sort = ("id", True)

    def _limit_persons(self, form: Any) -> None:
        if "person" not in form:
            return
        query = db.session.query(Person).filter(Person.deleted_at.is_(None))
        if access.scope(current_user, access.WRITE, self.kind) != access.ALL:
            query = query.filter(Person.office_id == current_user.office_id)
        form.person.query = query.order_by(Person.reference)
        wanted = request.args.get("person", "")
        if request.method == "GET" and wanted.isdigit() and form.person.data is None:
            form.person.data = query.filter(Person.id == int(wanted)).one_or_none()

    def create_form(self, obj: Any = None) -> Any:
        form = super().create_form(obj)
        self._limit_persons(form)
        return form

    def edit_form(self, obj: Any = None) -> Any:
        form = super().edit_form(obj)
        self._limit_persons(form)
        return form

    def get_save_return_url(self, model: Any, is_created: bool = False) -> str:
        return self.get_url("detainees.details_view", id=model.person_id)


class EpisodeView(PartView):
    """Detention episodes: one per arrest."""

    column_default_sort = ("arrested_on", True)


class InformantView(PartView):
    """Informants: names and phones for the office's coordinators and admins only."""

    personal_fields = ("name", "phone")

    def render(self, template: str, **kwargs: Any) -> Any:
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            log_view(model)
            kwargs["personal"] = [(f.label, getattr(model, f.name), f.ltr)
                                  for f in Informant.fields if f.personal]
        if template == self.edit_template and model is not None:
            log_view(model)
        return super().render(template, **kwargs)

    details_template = "admin/case_details.html"


class ConsentView(PartView):
    """The family's consents, one row per purpose."""

    column_default_sort = ("given_on", True)


class SupportView(PartView):
    """Support given to the families."""

    column_default_sort = ("date", True)


class ExternalBodyView(RecordView):
    """The external bodies families may consent to share with."""

    column_default_sort = ("code", False)
