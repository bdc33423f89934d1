"""Fault campaign against the ETL: every known bad input, run by the real `wic etl` on a copy of the mirror.

Bad mirror files and registers are the cases of tests/test_bad_input.py (one list, shared with the suite); each
runs `python -m etl.cli etl` in a fresh process against a symlinked copy of the mirror and a copy of a
warehouse built first from the real mirror. A hostile World Bank server (tests/fake_worldbank.py, on
127.0.0.1 only) adds the client's faults. Counts are printed: bad inputs tried, clear one-line errors,
tracebacks, inputs accepted silently and warehouses changed. Exits non-zero if any input gave a traceback,
was accepted, or changed the warehouse. Bounded: each run has a timeout, nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

import test_bad_input as cases  # noqa: E402
from fake_worldbank import FakeWorldBank  # noqa: E402

from etl import config  # noqa: E402
from etl.errors import InputError, SourceError  # noqa: E402

RUN_TIMEOUT = 300.0   # seconds for one ETL run; a run that needs longer counts as hung


@dataclass
class Outcome:
    """What one bad input did."""

    case: str
    kind: str            # clear | traceback | accepted | hung
    changed: bool
    message: str


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mirror_copy(root: Path) -> Path:
    raw = root / "mirror" / "raw"
    for folder in sorted(config.raw_dir().iterdir()):
        if folder.is_dir():
            (raw / folder.name).mkdir(parents=True)
            for f in folder.iterdir():
                if f.is_file():
                    (raw / folder.name / f.name).symlink_to(f)
    return raw


def _run_etl(env: dict[str, str], args: list[str]) -> tuple[int | None, str]:
    try:
        proc = subprocess.run([sys.executable, "-m", "etl.cli", "etl", *args], env=env, cwd=REPO,
                              capture_output=True, text=True, timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, f"no answer within {RUN_TIMEOUT:.0f} s"
    return proc.returncode, proc.stderr.strip()


def _classify(case: str, code: int | None, err: str, changed: bool) -> Outcome:
    if code is None:
        kind = "hung"
    elif "Traceback" in err:
        kind = "traceback"
    elif code == 0:
        kind = "accepted"
    else:
        lines = [ln for ln in err.splitlines() if ln.strip() and not ln.startswith("warning:")]
        kind = "clear" if len(lines) == 1 and lines[0].startswith("wic etl: error:") else "traceback"
    return Outcome(case, kind, changed, err.splitlines()[-1] if err else "")


def mirror_cases() -> list[tuple[str, Callable[[Path], tuple[str, bytes]]]]:
    """Every bad mirror file of the test suite: (case, breaker)."""
    return [(f"mirror: {c[0]}", c[1]) for c in cases.WDI_CASES + cases.ROBUSTNESS_CASES]


def register_cases() -> list[tuple[str, Callable[[str], str]]]:
    """Every bad register of the test suite, as an edit of the register's text: (case, edit)."""
    out: list[tuple[str, Callable[[str], str]]] = [
        (f"register: {c[0]}", lambda t, old=c[1], new=c[2]: t.replace(old, new, 1)) for c in cases.REGISTER_CASES]
    out += [(f"register: {c[0]}", c[1]) for c in cases.REGISTER_ROBUSTNESS]
    out.append(("register: duplicate member", lambda t: t.rstrip("\r\n") + "\r\n" + t.splitlines()[1] + "\r\n"))
    return out


def run_files(work: Path, base: Path, only: str) -> list[Outcome]:
    """Run every bad mirror file and register through `wic etl` in a fresh process."""
    outcomes = []
    members = REPO / "data" / "members"
    for case, breaker in mirror_cases():
        if only not in case:
            continue
        root = Path(tempfile.mkdtemp(dir=work))
        raw = _mirror_copy(root)
        rel, content = breaker(raw)
        (raw / rel).unlink()
        (raw / rel).write_bytes(content)
        target = root / "wh" / "warehouse.duckdb"
        target.parent.mkdir()
        shutil.copyfile(base, target)
        before = _digest(target)
        env = {**os.environ, "WIC_MIRROR": str(raw.parent), "WIC_WAREHOUSE": str(target),
               "WIC_MEMBERS_DIR": str(members)}
        code, err = _run_etl(env, ["--force", "--quiet"])
        outcomes.append(_classify(case, code, err, _digest(target) != before))
        shutil.rmtree(root)
    for case, edit in register_cases():
        if only not in case:
            continue
        root = Path(tempfile.mkdtemp(dir=work))
        folder = root / "members"
        shutil.copytree(members, folder)
        register = folder / "members.csv"
        register.write_bytes(edit(register.read_bytes().decode("utf-8")).encode("utf-8"))
        target = root / "warehouse.duckdb"
        shutil.copyfile(base, target)
        before = _digest(target)
        env = {**os.environ, "WIC_WAREHOUSE": str(target), "WIC_MEMBERS_DIR": str(folder)}
        code, err = _run_etl(env, ["--quiet"])
        outcomes.append(_classify(case, code, err, _digest(target) != before))
        shutil.rmtree(root)
    return outcomes


