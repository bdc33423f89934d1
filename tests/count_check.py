"""A pytest plugin: the run fails if a collected test never reported a result (run, skipped or errored), as when a
parallel worker loses tests and the run would still exit 0. Tests are counted, not only named: pytest-xdist keys
tests by node id, so of several tests sharing one id it runs one. Loaded by tests/conftest.py."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import pytest

_collected: list[str] = []
_reported: Counter[str] = Counter()


def unreported(collected: Iterable[str], reported: Iterable[str]) -> list[str]:
    """The collected test ids (each as often as collected) with no result among ``reported``, in order."""
    left = Counter(reported)
    lost = []
    for nodeid in collected:
        if left[nodeid] > 0:
            left[nodeid] -= 1
        else:
            lost.append(nodeid)
    return lost


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give tests that share a node id (schemathesis names one test per API operation, under the test's own id)
    an id of their own name, so that pytest-xdist runs each of them."""
    ids = Counter(item.nodeid for item in items)
    for item in items:
        if ids[item.nodeid] > 1 and item.parent is not None:
            own = f"{item.parent.nodeid}::{item.name}"
            if hasattr(item, "_id"):    # pytest >= 9: a structured id
                item._id = type(item._id).parse(own)
            else:
                item._nodeid = own


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Serial run: the tests collected after deselection."""
    if not _collected:
        _collected.extend(item.nodeid for item in session.items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: object, ids: list[str]) -> None:
    """pytest-xdist's controller: what the first worker collected (the others must agree, or xdist stops)."""
    if not _collected:
        _collected.extend(ids)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A test has a result once its call ran, or its setup was skipped or failed."""
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _reported[report.nodeid] += 1


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Turn a green run into a failed one if any collected test has no result."""
    config = session.config
    if hasattr(config, "workerinput") or config.option.collectonly or exitstatus != pytest.ExitCode.OK:
        return
    lost = unreported(_collected, _reported.elements())
    if lost:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = config.pluginmanager.get_plugin("terminalreporter")
        line = (f"count check: {len(lost)} of {len(_collected)} collected tests reported no result: "
                + ", ".join(lost[:10]) + (" ..." if len(lost) > 10 else ""))
        if reporter is not None:
            reporter.write_line(line, red=True, bold=True)
