"""What a poor connection carries: static files compressed and cached for a year under names
that change with their content; pages and JSON compressed, the sign-in page excepted."""

import gzip
import json
import re
from pathlib import Path

import brotli
import pytest

from coalition.assets import HASHED, build_folder

YEAR_CACHE = "public, max-age=31536000, immutable"
BOTH = {"Accept-Encoding": "gzip, deflate, br"}
#: the links of a page to the app's static files
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"?#]+)"')
#: the references of a style sheet to other files
CSS_URL = re.compile(r"""url\(['"]?([^'")?#]+)""")


def get(client, url: str, headers: dict | None = None):
    """GET a URL and read the whole body, closing the file a static response holds open."""
    response = client.get(url, headers=headers or {})
    response.get_data()
    response.close()
    return response


def decoded(response) -> bytes:
    """A response's body as the browser reads it, whatever its encoding."""
    encoding = response.headers.get("Content-Encoding")
    data = response.get_data()
    return {"br": brotli.decompress, "gzip": gzip.decompress}.get(encoding, bytes)(data)


def source_of(app, url: str) -> Path:
    """The file in the repository (or Flask-Admin) that a hashed static URL stands for."""
    folders = {"/static/admin/": Path(app.blueprints["admin"].static_folder),
               "/static/": Path(app.static_folder)}
    prefix = next(p for p in folders if url.startswith(p))
    name = HASHED.sub(lambda m: "." + m.group(0).rsplit(".", 1)[1], url[len(prefix):])
    return folders[prefix] / name


@pytest.fixture
def dashboard_page(login):
    """The dashboard's HTML, as leadership sees it."""
    response = login("leadership").get("/dashboard/", headers=BOTH)
    assert response.status_code == 200
    return decoded(response).decode()


