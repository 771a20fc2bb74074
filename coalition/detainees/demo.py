"""The Detainees Office's demo files: persons documented from families' accounts, their
arrests, informants, consents and the support given, with a few reported twice under
another spelling for the duplicates review to find."""

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from coalition.database import db
from coalition.detainees.models import (
    Consent,
    DetentionEpisode,
    ExternalBody,
    FamilySupport,
    Informant,
    Person,
)

FIRST_MEN = ["محمد", "أحمد", "عمر", "خالد", "يوسف", "إبراهيم", "حسن", "سامر", "مازن", "رامي",
             "وائل", "باسل", "طارق", "فراس", "زياد", "نزار", "هيثم", "عماد"]
FIRST_WOMEN = ["فاطمة", "رنا", "هبة", "سعاد", "لينا", "نور", "ريم", "آمنة"]
FATHERS = ["أحمد", "محمود", "حسين", "عبد الرحمن", "صالح", "عادل", "ياسين", "جمال", "كمال"]
FAMILIES = ["الحلبي", "الشامي", "الإدلبي", "الحمصي", "الديري", "الخطيب", "النجار", "الحموي",
            "الدرعاوي", "الرقاوي", "العبيد", "السيد"]
MOTHERS = ["خديجة", "مريم", "زينب", "عائشة", "سميرة", "نجاح", "وفاء", "حليمة", "منى"]
GOVERNORATES = ["aleppo", "damascus", "rif_dimashq", "idlib", "homs", "hama", "daraa",
                "deir_ez_zor", "raqqa"]
PARTIES = (["government_forces"] * 8 + ["isis"] * 2 + ["sdf", "hts", "armed_opposition",
                                                       "unknown"])
FACILITIES = {"government_forces": ["فرع فلسطين (235)", "سجن صيدنايا العسكري",
                                    "فرع المخابرات الجوية في المزة", "الفرع 215"],
              "isis": ["سجن الملعب البلدي في الرقة"], "sdf": ["سجن غويران في الحسكة"],
              "hts": ["سجن العقاب"], "armed_opposition": [""], "unknown": [""]}
STATUSES = ["disappeared"] * 6 + ["detained"] * 3 + ["released", "released",
                                                      "died_in_custody", "unknown"]
BODIES = [
    dict(code="wgeid", name_ar="الفريق العامل المعني بحالات الاختفاء القسري أو غير الطوعي",
         name_en="UN Working Group on Enforced or Involuntary Disappearances"),
    dict(code="icrc", name_ar="اللجنة الدولية للصليب الأحمر",
         name_en="International Committee of the Red Cross"),
    dict(code="iimp", name_ar="المؤسسة المستقلة المعنية بالمفقودين في سوريا",
         name_en="UN Independent Institution on Missing Persons in Syria"),
    dict(code="icmp", name_ar="اللجنة الدولية لشؤون المفقودين",
         name_en="International Commission on Missing Persons"),
]
SHARED = ("reference,first_name,father_name,family_name,mother_name,latin_name,sex,"
          "birth_year,governorate,status,death_knowledge,arrested_on,detaining_party,"
          "facility,court")
#: the same person reported twice, the second time under another spelling
RESPELLED = [
    (("أسامة", "عبد الله", "الحمصي", "خديجة", 1984), ("اسامه", "عبدالله", "الحمصي", "", 1985)),
    (("عبد الله", "محمود", "الإدلبي", "مريم", 1979), ("عبدالله", "محمود", "ادلبي", "مريم", 1979)),
    (("مصطفى", "حسين", "الحلبي", "زينب", 1990), ("مصطفي", "حسين", "الحلبي", "زينب", 1991)),
]
#: a common name shared by two different people: the review must not propose them
NAMESAKES = [("محمد", "أحمد", "الحلبي", "فاطمة", 1975), ("محمد", "أحمد", "الحلبي", "سعاد", 1996)]


def _bodies() -> dict[str, ExternalBody]:
    found = {body.code: body for body in db.session.scalars(select(ExternalBody))}
    for spec in BODIES:
        if spec["code"] not in found:
            found[spec["code"]] = ExternalBody(**spec, shared_fields=SHARED)
            db.session.add(found[spec["code"]])
    return found


