"""End-to-end tests of the World Bank API client against the local fake server (real HTTP, no mocks)."""

from __future__ import annotations

import csv
import json
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fake_worldbank import DEFAULT_LASTUPDATED, UPDATED_LASTUPDATED, FakeWorldBank  # tests/ is on sys.path

from etl import config
from etl.errors import InputError, SourceError
from etl.snapshot.worldbank import COUNTRY_COLUMNS, WorldBankClient, extract

RAW = config.raw_dir()
BIG = "SP.POP.TOTL"  # 17,394 rows, 264 codes x 66 years
BROADBAND = "IT.NET.BBND.P2"  # 5,319 rows, 255 codes x 28 years
SMALL = "IE.PPN.ICTI.CD"  # 178 rows, 92 codes x 40 years
CODES = [BROADBAND, BIG, SMALL]

pytestmark = pytest.mark.skipif(
    not (RAW / "datahub-wdi" / f"{BIG}.csv").is_file(), reason=f"offline mirror not found at {RAW}"
)


# --------------------------------------------------------------------------------------------- fixtures


class NonLoopbackConnect(AssertionError):
    """A test tried to open a socket to somewhere other than 127.0.0.1."""


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Fail any socket connect that does not go to 127.0.0.1 (guards against reaching the real API)."""
    attempts: list[Any] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(sock: socket.socket, address: Any) -> None:
        attempts.append(address)
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1"):
            raise NonLoopbackConnect(f"connection to {address!r} attempted")

    def connect(sock: socket.socket, address: Any) -> None:
        check(sock, address)
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        check(sock, address)
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return attempts


@pytest.fixture
def fake() -> Iterator[FakeWorldBank]:
    with FakeWorldBank() as server:
        yield server


ClientFactory = Callable[..., WorldBankClient]


@pytest.fixture
def make_client(fake: FakeWorldBank, tmp_path: Path) -> Iterator[ClientFactory]:
    clients: list[WorldBankClient] = []

    def factory(**kwargs: Any) -> WorldBankClient:
        options: dict[str, Any] = {
            "cache_dir": tmp_path / "cache",
            "timeout": (2.0, 1.5),
            "max_retries": 3,
            "backoff_base": 0.01,
            "backoff_max": 0.05,
            "retry_after_max": 2.0,
        }
        base_url = kwargs.pop("base_url", fake.base_url)
        options.update(kwargs)
        client = WorldBankClient(base_url, **options)
        clients.append(client)
        return client

    yield factory
    for c in clients:
        c.close()


# ---------------------------------------------------------------------------------------------- helpers


def read_wdi(path: Path) -> tuple[set[tuple[str, int, float]], dict[str, str]]:
    """(code, year, value) rows and code -> name of a datahub-wdi style CSV."""
    rows: set[tuple[str, int, float]] = set()
    names: dict[str, str] = {}
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["Country Name", "Country Code", "Year", "Value"]
        for r in reader:
            rows.add((r["Country Code"], int(r["Year"]), float(r["Value"])))
            names[r["Country Code"]] = r["Country Name"]
    return rows, names


def read_country_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames or ()) == COUNTRY_COLUMNS
        return list(reader)


def data_requests(fake: FakeWorldBank, code: str) -> list[Any]:
    return fake.requests_to(f"/country/all/indicator/{code}")


# ------------------------------------------------------------------------------------------------ tests


def test_extract_reproduces_the_mirror(
    fake: FakeWorldBank, make_client: ClientFactory, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = extract(CODES, out, client=make_client(), progress=True)

    for code in CODES:
        written = out / "datahub-wdi" / f"{code}.csv"
        mirror = RAW / "datahub-wdi" / f"{code}.csv"
        got_rows, got_names = read_wdi(written)
        want_rows, want_names = read_wdi(mirror)
        assert got_rows == want_rows, code
        assert got_names == want_names, code
        raw_bytes = written.read_bytes()
        assert raw_bytes.startswith(
            b"Country Name,Country Code,Year,Value\r\n"
        )  # no BOM, CRLF like the mirror
        lines = raw_bytes.decode("utf-8").splitlines()[1:]
        keys = [(r[1], int(r[2])) for r in csv.reader(lines)]
        assert keys == sorted(keys)
        assert all(r[3] == repr(float(r[3])) for r in csv.reader(lines))

        rep = result.indicators[code]
        assert rep.rows == len(want_rows)
        assert rep.lastupdated == DEFAULT_LASTUPDATED
        assert rep.skipped_rows == 1  # the fake's one row with an empty countryiso3code
        assert rep.null_rows > 0
        assert rep.pages_fetched == 2 and rep.pages_cached == 0  # one data page + one metadata page

        pkg = json.loads((out / "datahub-wdi" / f"{code}.datapackage.json").read_text(encoding="utf-8"))
        mirror_pkg = json.loads(
            (RAW / "datahub-wdi" / f"{code}.datapackage.json").read_text(encoding="utf-8")
        )
        for key in ("title", "name", "readme", "keywords", "licenses"):
            assert pkg[key] == mirror_pkg[key], (code, key)
        assert pkg["worldbank"]["indicator"] == mirror_pkg["worldbank"]["indicator"]
        assert pkg["worldbank"]["lastupdated"] == DEFAULT_LASTUPDATED
        assert pkg["worldbank"]["source"] == "World Development Indicators"

    assert '"Bahamas, The",BHS,1960,116317.0' in (out / "datahub-wdi" / f"{BIG}.csv").read_text(
        encoding="utf-8"
    )
    countries = read_country_csv(out / "wb-country-metadata" / "wb_api_country_list_2024-06.csv")
    mirror_countries = read_country_csv(RAW / "wb-country-metadata" / "wb_api_country_list_2024-06.csv")
    assert countries == mirror_countries
    assert result.countries == 296
    assert sum(r["is_aggregate"] == "true" for r in countries) == 79
    assert any("empty countryiso3code" in w for w in result.warnings)
    assert not list(out.rglob("*.tmp"))
    # requests carried the expected query
    for req in data_requests(fake, BIG):
        assert req.query == {"format": "json", "per_page": "20000", "page": "1"}


def test_small_pages_give_the_same_result(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    client = make_client(per_page=700)
    data = client.indicator_data(BROADBAND)
    want = fake.mirror_rows(BROADBAND)
    assert {(o.country_code, o.year, o.value) for o in data.observations} == want
    total = len(fake.dataset(BROADBAND).rows)
    assert data.total == total
    pages = -(-total // 700)
    assert data.pages_fetched == pages > 5
    assert [r.page for r in data_requests(fake, BROADBAND)] == list(range(1, pages + 1))
    assert data.null_rows + data.skipped_rows + len(data.observations) == total


def test_string_per_page_in_data_header(tmp_path: Path) -> None:
    with FakeWorldBank(data_per_page_as_string=True, blank_iso3_row=False) as server:
        client = WorldBankClient(server.base_url, cache_dir=None, per_page=50)
        data = client.indicator_data(SMALL, date="2015:2024")
        client.close()
        want = {r for r in server.mirror_rows(SMALL) if 2015 <= r[1] <= 2024}
        assert {(o.country_code, o.year, o.value) for o in data.observations} == want
        assert data.skipped_rows == 0
        assert data.pages_fetched == -(-data.total // 50) > 1
        assert all(r.query["date"] == "2015:2024" for r in server.requests)


def test_dropped_row_fails_the_total_check(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.add_fault("drop_row", f"indicator/{SMALL}", page=2, times=None)
    with pytest.raises(InputError) as err:
        make_client(per_page=1000).indicator_data(SMALL)
    text = str(err.value)
    assert "total" in text and f"{fake.base_url}/country/all/indicator/{SMALL}" in text


def test_502_then_success(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fault = fake.add_fault("status", f"all/indicator/{SMALL}", status=502, times=2)
    data = make_client().indicator_data(SMALL)
    assert fault.hits == 2
    assert len(data_requests(fake, SMALL)) == 3
    assert {(o.country_code, o.year, o.value) for o in data.observations} == fake.mirror_rows(SMALL)


def test_persistent_503_gives_source_error(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.add_fault("status", f"all/indicator/{SMALL}", status=503, times=None)
    with pytest.raises(SourceError, match=r"HTTP 503") as err:
        make_client(max_retries=2).indicator_data(SMALL)
    assert f"{fake.base_url}/country/all/indicator/{SMALL}" in str(err.value)
    assert len(data_requests(fake, SMALL)) == 3


def test_read_timeout_then_success(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.dataset(SMALL)  # build it before timing anything
    fake.add_fault("timeout", f"all/indicator/{SMALL}", delay=1.5, times=1)
    started = time.monotonic()
    data = make_client(timeout=(2.0, 0.4)).indicator_data(SMALL)
    assert time.monotonic() - started < 1.4  # did not wait for the slow answer
    assert len(data_requests(fake, SMALL)) == 2
    assert len(data.observations) == len(fake.mirror_rows(SMALL))


def test_429_honours_retry_after(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.add_fault("status", f"all/indicator/{SMALL}", status=429, retry_after="1", times=1)
    data = make_client().indicator_data(SMALL)
    first, second = data_requests(fake, SMALL)
    assert second.at - first.at >= 0.95
    assert len(data.observations) == len(fake.mirror_rows(SMALL))


def test_retry_after_is_capped(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.add_fault("status", f"all/indicator/{SMALL}", status=429, retry_after="3600", times=1)
    started = time.monotonic()
    make_client(retry_after_max=0.2).indicator_data(SMALL)
    assert time.monotonic() - started < 2.0
    assert len(data_requests(fake, SMALL)) == 2


def test_api_error_message_is_not_retried(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.add_fault("api_error", f"all/indicator/{SMALL}", times=None)
    with pytest.raises(SourceError) as err:
        make_client().indicator_data(SMALL)
    text = str(err.value)
    assert "120" in text and "Invalid value" in text and "The provided parameter value is not valid" in text
    assert f"/country/all/indicator/{SMALL}" in text and "page 1" in text
    assert len(data_requests(fake, SMALL)) == 1


def test_transient_api_error_is_retried(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    error = {"id": "105", "key": "Service currently unavailable", "value": "try later"}
    fake.add_fault("api_error", f"all/indicator/{SMALL}", error=error, times=1)
    data = make_client().indicator_data(SMALL)
    assert len(data_requests(fake, SMALL)) == 2
    assert len(data.observations) == len(fake.mirror_rows(SMALL))


def test_unknown_indicator(make_client: ClientFactory, fake: FakeWorldBank, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"NOT\.A\.CODE.*120 Invalid value"):
        extract(["NOT.A.CODE"], tmp_path / "out", client=make_client())
    assert len(fake.requests_to("/indicator/NOT.A.CODE")) == 1
    assert not (tmp_path / "out" / "datahub-wdi" / "NOT.A.CODE.csv").exists()


def test_bad_code_rejected_before_any_request(
    make_client: ClientFactory, fake: FakeWorldBank, tmp_path: Path
) -> None:
    with pytest.raises(InputError):
        extract(["../etc"], tmp_path / "out", client=make_client())
    assert fake.requests == []


def test_truncated_json_is_retried(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.add_fault("truncate", f"all/indicator/{SMALL}", times=1)
    data = make_client().indicator_data(SMALL)
    assert len(data_requests(fake, SMALL)) == 2
    assert {(o.country_code, o.year, o.value) for o in data.observations} == fake.mirror_rows(SMALL)


def test_permanently_truncated_json_names_the_url(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.add_fault("truncate", f"all/indicator/{SMALL}", times=None)
    with pytest.raises(SourceError) as err:
        make_client(max_retries=2).indicator_data(SMALL)
    text = str(err.value)
    assert f"{fake.base_url}/country/all/indicator/{SMALL}?format=json&per_page=20000&page=1" in text
    assert "truncated JSON" in text and "3 attempts" in text
    assert len(data_requests(fake, SMALL)) == 3


def test_connection_dropped_mid_body_is_retried(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.add_fault("disconnect", f"all/indicator/{SMALL}", times=1)
    data = make_client().indicator_data(SMALL)
    assert len(data_requests(fake, SMALL)) == 2
    assert len(data.observations) == len(fake.mirror_rows(SMALL))


def test_data_update_mid_download_restarts(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    before = len(fake.dataset(SMALL).rows)
    fake.add_fault("update_data", f"all/indicator/{SMALL}", page=2, times=1)
    data = make_client(per_page=1000).indicator_data(SMALL)
    assert data.restarts == 1
    assert data.pages_fetched == len(data_requests(fake, SMALL))  # counts the abandoned attempt too
    assert data.lastupdated == UPDATED_LASTUPDATED
    assert data.total == len(fake.dataset(SMALL).rows) > before
    pages = [r.page for r in data_requests(fake, SMALL)]
    assert pages[:2] == [1, 2] and pages[2:] == list(range(1, -(-data.total // 1000) + 1))
    assert {(o.country_code, o.year, o.value) for o in data.observations} == fake.mirror_rows(SMALL)


def test_endless_updates_give_up(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.add_fault("update_data", f"all/indicator/{SMALL}", page=2, times=None)
    with pytest.raises(SourceError, match="header changed.*gave up after 2 restarts"):
        make_client(per_page=1000, max_restarts=2).indicator_data(SMALL)
    assert [r.page for r in data_requests(fake, SMALL)] == [1, 2] * 3


def test_empty_result_is_zero_rows(make_client: ClientFactory, fake: FakeWorldBank, tmp_path: Path) -> None:
    data = make_client().indicator_data(SMALL, date="1900:1901")
    assert (data.observations, data.total, data.lastupdated, data.pages_fetched) == ([], 0, None, 1)
    result = extract([SMALL], tmp_path / "out", client=make_client(), date="1900:1901")
    rep = result.indicators[SMALL]
    assert rep.rows == 0 and rep.csv_path is None
    assert not (tmp_path / "out" / "datahub-wdi").exists()  # a header-only CSV would fail the offline loader
    assert any("no data" in w for w in result.warnings)


def test_lower_case_code_gets_canonical_file_name(
    make_client: ClientFactory, fake: FakeWorldBank, tmp_path: Path
) -> None:
    result = extract([SMALL.lower()], tmp_path / "out", client=make_client())
    assert result.indicators[SMALL.lower()].csv_path == tmp_path / "out" / "datahub-wdi" / f"{SMALL}.csv"
    got, _ = read_wdi(tmp_path / "out" / "datahub-wdi" / f"{SMALL}.csv")
    assert got == fake.mirror_rows(SMALL) and len(got) == 178


def test_indicators_download_a_few_at_a_time_into_the_files_one_at_a_time_writes(
    make_client: ClientFactory, fake: FakeWorldBank, tmp_path: Path
) -> None:
    """By default several indicators are downloaded at once (the fake holds indicator requests until two are
    waiting together: one at a time never gets there); the files, reports and warnings are those of one at a time,
    byte for byte and in the order asked."""
    codes = [SMALL, BROADBAND, "IT.CEL.SETS.P2", BIG]
    one = extract(codes, tmp_path / "one", client=make_client(cache_dir=tmp_path / "cache1"), downloads=1)
    gate = fake.add_fault("gather", "/indicator/", count=2, delay=20, times=None)
    many = extract(codes, tmp_path / "many", client=make_client(cache_dir=tmp_path / "cache2"))
    assert gate.gathered and gate.hits == 2 * len(codes)   # metadata and data requests, all through the gate

    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    assert files(tmp_path / "one") == files(tmp_path / "many") and len(files(tmp_path / "one")) == 1 + 2 * len(codes)
    assert list(many.indicators) == codes and many.warnings == one.warnings
    for code in codes:
        a, b = one.indicators[code], many.indicators[code]
        assert (a.rows, a.lastupdated, a.null_rows, a.skipped_rows, a.pages_fetched) == \
            (b.rows, b.lastupdated, b.null_rows, b.skipped_rows, b.pages_fetched), code
    with pytest.raises(ValueError, match="downloads must be >= 1"):
        extract(codes, tmp_path / "none", client=make_client(), downloads=0)


def test_a_failed_download_leaves_the_files_of_the_indicators_before_it(
    make_client: ClientFactory, fake: FakeWorldBank, tmp_path: Path
) -> None:
    """The second of three fails while the others download beside it: the first one's files are written, neither
    the failed one's nor those of the one after it (as one at a time: nothing after a failure is written)."""
    fake.add_fault("status", f"all/indicator/{BROADBAND}", status=500, times=None)
    out = tmp_path / "out"
    with pytest.raises(SourceError, match="HTTP 500"):
        extract([SMALL, BROADBAND, "IT.CEL.SETS.P2"], out, client=make_client(max_retries=1))
    assert sorted(p.name for p in (out / "datahub-wdi").iterdir()) == [f"{SMALL}.csv", f"{SMALL}.datapackage.json"]