API_FAULTS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    # (case, fault, client options)
    ("api: trickling body", {"kind": "trickle", "delay": 0.3, "trickle_bytes": 20, "times": None},
     {"request_deadline": 1.0}),
    ("api: endless 503", {"kind": "status", "status": 503, "times": None}, {}),
    ("api: truncated JSON", {"kind": "truncate", "times": None}, {}),
    ("api: dropped connection", {"kind": "disconnect", "times": None}, {}),
    ("api: a billion pages", {"kind": "header", "header": {"pages": 10**9}}, {}),
    ("api: a trillion rows", {"kind": "header", "header": {"total": 10**12, "pages": 10**12 // 20000}}, {}),
    ("api: negative total", {"kind": "header", "header": {"total": -5}}, {}),
    ("api: redirect to another host", {"kind": "redirect", "location": "http://127.0.0.2:9/v2/x"}, {}),
    ("api: redirect loop", {"kind": "redirect", "location": "/v2/country/all/indicator/IE.PPN.ICTI.CD?format=json",
                           "times": None}, {}),
    ("api: dropped row", {"kind": "drop_row", "times": None}, {}),
    ("api: error message", {"kind": "api_error"}, {}),
]


def run_api(work: Path, only: str) -> list[Outcome]:
    """Each hostile-server fault against the real client: a clear SourceError or InputError, or a defect."""
    from etl.snapshot.worldbank import WorldBankClient

    outcomes = []
    with FakeWorldBank() as fake:
        for case, fault, options in API_FAULTS:
            if only not in case:
                continue
            fake.clear()
            spec = dict(fault)
            fake.add_fault(spec.pop("kind"), "/indicator/IE.PPN.ICTI.CD", **spec)
            opts = {"timeout": (2.0, 1.5), "max_retries": 2, "backoff_base": 0.01, "backoff_max": 0.05,
                    "run_deadline": 60.0, **options}
            with WorldBankClient(fake.base_url, cache_dir=None, **opts) as client:
                try:
                    client.indicator_data("IE.PPN.ICTI.CD")
                    kind, message = "accepted", "no error"
                except (InputError, SourceError) as exc:
                    kind, message = ("clear" if "\n" not in str(exc) else "traceback"), str(exc)
                except Exception as exc:  # noqa: BLE001 - any other exception is the defect being counted
                    kind, message = "traceback", f"{type(exc).__name__}: {exc}"
            outcomes.append(Outcome(case, kind, False, message))
            if any(r.client != "127.0.0.1" for r in fake.requests):
                raise SystemExit("a request reached the fake from outside 127.0.0.1")
    return outcomes


def main() -> None:
    """Run the campaign and print its counts."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", default="", help="run only the cases whose name contains this text")
    parser.add_argument("--verbose", action="store_true", help="print every case's message")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = work / "base.duckdb"
        env = {**os.environ, "WIC_WAREHOUSE": str(base)}
        code, err = _run_etl(env, ["--force", "--quiet"])
        if code != 0:
            raise SystemExit(f"the real mirror did not build: {err}")
        outcomes = run_files(work, base, args.only) + run_api(work, args.only)
    for o in outcomes:
        if args.verbose or o.kind != "clear" or o.changed:
            print(f"{o.kind:9} {'CHANGED ' if o.changed else ''}{o.case}: {o.message[-200:]}")
    count = {k: sum(o.kind == k for o in outcomes) for k in ("clear", "traceback", "accepted", "hung")}
    changed = sum(o.changed for o in outcomes)
    print(f"bad inputs tried: {len(outcomes)} ({sum(o.case.startswith('api:') for o in outcomes)} from a hostile "
          f"API server); clear errors: {count['clear']}; tracebacks: {count['traceback']}; accepted silently: "
          f"{count['accepted']}; hung: {count['hung']}; warehouses changed: {changed}")
    if count["traceback"] or count["accepted"] or count["hung"] or changed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
