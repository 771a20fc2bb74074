"""Hostile workbooks: small files built to exhaust the server are refused fast, in little memory."""

import io
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from test_import import as_bytes, english, office_workbook, record_counts, written
from werkzeug.test import EnvironBuilder

ROOT = Path(__file__).resolve().parent.parent
MAIN_NS = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
#: the CPU time refusing a hostile file may take (the work done, whatever else the machine
#: runs), and the wall-clock time on a machine shared by a dozen busy processes
CPU_SECONDS, SECONDS = 3, 60


def upload(client, data: bytes, **form):
    """Post a file to the import page; the test client's spooled body is closed afterwards."""
    builder = EnvironBuilder(path="/import/", method="POST",
                             data={"workbook": (io.BytesIO(data), "office.xlsx"), **form})
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def rebuilt(data: bytes, replace: dict[str, bytes] | None = None,
            add: dict[str, bytes] | None = None) -> bytes:
    """The workbook `data` with some parts replaced and others added."""
    replace, add = replace or {}, add or {}
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            archive.writestr(item.filename, replace.get(item.filename)
                             or source.read(item.filename), zipfile.ZIP_DEFLATED)
        for name, content in add.items():
            archive.writestr(name, content, zipfile.ZIP_DEFLATED)
    return target.getvalue()


def sheet(rows: bytes, prolog: bytes = b"") -> bytes:
    """A worksheet part holding `rows` (XML of <row> elements)."""
    return (b'<?xml version="1.0" encoding="UTF-8"?>' + prolog + b"<worksheet " + MAIN_NS
            + b"><sheetData>" + rows + b"</sheetData></worksheet>")


def strings_bomb(base: bytes) -> bytes:
    """A shared-strings part of four million tiny strings: ~70 MB unpacked, ~100 KB zipped."""
    count = 4_000_000
    part = (b'<?xml version="1.0" encoding="UTF-8"?><sst ' + MAIN_NS
            + b' count="%d" uniqueCount="%d">' % (count, count)
            + b"<si><t>a</t></si>" * count + b"</sst>")
    source = zipfile.ZipFile(io.BytesIO(base))
    types = source.read("[Content_Types].xml").replace(b"</Types>", (
        b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'))
    return rebuilt(base, replace={"[Content_Types].xml": types},
                   add={"xl/sharedStrings.xml": part})


def rows_bomb(base: bytes) -> bytes:
    """A sheet of 300,000 short rows."""
    rows = b"".join(b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>x</t></is></c></row>'
                    % (n, n) for n in range(1, 300_001))
    return rebuilt(base, replace={"xl/worksheets/sheet2.xml": sheet(rows)})


def row_gap(base: bytes) -> bytes:
    """Two rows a million apart: openpyxl would walk every empty row between them."""
    rows = b'<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="A1048576"><v>1</v>' \
           b"</c></row>"
    return rebuilt(base, replace={"xl/worksheets/sheet2.xml": sheet(rows)})


def row_gap_in_utf16(base: bytes) -> bytes:
    """The gap again, in a part encoded as UTF-16 (which expat, and so openpyxl, reads)."""
    rows = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1e6"><c><v>1</v></c></row>'
    part = ('<?xml version="1.0" encoding="UTF-16"?><worksheet xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main"><sheetData>' + rows
            + "</sheetData></worksheet>").encode("utf-16")
    return rebuilt(base, replace={"xl/worksheets/sheet2.xml": part})


def rows_behind_comments(base: bytes) -> bytes:
    """300,000 rows in a part with comments, which could hide a tag from a quick count."""
    rows = b"".join(b'<row><!-- <c r="A1"> --><c r="XFD%d"><v>1</v></c></row>' % n
                    for n in range(1, 300_001))
    return rebuilt(base, replace={"xl/worksheets/sheet2.xml": sheet(rows)})


def wide_rows(base: bytes) -> bytes:
    """Rows of one cell in the last column: openpyxl would pad each to 16,384 cells."""
    rows = b"".join(b'<row r="%d"><c r="XFD%d"><v>1</v></c></row>' % (n, n)
                    for n in range(1, 1001))
    return rebuilt(base, replace={"xl/worksheets/sheet2.xml": sheet(rows)})


def billion_laughs(base: bytes) -> bytes:
    """The classic entity bomb, in a worksheet."""
    entities = b'<!ENTITY lol "lol">' + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10))
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    part = sheet(rows, b"<!DOCTYPE worksheet [" + entities + b"]>")
    return rebuilt(base, replace={"xl/worksheets/sheet2.xml": part})


def external_entity(base: bytes) -> bytes:
    """An entity that would read a file of the server into a cell."""
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'
    part = sheet(rows, b'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>')
    return rebuilt(base, replace={"xl/worksheets/sheet2.xml": part})


def huge_part(base: bytes) -> bytes:
    """A part that states 150 MB unpacked (of spaces: it zips to almost nothing)."""
    return rebuilt(base, add={"xl/media/filler.xml": b" " * (150 * 1024 * 1024)})


def macro_enabled(base: bytes) -> bytes:
    """A workbook saved as .xlsm: a VBA project and the macro-enabled content type."""
    source = zipfile.ZipFile(io.BytesIO(base))
    types = source.read("[Content_Types].xml").replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    return rebuilt(base, replace={"[Content_Types].xml": types},
                   add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512})


PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")
CSV = "name,organisation\nأحمد,رئاسة الهجرة\n".encode()

#: name -> (builder of the file from a good workbook, words of the message the user reads)
HOSTILE = {
    "shared-strings bomb": (strings_bomb, "more than 1,000,000 different texts"),
    "300,000 rows": (rows_bomb, "more than 100,000 rows"),
    "a million-row gap": (row_gap, "more than 100,000 rows"),
    "rows padded to the last column": (wide_rows, "more than 3,000,000 cells"),
    "a gap in UTF-16": (row_gap_in_utf16, "more than 100,000 rows"),
    "rows behind comments": (rows_behind_comments, "more than 3,000,000 cells"),
    "billion laughs": (billion_laughs, "XML declarations (DTD or entities)"),
    "external entity": (external_entity, "XML declarations (DTD or entities)"),
    "a part of 150 MB": (huge_part, "too large once unpacked"),
    "macro-enabled": (macro_enabled, "holds macros (.xlsm)"),
    "a PNG named .xlsx": (lambda _base: PNG, "not an Excel workbook (.xlsx)"),
    "a CSV named .xlsx": (lambda _base: CSV, "not an Excel workbook (.xlsx)"),
}


@pytest.fixture
def good(login) -> bytes:
    """A filled template, as an office would upload it."""
    return as_bytes(office_workbook(login("coordinator_a")))


def test_the_good_workbook_is_within_every_limit(app, world, login, good):
    response = upload(english(login("coordinator_a")), good, dry_run="y")
    assert response.status_code == 200 and "would do" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_workbook_is_refused_fast_with_a_4xx_and_says_why(app, world, login, good,
                                                                     name):
    build, words = HOSTILE[name]
    data = build(good)
    assert len(data) < 2 * 1024 * 1024, "each hostile file is small"
    client = english(login("coordinator_a"))
    started, cpu = time.perf_counter(), time.process_time()
    response = upload(client, data)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    page = response.get_data(as_text=True)
    assert response.status_code == 422, name
    assert words in page, name
    assert cpu < CPU_SECONDS and elapsed < SECONDS, f"{name}: {cpu:.1f} s CPU, {elapsed:.1f} s"
    assert not written(response) and "root:" not in page
    assert record_counts(app) == dict.fromkeys(record_counts(app), 0)


def _cli_import(app, path: Path) -> tuple[int, str, float, int]:
    """`flask import --dry-run` in its own process: exit code, output, CPU seconds, peak RSS
    (MB)."""
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "SECRET_KEY": "test", "CASE_DATA_KEYS": ",".join(app.config["CASE_DATA_KEYS"])}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "app", "import", str(path), "--dry-run",
         "--lang", "en", "--office", "protection"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = process.stdout.read().decode()
    process.stdout.close()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    assert time.perf_counter() - started < SECONDS * 2
    return (process.returncode, output, usage.ru_utime + usage.ru_stime,
            usage.ru_maxrss // 1024)


@pytest.mark.parametrize("name", ["shared-strings bomb", "300,000 rows", "billion laughs",
                                  "rows padded to the last column"])
def test_flask_import_refuses_a_hostile_workbook_in_bounded_memory(app, world, good, tmp_path,
                                                                   name):
    good_path, hostile_path = tmp_path / "good.xlsx", tmp_path / "hostile.xlsx"
    good_path.write_bytes(good)
    hostile_path.write_bytes(HOSTILE[name][0](good))
    code, output, good_cpu, baseline = _cli_import(app, good_path)
    assert code == 0, output
    code, output, cpu, peak = _cli_import(app, hostile_path)
    assert code != 0 and HOSTILE[name][1] in output, output
    # the process's start-up is in both figures; the refusal itself adds little to either
    assert cpu < good_cpu + CPU_SECONDS, f"{cpu:.1f} s CPU against {good_cpu:.1f} s"
    assert peak < baseline + 100, f"peak {peak} MB against {baseline} MB for a good workbook"


def test_the_limits_are_settings(app, world, login, good, monkeypatch):
    client = english(login("coordinator_a"))
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 20)
    response = upload(client, good)
    assert response.status_code == 422 and "more than 20 rows" in response.get_data(as_text=True)
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 100_000)
    monkeypatch.setitem(app.config, "IMPORT_MAX_CELLS", 50)
    response = upload(client, good)
    assert response.status_code == 422 and "more than 50 cells" in response.get_data(
        as_text=True)
    monkeypatch.setitem(app.config, "IMPORT_MAX_CELLS", 3_000_000)
    assert upload(client, good, dry_run="y").status_code == 200


def test_the_limits_are_read_from_the_environment(monkeypatch, tmp_path):
    from coalition.config import load_config

    monkeypatch.setenv("IMPORT_MAX_ROWS", "5000")
    monkeypatch.setenv("IMPORT_MAX_PART_BYTES", str(50 * 1024 * 1024))
    config = load_config(str(tmp_path))
    assert config["IMPORT_MAX_ROWS"] == 5000
    assert config["IMPORT_MAX_PART_BYTES"] == 50 * 1024 * 1024
