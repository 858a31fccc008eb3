"""The test folders have no ``__init__.py`` (pytest's rootdir-relative import), so two test
files with the same name in different folders stop the whole collection ("import file
mismatch"): every test file name must be unique."""

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def test_test_file_names_are_unique():
    names = Counter(p.name for p in TESTS.rglob("test_*.py"))
    assert len(names) > 50
    clashes = {name: sorted(str(p.relative_to(TESTS)) for p in TESTS.rglob(name))
               for name, n in names.items() if n > 1}
    assert not clashes, f"rename one of each: {clashes}"
