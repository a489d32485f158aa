"""Printable documents (reportlab): each document one module; fonts in reports.fonts."""
