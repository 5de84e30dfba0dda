"""`python -m presence`."""

from presence.cli.main import main

if __name__ == "__main__":
    main(prog_name="presence")
