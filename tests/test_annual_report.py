"""The annual report: the same figures as /api/kpis, shares that add up, each reader's own
part of it, and a PDF that prints in Arabic."""

import re
import shutil
import subprocess
from html import unescape

import pytest

from coalition.database import db
from coalition.kpis.definitions import CARD_KEYS, COUNTERPART_KEYS, OUTCOME_KEYS
from coalition.kpis.targets.models import Target
from coalition.models import Office
from coalition.reports.pdf import chromium
from tests.helpers import DEMO_PASSWORD, sign_in

YEAR = 2023
ARABIC_TITLE = f"التقرير السنوي {YEAR}"


def api(client, **args) -> dict:
    """/api/kpis for the report's year."""
    response = client.get("/api/kpis", query_string={"year": YEAR, **args})
    assert response.status_code == 200
    return response.get_json()


def report(client, **args) -> str:
    """The report's page."""
    response = client.get("/reports/annual", query_string={"year": YEAR, **args})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def shown(page: str) -> dict[str, float]:
    """Every figure of the "in numbers" section, by KPI key (one shown twice says the same)."""
    section = page.split('id="in-numbers"', 1)[1].split('id="charts"', 1)[0]
    found: dict[str, float] = {}
    for key, value in re.findall(r'data-kpi="([\w.]+)" data-value="([\d.]+)"', section):
        assert found.setdefault(key, float(value)) == float(value), key
    return found


def table(page: str, name: str) -> tuple[list[float], list[float], int, float]:
    """A table's counts and shares, its total and the sum of its shares as printed."""
    body = page.split(f'id="{name}"', 1)[1].split("</table>", 1)[0]
    counts = [float(v) for v in re.findall(r'data-value="([\d.]+)"', body)]
    shares = [float(v) for v in re.findall(r'class="num share"><bdi dir="ltr">([\d.]+)%', body)]
    total = int(re.search(r'data-total="(\d+)"', body).group(1))
    share_sum = float(re.search(r'data-share-sum="([\d.]+)"', body).group(1))
    return counts, shares, total, share_sum


def test_the_reports_figures_are_the_apis(app, demo):
    client = sign_in(app, "leadership", DEMO_PASSWORD)
    page = report(client)
    figures = api(client)["kpis"]
    on_page = shown(page)
    for key in (*CARD_KEYS, *OUTCOME_KEYS, *COUNTERPART_KEYS):
        assert on_page[key] == figures[key], key
    assert on_page["cases.total"] > 0 and on_page["meetings.government"] > 0
    assert '<html lang="ar" dir="rtl">' in page and ARABIC_TITLE in page
    # every office's profile, with the texts the demo gives the legal protection office
    with app.app_context():
        offices = db.session.query(Office).filter(Office.deleted_at.is_(None)).count()
    assert page.count('class="office"') == offices
    assert "الوساطة مع دائرة الهجرة" in page and "منصة إلكترونية لاستقبال الحالات" in page
    assert 'id="chart-outcomes"' in page and 'id="chart-months"' in page
    assert "<script>" not in page  # the strict CSP: scripts come from files only


def test_the_shares_add_up_to_one_hundred(app, demo):
    client = sign_in(app, "leadership", DEMO_PASSWORD)
    page = report(client)
    figures = api(client)["kpis"]
    counts, shares, total, share_sum = table(page, "outcomes-table")
    assert total == figures["cases.total"] == sum(counts)
    assert len(shares) == len(OUTCOME_KEYS) and round(sum(shares), 1) == 100.0 == share_sum
    for count, share in zip(counts, shares, strict=True):
        assert abs(100 * count / total - share) < 0.1
    counts, shares, total, share_sum = table(page, "counterparts-table")
    assert total == sum(figures[key] for key in COUNTERPART_KEYS) == sum(counts)
    assert round(sum(shares), 1) == 100.0 == share_sum


def test_targets_against_actuals_are_in_the_report(app, demo):
    client = sign_in(app, "leadership", DEMO_PASSWORD)
    with app.app_context():
        db.session.add(Target(kpi="meetings.government", year=YEAR, value=50))
        db.session.commit()
    page = report(client)
    actual = api(client)["kpis"]["meetings.government"]
    row = page.split('id="targets-table"', 1)[1].split('data-kpi="meetings.government"', 1)[1]
    assert f"{100 * actual / 50:.1f}%" in row.split("</tr>", 1)[0]


