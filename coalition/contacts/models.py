"""Directory entries, unique by their folded name and organisation."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from coalition.choices import CONTACT_CATEGORIES, CONTACT_KINDS
from coalition.database import Record
from coalition.fields import EMAIL, PHONE, Field, Fields
from coalition.normalize import contact_key


class Contact(Record):
    """A person or an entity in the directory."""

    __tablename__ = "contacts"

    name: Mapped[str] = mapped_column(String(300))
    contact_kind: Mapped[str] = mapped_column("kind", String(10), default="person")
    organisation: Mapped[str] = mapped_column(String(300), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(20), default="other", index=True)
    city: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: folded name + organisation; the same entry is never entered twice
    match_key: Mapped[str] = mapped_column(String(620), unique=True)

    fields = Fields(
        Field("name", _l("Name"), required=True, listed=True, searched=True),
        Field("organisation", _l("Organisation"), listed=True, searched=True),
        Field("contact_kind", _l("Person or entity"), choices=CONTACT_KINDS, listed=True,
              filtered=True, aliases=("kind", "kind_code")),
        Field("category", _l("Category"), choices=CONTACT_CATEGORIES, listed=True,
              filtered=True),
        Field("title", _l("Title"), listed=True, searched=True),
        Field("city", _l("City"), listed=True, filtered=True, searched=True),
        Field("country", _l("Country"), listed=True, filtered=True),
        Field("phone", _l("Phone"), text=PHONE, searched=True),
        Field("email", _l("Email"), text=EMAIL, searched=True),
        Field("notes", _l("Notes")),
        title=_l("Contacts"),
    )

    def __str__(self) -> str:
        return f"{self.name} — {self.organisation}" if self.organisation else self.name


@event.listens_for(Contact, "before_insert")
@event.listens_for(Contact, "before_update")
def _set_match_key(_mapper, _connection, contact: Contact) -> None:
    contact.match_key = contact_key(contact.name, contact.organisation)
