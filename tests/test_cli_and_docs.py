"""The `wic` command and the README: outputs, errors, and docs that match --help."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from etl import cli, read

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_query_csv(db: read.Warehouse, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["query", "--indicator", "IT.NET.USER.ZS", "--country", "CHN", "USA", "--from", "2015",
                     "--to", "2020"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "iso3,indicator,year,value,source,computed,carried"   # flags always there
    frame = pd.read_csv(io.StringIO(out))
    assert len(frame) == 12 and set(frame["iso3"]) == {"CHN", "USA"}
    expected = read.observations("IT.NET.USER.ZS", ["CHN", "USA"], year_from=2015, year_to=2020, db=db,
                                 with_flags=True)
    assert not frame["computed"].any() and not frame["carried"].any()
    assert (frame["value"].to_numpy() == expected["value"].to_numpy()).all()   # no precision lost


def test_query_json(db: read.Warehouse, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["query", "--indicator", "IT.NET.BBND.P2", "--country", "WIC", "--from", "2022",
                     "--to", "2022", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert list(rows[0]) == ["iso3", "indicator", "year", "value", "source", "computed", "carried"]
    assert rows[0]["iso3"] == "WIC" and rows[0]["computed"] is True and rows[0]["source"] == "computed"


def test_query_unknown_codes(db: read.Warehouse, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["query", "--indicator", "IT.NET.USR.ZS"]) == 1
    assert "unknown indicator 'IT.NET.USR.ZS'; did you mean IT.NET.USER.ZS" in capsys.readouterr().err
    assert cli.main(["query", "--indicator", "IT.NET.USER.ZS", "--country", "CHINA"]) == 1
    assert "unknown country 'CHINA'" in capsys.readouterr().err


def test_query_parameters_are_bound_not_spliced(db: read.Warehouse) -> None:
    with pytest.raises(read.UnknownCode):
        read.observations("x' OR 1=1 --", db=db)
    assert read.indicators(search="'; DROP TABLE observations; --", db=db).empty
    assert db.rows("SELECT count(*) FROM observations")[0][0] > 2_000_000


def test_readers_cannot_write(db: read.Warehouse) -> None:
    with pytest.raises(Exception, match="read-only|read only"):
        db.rows("DELETE FROM observations")


def test_info(db: read.Warehouse, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    assert "last run:" in out and re.search(r"observations\s+2,1\d\d,\d{3}", out)


def test_missing_warehouse_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("WIC_WAREHOUSE", str(tmp_path / "none.duckdb"))
    assert cli.main(["query", "--indicator", "IT.NET.USER.ZS"]) == 1
    assert "build it with `wic etl`" in capsys.readouterr().err


def test_usage_errors_exit_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "etl.cli", "query", "--from", "x"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 2 and "--indicator" in proc.stderr


def _help(*args: str) -> str:
    return subprocess.run([sys.executable, "-m", "etl.cli", *args, "--help"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("command", ["etl", "query", "info", "serve"])
def test_readme_documents_every_command_and_option(command: str) -> None:
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
    assert variables == {"WIC_MIRROR", "WIC_MEMBERS_DIR", "WIC_WAREHOUSE", "WIC_CACHE", "WIC_WORLDBANK_URL"}
    top = _help()
    for var in variables:
        assert var in README and var in top
