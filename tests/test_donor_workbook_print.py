"""The donor workbook as a donor reads and prints it: in their language, with no machine keys
or empty columns in view, a file name that says what it holds, and pages that print whole."""

import io
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from coalition.choices import COUNTERPART_CATEGORIES, TRAINING_KINDS
from coalition.database import db
from coalition.kpis.definitions import BY_KEY, COUNTERPART_KEYS, KPIS, OUTCOME_KEYS
from coalition.models import Case, Meeting, Partner, Training, Video

YEAR = {"from": "2024-01-01", "to": "2024-12-31"}
COVER, SUMMARY, MEETINGS, TRAININGS = 0, 1, 2, 3
#: outcomes of the year's cases: 12, 7, 6 and 5 of them, so none is hidden as "<5"
OUTCOMES = 12 * ["not_legally_possible"] + 7 * ["directed_to_procedure"] \
    + 6 * ["directed_to_legal_action"] + 5 * ["out_of_scope"]
MEETING_COUNT = 140
LATIN = re.compile(r"[A-Za-z]")


@pytest.fixture
def busy_year(app, world):
    """A year of an office's work long enough to print over several pages."""
    work = {"office_id": world["office_a"], "track_id": world["track_1"],
            "project_id": world["project"]}
    categories = list(COUNTERPART_CATEGORIES.codes)
    with app.app_context():
        partners = [Partner(name_ar=f"جمعية شريكة رقم {n}", name_latin=f"Partner Society {n}",
                            origin="turkish", sector="ngo", partnership_status="active",
                            partnership_start=date(2023, 1, 1)) for n in range(3)]
        db.session.add_all(partners)
        for n in range(MEETING_COUNT):
            db.session.add(Meeting(
                date=date(2024, 1, 1) + timedelta(days=n * 2), counterpart_category=categories[
                    n % len(categories)], government=n % 3 == 0, city="غازي عنتاب",
                topic=f"لقاء تنسيقي حول أوضاع اللاجئين السوريين رقم {n}",
                partners=partners[: n % 3 + 1], **work))
        kinds = list(TRAINING_KINDS.codes)
        for n in range(30):
            db.session.add(Training(title=f"ورشة بناء قدرات {n}", training_kind=kinds[n % 3],
                                    start_date=date(2024, 1, 5) + timedelta(days=n * 11),
                                    hours=6, participants=20, trainers=2, place="إسطنبول",
                                    **work))
        for n in range(8):
            db.session.add(Video(title=f"فيديو توعوي {n}", video_kind="awareness_video",
                                 published_on=date(2024, 2, 1) + timedelta(days=n * 30),
                                 views=100 * n, **work))
        for n, outcome in enumerate(OUTCOMES):
            db.session.add(Case(opened_on=date(2024, 1, 1) + timedelta(days=n * 10),
                                consultation_outcome=outcome, status="closed",
                                closed_on=date(2024, 12, 20), **work))
        db.session.commit()
    return world


def download(client, **args):
    """The donor workbook's response for these filters: asked for, run as a job, fetched."""
    started = client.post("/exports/donor.xlsx", query_string=args)
    assert started.status_code == 303, started.get_data(as_text=True)[:500]
    page = client.get(started.headers["Location"]).get_data(as_text=True)
    link = re.search(r'id="job-file" href="([^"]+)"', page)
    assert link, page[:2000]
    response = client.get(link.group(1))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def in_english(client):
    """The client, with English chosen as its language."""
    client.post("/language/en", data={"next": "/"})
    return client


# --- what the reader sees --------------------------------------------------------------------
def test_no_period_chosen_no_previous_period_column_and_the_keys_hidden(busy_year, login):
    client = in_english(login("leadership"))
    ws = load_workbook(io.BytesIO(download(client).data)).worksheets[SUMMARY]
    assert [cell.value for cell in ws[1]] == ["Figure", "This period", None, "Key in the API"]
    kpi_rows = list(ws.iter_rows(min_row=2, max_row=len(KPIS) + 1, values_only=True))
    assert all(row[2] is None for row in kpi_rows)  # nothing in the unlabelled column
    assert [row[3] for row in kpi_rows] == [kpi.key for kpi in KPIS]
    assert ws.column_dimensions["D"].hidden and not ws.column_dimensions["C"].hidden
    assert ws.auto_filter.ref.startswith("A1:B")

    ws = load_workbook(io.BytesIO(download(client, **YEAR).data)).worksheets[SUMMARY]
    assert [cell.value for cell in ws[1]] == ["Figure", "This period", "Previous period",
                                              "Key in the API"]
    assert ws.column_dimensions["D"].hidden


@pytest.mark.parametrize("language, args, name", [
    ("ar", {}, "donor-workbook_all-dates_coalition_ar.xlsx"),
    ("en", YEAR, "donor-workbook_2024-01-01_2024-12-31_coalition_en.xlsx"),
    ("tr", {"from": "2024-03-01", "office": "A"},
     "donor-workbook_from-2024-03-01_office-protection_tr.xlsx"),
    ("en", {"to": "2024-06-30", "track": "1", "project": "P"},
     "donor-workbook_to-2024-06-30_track-networking_project-himaya_en.xlsx"),
    ("en", {"year": "2024", "quarter": "2", "office": "A"},
     "donor-workbook_2024-04-01_2024-06-30_office-protection_en.xlsx"),
])
def test_the_file_name_says_the_period_the_scope_and_the_language(busy_year, login, language,
                                                                   args, name):
    ids = {"A": busy_year["office_a"], "1": busy_year["track_1"], "P": busy_year["project"]}
    client = login("leadership")
    client.post(f"/language/{language}", data={"next": "/"})
    response = download(client, **{key: ids.get(value, value) for key, value in args.items()})
    assert response.headers["Content-Disposition"] == f"attachment; filename={name}"


