"""Import from Excel: the template workbook, the upload page and the `flask import` commands."""
