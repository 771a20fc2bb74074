"""The demo dataset: the annual report 2022–2024 as records, so its "in numbers" add up.

Where the report contradicts itself (DOMAIN.md), the records are chosen to be consistent:
the four consultation outcomes keep their counts (1,410 cases) and the other 290 cases have
no outcome recorded yet; the eight court referrals are six sponsored by the project (3
positive, 3 under follow-up) and two referred to a lawyer (1 under follow-up, 1 negative).
"""

import random
from datetime import date, timedelta
from typing import Any

from coalition.accounts.models import User
from coalition.activities.models import AwarenessActivity, Event, Training, Video
from coalition.cases.models import Case, CasePersonal
from coalition.contacts.models import Contact
from coalition.database import db
from coalition.detainees.demo import load_detainees
from coalition.meetings.models import Meeting
from coalition.monitoring.models import (
    CROSSING_PLACES,
    Campaign,
    Indicator,
    MonitoringFigure,
    Place,
    Testimony,
    TestimonyStatement,
)
from coalition.normalize import contact_key
from coalition.offices.models import Office, Project, Track
from coalition.partners.models import Partner
from coalition.publications.models import AdvocacyIssue, Publication

START, END = date(2022, 1, 1), date(2024, 12, 31)

OFFICES = [
    dict(code="protection", name_ar="مكتب الحماية القانونية", name_en="Legal Protection Office",
         mission="تقديم الاستشارة القانونية للسوريين في تركيا ومتابعة حالاتهم حتى حلها.",
         tasks="استقبال الحالات؛ الاستشارة القانونية؛ الوساطة مع دائرة الهجرة؛ التوجيه للقضاء.",
         achievements="الاستجابة لـ1700 حالة خلال 2022–2024.",
         challenges="تغير الإجراءات القانونية بسرعة وقلة المحامين المتعاونين.",
         future_plans="منصة إلكترونية لاستقبال الحالات وتقارير مرئية دورية."),
    dict(code="detainees", name_ar="مكتب المعتقلين", name_en="Detainees Office",
         description="جزء من هيكل الائتلاف يُعنى بقضايا المعتقلين والمفقودين والمغيبين قسرياً.",
         mission="توثيق حالات المعتقلين ودعم عائلاتهم والمناصرة لقضيتهم.",
         tasks="توثيق الحالات وبناء قاعدة بيانات؛ التواصل مع المنظمات الدولية؛ جمع المعلومات "
               "من العائلات؛ الدعم المادي والنفسي للعائلات.",
         achievements="توثيق حالات معتقلين لدى عدة جهات وبناء علاقات مع منظمات دولية ومحلية.",
         challenges="نقص التجهيزات التقنية، وسجلات ورقية معرضة للضياع أو التلف.",
         future_plans="منصة إلكترونية للتوثيق وتقارير مرئية."),
    dict(code="networking", name_ar="مكتب التواصل والتشبيك",
         name_en="Communication and Networking Office",
         mission="بناء العلاقات مع المؤسسات التركية والسورية والدولية.",
         tasks="تنظيم اللقاءات والزيارات وإدارة دليل الجهات والشخصيات."),
    dict(code="capacity", name_ar="مكتب تعزيز القدرات", name_en="Capacity Building Office",
         mission="تعزيز قدرات المنظمات الأعضاء عبر الورشات والتدريبات."),
    dict(code="harmony", name_ar="مكتب العلاقات العامة والإعلام",
         name_en="Public Relations and Media Office",
         mission="تحسين صورة السوريين في تركيا عبر التعليم والثقافة والإعلام (مشروع انسجام)."),
    dict(code="advocacy", name_ar="مكتب المناصرة", name_en="Advocacy Office",
         mission="إيصال أصوات المتضررين إلى صناع القرار محلياً ودولياً."),
]
TRACKS = [
    dict(number=1, code="capacity", name_ar="تعزيز قدرات منظمات المجتمع المدني",
         name_en="Strengthening member organisations' capacity"),
    dict(number=2, code="networking", name_ar="التواصل والتشبيك",
         name_en="Communication and networking"),
    dict(number=3, code="public_relations", name_ar="العلاقات العامة والسمعة",
         name_en="Public relations and reputation"),
    dict(number=4, code="advocacy", name_ar="المناصرة المجتمعية ومشروع حماية",
         name_en="Community advocacy and the Himaya project"),
]
PROJECTS = [
    dict(code="harmony", name_ar="مشروع انسجام", name_en="Harmony",
         description="التعليم والثقافة والإعلام."),
    dict(code="himaya", name_ar="مشروع حماية", name_en="Himaya (protection)",
         description="الحالات القانونية الفردية والوساطة والتوعية القانونية."),
]
USERS: list[dict[str, Any]] = [
    dict(username="admin", role="admin", display_name="مدير النظام", office=None),
    dict(username="leadership", role="leadership", display_name="القيادة", office=None),
    dict(username="coordinator", role="coordinator", display_name="منسق مكتب الحماية",
         office="protection"),
    dict(username="donor", role="donor", display_name="الجهة المانحة", office=None),
    dict(username="detainees", role="coordinator", display_name="منسق مكتب المعتقلين",
         office="detainees"),
]

