"""Stage 2, extract: one module per publisher layout, turning a verified file into rows that
name the sheet and cell (or row) each value came from. Shared readers: `workbook`, `tables`.
"""