def test_the_arabic_workbook_has_no_english_in_its_titles_and_headers(busy_year, login):
    book = load_workbook(io.BytesIO(download(login("leadership"), **YEAR).data))
    assert book.worksheets[COVER]["A1"].value == "الائتلاف — مصنّف المانحين"
    texts = [ws.title for ws in book.worksheets]
    for ws in book.worksheets:
        texts += [str(cell.value) for row in ws.iter_rows() for cell in row
                  if cell.font.b and cell.value is not None
                  and not ws.column_dimensions[cell.column_letter].hidden]
        texts += ["".join(run.t for paragraph in chart.title.tx.rich.p for run in paragraph.r)
                  for chart in ws._charts]
    assert len(texts) > 60
    assert [text for text in texts if LATIN.search(text.replace("UTC", ""))] == []


def test_every_sheet_prints_on_a4_at_the_pages_width(busy_year, login):
    book = load_workbook(io.BytesIO(download(login("leadership"), **YEAR).data))
    assert len(book.worksheets) == 9  # cover, summary, results, six record sheets
    for ws in book.worksheets:
        setup = ws.page_setup
        assert (int(setup.paperSize), int(setup.fitToWidth), int(setup.fitToHeight)) == (9, 1, 0)
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.sheet_view.rightToLeft, ws.title  # Arabic: printed right to left too
        assert ws.oddHeader.center.text == "&A" and ws.oddFooter.center.text == "&P / &N"
        shown = sum(ws.column_dimensions[cell.column_letter].width for cell in ws[1]
                    if not ws.column_dimensions[cell.column_letter].hidden)
        assert setup.orientation == ("landscape" if shown > 100 else "portrait"), ws.title
    assert book.worksheets[SUMMARY].page_setup.orientation == "portrait"
    assert book.worksheets[MEETINGS].page_setup.orientation == "landscape"
    for ws in book.worksheets[MEETINGS:]:
        assert ws.print_title_rows == "$1:$1", ws.title  # the header row on every page


# --- printed by LibreOffice ------------------------------------------------------------------
def _pdf_pages(xlsx: bytes, folder: Path) -> list[str]:
    """The workbook printed to PDF by LibreOffice, as the text of each page."""
    source = folder / "donor.xlsx"
    source.write_bytes(xlsx)
    # a profile of its own: another LibreOffice running on the machine does not interfere
    subprocess.run([shutil.which("libreoffice"), "--headless", "--norestore",
                    f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(folder), str(source)],
                   check=True, capture_output=True, timeout=300)
    pdf = folder / "donor.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    count = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = text.split("\f")[:count]
    assert len(pages) == count
    return [" ".join(page.split()) for page in pages]


@pytest.mark.skipif(not (shutil.which("libreoffice") and shutil.which("pdftotext")),
                    reason="LibreOffice or poppler is not installed "
                           "(apt-get install -y libreoffice-calc-nogui poppler-utils)")
def test_libreoffice_prints_whole_pages_and_whole_charts(busy_year, login, tmp_path):
    client = in_english(login("leadership"))
    data = download(client, **YEAR).data
    book = load_workbook(io.BytesIO(data))
    pages = _pdf_pages(data, tmp_path)

    # each page's header names its sheet: the pages of each sheet, in order
    titles = [ws.title for ws in book.worksheets]
    owners = [next(t for t in sorted(titles, key=len, reverse=True) if page.startswith(t))
              for page in pages]
    assert list(dict.fromkeys(owners)) == titles
    per_sheet = {title: owners.count(title) for title in titles}
    # 140 meetings and 30 trainings: a few pages, not one per dozen rows (the issue saw 95)
    assert per_sheet[titles[COVER]] == 1
    assert per_sheet[titles[SUMMARY]] == 3  # the tables (two pages), then the charts
    assert 2 <= per_sheet[titles[MEETINGS]] <= 4
    assert per_sheet[titles[TRAININGS]] == 1
    assert len(pages) == sum(per_sheet.values()) <= 12
    assert all(re.search(rf"\b{number} / {len(pages)}\b", page)
               for number, page in enumerate(pages, start=1))

    # no column cut off: every page of a record sheet holds every word of every heading
    for ws in book.worksheets[MEETINGS:]:
        words = {word for cell in ws[1] for word in str(cell.value).split()}
        for page in (p for p, owner in zip(pages, owners, strict=True) if owner == ws.title):
            assert {word for word in words if word not in page} == set(), ws.title
    # no row lost: every meeting's date is printed, once
    meetings = " ".join(p for p, owner in zip(pages, owners, strict=True)
                        if owner == titles[MEETINGS])
    assert len(re.findall(r"\b2024-\d\d-\d\d\b", meetings)) == MEETING_COUNT

    # the charts page holds both charts whole: titles, every category, every value label
    charts = pages[owners.index(titles[SUMMARY]) + 1]
    assert str(BY_KEY[KPIS[0].key].label) not in charts  # no table spills onto it
    assert "Legal consultation outcomes (share of cases)" in charts
    assert "Meetings by counterpart category" in charts
    for key in (*OUTCOME_KEYS, *COUNTERPART_KEYS):  # a long label wraps over two lines
        assert [w for w in str(BY_KEY[key].label).split() if w not in charts] == [], key
    for share in ("40.0%", "23.3%", "20.0%", "16.7%"):  # 12, 7, 6 and 5 of 30 cases
        assert share in charts
    meetings_per_category = {MEETING_COUNT // 6 + (n < MEETING_COUNT % 6) for n in range(6)}
    for count in meetings_per_category:
        assert re.search(rf"\b{count}\b", charts)