# Meetings by counterpart category (257 in all), with what the report says they were.
MEETINGS = {
    "tr_government": (71, ["لقاء مع نائب وزير الداخلية", "لقاء مع نائب وزير الثقافة والسياحة",
                           "لقاء مع نائب وزير العمل", "لقاء مع رئاسة الهجرة",
                           "لقاء مع إدارة الكوارث والطوارئ AFAD", "لقاء مع بلدية",
                           "الاجتماع الشهري في ولاية إسطنبول"]),
    "tr_ngo": (68, ["لقاء مع هيئة حزبية", "لقاء مع هيئة الإغاثة الإنسانية İHH",
                    "لقاء مع نقابة", "لقاء مع جمعية تركية"]),
    "tr_media": (43, ["لقاء مع صحفي تركي", "لقاء مع ناشط تركي"]),
    "sy_institution": (27, ["لقاء مع مؤسسة سورية", "تنسيق مع رابطة منظمات سورية"]),
    "sy_media": (32, ["لقاء مع صحفي سوري", "لقاء مع ناشط سوري"]),
    "intl": (16, ["لقاء مع المفوضية السامية للاجئين UNHCR", "لقاء مع برنامج الأمم المتحدة "
                  "الإنمائي UNDP", "لقاء مع الوكالة الألمانية للتعاون الدولي GIZ",
                  "لقاء مع مجلس العلاقات الأمريكية الإسلامية CAIR"]),
}
CITIES = ["إسطنبول", "غازي عنتاب", "أنقرة", "أورفا", "هاتاي", "بورصة"]

PARTNER_NAMES = [
    ("المفوضية السامية للأمم المتحدة لشؤون اللاجئين", "UNHCR", "international", "un"),
    ("برنامج الأمم المتحدة الإنمائي", "UNDP", "international", "un"),
    ("الوكالة الألمانية للتعاون الدولي", "GIZ", "international", "ngo"),
    ("مجلس العلاقات الأمريكية الإسلامية", "CAIR", "international", "civil_society"),
    ("هيئة الإغاثة الإنسانية وحقوق الإنسان والحريات", "İHH", "turkish", "ngo"),
    ("الهلال الأحمر التركي", "Türk Kızılay", "turkish", "ngo"),
    ("برنامج التنمية القانونية السورية", "SLDP", "syrian", "civil_society"),
    ("منصة شبكات المجتمع المدني السوري", "SCNP", "syrian", "civil_society"),
    ("الدفاع المدني السوري", "Syria Civil Defence", "syrian", "civil_society"),
    ("الجمعية الطبية السورية الأمريكية", "SAMS", "international", "ngo"),
    ("المرصد السوري لحقوق الإنسان", "SOHR", "syrian", "civil_society"),
    ("منظمة العفو الدولية", "Amnesty International", "international", "civil_society"),
    ("اللجنة الدولية لشؤون المفقودين", "ICMP", "international", "un"),
    ("جامعة غازي عنتاب", "Gaziantep Üniversitesi", "turkish", "academic"),
    ("اتحاد الصحفيين الأتراك", "Türkiye Gazeteciler Cemiyeti", "turkish", "media"),
    ("رابطة الإعلاميين السوريين", "Syrian Media Association", "syrian", "media"),
    ("منظمة التعاون الإسلامي", "OIC", "arab", "un"),
    ("الهلال الأحمر القطري", "Qatar Red Crescent", "arab", "ngo"),
]
ORIGIN_CYCLE = ["syrian", "turkish", "syrian", "turkish", "arab", "international"]
SECTOR_CYCLE = ["civil_society", "ngo", "media", "academic", "union", "party"]

FIRST = ["محمد", "أحمد", "عمر", "علي", "خالد", "يوسف", "إبراهيم", "مصطفى", "حسن", "سامر",
         "فاطمة", "مريم", "سارة", "هدى", "رنا", "ليلى", "آمنة", "نور", "ريم", "سلمى",
         "Mehmet", "Ahmet", "Ayşe", "Elif", "Mustafa", "Zeynep", "Emre", "Fatma", "Can", "Deniz"]