def test_a_coordinator_reads_their_own_offices_report(app, demo):
    client = sign_in(app, "coordinator", DEMO_PASSWORD)
    with app.app_context():
        own = db.session.query(Office).filter_by(code="protection").one().id
        other = db.session.query(Office).filter_by(code="networking").one().id
    page = report(client)
    assert re.findall(r'class="office" data-office="(\d+)"', page) == [str(own)]
    figures = api(client, office=own)["kpis"]
    on_page = shown(page)
    for key in (*CARD_KEYS, *OUTCOME_KEYS):
        assert on_page[key] == figures[key], key
    assert on_page["cases.total"] > 0  # their own office's cases, as they are
    assert client.get("/reports/annual", query_string={"year": YEAR, "office": other}
                      ).status_code == 403
    assert report(client, office=own) == page


def test_leadership_may_read_one_offices_report(app, demo):
    client = sign_in(app, "leadership", DEMO_PASSWORD)
    with app.app_context():
        office = db.session.query(Office).filter_by(code="protection").one().id
    page = report(client, office=office)
    assert re.findall(r'class="office" data-office="(\d+)"', page) == [str(office)]
    assert shown(page)["cases.total"] == api(client, office=office)["kpis"]["cases.total"]


def test_the_home_page_and_the_dashboard_lead_to_the_report(app, login):
    for role in ("leadership", "admin", "coordinator_a"):
        client = login(role)
        for url in ("/", "/dashboard/?year=2024"):
            page = client.get(url).get_data(as_text=True)
            assert 'id="annual-report-link"' in page, (role, url)
        assert 'href="/reports/annual?year=2024"' in page
    for url in ("/", "/dashboard/"):
        assert 'id="annual-report-link"' not in login("donor").get(url).get_data(as_text=True)


def test_donors_are_refused_and_strangers_sent_to_sign_in(app, login):
    assert login("donor").get(f"/reports/annual?year={YEAR}").status_code == 403
    response = app.test_client().get(f"/reports/annual?year={YEAR}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert login("leadership").get("/reports/annual?year=abc").status_code == 400


def test_markup_in_an_office_name_is_escaped(app, login, world):
    with app.app_context():
        office = db.session.get(Office, world["office_a"])
        office.name_ar = "<script>alert(1)</script>"
        office.challenges = "<b>bold</b>"
        db.session.commit()
    page = report(login("leadership"))
    assert "<script>alert(1)</script>" not in page and "<b>bold</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;b&gt;bold&lt;/b&gt;" in page


def test_the_report_reads_in_the_users_language(app, login):
    client = login("leadership")
    client.post("/language/en")
    page = report(client)
    assert f"Annual report {YEAR}" in page


def test_the_pdf_command_says_when_chromium_is_missing(app, world, tmp_path, monkeypatch):
    monkeypatch.setenv("CHROMIUM", str(tmp_path / "no-chromium"))
    monkeypatch.setenv("COALITION_LANG", "en")
    result = app.test_cli_runner().invoke(
        args=["annual-report", "--year", str(YEAR), "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code != 0 and "Chromium is not installed" in result.output
    monkeypatch.setenv("COALITION_LANG", "ar")  # the operator's language, Arabic by default
    result = app.test_cli_runner().invoke(
        args=["annual-report", "--year", str(YEAR), "-o", str(tmp_path / "r.pdf")])
    assert result.exit_code != 0 and "Chromium" in result.output
    assert "Chromium is not installed" not in result.output
    assert not (tmp_path / "r.pdf").exists()


def _plain(text: str) -> str:
    """Text extracted from a PDF without the spaces and direction marks its layout adds."""
    return re.sub(r"[\s\u200e\u200f\u202a-\u202e]", "", unescape(text))


@pytest.mark.skipif(chromium() is None,
                    reason="Debian's Chromium is not installed (apt-get install -y chromium)")
@pytest.mark.skipif(shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
                    reason="poppler-utils (pdftoppm, pdftotext) is not installed")
def test_the_pdf_command_prints_the_report_in_arabic(app, demo, tmp_path):
    pdf = tmp_path / "annual.pdf"
    result = app.test_cli_runner().invoke(
        args=["annual-report", "--year", str(YEAR), "-o", str(pdf)])
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF-")
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "2", str(pdf),
                    str(tmp_path / "page")], check=True, timeout=120)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2 and all(p.stat().st_size > 2000 for p in pages)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True, timeout=120).stdout
    with app.app_context():
        leadership = sign_in(app, "leadership", DEMO_PASSWORD)
        total = api(leadership)["kpis"]["cases.total"]
    assert "التقرير السنوي" in text or _plain("التقرير السنوي") in _plain(text)
    assert f"{int(total):,}" in text
