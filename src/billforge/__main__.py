"""`python -m billforge` runs the command line."""

from billforge.cli import main

if __name__ == "__main__":
    main()
