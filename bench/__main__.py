"""`python -m bench`: the one benchmark command."""
from bench.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
