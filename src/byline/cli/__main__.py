"""``python -m byline.cli``: the ``byline`` command, run by the interpreter at hand."""

from byline.cli import main

main()
