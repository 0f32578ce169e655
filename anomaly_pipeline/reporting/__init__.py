"""Outputs for people: the auditor workbook, upload history."""
