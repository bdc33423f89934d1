"""The ``wic`` command: build the warehouse, query it, serve the dashboard, write briefs."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from etl import config

F = TypeVar("F", bound=Callable[..., Any])

ENVIRONMENT = """\b
Environment:
  WIC_MIRROR         data mirror root (default: ../shared/data beside the checkout)
  WIC_WAREHOUSE      warehouse file (default: data/warehouse.duckdb)
  WIC_MEMBERS_DIR    folder of members.csv and membership_counts.csv (default: data/members)
  WIC_CACHE          downloads and cached API pages (default: data/cache)
  WIC_WORLDBANK_URL  World Bank API v2 base URL (default: https://api.worldbank.org/v2)
  WIC_KEEP_VINTAGES  runs whose warehouses are kept, the live one included (default: 5)
  WIC_PLOTLY_JS      the small plotly.js pages and briefs load (default: build/plotly/plotly.min.js)
  WIC_PLOTLY_BUNDLE  stock: load Dash's full plotly.js instead (for benchmarks; default: small)
"""
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}


def _examples(*lines: str) -> str:
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines) + "\n\n" + ENVIRONMENT


def _fixable() -> tuple[type[Exception], ...]:
    """The errors reported in one line (evaluated when one is raised: ``wic etl`` never imports the read API)."""
    from etl.errors import InputError, SourceError

    read = sys.modules.get("etl.read")   # not imported yet: none of its errors can have been raised
    known = (read.UnknownCode, read.UnknownVintage, read.WarehouseMissing) if read else ()
    return (InputError, SourceError, RuntimeError, *known)


def _reported(name: str) -> Callable[[F], F]:
    """Turn the errors people can fix into one line on stderr and an exit code, never a traceback."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def inner(*args: Any, **kwargs: Any) -> Any:
            from etl.errors import Stopped

            try:
                return fn(*args, **kwargs)
            except click.exceptions.Exit:   # click's exit is a RuntimeError: let it through
                raise
            except _fixable() as exc:
                click.echo(f"wic {name}: error: {exc}", err=True)
                raise click.exceptions.Exit(1) from None
            except Stopped as exc:
                done = "the new warehouse is in place" if exc.completed else "the warehouse is as it was"
                click.echo(f"wic {name}: {exc}; {done}", err=True)
                raise click.exceptions.Exit(128 + exc.signum) from None
            except KeyboardInterrupt:
                click.echo(f"wic {name}: interrupted", err=True)
                raise click.exceptions.Exit(130) from None
            except BrokenPipeError:
                raise click.exceptions.Exit(0) from None

        return inner  # type: ignore[return-value]

    return wrap


@click.group(context_settings=CONTEXT, epilog=ENVIRONMENT)
def main() -> None:
    """WIC Digital Economy Observatory: build the DuckDB warehouse of digital-economy statistics, query it,
    serve the dashboard."""


def run(argv: Sequence[str] | None = None) -> int:
    """Run the ``wic`` command with ``argv`` (default: the process's arguments) and return its exit code."""
    # numpy's products here are small: OpenBLAS's threads (one per core) would only spin beside DuckDB's and the
    # server's own. Set before any command imports numpy; a value already set is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        main.main(args=list(argv) if argv is not None else None, prog_name="wic", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        _end_if_stopped(code)
        return code
    return 0


def _end_if_stopped(code: int) -> None:
    """A run stopped by a signal has cleaned up and said so: end the process now, without the interpreter's
    shutdown, in which a DuckDB worker thread still busy with the interrupted query may abort the process when it
    asks for the GIL (duckdb/duckdb#13904; the suite once saw exit -6 and "FATAL: exception not rethrown" right
    after "wic etl: stopped by SIGTERM")."""
    from etl.errors import stop_requested

    signum = stop_requested()
    if signum and code == 128 + signum:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


# --- wic etl ----------------------------------------------------------------------------------------------

BUILD_OPTIONS = ("source", "indicators", "force", "check", "quiet", "keep")


def _build_options(fn: F) -> F:
    for option in reversed([
        click.option("--source", type=click.Choice(["mirror", "worldbank"]), default="mirror", show_default=True,
                     help="mirror: the offline files; worldbank: the live Indicators API v2"),
        click.option("--indicators", default="catalog", show_default=True, metavar="catalog|all|CODES",
                     help="with --source worldbank: 'catalog', 'all' (every mirror indicator) or comma-separated "
                          "codes"),
        click.option("--force", is_flag=True, help="rebuild every step even if its inputs are unchanged"),
        click.option("--check", is_flag=True, help="validate the inputs and build, but write nothing"),
        click.option("--quiet", is_flag=True, help="no progress bars"),
        click.option("--keep", type=click.IntRange(min=0), default=None, metavar="N",
                     help="keep the warehouses of the last N runs, the live one included, as past vintages  "
                          "[default: WIC_KEEP_VINTAGES or 5]"),
    ]):
        fn = option(fn)
    return fn


@main.group(invoke_without_command=True, context_settings=CONTEXT,
            epilog=_examples("wic etl", "wic etl --check", "wic etl --source worldbank --indicators catalog",
                             "wic etl members register.xlsx"))
@_build_options
@click.pass_context
def etl(ctx: click.Context, **options: Any) -> None:
    """Build or refresh the warehouse.

    Builds the DuckDB warehouse from the offline mirror (default) or the live World Bank API, in a new file
    swapped in atomically. Unchanged sources are skipped by checksum; nothing is written if all are unchanged.
    The warehouses of the last --keep runs stay readable as past vintages (see `wic vintages`).
    SIGTERM, SIGHUP or Ctrl-C stop a run cleanly (exit 128 + the signal's number).
    """
    if ctx.invoked_subcommand is None:
        _build(options, None)


@etl.command("members", context_settings=CONTEXT,
             epilog=_examples("wic etl members register.xlsx", "wic etl members data/members/members.csv --check"))
@click.argument("path", type=click.Path(path_type=Path))
@_build_options
@click.pass_context
def etl_members(ctx: click.Context, path: Path, **options: Any) -> None:
    """Load a membership register (CSV or Excel .xlsx) in the columns of data/members/members.csv.

    Once loaded, it becomes the register of record in the members folder.
    """
    parent = ctx.parent
    assert parent is not None
    for name in BUILD_OPTIONS:   # `wic etl --force members PATH` and `wic etl members PATH --force` alike
        if ctx.get_parameter_source(name) != click.core.ParameterSource.COMMANDLINE:
            options[name] = parent.params[name]
    _build(options, path)


def _build(options: dict[str, Any], register: Path | None) -> None:
    from etl.errors import stop_on_signals

    stop_on_signals()
    code = _reported("etl")(_etl)(options, register)
    raise click.exceptions.Exit(code)


def _worldbank_codes(spec: str) -> list[str]:
    from etl.catalog import load_catalog
    from etl.sources import wdi

    if spec == "catalog":
        cat = load_catalog()
        # only World Bank series: the catalog's digital-government indicators come from their own mirror steps
        wb = [i for i in cat.indicators if i.dataset in ("wdi", "gapminder")]
        codes = [i.code for i in wb] + [i.agg_weight for i in cat.indicators if i.agg_weight]
        return sorted(set(codes))
    if spec == "all":
        mirror = sorted(p.name[:-4] for p in (config.raw_dir() / wdi.FOLDER).glob("*.csv"))
        return sorted(set(mirror) | set(_worldbank_codes("catalog")))
    return sorted({c.strip() for c in spec.split(",") if c.strip()})


def _etl(options: dict[str, Any], register: Path | None) -> int:
    from etl import build
    from etl.steps import Context

    progress = not options["quiet"] and sys.stderr.isatty()
    ctx = Context.default(progress=progress)
    if register is not None:
        ctx.members_file = register.resolve()
    source, indicators = options["source"], options["indicators"]
    if source == "worldbank":
        from etl.snapshot import worldbank

        out = config.cache_dir() / "worldbank" / "extract"
        result = worldbank.extract(_worldbank_codes(indicators), out,
                                   cache_dir=config.cache_dir() / "worldbank" / "pages", progress=progress)
        ctx.warnings.extend(result.warnings)
        ctx.iso_raw, ctx.raw = ctx.raw, out
        ctx.dataset, ctx.loaded_from = "worldbank-api", config.worldbank_api_url()
    partial = source == "worldbank" and indicators not in ("catalog", "all")
    try:
        keep = config.keep_vintages() if options["keep"] is None else options["keep"]
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    report = build.run(ctx, source=source, force=options["force"], check=options["check"], partial=partial,
                       keep=keep)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)   # the run is done: a late stop must not report it as undone
    if report.status == "up-to-date":
        print(f"{report.target}: up to date (inputs unchanged since the last run; --force rebuilds)")
        return 0
    for warning in report.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    steps = ", ".join(f"{k} {v}" for k, v in report.steps.items())
    verb = "checked (nothing written)" if report.status == "checked" else f"built {report.target}"
    print(f"{verb} in {report.seconds:.1f} s: {steps}; "
          f"{report.row_counts.get('observations', 0):,} observations, "
          f"{report.row_counts.get('indicators', 0)} indicators, {report.row_counts.get('countries', 0)} countries")
    if register is not None and report.status == "ok":
        _keep_register(register.resolve())
    return 0


