"""Deep pages take a shortcut (ids and count in one query, then the rows by id): whatever the
sort, they show exactly the rows the plain way shows."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from multichannel.views.lists import CappedPaginator
from tests.factories import bulk_managed_customers

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def table_rows(response) -> str:
    html = response.content.decode()
    assert "<tbody" in html
    return CSRF.sub("", html.split("<tbody", 1)[1].split("</tbody>", 1)[0])


def sorts_of(url_name: str) -> list[str]:
    view = resolve(reverse(url_name)).func.view_class
    return ["", *(f"{d}{key}" for key in view.sort_fields for d in ("", "-"))]


@pytest.mark.parametrize("url_name", ["customers:list", "subscriptions:list"])
def test_a_deep_page_shows_the_same_rows_as_the_plain_way_in_every_sort(
    url_name, as_sales_agent, partner, monkeypatch
):
    bulk_managed_customers(partner, 60, subscriptions_each=1)
    url = reverse(url_name)

    for sort in sorts_of(url_name):
        query = {"page": 2, **({"sort": sort} if sort else {})}
        monkeypatch.setattr(CappedPaginator, "cap", 10**6)  # counted, then the page read
        plain = as_sales_agent.get(url, query)
        monkeypatch.setattr(CappedPaginator, "cap", 0)  # every page past the cap
        deep = as_sales_agent.get(url, query)

        assert plain.status_code == deep.status_code == 200, sort
        assert table_rows(deep) == table_rows(plain), sort
        assert "Showing 26\u201350 of 60" in deep.content.decode(), sort


@pytest.mark.parametrize("page", ["99999999999999999999", "1000001", "0", "-3", "x"])
def test_a_page_number_out_of_any_range_is_not_found(page, as_sales_agent, partner):
    bulk_managed_customers(partner, 3, subscriptions_each=1)

    for url_name in ("customers:list", "subscriptions:list"):
        assert as_sales_agent.get(reverse(url_name), {"page": page}).status_code == 404


def test_a_full_list_counts_its_rows_without_their_summaries(as_sales_agent, partner):
    """The customer list's per-row figures are subqueries the database runs for the page's 25
    rows; the count of up to 1,000 rows must not run them for every row it counts."""
    bulk_managed_customers(partner, 30, subscriptions_each=1)

    with CaptureQueriesContext(connection) as queries:
        response = as_sales_agent.get(reverse("customers:list"))

    assert "Showing 1\u201325 of 30" in response.content.decode()
    counts = [q["sql"] for q in queries.captured_queries if "COUNT(*)" in q["sql"].upper()]
    assert len(counts) == 1
    assert "multichannel_subscription" not in counts[0]
    assert "multichannel_relationship" not in counts[0]


@pytest.mark.postgres
def test_the_portal_asks_postgresql_not_to_compile_its_queries_first(db):
    """PostgreSQL's JIT compilation made the customer list sorted by subscriptions three times
    slower at 20,000 customers; the portal's connections turn it off."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"