LAST = ["الحلبي", "الشامي", "الإدلبي", "الحمصي", "الديري", "العلي", "الخطيب", "النجار",
        "السيد", "القاسم", "Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Öztürk", "Aydın",
        "Arslan", "Doğan", "Kılıç"]
ORGANISATIONS = ["بلدية إسطنبول الكبرى", "رئاسة الهجرة", "ولاية غازي عنتاب", "AFAD",
                 "جمعية أوزغور دير", "حزب العدالة والتنمية", "صحيفة يني شفق", "تلفزيون سوريا",
                 "المجلس المحلي في أعزاز", "UNHCR", "جامعة إسطنبول", "İHH", "نقابة المحامين",
                 "غرفة تجارة غازي عنتاب", "منظمة بنفسج", "شبكة شام", "وقف الديانة التركي",
                 "مؤسسة الأناضول", "رابطة المحامين السوريين الأحرار", ""]
CONTACT_CATEGORY_BY_ORG = ["government", "government", "government", "government",
                           "civil_society", "party", "media", "media", "civil_society",
                           "international", "academic", "civil_society", "civil_society",
                           "other", "civil_society", "media", "government", "media",
                           "civil_society", "activist"]
TITLES = ["مدير", "مسؤول العلاقات العامة", "صحفي", "ناشط", "نائب رئيس", "منسق مشاريع",
          "مستشار قانوني", "رئيس قسم"]

EVENTS = [
    ("webinar", "معالجة تداعيات الفيتو الروسي على آلية المساعدات الإنسانية عبر الحدود",
     date(2023, 7, 20), "", True, 85),
    ("webinar", "الدعوى الهولندية الكندية ضد النظام السوري أمام محكمة العدل الدولية",
     date(2023, 10, 12), "", True, 120),
    ("webinar", "جلسة إطلاق برنامج سياسة العقوبات السورية", date(2023, 5, 9), "", True, 60),
    ("workshop", "سردية وتداعيات العقوبات في سورية", date(2023, 11, 14), "برلين", False, 35),
    ("press_conference", "المؤتمر الصحفي لإعلان تشكيل التحالف العملياتي",
     date(2023, 3, 2), "إدلب", False, 70),
    ("side_event", "فعالية جانبية خلال الدورة 54 لمجلس حقوق الإنسان",
     date(2023, 9, 27), "جنيف", False, 55),
    ("delegation_visit", "وفد إلى البعثات الدائمة لدى الأمم المتحدة", date(2023, 9, 28),
     "جنيف", False, 8),
    ("delegation_visit", "اجتماعات في واشنطن مع وزارة الخارجية ومجلس النواب",
     date(2024, 4, 16), "واشنطن", False, 12),
    ("conference", "مناقشة عامة حول استراتيجية الولايات المتحدة لمعالجة قضية الكبتاغون",
     date(2024, 4, 16), "واشنطن", False, 90),
    ("summit", "رعاية قمة القيادة الوطنية للمسلمين الأميركيين", date(2024, 4, 18),
     "واشنطن", False, 300),
]


#: the events whose co-organising partners 002 names (title -> partners' Latin names)
EVENT_PARTNERS = {
    "سردية وتداعيات العقوبات في سورية": ("SLDP", "SCNP"),
    "المؤتمر الصحفي لإعلان تشكيل التحالف العملياتي": ("Syria Civil Defence", "SAMS"),
}
GENEVA, WASHINGTON = EVENTS[6][1], EVENTS[7][1]
#: the delegations' meetings (002): event, day, counterpart met, topic. They are meetings
#: with Arab and international institutions the report already counts (16 in all): the
#: demo holds them as the advocacy office's, held during the delegations, so that every
#: headline figure stays as the report has it.
DELEGATION_MEETINGS = [
    *((GENEVA, date(2023, 9, 27 + n // 4), "بعثة دائمة لدى الأمم المتحدة في جنيف",
       f"لقاء مع بعثة دائمة ({n + 1} من 8) خلال الدورة 54 لمجلس حقوق الإنسان: وصول المساعدات "
       "عبر الحدود، وآليات التحقيق الدولية في الانتهاكات، والتطورات السياسية")
      for n in range(8)),
    (WASHINGTON, date(2024, 4, 15), "نائب مساعد وزير الخارجية لشؤون الشرق الأدنى",
     "لقاء مع وزارة الخارجية الأميركية وفريقها المعني بسورية: دعم الاستقرار في شمال غرب سورية"),
    (WASHINGTON, date(2024, 4, 15), "مكتب الشرق الأوسط",
     "لقاء مع الوكالة الأميركية للتنمية الدولية USAID: التعافي المبكر وأعمال التنمية"),
    (WASHINGTON, date(2024, 4, 16), "مدير عمليات المساعدات الإنسانية",
     "لقاء مع مجلس الأمن القومي في البيت الأبيض: المساعدات الإنسانية لشمال سورية"),
    (WASHINGTON, date(2024, 4, 16), "عضو في اللجنة الفرعية",
     "لقاء مع اللجنة الفرعية للعمليات الخارجية والبرامج ذات الصلة في مجلس النواب الأميركي"),
    (WASHINGTON, date(2024, 4, 17), "لجنة فرعية في مجلس النواب",
     "لقاء مع اللجنة الفرعية للاعتمادات لشؤون الدولة والعمليات الخارجية والتحالف الأميركي "
     "من أجل سورية: مساعدات الاستقرار والتعليم والصحة"),
]


TRAINING_WORDS = {"workshop": "ورشة", "training": "تدريب", "course": "دورة"}
TRAINING_TOPICS = ["الامتثال القانوني", "إدارة المشاريع", "المناصرة", "الإعلام الرقمي", "الحماية"]


def split(total: int, parts: int, rng: random.Random, minimum: int = 1) -> list[int]:
    """`parts` whole numbers of at least `minimum` that add up to exactly `total`."""
    cuts = sorted(rng.sample(range(1, total - parts * (minimum - 1)), parts - 1))
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, total - parts * (minimum - 1)],
                                   strict=True)]
    return [size + minimum - 1 for size in sizes]