def _keep_register(path: Path) -> None:
    """Make a loaded register the one of record in the members folder, so later runs keep it."""
    from etl.atomic import atomic_path, copy_atomic
    from etl.sources.members import EXCEL_SUFFIXES, read_register
    from etl.steps import step_meta

    dest = config.members_dir() / "members.csv"
    if dest.exists() and dest.resolve() == path:
        return
    if path.suffix.lower() in EXCEL_SUFFIXES:
        import csv

        columns = step_meta("members")["member_columns"]
        with atomic_path(dest) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(read_register(path))
    else:
        copy_atomic(path, dest)
    print(f"the register is now {dest}")


# --- wic query, wic info ----------------------------------------------------------------------------------

VINTAGE_OPTION = click.option("--vintage", metavar="RUN",
                              help="read the kept warehouse of that run (see `wic vintages`) instead of the live one")


@contextlib.contextmanager
def _at(vintage: str | None) -> Iterator[None]:
    """Read the kept warehouse of run ``vintage`` (or the live one) within the block."""
    from etl import read

    if vintage is None:
        yield
        return
    with read.using(read.open_warehouse(vintage=vintage)):
        yield


def _codes(values: Sequence[str]) -> list[str]:
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


@main.command(context_settings=CONTEXT,
              epilog=_examples("wic query --indicator IT.NET.USER.ZS --country CHN USA --from 2015",
                               "wic query --indicator IT.NET.USER.ZS,IT.NET.BBND.P2 --country WIC --format json"))
