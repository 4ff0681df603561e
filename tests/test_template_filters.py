"""What long lists use instead of `|date:` and `{% url %}` writes what those write."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse, set_script_prefix
from django.utils import timezone

from multichannel.models import Customer
from multichannel.urlutils import page_url
from tests.factories import render

MOMENT = datetime(2026, 3, 1, 23, 30, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("ours", "django"),
    [
        ("iso_day", 'date:"Y-m-d"'),
        ("iso_minute", 'date:"Y-m-d H:i"'),
        ("iso_second", 'date:"Y-m-d H:i:s"'),
        ("isoformat", 'date:"c"'),
    ],
)
@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/Los_Angeles"])
def test_the_date_filters_write_what_django_writes_in_any_time_zone(ours, django, zone):
    with timezone.override(zone):
        assert render(f"{{{{ v|{ours} }}}}", v=MOMENT) == render(f"{{{{ v|{django} }}}}", v=MOMENT)
    assert render("{{ v|iso_day }}", v=date(2026, 3, 1)) == "2026-03-01"


def test_a_date_in_another_time_zone_is_the_local_day():
    with timezone.override("Europe/Berlin"):
        assert render("{{ v|iso_day }}", v=MOMENT) == "2026-03-02"


@pytest.mark.parametrize("empty", [None, "", "not a date"])
def test_the_date_filters_write_nothing_for_what_is_not_a_date(empty):
    assert render('{{ v|iso_day }}|{{ v|iso_minute|default:"—" }}', v=empty) == "|—"


def test_an_object_links_to_its_page_without_resolving_urls_per_row():
    customer = Customer(uuid="6f1c2a54-3d1e-4c55-9a53-6a8f5b2a1e10")
    assert customer.get_absolute_url() == "/customers/6f1c2a54-3d1e-4c55-9a53-6a8f5b2a1e10/"


def test_addresses_kept_between_requests_follow_the_path_the_portal_is_served_under():
    customer = Customer(uuid="6f1c2a54-3d1e-4c55-9a53-6a8f5b2a1e10")
    home = page_url("home")
    try:
        set_script_prefix("/portal/")
        assert customer.get_absolute_url().startswith("/portal/customers/")
        assert page_url("customers:list") == "/portal/customers/"
    finally:
        set_script_prefix("/")
    assert page_url("home") == home == reverse("home")
    assert customer.get_absolute_url() == reverse("customers:detail", args=[customer.uuid])