def day(rng: random.Random, start: date = START, end: date = END) -> date:
    """A random day between `start` and `end`, both included."""
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _upsert(model, rows: list[dict]) -> dict:
    """Create the named rows that are missing; return them all by code."""
    found = {row.code: row for row in db.session.query(model)}
    for row in rows:
        if row["code"] not in found:
            found[row["code"]] = model(**row)
            db.session.add(found[row["code"]])
    return found


def load_demo(password: str) -> bool:
    """Load the demo dataset; False (and nothing added) if it is already there."""
    offices = _upsert(Office, OFFICES)
    tracks = _upsert(Track, TRACKS)
    projects = _upsert(Project, PROJECTS)
    db.session.flush()
    for spec in USERS:
        user = db.session.query(User).filter_by(username=spec["username"]).one_or_none()
        if user is None:
            user = User(**{**spec, "office": offices.get(spec["office"])})
            db.session.add(user)
        user.set_password(password)
    already = db.session.query(Case.id).filter(Case.office_id == offices["protection"].id).first()
    if already:
        db.session.commit()
        return False
    rng = random.Random(2024)
    partners = _partners(rng, offices)
    contacts = _contacts(rng)
    international = _meetings(rng, offices, tracks, projects, partners, contacts)
    _trainings(rng, offices, tracks, projects)
    _videos(rng, offices, tracks, projects)
    events = _activities_and_events(rng, offices, tracks, projects, partners)
    _delegations(events, international, offices, tracks)
    _publications(rng, offices, tracks, projects)
    _cases(rng, offices, tracks, projects)
    stocks = _monitoring(offices, tracks)
    _campaign(offices, tracks, stocks, events)
    load_detainees(offices["detainees"], START, END)
    db.session.commit()
    return True


def _partners(rng, offices) -> list[Partner]:
    """52 partnerships (and a few organisations with none yet)."""
    partners = []
    for i in range(60):
        if i < len(PARTNER_NAMES):
            name_ar, name_latin, origin, sector = PARTNER_NAMES[i]
        else:
            origin, sector = ORIGIN_CYCLE[i % 6], SECTOR_CYCLE[i % 6]
            name_ar, name_latin = f"منظمة شريكة {i + 1}", f"Partner Organisation {i + 1}"
        partnered = i < 52
        start = day(rng) if partnered else None
        partners.append(Partner(
            name_ar=name_ar, name_latin=name_latin, origin=origin, sector=sector,
            partnership_status=("active" if i % 7 else "ended") if partnered else
            ("proposed" if i % 2 else "none"),
            partnership_start=start,
            partnership_end=(min(start + timedelta(days=365), END) if start and not i % 7
                             else None),
            written_agreement=partnered and i % 3 == 0,
            office=offices["networking"],
        ))
    db.session.add_all(partners)
    return partners