@click.option("--indicator", required=True, multiple=True, metavar="CODE",
              help="indicator code (repeatable or comma-separated), e.g. IT.NET.USER.ZS")
@click.option("--country", multiple=True, metavar="ISO3",
              help="country or group codes (repeatable or comma-separated; codes after it count too), e.g. CHN "
                   "WLD WIC")
@click.option("--from", "year_from", type=int, metavar="Y", help="first year")
@click.option("--to", "year_to", type=int, metavar="Y", help="last year")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True,
              help="output format")
@VINTAGE_OPTION
@click.argument("more_countries", nargs=-1, metavar="[ISO3 ...]")
@_reported("query")
def query(indicator: tuple[str, ...], country: tuple[str, ...], year_from: int | None, year_to: int | None,
          fmt: str, vintage: str | None, more_countries: tuple[str, ...]) -> None:
    """Print observations as tidy rows with columns iso3,indicator,year,value,source,computed,carried."""
    from etl import read

    if more_countries and not country:
        raise click.UsageError(f"unexpected argument {more_countries[0]!r}: give country codes after --country")
    countries = _codes(country + more_countries) or None
    with _at(vintage):
        frame = read.observations(_codes(indicator), countries, year_from=year_from, year_to=year_to,
                                  with_flags=True)
    if fmt == "json":
        json.dump(frame.to_dict("records"), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        frame.to_csv(sys.stdout, index=False, float_format="%.15g")
    sys.stdout.flush()


@main.command(context_settings=CONTEXT,
              epilog=_examples("wic facts CHN", "wic facts WIC --indicator IT.NET.USER.ZS --format json"))
@click.argument("code", metavar="ISO3")
@click.option("--indicator", multiple=True, metavar="CODE", help="indicator code (repeatable)")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="output format")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="language of the table")
@VINTAGE_OPTION
@_reported("facts")
def facts(code: str, indicator: tuple[str, ...], fmt: str, lang: str, vintage: str | None) -> None:
    """Print a country's or group's facts: value, year, rank, change, flags.

    The facts the country profile and the briefs state, for each headline indicator (or the --indicator codes):
    latest value and year, rank among economies whose latest value lies in the window and among WIC member
    countries, the 5-year change with both years, and how a group value was computed. ISO3 is a country or group
    code, e.g. CHN, WLD, WIC.
    """
    from etl import facts as fact_set
    from etl import read

    with _at(vintage):
        rows = fact_set.flat_rows(code.strip().upper(), list(indicator) or None)
        names = read.indicator_table()
    if fmt == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    column = "name_zh" if lang == "zh" else "name_en"
    for row in rows:
        name = names.loc[row["indicator"], column]
        label = name if isinstance(name, str) and name else names.loc[row["indicator"], "name_en"]
        click.echo(f"{row['indicator']:<20} {label}: {row['text_' + lang]}")


