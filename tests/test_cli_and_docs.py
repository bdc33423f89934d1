"""The `wic` command (through click's runner) and the README: outputs, errors, and docs that match --help."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from etl import read
from wic import cli

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def wic(*args: str) -> Result:
    """Run ``wic ARGS`` in this process through click's runner."""
    return CliRunner().invoke(cli.main, list(args), prog_name="wic")


@pytest.mark.parametrize("countries", [["CHN", "USA"], ["CHN,USA"], ["CHN", "--country", "USA"]])
def test_query_csv(db: read.Warehouse, countries: list[str]) -> None:
    result = wic("query", "--indicator", "IT.NET.USER.ZS", "--country", *countries, "--from", "2015", "--to", "2020")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0] == "iso3,indicator,year,value,source,computed,carried"   # flags always there
    frame = pd.read_csv(io.StringIO(out))
    assert len(frame) == 12 and set(frame["iso3"]) == {"CHN", "USA"}
    expected = read.observations("IT.NET.USER.ZS", ["CHN", "USA"], year_from=2015, year_to=2020, db=db,
                                 with_flags=True)
    assert not frame["computed"].any() and not frame["carried"].any()
    assert (frame["value"].to_numpy() == expected["value"].to_numpy()).all()   # no precision lost


def test_query_json(db: read.Warehouse) -> None:
    result = wic("query", "--indicator", "IT.NET.BBND.P2", "--country", "WIC", "--from", "2022", "--to", "2022",
                 "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert list(rows[0]) == ["iso3", "indicator", "year", "value", "source", "computed", "carried"]
    assert rows[0]["iso3"] == "WIC" and rows[0]["computed"] is True and rows[0]["source"] == "computed"


def test_query_unknown_codes(db: read.Warehouse) -> None:
    result = wic("query", "--indicator", "IT.NET.USR.ZS")
    assert result.exit_code == 1
    assert result.stderr.startswith("wic query: error: unknown indicator 'IT.NET.USR.ZS'; did you mean IT.NET.USER.ZS")
    result = wic("query", "--indicator", "IT.NET.USER.ZS", "--country", "CHINA")
    assert result.exit_code == 1 and "unknown country 'CHINA'" in result.stderr and "Traceback" not in result.output


def test_query_parameters_are_bound_not_spliced(db: read.Warehouse) -> None:
    with pytest.raises(read.UnknownCode):
        read.observations("x' OR 1=1 --", db=db)
    assert read.indicators(search="'; DROP TABLE observations; --", db=db).empty
    assert db.rows("SELECT count(*) FROM observations")[0][0] > 2_000_000


def test_readers_cannot_write(db: read.Warehouse) -> None:
    with pytest.raises(Exception, match="read-only|read only"):
        db.rows("DELETE FROM observations")


def test_info(db: read.Warehouse) -> None:
    result = wic("info")
    assert result.exit_code == 0
    out = result.stdout
    assert "last run:" in out and re.search(r"observations\s+2,1\d\d,\d{3}", out)


@pytest.mark.parametrize(("preset", "expected"), [(None, "1"), ("3", "3")])
def test_the_command_keeps_openblas_to_one_thread_unless_told(preset: str | None, expected: str) -> None:
    """Each ``wic`` process (the ETL, the server's workers) asks numpy's OpenBLAS for one thread before numpy loads:
    its products are small, and idle BLAS threads spin beside DuckDB's. A value the user set is kept."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if preset:
        env["OPENBLAS_NUM_THREADS"] = preset
    code = ("import os, sys; from wic.cli import run; assert 'numpy' not in sys.modules; run(['info', '--help']); "
            "print(os.environ['OPENBLAS_NUM_THREADS'])")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == expected


@pytest.mark.parametrize("command", [["query", "--indicator", "IT.NET.USER.ZS"], ["info"], ["serve"]])
def test_missing_warehouse_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]) -> None:
    monkeypatch.setenv("WIC_WAREHOUSE", str(tmp_path / "none.duckdb"))
    result = wic(*command)
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"wic {command[0]}: error: no warehouse at {tmp_path / 'none.duckdb'}; "
                                     "build it with `wic etl`")


@pytest.mark.parametrize(("args", "named"), [(["query", "--from", "x"], "'--from'"), (["query"], "'--indicator'"),
                                             (["query", "--indicator", "X", "CHN"], "after --country"),
                                             (["etl", "members"], "'PATH'"), (["etl", "--source", "web"], "'--source'"),
                                             (["serve", "--port", "0"], "'--port'"), (["nosuch"], "'nosuch'")])
def test_usage_errors_exit_2_and_name_the_parameter(args: list[str], named: str) -> None:
    result = wic(*args)
    assert result.exit_code == 2 and named in result.stderr and "Traceback" not in result.output


def test_the_old_module_still_runs_the_command() -> None:
    proc = subprocess.run([sys.executable, "-m", "etl.cli", "query", "--from", "x"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 2 and "'--from'" in proc.stderr


def test_etl_members_takes_the_build_options_before_or_after_the_path(own_warehouse: Path, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIC_WAREHOUSE", str(own_warehouse))
    register = Path(__file__).resolve().parent.parent / "data" / "members" / "members.csv"
    before = own_warehouse.stat().st_mtime_ns
    for args in (["etl", "--check", "--quiet", "members", str(register)],
                 ["etl", "members", str(register), "--check", "--quiet"]):
        result = wic(*args)
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith("checked (nothing written)")
    assert own_warehouse.stat().st_mtime_ns == before


def _help(*args: str) -> str:
    result = wic(*args, "--help")
    assert result.exit_code == 0
    return result.stdout


@pytest.mark.parametrize("command", ["etl", "query", "facts", "info", "serve", "notebook", "export", "changes",
                                     "vintages"])
def test_readme_documents_every_command_and_option(command: str) -> None:
    assert _help(*command.split()).startswith(f"Usage: wic {command} ")
    assert f"wic {command}" in README
    options = set(re.findall(r"(--[a-z][a-z-]+)", _help(command))) - {"--help"}
    usage = next(line for line in README.splitlines() if line.startswith(f"wic {command}"))
    for option in options:
        assert option in usage, f"README's `wic {command}` line lacks {option}"


def test_readme_starts_with_the_two_commands() -> None:
    block = README.split("```")[1]
    assert block.splitlines()[1].startswith("make run") and block.splitlines()[2].startswith("make test")


def test_environment_variables_are_documented() -> None:
    from etl import config

    source = Path(config.__file__).read_text()
    variables = set(re.findall(r'"(WIC_[A-Z_]+)"', source))
    assert variables == {"WIC_MIRROR", "WIC_MEMBERS_DIR", "WIC_WAREHOUSE", "WIC_CACHE", "WIC_WORLDBANK_URL",
                         "WIC_KEEP_VINTAGES", "WIC_PLOTLY_JS", "WIC_PLOTLY_BUNDLE"}
    commands = ([], ["etl"], ["etl", "members"], ["query"], ["facts"], ["info"], ["serve"], ["notebook"], ["export"],
                ["changes"], ["brief"], ["vintages"])
    for command in commands:
        text = _help(*command)
        for var in variables:
            assert var in README and var in text, f"`wic {' '.join(command)} --help` lacks {var}"