def _contacts(rng) -> list[Contact]:
    """A directory of just over 3,000 entities and persons, none entered twice."""
    contacts: list[Contact] = []
    keys: set[str] = set()
    while len(contacts) < 3050:
        org_index = rng.randrange(len(ORGANISATIONS))
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if rng.random() < 0.3:
            name = f"{name} {rng.choice(FIRST)}"
        key = contact_key(name, ORGANISATIONS[org_index])
        if key in keys:
            continue
        keys.add(key)
        contacts.append(Contact(
            name=name, contact_kind="person", organisation=ORGANISATIONS[org_index],
            title=rng.choice(TITLES), category=CONTACT_CATEGORY_BY_ORG[org_index],
            city=rng.choice(CITIES), country="تركيا" if rng.random() < 0.8 else "سوريا",
            phone="", email="", match_key=key,
        ))
    db.session.add_all(contacts)
    return contacts


def _meetings(rng, offices, tracks, projects, partners, contacts) -> list[Meeting]:
    """257 meetings by counterpart category and 186 within-track meetings; returns those
    with Arab and international institutions (the delegations hold some of them)."""
    international = []
    for category, (count, topics) in MEETINGS.items():
        for i in range(count):
            meeting = Meeting(
                date=day(rng), office=offices["networking"], track=tracks["networking"],
                counterpart_category=category, government=category == "tr_government",
                comprehensive=False, topic=topics[i % len(topics)], city=rng.choice(CITIES),
                counterpart_level="نائب وزير" if category == "tr_government" and i < 3 else "",
                outcome="تم الاتفاق على متابعة الملفات المطروحة.",
            )
            meeting.partners = [rng.choice(partners)]
            meeting.contacts = rng.sample(contacts, 2)
            db.session.add(meeting)
            if category == "intl":
                international.append(meeting)
    office_cycle = ["capacity", "networking", "harmony", "protection"]
    for i in range(186):
        track = TRACKS[i % 4]["code"]
        db.session.add(Meeting(
            date=day(rng), office=offices[office_cycle[i % 4]], track=tracks[track],
            project=projects["himaya"] if track == "advocacy" else
            projects["harmony"] if track == "public_relations" else None,
            counterpart_category=None, government=False, comprehensive=True,
            topic=f"اجتماع شامل لمسار {TRACKS[i % 4]['name_ar']}", city="إسطنبول",
        ))
    return international


def _trainings(rng, offices, tracks, projects) -> None:
    """19 workshops and 11 trainings and courses: 470 hours, 850 participants, 127 trainers."""
    kinds = ["workshop"] * 19 + ["training"] * 8 + ["course"] * 3
    hours, people, trainers = split(470, 30, rng, 4), split(850, 30, rng, 8), split(127, 30, rng)
    for i, kind in enumerate(kinds):
        start = day(rng)
        db.session.add(Training(
            title=f"{TRAINING_WORDS[kind]} {TRAINING_TOPICS[i % 5]} {i + 1}",
            training_kind=kind, start_date=start,
            end_date=start + timedelta(days=rng.randint(0, 3)),
            office=offices["capacity"], track=tracks["capacity"],
            project=projects["himaya"] if i % 5 == 4 else None,
            hours=hours[i], participants=people[i], trainers=trainers[i],
            place=rng.choice(CITIES), online=i % 6 == 0,
        ))


def _videos(rng, offices, tracks, projects) -> None:
    """65 awareness videos, and the reels, human stories and programme episodes beside them."""
    for kind, count, title in (("awareness_video", 65, "فيديو توعوي"), ("reel", 75, "ريلز"),
                               ("human_story", 6, "قصة إنسانية"),
                               ("programme_episode", 24, "حلقة برنامج")):
        for i in range(count):
            published = day(rng, date(2023, 5, 1) if kind == "programme_episode" else START)
            db.session.add(Video(
                title=f"{title} {i + 1}", video_kind=kind, published_on=published,
                platform=rng.choice(["youtube", "facebook", "instagram"]),
                link=f"https://example.org/videos/{kind}/{i + 1}",
                office=offices["harmony"], track=tracks["public_relations"],
                project=projects["harmony"] if kind != "awareness_video" or i % 2 else
                projects["himaya"], views=rng.randint(500, 60000),
            ))