@main.command(context_settings=CONTEXT, epilog=ENVIRONMENT)
@VINTAGE_OPTION
@_reported("info")
def info(vintage: str | None) -> None:
    """Show the warehouse's path, last run and table sizes."""
    from etl import read

    with _at(vintage):
        runs = read.runs()
        path = read.open_warehouse().path
    last = runs.iloc[0]
    click.echo(f"warehouse: {path}")
    click.echo(f"last run:  {last['run_id']} ({last['source']}), finished {last['finished_at']}")
    for table, rows in json.loads(last["row_counts"]).items():
        click.echo(f"  {table:20} {rows:>10,}")


# --- wic export -------------------------------------------------------------------------------------------

@main.command(context_settings=CONTEXT,
              epilog=_examples("wic export --out bundle", "wic export --format parquet --out bundle-parquet"))
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet"]), default="csv", show_default=True,
              help="file format of the tables")
@click.option("--out", type=click.Path(path_type=Path), required=True, metavar="DIR",
              help="a new (or empty) folder to write the bundle into")
@VINTAGE_OPTION
@_reported("export")
def export(fmt: str, out: Path, vintage: str | None) -> None:
    """Write every table of the warehouse as a Frictionless data package.

    Observations (with their flags), indicators, countries, groups, members, sources, runs and the index tables,
    with a datapackage.json: schemas, licences per resource, the data vintage and a citation. The folder
    appears only once it is complete.
    """
    from etl import export as bundle

    with _at(vintage):
        written = bundle.export(out, fmt)
    tables = len(json.loads((written / "datapackage.json").read_text(encoding="utf-8"))["resources"])
    click.echo(f"wrote {written}: {tables} tables as {fmt} and datapackage.json")


# --- wic changes ------------------------------------------------------------------------------------------

@main.command(context_settings=CONTEXT,
              epilog=_examples("wic changes", "wic changes --since 20261201T100347Z-23da45 --indicator IT.NET.USER.ZS"))
@click.option("--since", metavar="RUN", help="only the runs after this run id (see `wic info`)")
@click.option("--indicator", multiple=True, metavar="CODE",
              help="only these indicators (repeatable or comma-separated)")
@VINTAGE_OPTION
@_reported("changes")
def changes(since: str | None, indicator: tuple[str, ...], vintage: str | None) -> None:
    """Print what each ETL run changed: observations added, removed and revised, with old and new value.

    CSV with columns run_id,previous_run,indicator,source,iso3,year,change,old_value,new_value.
    """
    from etl import read

    with _at(vintage):
        frame = read.changes(since=since, indicators=_codes(indicator) or None)
    frame.to_csv(sys.stdout, index=False, float_format="%.15g")
    sys.stdout.flush()


