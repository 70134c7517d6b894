"""budgetcheck: audit Chinese government budget disclosure workbooks."""

__version__ = "0.1.0"