def _activities_and_events(rng, offices, tracks, projects, partners) -> dict[str, Event]:
    """30 awareness activities; the advocacy events (returned by title), with the partners
    002 names; 19 screenings with 5,000 attendees."""
    for i in range(30):
        activity = AwarenessActivity(
            title=f"جلسة توعية قانونية {i + 1}", date=day(rng), office=offices["protection"],
            track=tracks["advocacy"], project=projects["himaya"], place=rng.choice(CITIES),
            online=i % 5 == 0, attendees=rng.randint(15, 90),
            topic="الحقوق والواجبات بموجب الحماية المؤقتة (كملك)",
        )
        activity.partners = [rng.choice(partners)]
        db.session.add(activity)
    by_name = {partner.name_latin: partner for partner in partners}
    events = {}
    for kind, title, when, place, online, attendees in EVENTS:
        events[title] = Event(title=title, event_kind=kind, date=when, place=place,
                              online=online, attendees=attendees, office=offices["advocacy"],
                              track=tracks["advocacy"], topic=title)
        events[title].partners = [by_name[name] for name in EVENT_PARTNERS.get(title, ())]
        db.session.add(events[title])
    for i, attendees in enumerate(split(5000, 19, rng, 100)):
        db.session.add(Event(
            title=f"عرض سينمائي {i + 1}", event_kind="screening", date=day(rng),
            place=rng.choice(CITIES), attendees=attendees, office=offices["harmony"],
            track=tracks["public_relations"], project=projects["harmony"],
        ))
    return events


def _delegations(events: dict[str, Event], international: list[Meeting], offices,
                 tracks) -> None:
    """The Geneva and Washington delegations' meetings (002), each held during its event."""
    for meeting, (title, when, level, topic) in zip(international, DELEGATION_MEETINGS,
                                                    strict=False):
        meeting.event = events[title]
        meeting.office, meeting.track, meeting.project = offices["advocacy"], tracks[
            "advocacy"], None
        meeting.date, meeting.counterpart_level, meeting.topic = when, level, topic
        meeting.city = events[title].place
        meeting.partners, meeting.contacts = [], []  # the missions are in no directory
        meeting.outcome = "تم الاتفاق على استمرار التواصل والتشاور وتحديثات دورية."


def _publications(rng, offices, tracks, projects) -> None:
    """Policy papers with their word counts, special legal reports, advocacy issues."""
    for words, when in ((1300, date(2022, 7, 17)), (1670, date(2022, 8, 9)),
                        (1400, date(2022, 8, 15))):
        db.session.add(Publication(
            title=f"ورقة سياسات {when.isoformat()}", publication_kind="policy_paper", date=when,
            word_count=words, office=offices["advocacy"], track=tracks["advocacy"]))
    for i in range(4):
        db.session.add(Publication(
            title=f"تقرير قانوني خاص {i + 1}", publication_kind="report", date=day(rng),
            office=offices["protection"], track=tracks["advocacy"], project=projects["himaya"]))
    for i in range(24):
        db.session.add(AdvocacyIssue(
            title=f"قضية مناصرة مجتمعية {i + 1}", raised_on=day(rng),
            status=["raised", "in_progress", "resolved", "closed"][i % 4],
            office=offices["advocacy"], track=tracks["advocacy"], project=projects["himaya"]))


def _cases(rng, offices, tracks, projects) -> None:
    """1,700 cases with the report's outcomes, mediations, referrals and 13 under follow-up."""
    outcomes = (["not_legally_possible"] * 647 + ["directed_to_procedure"] * 316
                + ["directed_to_legal_action"] * 316 + ["out_of_scope"] * 131 + [None] * 290)
    rng.shuffle(outcomes)
    referrals = ([("sponsored", "positive")] * 3 + [("sponsored", "follow_up")] * 3
                 + [("lawyer", "follow_up"), ("lawyer", "negative")])
    follow_up = 13 - sum(1 for _, result in referrals if result == "follow_up")
    categories = ["residence", "deportation", "address", "work", "family", "other"]
    legal_action = [i for i, o in enumerate(outcomes) if o == "directed_to_legal_action"]
    procedure = [i for i, o in enumerate(outcomes) if o == "directed_to_procedure"]
    referred = dict(zip(legal_action[:8], referrals, strict=True))
    mediated = {i: ("immigration" if n < 50 else "other") for n, i in enumerate(procedure[:54])}
    open_ones = set(procedure[54:54 + follow_up])
    for i, outcome in enumerate(outcomes):
        opened = day(rng)
        court, result = referred.get(i, ("none", None))
        still_open = i in open_ones or result == "follow_up"
        case = Case(
            opened_on=opened, office=offices["protection"], track=tracks["advocacy"],
            project=projects["himaya"], problem_category=categories[i % 6],
            consultation_outcome=outcome, mediation=mediated.get(i, "none"),
            court_referral=court, referral_result=result,
            status="follow_up" if still_open else "closed",
            closed_on=None if still_open else min(opened + timedelta(days=rng.randint(1, 60)),
                                                   END),
            consent_given=i < 40, consent_date=opened if i < 40 else None,
            consent_scope="التوثيق والمتابعة القانونية" if i < 40 else "",
        )
        if i < 40:  # fictitious people, to prove personal details never leave
            case.personal = CasePersonal(
                full_name=f"{rng.choice(FIRST[:20])} {rng.choice(LAST[:10])}",
                phone=f"+90 5{rng.randint(10, 59)} {rng.randint(100, 999)} "
                      f"{rng.randint(1000, 9999)}",
                id_number=f"99{rng.randint(100000000, 999999999)}",
                notes="ملاحظات شخصية سرية",
            )
        db.session.add(case)


