"""``python -m sklearn_norm``: see ``sklearn_norm.cli``."""

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