def load_detainees(office: Any, start: date, end: date) -> None:
    """About sixty documented persons of the Detainees Office, with their families' files."""
    rng = random.Random(2011)  # its own: the other demo figures stay as they are
    bodies = _bodies()
    span = (end - start).days

    def day(after: date = start) -> date:
        return after + timedelta(days=rng.randint(0, max(0, (end - after).days)))

    specs = []
    for n in range(52):
        woman = n % 9 == 4
        specs.append((rng.choice(FIRST_WOMEN if woman else FIRST_MEN), rng.choice(FATHERS),
                      rng.choice(FAMILIES), rng.choice(MOTHERS) if n % 5 else "",
                      rng.randint(1950, 2004), "female" if woman else "male"))
    for once, twice in RESPELLED:
        specs += [(*once[:4], once[4], "male"), (*twice[:4], twice[4], "male")]
    specs += [(*spec[:4], spec[4], "male") for spec in NAMESAKES]
    for n, (first, father, family, mother, born, sex) in enumerate(specs):
        status = STATUSES[n % len(STATUSES)]
        person = Person(
            office=office, documented_on=start + timedelta(days=rng.randint(0, span)),
            first_name=first, father_name=father, family_name=family, mother_name=mother,
            sex=sex, birth_year=born, birth_year_estimated=n % 4 == 0,
            governorate=rng.choice(GOVERNORATES), town="", status=status,
            death_knowledge=(("civil_registry", "unverified", "remains")[n % 3]
                             if status == "died_in_custody" else None),
            status_source="زيارة العائلة" if n % 2 else "معتقل سابق أُفرج عنه",
            confidentiality="coalition" if n % 7 == 0 else "office")
        db.session.add(person)
        for arrest in range(1 + (n % 6 == 0)):
            party = rng.choice(PARTIES)
            arrested = date(rng.randint(max(2011, born + 14), 2019), rng.randint(1, 12),
                            rng.randint(1, 28))
            person.episodes.append(DetentionEpisode(
                arrested_on=arrested, arrest_estimated=rng.random() < 0.3,
                governorate=person.governorate, place="حاجز على الطريق العام",
                detaining_party=party, facility=rng.choice(FACILITIES[party]),
                court="محكمة الميدان العسكرية" if party == "government_forces" and n % 3 == 0
                else "",
                released_on=(arrested + timedelta(days=rng.randint(90, 900))
                             if status == "released" and arrest == 0 else None)))
        person.informants.append(Informant(
            relationship_to_person=("mother", "spouse", "sibling", "father", "child")[n % 5],
            name=f"{rng.choice(MOTHERS)} {family}",
            phone=f"+90 5{rng.randint(10, 59)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}",
            how_reached=("in_person", "phone", "online", "partner")[n % 4],
            interviewed_on=person.documented_on, interviewed_by="منسق مكتب المعتقلين",
            reliability=("high", "medium", "high", "low")[n % 4]))
        person.consents.append(Consent(purpose="documentation", given=True,
                                       given_on=person.documented_on,
                                       recorded_by="منسق مكتب المعتقلين"))
        if n % 3 == 0:
            person.consents.append(Consent(
                purpose="external_sharing",
                external_body=bodies[("wgeid", "icrc", "iimp")[(n // 3) % 3]],
                given=n % 9 != 6,
                given_on=person.documented_on, recorded_by="منسق مكتب المعتقلين",
                withdrawn_on=day(person.documented_on) if n % 27 == 0 else None))
        if n % 2 == 0:
            kind = ("material", "individual_psych", "group_session", "legal_guidance",
                    "referral")[n % 5]
            db.session.add(FamilySupport(
                office=office, person=person, date=day(person.documented_on), kind=kind,
                participants=rng.randint(6, 15) if kind == "group_session" else None,
                amount=Decimal(rng.choice((100, 150, 200, 250))) if kind == "material" else None,
                outcome="تم تقديم الدعم" if kind != "referral" else
                "إحالة إلى خدمة البحث عن المفقودين لدى اللجنة الدولية للصليب الأحمر"))
