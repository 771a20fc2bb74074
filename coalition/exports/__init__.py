"""Excel exports: the donor workbook (web and `flask export-donor`) and list exports."""
