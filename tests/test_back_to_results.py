"""A page opened from a filtered list leads back to that list with its filters kept."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

CASES = {
    # list, its label in the breadcrumb, the query it was opened with, the row's fixture
    "customers": ("customers:list", "Customers", {"q": "Northwind", "sort": "-name"}),
    "subscriptions": (
        "subscriptions:list",
        "Subscriptions",
        {"q": "Microsoft", "status": "active", "page": "1"},
    ),
    "transfers": ("transfers:list", "Transfers", {"direction": "incoming", "q": "North"}),
    "support": ("support:list", "Support", {"q": "sign in", "severity": "A"}),
}


@pytest.fixture
def rows(held_subscription, transfer, support_request):
    return {
        "customers": held_subscription.customer,
        "subscriptions": held_subscription,
        "transfers": transfer,
        "support": support_request,
    }


def crumb(page: str, label: str) -> str:
    nav = page.split('<nav aria-label="Breadcrumb">')[1].split("</nav>")[0]
    link = re.search(rf'<a href="([^"]*)">{label}</a>', nav)
    assert link, f"the breadcrumb links to {label}"
    return html.unescape(link.group(1))


@pytest.mark.parametrize("kind", CASES)
def test_the_breadcrumb_leads_back_to_the_list_as_it_was_filtered(as_global_admin, rows, kind):
    list_name, label, query = CASES[kind]
    detail = rows[kind].get_absolute_url()

    listing = as_global_admin.get(reverse(list_name), query).content.decode()
    link = re.search(rf'href="({re.escape(detail)}\?back=[^"]+)"', listing)
    assert link, f"the {kind} list links to the row's page with its query"

    page = as_global_admin.get(html.unescape(link.group(1))).content.decode()
    back = urlsplit(crumb(page, label))
    assert back.path == reverse(list_name)
    assert parse_qs(back.query) == {key: [value] for key, value in query.items()}

    # Opened from elsewhere, the breadcrumb is the plain list (a subscription's goes by its
    # customer).
    plain = as_global_admin.get(detail).content.decode()
    first = "Customers" if kind == "subscriptions" else label
    assert crumb(plain, first) == reverse(list_name.replace("subscriptions", "customers"))


JUNK = [
    "https://evil.example/",
    "//evil.example",
    '"><script>alert(1)</script>',
    "q=%22%3E%3Cscript%3E&next=https://evil.example&javascript:alert(1)=x",
    "x" * 3000,
]


@pytest.mark.parametrize("kind", CASES)
@pytest.mark.parametrize("junk", JUNK)
def test_a_junk_back_value_goes_nowhere_else_and_injects_nothing(as_global_admin, rows, kind, junk):
    list_name, label, _ = CASES[kind]
    response = as_global_admin.get(rows[kind].get_absolute_url(), {"back": junk})
    page = response.content.decode()

    assert response.status_code == 200
    link = urlsplit(crumb(page, label))
    assert (link.scheme, link.netloc, link.path) == ("", "", reverse(list_name))
    assert set(parse_qs(link.query)) <= {"q"}  # only what the list reads, re-encoded
    assert "evil.example" not in page
    assert "<script>alert" not in page
