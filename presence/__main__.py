"""`python -m presence`: the same entry as the `presence` console script."""

from presence.cli.entry import main

if __name__ == "__main__":
    main()
