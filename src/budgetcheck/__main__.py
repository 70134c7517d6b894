from budgetcheck.cli import main

main()
