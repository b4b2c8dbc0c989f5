"""Printable reports: PDFs a person prints and reads."""

from .slips_pdf import SlipData, render_slips_pdf

__all__ = ["SlipData", "render_slips_pdf"]
