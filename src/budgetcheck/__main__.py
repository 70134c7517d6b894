from budgetcheck.cli import run

run()