# --- wic vintages -----------------------------------------------------------------------------------------

@main.command(context_settings=CONTEXT, epilog=_examples("wic vintages"))
@_reported("vintages")
def vintages() -> None:
    """List the runs whose warehouses are kept, newest first; `wic query` and others read one with the vintage
    option.

    CSV with columns run_id,started_at,finished_at,source,observations,live. How many are kept: the keep option
    of `wic etl`, or WIC_KEEP_VINTAGES.
    """
    from etl import read

    read.vintages().to_csv(sys.stdout, index=False)
    sys.stdout.flush()


# --- wic serve --------------------------------------------------------------------------------------------

@main.command(context_settings=CONTEXT,
              epilog=_examples("wic serve", "wic serve --host 0.0.0.0 --port 8080 --workers 4", "wic serve --dev"))
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", type=click.IntRange(1, 65535), default=8050, show_default=True, help="port")
@click.option("--dev", "--debug", "dev", is_flag=True,
              help="development: Flask's server with the reloader and the debugger, and Dash's dev tools "
                   "(loopback hosts only)")
@click.option("--prod", is_flag=True, help="production, the default: gunicorn (kept for scripts)")
@click.option("--workers", type=click.IntRange(min=1), default=max(2, (os.cpu_count() or 1) + 1),
              show_default="cores + 1", help="production: worker processes")
@click.option("--threads", type=click.IntRange(min=1), default=2, show_default=True,
              help="production: threads per worker")
@_reported("serve")
def serve(host: str, port: int, dev: bool, prod: bool, workers: int, threads: int) -> None:
    """Serve the dashboard and the HTTP API.

    By default with gunicorn: several workers on a read-only warehouse, /healthz, gzip and security headers.
    SIGTERM, SIGINT or SIGHUP stop it and its workers (exit 128 + the signal's number).
    """
    from wic import serve as serving

    if dev and prod:
        raise click.UsageError("--dev and --prod exclude each other")
    if dev:
        if not serving.is_loopback(host):
            raise click.UsageError(f"--dev serves a debugger that runs code: refused on {host}, "
                                   "use a loopback host such as 127.0.0.1")
        serving.development(host, port)
        return
    from etl import read

    read.open_warehouse().rows("SELECT 1")   # fail early, with a clear message, if there is no warehouse
    raise click.exceptions.Exit(serving.production(host, port, workers, threads))


# --- wic notebook -----------------------------------------------------------------------------------------

@main.command(context_settings=CONTEXT,
              epilog=_examples("wic notebook", "JUPYTER_TOKEN=secret wic notebook --port 8890 --no-browser"))
@click.option("--port", type=click.IntRange(1, 65535), default=8888, show_default=True, help="port on 127.0.0.1")
@click.option("--root", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="the folder JupyterLab shows  [default: notebooks/ of the checkout]")
@click.option("--no-browser", is_flag=True, help="do not open a browser")
@_reported("notebook")
def notebook(port: int, root: Path | None, no_browser: bool) -> None:
    """Open JupyterLab on 127.0.0.1 on the notebooks, with this environment's Python kernel.

    Needs the warehouse (`wic etl`) and the notebook extra (`make notebook` installs both). JupyterLab's own
    JUPYTER_TOKEN sets the access token; its news feed, update check and extension lookups are off.
    """
    from etl import read
    from wic import notebook as lab

    read.open_warehouse().rows("SELECT 1")   # the notebooks read it: say so now if it is missing
    lab.run((root or lab.default_root()).resolve(), "127.0.0.1", port, not no_browser)


# --- wic brief --------------------------------------------------------------------------------------------

@main.command(context_settings=CONTEXT,
              epilog=_examples("wic brief CHN", "wic brief KEN --lang zh --out kenya-zh.pdf",
                               "wic brief WIC --out wic.pdf", "wic brief --members --lang zh --out-dir council/",
                               "wic brief CHN,KEN WIC --out-dir briefs/",
                               "wic brief CHN --vintage 20261201T100347Z-23da45 --out chn-then.pdf"))
