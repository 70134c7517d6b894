"""Reading the explanatory text: sentences, numbers with units, and the claims a reader would check.

Pure functions over strings; nothing here knows the document's tables. The check kinds in
engine/checks/narrative.py tie the claims to table cells.
"""
