"""The ``wic`` command: build the warehouse, query it, serve the dashboard."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from etl import config

DESCRIPTION = ("WIC Digital Economy Observatory: build the DuckDB warehouse of digital-economy statistics, "
               "query it, serve the dashboard.")
EPILOG = """environment:
  WIC_MIRROR         data mirror root (default: ../shared/data beside the checkout)
  WIC_WAREHOUSE      warehouse file (default: data/warehouse.duckdb)
  WIC_MEMBERS_DIR    folder of members.csv and membership_counts.csv (default: data/members)
  WIC_CACHE          downloads and cached API pages (default: data/cache)
  WIC_WORLDBANK_URL  World Bank API v2 base URL (default: https://api.worldbank.org/v2)
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wic", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    etl = sub.add_parser("etl", help="build or refresh the warehouse",
                         formatter_class=argparse.RawDescriptionHelpFormatter,
                         description="Build the DuckDB warehouse from the offline mirror (default) or the live "
                                     "World Bank API, in a new file swapped in atomically. Unchanged sources are "
                                     "skipped by checksum; nothing is written if all are unchanged.",
                         epilog="examples:\n  wic etl\n  wic etl --check\n  wic etl --source worldbank "
                                "--indicators catalog\n  wic etl members register.xlsx\n\n" + EPILOG)
    etl.add_argument("target", nargs="?", choices=["members"], help="'members': load a membership register")
    etl.add_argument("path", nargs="?", type=Path, help="with 'members': the register, CSV or Excel (.xlsx)")
    etl.add_argument("--source", choices=["mirror", "worldbank"], default="mirror",
                     help="mirror: the offline files (default); worldbank: the live Indicators API v2")
    etl.add_argument("--indicators", default="catalog",
                     help="with --source worldbank: 'catalog' (default), 'all' (every mirror indicator) or "
                          "comma-separated codes")
    etl.add_argument("--force", action="store_true", help="rebuild every step even if its inputs are unchanged")
    etl.add_argument("--check", action="store_true", help="validate the inputs and build, but write nothing")
    etl.add_argument("--quiet", action="store_true", help="no progress bars")

    query = sub.add_parser("query", help="print observations as tidy rows",
                           description="Print observations as tidy rows with columns iso3,indicator,year,value,"
                                       "source,computed,carried.",
                           epilog="example:\n  wic query --indicator IT.NET.USER.ZS --country CHN USA --from 2015",
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    query.add_argument("--indicator", required=True, action="append", metavar="CODE",
                       help="indicator code (repeatable), e.g. IT.NET.USER.ZS")
    query.add_argument("--country", nargs="+", metavar="ISO3", help="country or group codes, e.g. CHN WLD WIC")
    query.add_argument("--from", dest="year_from", type=int, metavar="Y", help="first year")
    query.add_argument("--to", dest="year_to", type=int, metavar="Y", help="last year")
    query.add_argument("--format", choices=["csv", "json"], default="csv", help="output format (default csv)")

    fact = sub.add_parser("facts", help="print a country's or group's facts: value, year, rank, change, flags",
                          formatter_class=argparse.RawDescriptionHelpFormatter,
                          description="Print the facts the country profile and the briefs state, for each headline "
                                      "indicator (or the --indicator codes): latest value and year, rank among "
                                      "economies whose latest value lies in the window and among WIC member "
                                      "countries, the 5-year change with both years, and how a group value was "
                                      "computed.",
                          epilog="examples:\n  wic facts CHN\n  wic facts WIC --indicator IT.NET.USER.ZS "
                                 "--format json")
    fact.add_argument("code", metavar="ISO3", help="country or group code, e.g. CHN, WLD, WIC")
    fact.add_argument("--indicator", action="append", metavar="CODE", help="indicator code (repeatable)")
    fact.add_argument("--format", choices=["table", "json"], default="table", help="output format (default table)")
    fact.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the table (default en)")

    sub.add_parser("info", help="show the warehouse's path, last run and table sizes",
                   description="Show the warehouse's path, last run and table sizes.")

    serve = sub.add_parser("serve", help="serve the dashboard", description="Serve the dashboard.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8050, help="port (default 8050)")
    serve.add_argument("--debug", action="store_true", help="Dash debug mode with hot reload")
    serve.add_argument("--prod", action="store_true",
                       help="production: gunicorn with several workers (read-only warehouse, /healthz, gzip, "
                            "security headers)")
    serve.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 1) + 1),
                       help="with --prod: worker processes (default: cores + 1)")
    serve.add_argument("--threads", type=int, default=2, help="with --prod: threads per worker (default 2)")

    brief = sub.add_parser("brief", help="write the printable A4 PDF brief of a country or group",
                           formatter_class=argparse.RawDescriptionHelpFormatter,
                           description="Write the two-page council brief of a country or a group (a World Bank "
                                       "region, an income group, WLD or WIC) as an A4 PDF, in English or Chinese, "
                                       "from the same template as the dashboard's /briefing page (printed by "
                                       "headless Chromium).",
                           epilog="examples:\n  wic brief CHN\n  wic brief KEN --lang zh --out kenya-zh.pdf\n"
                                  "  wic brief WIC --out wic.pdf")
    brief.add_argument("code", metavar="ISO3", help="country or group code, e.g. CHN, XKX, EAS, HIC, WIC")
    brief.add_argument("--lang", default="en", metavar="en|zh", help="language: en (default) or zh")
    brief.add_argument("--out", type=Path, metavar="PATH", help="the PDF to write (default: brief-ISO3-LANG.pdf)")
    return parser


