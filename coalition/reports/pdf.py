"""The annual report as a PDF: its page rendered with the styles and fonts inlined, printed
by headless Chromium (Debian's /usr/bin/chromium, or CHROMIUM), which shapes Arabic."""

import base64
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

#: where Chromium is looked for, after the CHROMIUM environment variable
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
#: a font of the style sheet, by its path relative to the style sheet
FONT_URL = re.compile(r'url\("\.\./(vendor/fonts/[^"]+\.woff2)"\)')
#: how long Chromium may take to print, in seconds
TIMEOUT = 180


class PdfError(RuntimeError):
    """The PDF could not be made; str() says why and what to do."""


def chromium() -> str | None:
    """The path of a Chromium to print with, or None."""
    named = os.environ.get("CHROMIUM")
    if named:
        return named if Path(named).exists() else None
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def inline_css() -> str:
    """The report's style sheet with its fonts inside it, for a page read from a file."""
    static = Path(current_app.static_folder or "static")
    css = (static / "css" / "report.css").read_text(encoding="utf-8")

    def embedded(match: re.Match) -> str:
        data = base64.b64encode((static / match.group(1)).read_bytes()).decode("ascii")
        return f'url("data:font/woff2;base64,{data}")'

    return FONT_URL.sub(embedded, css)


def write_pdf(html: str, output: Path) -> None:
    """Print the page `html` (self-contained) to the PDF file `output` with Chromium."""
    binary = chromium()
    if binary is None:
        raise PdfError(_("Chromium is not installed, so the PDF cannot be printed: install it "
                         "(apt-get install -y chromium) or name it in CHROMIUM."))
    output = output.resolve()
    with tempfile.TemporaryDirectory(prefix="annual-report-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        printed = Path(tmp) / "report.pdf"
        command = [binary, "--headless", "--no-sandbox", "--disable-gpu",
                   "--disable-background-networking", "--disable-extensions",
                   f"--user-data-dir={tmp}/profile", "--no-pdf-header-footer",
                   "--print-to-pdf-no-header", "--run-all-compositor-stages-before-draw",
                   "--virtual-time-budget=10000", f"--print-to-pdf={printed}", page.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(_("Chromium did not print the report within %(n)d s.",
                             n=TIMEOUT)) from None
        if not printed.exists() or printed.read_bytes()[:5] != b"%PDF-":
            raise PdfError(_("Chromium did not print the report: %(why)s",
                             why=done.stderr.strip()[-500:]))
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(printed), output)
