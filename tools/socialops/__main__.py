from socialops.cli import main

main()
