"""The portal's long pages as a new reader meets them (issue 21): long tables a page at a time with
where the page stands ("51–100 of 198"), the data page's contents at its top with the reconciliation
first, the tracking table's key columns in view at 1,280 px, maps with a key to their shading that
frame the whole region on a phone, a favicon, no downloads offered for empty tables, and an
activity's sectors gathered from its transactions where it names none (USAID)."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from stratmon.analysis.activities import activity_detail
from stratmon.analysis.activity_sectors import sectors_from_transactions
from stratmon.store import schema
from stratmon.store.db import get_engine
from test_web_browser import browser, live, page, shoot  # noqa: F401 (fixtures)

COUNT = re.compile(r"(\d[\d,]*)–(\d[\d,]*) of (\d[\d,]*)")


def _most_transactions(url: str, reporting_org: str | None = None) -> tuple[str, int]:
    """The identifier of the activity with the most transactions (of one reporting organisation), and how many."""
    activity, transaction = schema.activity, schema.transaction
    statement = (select(activity.c.iati_identifier, func.count().label("n"))
                 .join(transaction, transaction.c.activity_id == activity.c.id)
                 .group_by(activity.c.iati_identifier).order_by(func.count().desc(), activity.c.iati_identifier)
                 .limit(1))
    if reporting_org:
        statement = statement.where(activity.c.reporting_org_ref == reporting_org)
    with get_engine(url).connect() as connection:
        found = connection.execute(statement).one()
    return found.iati_identifier, found.n


@pytest.fixture(scope="module")
def busiest(shared_portal_url) -> tuple[str, int]:
    identifier, count = _most_transactions(shared_portal_url)
    assert count > 100, "the real data hold activities with more than two pages of transactions"
    return identifier, count


@pytest.fixture(scope="module")
def usaid_activity(shared_portal_url) -> str:
    """A USAID activity (sectors on its transactions only) with many transactions."""
    return _most_transactions(shared_portal_url, "US-GOV-1")[0]


def _path(identifier: str) -> str:
    return "/en/activities/" + quote(identifier, safe="")


def _table(html: str, name: str) -> str:
    start = html.index(f'id="table-{name}"')
    return html[start:html.index("</table>", start)]


# ------------------------------------------------------------------------------------------- paging

def test_an_activitys_transactions_come_fifty_to_a_page_and_download_whole(reader, busiest):
    identifier, count = busiest
    first = reader.get(_path(identifier)).text
    assert _table(first, "transactions").count("<tr>") == 1 + 50  # the heading row and 50 transactions
    assert f"1–50 of {count}" in first
    assert f'href="{_path(identifier)}?tx_page=2#table-transactions" rel="next"' in first.replace("&amp;", "&")
    last_page = -(-count // 50)
    last = reader.get(f"{_path(identifier)}?tx_page={last_page}").text
    assert f"{(last_page - 1) * 50 + 1}–{count} of {count}" in last
    assert _table(last, "transactions").count("<tr>") == 1 + count - (last_page - 1) * 50
    assert 'rel="next"' not in last[last.index('id="table-transactions"'):last.index('id="alignment"')]
    # Past the end is the last page; a page that is not a number is refused.
    assert f"of {count}" in reader.get(f"{_path(identifier)}?tx_page=999").text
    assert reader.get(f"{_path(identifier)}?tx_page=two").status_code == 400
    assert reader.get(f"{_path(identifier)}?tx_page=0").status_code == 400
    rows = list(csv.DictReader(io.StringIO(reader.get(
        f"{_path(identifier)}?tx_page=2&download=transactions&format=csv").content.decode("utf-8-sig"))))
    assert len(rows) == count


def test_the_data_page_has_contents_first_and_the_reconciliation_near_the_top(reader):
    html = reader.get("/en/data").text
    contents = html.index('class="toc contents"')
    order = [html.index(f'id="{anchor}"') for anchor in
             ("reconciliation", "money-coverage", "year-by-year", "coverage", "rules", "geography", "budget",
              "published-checks", "sources", "downloads")]
    assert contents < order[0] and order == sorted(order)
    for anchor in ("reconciliation", "money-coverage", "year-by-year", "geography", "sources", "downloads"):
        assert f'href="#{anchor}"' in html[contents:order[0]]
    # The long tables are folded, with what they add up to in view; the regional one comes 25 rows a page.
    assert re.search(r"<summary>Money outside the Strategy(?:'|&#39;)s geography: (\$[\d.,]+ \w* ?disbursed to \d+ "
                     r"recipients|none)</summary>", html)
    assert "Counted as the Strategy&#39;s:" in html and "not counted:" in html
    regional = _table(html, "regional-scope")
    assert regional.count("<tr>") == 1 + 25
    second = reader.get("/en/data?regional_page=2").text
    assert re.search(r'<details class="data-table" id="regional" open>', second)
    assert COUNT.search(second[second.index('id="table-regional-scope"'):]).group(1) == "26"


# ------------------------------------------------------------------------- sectors from transactions

def test_sectors_gathered_from_transactions_add_up_to_the_activitys_money(shared_portal_url, usaid_activity):
    with get_engine(shared_portal_url).connect() as connection:
        detail = activity_detail(connection, usaid_activity)
        sectors = sectors_from_transactions(connection, usaid_activity)
    assert detail.sectors == [], "USAID names sectors on its transactions, not on the activity"
    assert sectors and {s.vocabulary for s in sectors} >= {"1"}
    for vocabulary in {s.vocabulary for s in sectors}:
        for kind, code in (("obligation", "2"), ("disbursement", "3")):
            total = sum((s.usd.get(kind, Decimal(0)) for s in sectors if s.vocabulary == vocabulary), Decimal(0))
            assert total == detail.total_usd(code), (vocabulary, kind)
    assert all(s.name for s in sectors if not s.is_unspecified)


def test_the_activity_page_and_the_api_show_sectors_from_transactions(reader, shared_portal_url, usaid_activity):
    with get_engine(shared_portal_url).connect() as connection:
        sectors = sectors_from_transactions(connection, usaid_activity)
    html = reader.get(_path(usaid_activity)).text
    table = _table(html, "transaction-sectors")
    assert 'id="table-sectors"' not in html  # not the empty table of the activity's own sectors
    largest = sectors[0]
    assert largest.code in table and f"{largest.usd['disbursement']:,.2f}" in table
    assert "Sectors named on the transactions" in table
    spanish = reader.get(_path(usaid_activity).replace("/en/", "/es/")).text
    assert 'id="table-transaction-sectors"' in spanish
    body = reader.get("/api/v1/activities/" + quote(usaid_activity, safe="")).json()
    assert body["sectors"] == []
    assert [(s["vocabulary"], s["code"], s["usd"].get("disbursement")) for s in body["transaction_sectors"]] == [
        (s.vocabulary, s.code, f"{s.usd['disbursement']:.2f}" if "disbursement" in s.usd else None) for s in sectors]


# ----------------------------------------------------------------------------- small things, no browser

def _tables_and_downloads(html: str) -> list[tuple[str, bool, bool]]:
    """(table name, whether it is empty, whether a download of it is offered) for each table of a page."""
    found = []
    starts = [m for m in re.finditer(r'<div class="table-wrap[^"]*" id="table-([\w-]+)"', html)]
    for index, match in enumerate(starts):
        name, end = match.group(1), html.index("</table>", match.end())
        following = html[end:starts[index + 1].start() if index + 1 < len(starts) else None]
        found.append((name, "No data." in html[match.end():end], f"download={name}&amp;" in following))
    return found


def test_empty_tables_offer_no_downloads(reader):
    finder = reader.get("/en/activities?q=no-such-activity-anywhere").text
    assert "0 activities found" in finder and "download=activities" not in finder
    seen_empty = 0
    for path in ("/en/data?fy=2030", "/en/indicators?country=BZ", "/en/countries/BZ?fy=2030"):
        tables = _tables_and_downloads(reader.get(path).text)
        assert [name for name, empty, offered in tables if empty and offered] == [], path
        assert [name for name, empty, offered in tables if not empty and not offered] == [], path
        seen_empty += sum(empty for _name, empty, _offered in tables)
    assert seen_empty >= 5


def test_the_favicon_is_linked_and_served(reader):
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in reader.get("/en/").text
    icon = reader.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert icon.text.lstrip().startswith("<svg")
    legacy = reader.get("/favicon.ico", follow_redirects=False)
    assert legacy.status_code == 301 and legacy.headers["location"] == "/static/favicon.svg"


# ---------------------------------------------------------------------------------------- in a browser

def _phone(browser):  # noqa: F811
    return browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)


def test_the_tracking_tables_key_columns_are_in_view_at_1280(page: Page, live):  # noqa: F811
    page.goto(f"{live}/en/indicators")
    box = page.locator("#table-tracking")
    expect(box).to_be_visible()
    frame = box.bounding_box()
    assert frame["width"] <= 1184 + 1
    headings = page.locator("#table-tracking thead th")
    names = headings.all_inner_texts()
    for wanted in ("Target", "Actual", "Status"):
        index = next(i for i, name in enumerate(names) if name.strip().startswith(wanted))
        cell = headings.nth(index).bounding_box()
        assert cell["x"] >= frame["x"] and cell["x"] + cell["width"] <= frame["x"] + frame["width"], wanted
    first_cell = page.locator("#table-tracking tbody tr").first.locator("td").nth(
        next(i for i, name in enumerate(names) if name.strip() == "Status") - 1)
    expect(first_cell.locator(".status")).to_be_visible()
    # The table scrolls sideways in its box for the rest, the indicator staying put at the left.
    indicator = page.locator("#table-tracking tbody th").first
    before = indicator.bounding_box()["x"]
    box.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
    assert abs(indicator.bounding_box()["x"] - before) < 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    shoot(page, "indicators-tracking-1280")


def test_transactions_page_through_in_the_browser(page: Page, live, busiest):  # noqa: F811
    identifier, count = busiest
    page.goto(f"{live}{_path(identifier)}")
    pager = page.get_by_role("navigation", name="Pages of the table Transactions")
    expect(pager).to_contain_text(f"1–50 of {count}")
    pager.get_by_role("link", name="Next").click()
    assert "tx_page=2" in page.url
    pager = page.get_by_role("navigation", name="Pages of the table Transactions")
    expect(pager).to_contain_text(f"51–100 of {count}")
    expect(page.locator("#table-transactions tbody tr")).to_have_count(50)
    # The reader lands at the table, not at the top of the page.
    assert page.evaluate("window.scrollY") > 0
    shoot(page, "activity-transactions-page-2")


def test_sectors_from_transactions_in_the_browser(page: Page, live, usaid_activity):  # noqa: F811
    page.goto(f"{live}{_path(usaid_activity)}")
    table = page.locator("#table-transaction-sectors")
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() > 0
    expect(table).not_to_contain_text("No data.")
    expect(table.locator("thead")).to_contain_text("Disbursed (USD)")


def test_no_download_links_under_empty_tables_in_the_browser(page: Page, live):  # noqa: F811
    for path in ("/en/indicators?country=BZ", "/en/activities?q=no-such-activity-anywhere", "/en/data?fy=2030"):
        page.goto(f"{live}{path}")
        offered = page.evaluate("""() => Array.from(document.querySelectorAll('.table-wrap')).filter(wrap =>
            wrap.querySelector('tbody td.muted') && wrap.querySelectorAll('tbody tr').length === 1).map(wrap => {
              let next = wrap.nextElementSibling;
              while (next && !next.classList.contains('table-wrap') && !next.matches('h2, h3, details, section')) {
                if (next.classList.contains('downloads')) { return wrap.id; }
                next = next.nextElementSibling;
              }
              return null;
            }).filter(Boolean)""")
        assert offered == [], (path, offered)


def test_the_favicon_loads_without_a_404(page: Page, live):  # noqa: F811
    failures = []
    page.on("response", lambda response: failures.append(response.url) if response.status >= 400 else None)
    page.goto(f"{live}/en/")
    page.wait_for_load_state("networkidle")
    page.goto(f"{live}/favicon.ico")
    assert failures == []
    assert page.evaluate("document.contentType") == "image/svg+xml"


@pytest.mark.parametrize("path", ["/en/", "/en/countries", "/en/countries/GT"])
def test_maps_have_a_key_and_frame_the_region_on_a_phone(browser, live, path):  # noqa: F811
    context = _phone(browser)
    phone = context.new_page()
    phone.goto(f"{live}{path}")
    drawn = phone.locator("div.map.drawn")
    expect(drawn).to_be_visible(timeout=15_000)
    legend = phone.locator(".map-legend")
    expect(legend).to_be_visible()
    if path == "/en/countries/GT":
        expect(legend).to_contain_text("Guatemala")
    else:
        expect(legend).to_contain_text("U.S. dollars disbursed")
        assert legend.locator(".legend-scale li").count() == 5
        expect(legend.locator(".legend-scale li").last).to_contain_text("$")
    frame = drawn.bounding_box()
    assert frame["x"] >= 0 and frame["x"] + frame["width"] <= 390
    shapes = phone.locator("div.map.drawn path.leaflet-interactive")
    assert shapes.count() == 7
    for index in range(shapes.count()):
        shape = shapes.nth(index).bounding_box()
        assert shape["x"] >= frame["x"] - 1 and shape["x"] + shape["width"] <= frame["x"] + frame["width"] + 1
        assert shape["y"] >= frame["y"] - 1 and shape["y"] + shape["height"] <= frame["y"] + frame["height"] + 1
    expect(phone.locator(".leaflet-control-scale")).to_be_visible()
    shoot(phone, "map-phone" + path.replace("/", "-"))
    context.close()
