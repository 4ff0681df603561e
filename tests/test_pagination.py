"""Deep pages take a shortcut (ids and count in one query, then the rows by id): whatever the
sort, they show exactly the rows the plain way shows."""

import re

import pytest
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