@click.argument("codes", metavar="[ISO3]...", nargs=-1)
@click.option("--members", is_flag=True, help="the brief of every WIC member country too (as the WIC group lists them)")
@click.option("--lang", default="en", metavar="en|zh", show_default=True, help="language: en or zh")
@click.option("--out", type=click.Path(path_type=Path), metavar="PATH",
              help="the PDF to write, for one brief (default: brief-ISO3-LANG.pdf)")
@click.option("--out-dir", type=click.Path(path_type=Path), metavar="DIR",
              help="the folder to write brief-ISO3-LANG.pdf files to (default: the current folder)")
@VINTAGE_OPTION
@_reported("brief")
def brief(codes: tuple[str, ...], members: bool, lang: str, out: Path | None, out_dir: Path | None,
          vintage: str | None) -> None:
    """Write the printable A4 PDF brief of a country or group, or of several.

    The two-page council brief of a country or a group (a World Bank region, an income group, WLD or WIC),
    in English or Chinese, from the same template as the dashboard's /briefing page (printed by headless
    Chromium). ISO3 is a country or group code, e.g. CHN, XKX, EAS, HIC, WIC; give several (or commas) or
    --members for a set, printed two or more at a time. Every code is checked before anything is printed.
    With --vintage, the briefs as of a kept past run (their footers cite that run).
    """
    from dashboard.printer import PRINTER, script_page
    from etl import collector

    wanted = _codes(codes)
    if not wanted and not members:
        raise click.UsageError("give an ISO3 code (or several), or --members")
    if out is not None and (members or len(wanted) > 1 or out_dir is not None):
        raise click.UsageError("--out names the file of one brief: use --out-dir for several")
    # No cyclic collection in this short process: what it makes (modules, lookups) is kept to its end. Its imports
    # and first brief are the path a brief in a new process waits on: 2.48 s to 2.35 s with the collector paused
    # (median of 15 runs each, alternated).
    with collector.paused():
        # the browser starts and compiles plotly.js while the brief's modules load and its data is gathered
        PRINTER.warm(script_page(config.brief_plotly_path()))
        _briefs(wanted, members, lang, out, out_dir, vintage)


def _briefs(wanted: list[str], members: bool, lang: str, out: Path | None, out_dir: Path | None,
            vintage: str | None) -> None:
    """Check every code and the output folder, then write the briefs in order (the body of ``wic brief``)."""
    from dashboard.briefing import check_subject, write_brief
    from dashboard.briefing.build import WIC
    from dashboard.briefing.pdf import check_lang, default_name
    from etl import read

    with _at(vintage):
        lang = check_lang(lang)
        subjects = list(dict.fromkeys([check_subject(c) for c in wanted]
                                      + (read.group_members(WIC) if members else [])))
        if out_dir is not None and not out_dir.is_dir():
            raise click.UsageError(f"--out-dir {out_dir}: no such folder")
        targets = [out if out is not None else (out_dir or Path()) / default_name(c, lang) for c in subjects]
        for written in _print_all(write_brief, subjects, lang, targets):
            click.echo(f"wrote {written} ({written.stat().st_size:,} bytes)")


def _print_all(write: Callable[[str, str, Path], Path], subjects: list[str], lang: str,
               targets: list[Path]) -> Iterator[Path]:
    """Write each subject's brief to its target, as many at a time as the printer prints (files in order)."""
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    from dashboard.printer import SLOTS

    if len(subjects) == 1:
        yield write(subjects[0], lang, targets[0])
        return
    with ThreadPoolExecutor(min(SLOTS, len(subjects)), thread_name_prefix="wic-brief") as pool:
        # each task reads what this thread reads (a --vintage is a context variable)
        jobs = [pool.submit(contextvars.copy_context().run, write, code, lang, target)
                for code, target in zip(subjects, targets, strict=True)]
        try:
            for job in jobs:
                yield job.result()
        except BaseException:   # a failed brief or Ctrl-C: the briefs not started yet are not printed
            for job in jobs:
                job.cancel()
            raise
