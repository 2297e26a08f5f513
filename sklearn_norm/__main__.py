"""``python -m sklearn_norm``: see ``sklearn_norm._cli``."""

from ._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
