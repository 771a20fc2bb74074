"""Reports made from the records: the annual report, on screen, printed or as a PDF."""