def _worldbank_codes(spec: str) -> list[str]:
    from etl.catalog import load_catalog
    from etl.sources import wdi

    if spec == "catalog":
        cat = load_catalog()
        codes = [i.code for i in cat.indicators] + [i.agg_weight for i in cat.indicators if i.agg_weight]
        return sorted(set(codes))
    if spec == "all":
        mirror = sorted(p.name[:-4] for p in (config.raw_dir() / wdi.FOLDER).glob("*.csv"))
        return sorted(set(mirror) | set(_worldbank_codes("catalog")))
    return sorted({c.strip() for c in spec.split(",") if c.strip()})


def _etl(args: argparse.Namespace) -> int:
    from etl import build
    from etl.steps import Context

    if args.target == "members" and args.path is None:
        raise SystemExit("wic etl members: give the register's path, e.g. `wic etl members register.xlsx`")
    if args.target is None and args.path is not None:
        raise SystemExit(f"wic etl: unexpected argument {args.path}")
    progress = not args.quiet and sys.stderr.isatty()
    ctx = Context.default(progress=progress)
    if args.path is not None:
        ctx.members_file = args.path.resolve()
    if args.source == "worldbank":
        from etl.sources import worldbank_api

        out = config.cache_dir() / "worldbank" / "extract"
        result = worldbank_api.extract(_worldbank_codes(args.indicators), out,
                                       cache_dir=config.cache_dir() / "worldbank" / "pages", progress=progress)
        ctx.warnings.extend(result.warnings)
        ctx.iso_raw, ctx.raw = ctx.raw, out
        ctx.dataset, ctx.loaded_from = "worldbank-api", config.worldbank_api_url()
    partial = args.source == "worldbank" and args.indicators not in ("catalog", "all")
    report = build.run(ctx, source=args.source, force=args.force, check=args.check, partial=partial)
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
    if args.target == "members" and report.status == "ok":
        _keep_register(args.path.resolve())
    return 0


def _keep_register(path: Path) -> None:
    """Make a loaded register the one of record in the members folder, so later runs keep it."""
    from etl.sources.members import EXCEL_SUFFIXES, read_register
    from etl.steps import step_meta

    dest = config.members_dir() / "members.csv"
    if dest.exists() and dest.resolve() == path:
        return
    tmp = dest.with_name(".members.csv.tmp")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        import csv

        columns = step_meta("members")["member_columns"]
        with open(tmp, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(read_register(path))
    else:
        shutil.copyfile(path, tmp)
    os.replace(tmp, dest)
    print(f"the register is now {dest}")


def _query(args: argparse.Namespace) -> int:
    from etl import read

    frame = read.observations(args.indicator, args.country, year_from=args.year_from, year_to=args.year_to,
                              with_flags=True)
    if args.format == "json":
        json.dump(frame.to_dict("records"), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        frame.to_csv(sys.stdout, index=False, float_format="%.15g")
    return 0


def _facts(args: argparse.Namespace) -> int:
    from etl import facts, read

    code = args.code.strip().upper()
    rows = facts.flat_rows(code, args.indicator)
    if args.format == "json":
        json.dump(rows, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    names = read.indicator_table()
    column = "name_zh" if args.lang == "zh" else "name_en"
    for row in rows:
        name = names.loc[row["indicator"], column]
        label = name if isinstance(name, str) and name else names.loc[row["indicator"], "name_en"]
        print(f"{row['indicator']:<20} {label}: {row['text_' + args.lang]}")
    return 0


def _info(args: argparse.Namespace) -> int:
    from etl import read

    runs = read.runs()
    last = runs.iloc[0]
    print(f"warehouse: {config.warehouse_path()}")
    print(f"last run:  {last['run_id']} ({last['source']}), finished {last['finished_at']}")
    for table, rows in json.loads(last["row_counts"]).items():
        print(f"  {table:20} {rows:>10,}")
    return 0


def _brief(args: argparse.Namespace) -> int:
    from dashboard.briefing import write_brief

    out = write_brief(args.code, args.lang, args.out)
    print(f"wrote {out} ({out.stat().st_size:,} bytes)")
    return 0


def _serve(args: argparse.Namespace) -> int:
    if args.prod:
        from etl import read

        read.open_warehouse().rows("SELECT 1")   # fail early, with a clear message, if there is no warehouse
        command = [sys.executable, "-m", "gunicorn", "--bind", f"{args.host}:{args.port}",
                   "--workers", str(args.workers), "--worker-class", "gthread", "--threads", str(args.threads),
                   "--timeout", "60", "--access-logfile", "-", "dashboard.wsgi:server"]
        os.execv(sys.executable, command)
    from dashboard.app import create_app

    app = create_app()
    app.run(host=args.host, port=args.port, debug=args.debug)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``wic`` console command."""
    from etl.errors import InputError, SourceError, Stopped, stop_on_signals
    from etl.read import UnknownCode, WarehouseMissing

    args = _parser().parse_args(argv)
    handlers = {"etl": _etl, "query": _query, "facts": _facts, "info": _info, "serve": _serve, "brief": _brief}
    if args.command == "etl":
        stop_on_signals()
    try:
        return handlers[args.command](args)
    except (InputError, SourceError, UnknownCode, WarehouseMissing, RuntimeError) as exc:
        print(f"wic {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except Stopped as exc:
        done = "the new warehouse is in place" if exc.completed else "the warehouse is as it was"
        print(f"wic {args.command}: {exc}; {done}", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:
        print(f"wic {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
