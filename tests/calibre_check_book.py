"""Calibre's Check Book on EPUB files, as `calibre-debug tests/calibre_check_book.py BOOK.epub …` runs
it: one JSON line per book, {"book": path, "problems": [[level, kind, message], …]}."""

import json
import sys

from calibre.ebooks.oeb.polish.check.main import run_checks
from calibre.ebooks.oeb.polish.container import get_container

for path in sys.argv[1:]:
    problems = run_checks(get_container(path, tweak_mode=True))
    print(json.dumps({"book": path, "problems": [[problem.level, type(problem).__name__, str(problem.msg)]
                                                 for problem in problems]}))