def test_interrupted_run_resumes_from_cache(
    make_client: ClientFactory, fake: FakeWorldBank, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    # run 1: broadband completes, population dies on its page 3 (pages 1-2 are cached by then)
    fake.add_fault("status", f"all/indicator/{BIG}", page=3, status=500, times=None)
    with pytest.raises(SourceError, match="HTTP 500"):
        extract([BROADBAND, BIG], out, client=make_client(per_page=2000, max_retries=1))
    assert (out / "datahub-wdi" / f"{BROADBAND}.csv").is_file()
    assert not (out / "datahub-wdi" / f"{BIG}.csv").exists()
    run1 = len(fake.requests)

    # run 2: a fresh client on the same cache
    fake.clear()
    result = extract([BROADBAND, BIG], out, client=make_client(per_page=2000))
    bb = result.indicators[BROADBAND]
    assert bb.pages_fetched == 0 and bb.pages_cached == 1 + 4  # metadata + 4 data pages, all from disk
    assert data_requests(fake, BROADBAND) == []
    assert [r for r in fake.requests if r.path == "/v2/country"] == []
    pop_pages = sorted(r.page for r in data_requests(fake, BIG))
    assert pop_pages == list(range(3, 10))  # pages 1-2 came from the cache
    assert result.indicators[BIG].pages_cached == 1 + 2
    assert len(fake.requests) < run1
    got, _ = read_wdi(out / "datahub-wdi" / f"{BIG}.csv")
    assert got == fake.mirror_rows(BIG)
    got, _ = read_wdi(out / "datahub-wdi" / f"{BROADBAND}.csv")
    assert got == fake.mirror_rows(BROADBAND)


def test_corrupt_cached_page_is_refetched(
    make_client: ClientFactory, fake: FakeWorldBank, tmp_path: Path
) -> None:
    make_client(per_page=1000).indicator_data(SMALL)
    cached = sorted((tmp_path / "cache").glob("country_all_indicator_*/page-*.json"))
    assert len(cached) == 4
    cached[1].write_bytes(cached[1].read_bytes()[:100])  # as if a crash had cut it
    fake.clear()
    data = make_client(per_page=1000).indicator_data(SMALL)
    assert [r.page for r in data_requests(fake, SMALL)] == [2]
    assert (data.pages_fetched, data.pages_cached) == (1, 3)
    assert {(o.country_code, o.year, o.value) for o in data.observations} == fake.mirror_rows(SMALL)


def test_refresh_and_clear_cache(make_client: ClientFactory, fake: FakeWorldBank, tmp_path: Path) -> None:
    make_client().indicator_data(SMALL)
    fake.clear()
    make_client().indicator_data(SMALL)
    assert data_requests(fake, SMALL) == []
    make_client(refresh=True).indicator_data(SMALL)
    assert len(data_requests(fake, SMALL)) == 1
    make_client(cache_ttl=0.0).indicator_data(SMALL)
    assert len(data_requests(fake, SMALL)) == 2
    (tmp_path / "cache" / "unrelated.txt").write_text("keep me")
    make_client().clear_cache()
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["unrelated.txt"]
    make_client().indicator_data(SMALL)
    assert len(data_requests(fake, SMALL)) == 3


def test_every_request_stayed_on_loopback(
    make_client: ClientFactory, fake: FakeWorldBank, tmp_path: Path, loopback_only: list[Any]
) -> None:
    extract([SMALL], tmp_path / "out", client=make_client())
    assert fake.requests
    assert {r.client for r in fake.requests} == {"127.0.0.1"}
    assert {r.host_header for r in fake.requests} == {f"127.0.0.1:{fake.port}"}
    assert loopback_only and all(a[0] == "127.0.0.1" for a in loopback_only)
    with pytest.raises(NonLoopbackConnect):
        socket.create_connection(("192.0.2.1", 80), timeout=0.1)


# ------------------------------------------------------------------ issue 15 item 9: bounded everything


class FakeClock:
    """A clock that moves on by ``step`` seconds each time it is read (deadlines without real waiting)."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_trickling_server_is_cut_off_by_the_request_deadline(make_client: ClientFactory,
                                                              fake: FakeWorldBank) -> None:
    # a byte every 0.5 s never trips the 1.5 s read timeout; ten of them outlast the 1 s deadline
    fake.add_fault("trickle", f"/indicator/{SMALL}", delay=0.5, trickle_bytes=10, times=None)
    client = make_client(request_deadline=1.0, max_retries=1)
    with pytest.raises(SourceError, match="request deadline of 1 s") as info:
        client.indicator_data(SMALL)
    assert "giving up after 2 attempts" in str(info.value)
    assert len(data_requests(fake, SMALL)) == 2


def test_trickle_within_the_deadline_succeeds(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.add_fault("trickle", f"/indicator/{SMALL}", delay=0.01, trickle_bytes=3)
    data = make_client(max_retries=0).indicator_data(SMALL)
    assert len(data.observations) == len(fake.mirror_rows(SMALL))


def test_run_deadline_stops_retries_and_paging(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.add_fault("status", f"/indicator/{SMALL}", status=503, times=None)
    client = make_client(max_retries=50, run_deadline=10.0, clock=FakeClock(1.0))
    with pytest.raises(SourceError, match="run deadline of 10 s has passed"):
        client.indicator_data(SMALL)
    assert len(data_requests(fake, SMALL)) < 10       # not the 51 attempts the retry budget allows


def test_header_with_too_many_pages_is_refused(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.add_fault("header", f"/indicator/{SMALL}", header={"pages": 10**9})
    with pytest.raises(InputError, match="the header says 1000000000 pages") as info:
        make_client().indicator_data(SMALL)
    assert info.value.field == "pages"
    assert len(data_requests(fake, SMALL)) == 1


def test_page_cap_from_total_and_per_page(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.add_fault("header", f"/indicator/{SMALL}", header={"total": 10**12, "pages": 10**12 // 50})
    with pytest.raises(InputError, match="exceed the cap of 100 pages"):
        make_client(per_page=50, max_pages=100).indicator_data(SMALL)
    assert len(data_requests(fake, SMALL)) == 1
    fake.clear()
    with pytest.raises(InputError, match="exceed the cap of 2 pages"):     # 178 rows at 50 a page: 4 pages
        make_client(per_page=50, max_pages=2, cache_dir=None).indicator_data(SMALL)


def test_redirect_to_another_host_is_refused(make_client: ClientFactory, fake: FakeWorldBank,
                                             loopback_only: list[Any]) -> None:
    fake.add_fault("redirect", f"/indicator/{SMALL}", location="http://127.0.0.2:9/v2/elsewhere")
    with pytest.raises(SourceError, match=r"redirect to another host refused \(http://127.0.0.2:9"):
        make_client().indicator_data(SMALL)
    assert all(address[0] == "127.0.0.1" for address in loopback_only)


def test_redirect_within_the_api_is_followed(make_client: ClientFactory, fake: FakeWorldBank) -> None:
    fake.add_fault("redirect", f"/indicator/{SMALL}",
                   location=f"/v2/country/all/indicator/{SMALL}?format=json&per_page=20000&page=1")
    data = make_client().indicator_data(SMALL)
    assert len(data.observations) == len(fake.mirror_rows(SMALL))
    assert len(data_requests(fake, SMALL)) == 2


def test_a_second_extract_keeps_only_what_it_asked_for(make_client: ClientFactory, fake: FakeWorldBank,
                                                        tmp_path: Path) -> None:
    out = tmp_path / "extract"
    extract([BROADBAND], out, client=make_client())
    assert (out / "datahub-wdi" / f"{BROADBAND}.csv").is_file()
    extract([SMALL], out, client=make_client())
    files = sorted(p.name for p in (out / "datahub-wdi").iterdir())
    assert files == [f"{SMALL}.csv", f"{SMALL}.datapackage.json"]