# --- monitoring (000, 004): deportations per crossing, published stocks ----------------------
#: Syrians deported from Turkey per crossing, January–July 2024 (000: "about 57,000")
DEPORTED_2024 = {"tel_abyad": 12016, "bab_al_hawa": 14603, "bab_al_salama": 18601,
                 "jarablus": 11852}
INDICATORS = [
    dict(code="deportations", name_ar="الترحيل", name_en="Deportations"),
    dict(code="deaths_under_torture", name_ar="الوفيات تحت التعذيب",
         name_en="Deaths under torture"),
    dict(code="deaths_under_torture_children", name_ar="الوفيات تحت التعذيب: أطفال",
         name_en="Deaths under torture: children"),
    dict(code="deaths_under_torture_women", name_ar="الوفيات تحت التعذيب: نساء",
         name_en="Deaths under torture: women"),
    dict(code="enforced_disappearances", name_ar="الإخفاء القسري",
         name_en="Enforced disappearances"),
]
#: the figures the campaign for detainees publishes (004), since 2011, as of its statement
STOCKS_004 = [("deaths_under_torture", 13200), ("deaths_under_torture_children", 163),
              ("deaths_under_torture_women", 43), ("enforced_disappearances", 96000)]
CAMPAIGN_DATE = date(2024, 6, 26)  # the day in support of victims of torture


