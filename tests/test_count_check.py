"""The count check (tests/count_check.py): a run in which a collected test reports no result fails."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from count_check import unreported

TESTS = Path(__file__).resolve().parent


def test_unreported_names_the_tests_without_a_result() -> None:
    assert unreported(["t::a", "t::b", "t::c"], ["t::b"]) == ["t::a", "t::c"]
    assert unreported(["t::a"], ["t::a"]) == []
    assert unreported(["t::a", "t::a", "t::b"], ["t::a", "t::b"]) == ["t::a"]   # two tests, one id: one lost


def test_every_collected_test_has_its_own_id(request: pytest.FixtureRequest) -> None:
    """pytest-xdist runs one test per id: schemathesis' tests of each API operation get ids of their own."""
    ids = Counter(item.nodeid for item in request.session.items)
    assert [nodeid for nodeid, n in ids.items() if n > 1] == []
    fuzz = [nodeid for nodeid in ids if nodeid.startswith("tests/test_http_api_fuzz.py::test_api_conforms")]
    assert fuzz == [] or sum("[GET /api/v1/" in nodeid for nodeid in fuzz) > 10   # when the fuzz tests run too


def test_a_run_that_loses_a_test_fails(tmp_path: Path) -> None:
    (tmp_path / "test_x.py").write_text("def test_kept():\n    pass\n\n\ndef test_lost():\n    pass\n")
    # a plugin that takes a test over and never runs it: it vanishes from the results, and pytest alone exits 0
    (tmp_path / "conftest.py").write_text("def pytest_runtest_protocol(item, nextitem):\n"
                                          "    return True if item.name == 'test_lost' else None\n")
    env = {**os.environ, "PYTHONPATH": str(TESTS), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)]
    plain = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert plain.returncode == 0, plain.stdout
    checked = subprocess.run([*argv, "-p", "count_check"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert checked.returncode == 1, checked.stdout
    assert "count check: 1 of 2 collected tests reported no result: test_x.py::test_lost" in checked.stdout
