"""A pytest plugin: the run fails if a collected test never reported a result (run, skipped or errored), as when a
parallel worker loses tests and the run would still exit 0. Loaded by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

_collected: set[str] = set()
_reported: set[str] = set()


def unreported(collected: Iterable[str], reported: Iterable[str]) -> list[str]:
    """The collected test ids with no result among ``reported``, in order."""
    seen = set(reported)
    return sorted(set(collected) - seen)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Serial run (or a worker): the tests collected after deselection."""
    _collected.update(item.nodeid for item in session.items)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node: object, ids: list[str]) -> None:
    """pytest-xdist's controller: what each worker collected (they must agree, or xdist stops the run)."""
    _collected.update(ids)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """A test has a result once its call ran, or its setup was skipped or failed."""
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _reported.add(report.nodeid)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Turn a green run into a failed one if any collected test has no result."""
    if _is_worker(session.config) or exitstatus != pytest.ExitCode.OK:
        return
    lost = unreported(_collected, _reported)
    if lost:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        line = (f"count check: {len(lost)} of {len(_collected)} collected tests reported no result: "
                + ", ".join(lost[:10]) + (" ..." if len(lost) > 10 else ""))
        if reporter is not None:
            reporter.write_line(line, red=True, bold=True)