def _month_end(first: date) -> date:
    """The last day of `first`'s month."""
    return date(first.year + first.month // 12, first.month % 12 + 1, 1) - timedelta(days=1)


def _monitoring(offices, tracks) -> list[MonitoringFigure]:
    """The deportations of 000 per crossing and month, and the stocks 004 publishes
    (returned: the campaign cites them)."""
    rng = random.Random(57072)  # its own, so the rest of the demo stays as it was
    places = _upsert(Place, [dict(code=code, name_ar=ar, name_en=en, place_kind="crossing")
                             for code, ar, en in CROSSING_PLACES]
                     + [dict(code="syria", name_ar="سوريا", name_en="Syria",
                             place_kind="country")])
    indicators = _upsert(Indicator, INDICATORS)
    db.session.flush()
    months = [date(2024, month, 1) for month in range(1, 8)]
    for code, total in DEPORTED_2024.items():
        for first, value in zip(months, split(total, len(months), rng, 900), strict=True):
            db.session.add(MonitoringFigure(
                indicator=indicators["deportations"], place=places[code], measure="flow",
                period_start=first, period_end=_month_end(first), value=value,
                office=offices["advocacy"], track=tracks["advocacy"],
                source_name="القائمون على المعبر (عبر منظمة «سوريون»)",
                source_kind="crossing_administration",
                source_wording="مغادرة الأراضي التركية",
                note="المصطلح الذي طُلب من المعابر استخدامه يخلط بين الترحيل القسري والعودة "
                     "الطوعية.",
                reliability="probable", publishable=True))
    stocks = []
    for code, value in STOCKS_004:
        stocks.append(MonitoringFigure(
            indicator=indicators[code], place=places["syria"], measure="stock",
            as_of=CAMPAIGN_DATE, value=value, office=offices["detainees"],
            track=tracks["advocacy"], source_name="الحملة الدولية من أجل المعتقلين",
            source_kind="human_rights_organisation",
            source_wording="منذ بداية الثورة عام 2011 وحتى يومنا هذا",
            note="أرقام تنشرها الحملة؛ لا تُجمع مع أرقام سابقة.",
            reliability="probable", publishable=True))
    db.session.add_all(stocks)
    _testimonies(offices, tracks, places)
    return stocks


#: the six testimonies of 000, taken online in July 2024: (pseudonym, anonymous, crossing,
#: made to sign a voluntary-return paper, where held before removal, the publishable summary)
TESTIMONIES = [
    ("الشاهد أ", True, "bab_al_hawa", True, "مركز ترحيل في إسطنبول",
     "أوقف في حملة تدقيق على الهويات رغم حمله بطاقة الحماية المؤقتة، ورُحّل خلال أيام."),
    ("الشاهد ب", True, "bab_al_salama", True, "مركز ترحيل في غازي عنتاب",
     "طُلب منه توقيع ورقة «عودة طوعية» دون أن تُشرح له، ثم نُقل إلى المعبر."),
    ("الشاهد ج", True, "tel_abyad", False, "مركز احتجاز في أورفا",
     "احتُجز بعد محاولة عبور الحدود إلى بلغاريا، ورُحّل مع آخرين."),
    ("الشاهدة د", True, "jarablus", True, "مركز ترحيل في هاتاي",
     "رُحّلت بعد مراجعة دائرة الهجرة لتحديث عنوانها."),
    ("الشاهد هـ", True, "bab_al_hawa", False, "مركز احتجاز قرب أدرنة",
     "أُعيد من الحدود البلغارية واحتُجز أسبوعين قبل ترحيله."),
    ("إعلامي", False, "bab_al_salama", True, "مركز ترحيل في إسطنبول",
     "إعلامي وافق على ذكر اسمه؛ رُحّل بعد توقيفه في الشارع وأُجبر على توقيع ورقة العودة."),
]


def _testimonies(offices, tracks, places) -> None:
    """The six testimonies of 000: five anonymous, each with consent and its statement."""
    for number, (pseudonym, anonymous, crossing, signed, held, summary) in enumerate(
            TESTIMONIES, start=1):
        db.session.add(Testimony(
            taken_on=date(2024, 7, 2 + 4 * number), place_taken="عبر الإنترنت",
            taken_by="باحث الرصد", office=offices["advocacy"], track=tracks["advocacy"],
            subject="forced_deportation", witness_pseudonym=pseudonym, anonymous=anonymous,
            consent_given=True, consent_reports=True, consent_named=not anonymous,
            kimlik=True, signed_voluntary_return=signed, held_before_removal=held,
            crossing=places[crossing], summary=summary,
            statement=TestimonyStatement(text=f"إفادة مفصلة رقم {number} (نص الشاهد كما رواه)."),
        ))


# --- the campaign for detainees (004) ---------------------------------------------------------
CAMPAIGN = dict(
    code="detainees_campaign", name_ar="الحملة الدولية لإنقاذ المعتقلين في سوريا",
    name_en="International Campaign to Save the Detainees in Syria",
    start_date=date(2015, 1, 1),
    aim="حملة مناصرة يقودها ناجون وناجيات من المعتقلات، تعرّف العالم بقضية المعتقلين لدى كل "
        "أطراف النزاع، وتكشف التعذيب والقتل الممنهج في السجون، وتحمل الصوت إلى مجلس الأمن "
        "والمنظمات الحقوقية الدولية؛ وتركّز اليوم على ضحايا التعذيب الذين عرف ذووهم بوفاتهم "
        "من السجل المدني، وعلى المختفين قسرياً.",
    demands="\n".join((
        "تحرّك دولي فوري لكشف مصير المعتقلين والمختفين قسرياً.",
        "إلزام النظام بتسليم قوائم بأسماء المعتقلين الأحياء لديه.",
        "تسليم قوائم من قضوا في المعتقلات وكشف أماكن دفنهم في المقابر الجماعية.",
        "مناصرة شعبية ومدنية واسعة تصنع رأياً عاماً ضاغطاً.",
        "إبقاء القضية إنسانية، بعيداً عن المفاوضات السياسية.",
    )),
)
#: the event 002 lists that speaks for detainees (Saydnaya detainees' association took part)
ICJ_WEBINAR = EVENTS[1][1]


def _campaign(offices, tracks, stocks: list[MonitoringFigure],
              events: dict[str, Event]) -> None:
    """The campaign of 004 with its demands, citing its published stocks, and work done for
    it: the ICJ webinar, an event and a statement of the Detainees Office (none of them a
    headline figure of the report)."""
    campaign = Campaign(**CAMPAIGN, office=offices["detainees"], track=tracks["advocacy"],
                        figures=stocks)
    events[ICJ_WEBINAR].campaign = campaign
    db.session.add_all([
        campaign,
        Event(title="التعريف بضحايا التعذيب في اليوم الدولي لمساندتهم", event_kind="other",
              date=CAMPAIGN_DATE, place="غازي عنتاب", attendees=60,
              office=offices["detainees"], track=tracks["advocacy"], campaign=campaign,
              topic="ضحايا التعذيب الذين عرف ذووهم بوفاتهم من السجل المدني، وما على العائلة "
                    "فعله: التوثيق والتواصل مع المنظمات المعنية بالمعتقلين."),
        Publication(title="بيان الحملة: ضحايا التعذيب والمختفون قسرياً", date=CAMPAIGN_DATE,
                    publication_kind="report", office=offices["detainees"],
                    track=tracks["advocacy"], campaign=campaign,
                    summary="الأرقام التي تنشرها الحملة ومطالبها."),
    ])
