"""What a file is, read from its content, never from its name."""

import io
import zipfile

#: kind -> (the names it may carry, the type it is served as)
KINDS = {
    "pdf": ((".pdf",), "application/pdf"),
    "png": ((".png",), "image/png"),
    "jpeg": ((".jpg", ".jpeg"), "image/jpeg"),
    "webp": ((".webp",), "image/webp"),
    "xlsx": ((".xlsx",), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": ((".docx",),
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "odt": ((".odt",), "application/vnd.oasis.opendocument.text"),
    "ods": ((".ods",), "application/vnd.oasis.opendocument.spreadsheet"),
}
#: the OpenDocument kinds by the `mimetype` entry their package starts with
_OPEN_DOCUMENT = {b"application/vnd.oasis.opendocument.text": "odt",
                  b"application/vnd.oasis.opendocument.spreadsheet": "ods"}
#: the Office Open XML kinds by the part that makes them what they are
_OFFICE = {"xl/workbook.xml": "xlsx", "word/document.xml": "docx"}


def sniff(content: bytes) -> str | None:
    """The kind of a file from its first bytes (and a package's table of contents), or None."""
    if content.startswith(b"%PDF-"):
        return "pdf"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if content.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "webp"
    if content.startswith(b"PK\x03\x04"):
        return _package(content)
    return None


def _package(content: bytes) -> str | None:
    """The kind of a zip package, from its names only: nothing is unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as package:
            names = set(package.namelist())
            if "mimetype" in names:
                info = package.getinfo("mimetype")
                if info.file_size < 100:  # a real mimetype entry is a few dozen bytes
                    return _OPEN_DOCUMENT.get(package.read("mimetype").strip())
            if any(name.lower().startswith("xl/vbaproject") for name in names):
                return None  # a workbook with macros is not evidence
            return next((kind for part, kind in _OFFICE.items() if part in names), None)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None


def matches_name(kind: str, file_name: str) -> bool:
    """True if the file's name ends the way its kind's names do."""
    return file_name.lower().endswith(KINDS[kind][0])


def accepted_names() -> str:
    """The endings of the names accepted, for a message: .pdf, .png …"""
    return ", ".join(ending for endings, _type in KINDS.values() for ending in endings)