def test_every_static_link_of_a_page_is_hashed_compressed_and_cached_a_year(app, login,
                                                                             dashboard_page):
    form = login("admin").get("/meetings/new/", headers=BOTH)
    assert form.status_code == 200
    form_links = STATIC_LINK.findall(decoded(form).decode())
    # the dashboard has no record form: it leaves the forms' scripts out
    assert not [url for url in STATIC_LINK.findall(dashboard_page)
                if re.search(r"select2|moment|helpers|js/forms", url)]
    links = sorted(set(STATIC_LINK.findall(dashboard_page)) | set(form_links))
    assert len(links) >= 15 and all(HASHED.search(url) for url in links), links
    names = " ".join(links)
    for asset in ("plotly-bar-pie.min", "bootstrap-rtl.min", "jquery.min", "select2.min",
                  "moment.min", "font-awesome.min", "css/app.", "admin/js/helpers.",
                  "js/forms.", "js/datepicker."):
        assert asset in names, asset
    client = app.test_client()
    for url in links:
        response = get(client, url, BOTH)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == YEAR_CACHE, url
        assert "Accept-Encoding" in response.headers["Vary"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "Access-Control-Allow-Origin" not in response.headers
        if url.endswith((".js", ".css")):
            assert response.headers["Content-Encoding"] == "br", url
            assert int(response.headers["Content-Length"]) < len(decoded(response)) * 0.6, url
        if url.endswith(".js"):  # what the browser unpacks is the file itself
            assert decoded(response) == source_of(app, url).read_bytes(), url


def test_plotly_travels_as_a_fraction_of_its_size(app, dashboard_page):
    url = next(u for u in STATIC_LINK.findall(dashboard_page) if "plotly-bar-pie" in u)
    client = app.test_client()
    size = len(source_of(app, url).read_bytes())
    br = get(client, url, {"Accept-Encoding": "br"})
    gz = get(client, url, {"Accept-Encoding": "gzip"})
    plain = get(client, url)
    assert (br.headers["Content-Encoding"], gz.headers["Content-Encoding"]) == ("br", "gzip")
    assert "Content-Encoding" not in plain.headers
    assert decoded(br) == decoded(gz) == plain.get_data() == source_of(app, url).read_bytes()
    assert int(br.headers["Content-Length"]) < size * 0.3  # 1.2 MB -> under 400 KB
    assert int(gz.headers["Content-Length"]) < size * 0.35


def test_style_sheets_point_at_hashed_fonts(app, dashboard_page):
    client = app.test_client()
    sheets = [u for u in STATIC_LINK.findall(dashboard_page) if u.endswith(".css")]
    fonts = []
    for url in sheets:
        text = decoded(get(client, url, BOTH)).decode()
        base = url.rsplit("/", 1)[0]
        fonts += [f"{base}/{ref}" for ref in CSS_URL.findall(text)
                  if ref.endswith((".woff2", ".woff"))]
    assert any("noto-sans-arabic-arabic-400-normal" in f for f in fonts)  # the Arabic font
    assert any("fontawesome-webfont" in f for f in fonts)  # the icons
    for font in fonts:
        path = re.sub(r"[^/]+/\.\./", "", font)
        assert HASHED.search(path), path
        response = get(client, path, BOTH)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == YEAR_CACHE
        assert "Content-Encoding" not in response.headers  # woff2 is compressed already


def test_a_file_that_changes_gets_a_new_name_and_so_does_its_style_sheet(tmp_path):
    source = tmp_path / "static"
    (source / "fonts").mkdir(parents=True)
    (source / "css").mkdir()
    (source / "fonts" / "a.woff2").write_bytes(b"first font")
    (source / "css" / "site.css").write_text(
        "@font-face{src:url('../fonts/a.woff2?v=1') format('woff2')}" + "body{}" * 200)
    first = build_folder(source, tmp_path / "build")
    (source / "fonts" / "a.woff2").write_bytes(b"second font")
    second = build_folder(source, tmp_path / "build")
    assert first["fonts/a.woff2"] != second["fonts/a.woff2"]
    assert first["css/site.css"] != second["css/site.css"]  # it names the new font
    sheet = (tmp_path / "build" / second["css/site.css"]).read_text()
    assert f"url('../{second['fonts/a.woff2']}?v=1')" in sheet
    built = tmp_path / "build" / second["css/site.css"]
    assert gzip.decompress(Path(f"{built}.gz").read_bytes()).decode() == sheet
    assert brotli.decompress(Path(f"{built}.br").read_bytes()).decode() == sheet
    assert not Path(f"{tmp_path / 'build' / second['fonts/a.woff2']}.br").exists()
    # the old names stay: a page cached before the change still finds its files
    assert (tmp_path / "build" / first["css/site.css"]).exists()


def test_an_unhashed_name_is_still_served_but_revalidated(app):
    response = get(app.test_client(), "/static/css/app.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"


def test_pages_and_json_are_compressed_and_still_never_stored(login):
    client = login("leadership")
    page = client.get("/dashboard/", headers=BOTH)
    assert page.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in page.headers["Vary"]
    assert page.headers["Cache-Control"] == "no-store"
    html = decoded(page)
    assert b'id="dashboard-filters"' in html and int(page.headers["Content-Length"]) < len(
        html) / 3
    api = client.get("/api/kpis", headers={"Accept-Encoding": "gzip"})
    assert api.headers["Content-Encoding"] == "gzip"
    assert "meetings.total" in json.loads(decoded(api))["kpis"]
    plain = client.get("/dashboard/")
    assert "Content-Encoding" not in plain.headers and b'id="dashboard-filters"' in plain.data


def test_the_sign_in_page_is_never_compressed(app, world):
    # a CSRF token beside the user name it echoes: what BREACH needs, so no compression
    client = app.test_client()
    page = get(client, "/login", BOTH)
    assert page.status_code == 200 and "Content-Encoding" not in page.headers
    refused = client.post("/login", headers=BOTH,
                          data={"username": "guess" * 200, "password": "wrong password!"})
    assert refused.status_code in (200, 400, 401) and "Content-Encoding" not in refused.headers
