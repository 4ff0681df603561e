"""Layout in the HTML: what a phone still shows of list rows, the overdue mark of support requests,
and dates written the portal's way on the users pages."""

import html
from datetime import UTC, datetime, timedelta

import html5lib
import pytest
from django.urls import reverse
from django.utils import timezone

from multichannel.models import SupportRequest, User
from multichannel.services.support import file_request, set_status

pytestmark = pytest.mark.django_db

HIDDEN_ON_PHONES = "d-none"  # with d-md-table-cell (or wider): shown from that width on


def rows(response) -> list[list]:
    """The cells of the main table's body rows, parsed."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    document = parser.parse(response.content.decode())
    return [row.findall("td") for row in document.iterfind(".//table/tbody/tr")]


def shown_on_phones(cells) -> list:
    return [cell for cell in cells if HIDDEN_ON_PHONES not in cell.get("class", "").split()]


def text(element) -> str:
    return " ".join("".join(element.itertext()).split())


# --- Lists on a phone --------------------------------------------------------------------------


def test_the_first_cell_of_an_onboarding_links_to_it_and_the_open_button_waits_for_wider_screens(
    as_global_admin, azure_onboarding
):
    [cells] = rows(as_global_admin.get(reverse("onboardings:list")))

    first = shown_on_phones(cells)[0]
    assert first.find("a").get("href") == azure_onboarding.get_absolute_url()
    assert "Northwind Traders" in text(first)
    assert "Azure plan" in text(first)  # the existing subscription, under the customer
    assert [text(cell) for cell in shown_on_phones(cells)] == [
        text(first),
        "Step 1 of 4",
    ]
    assert "d-md-table-cell" in cells[-1].get("class")  # Resume, from 768 px on
    assert cells[-1].find("a").get("href") == azure_onboarding.get_step_url()  # the step it is at


def test_the_first_cell_of_a_planned_move_links_to_it(as_global_admin, planned_move):
    [cells] = rows(as_global_admin.get(reverse("moves:list")))

    first = shown_on_phones(cells)[0]
    assert first.find("a").get("href") == planned_move.get_absolute_url()
    assert "Office 365 E1" in text(first)
    assert len(shown_on_phones(cells)) == 3  # customer (and subscription), term end, status
    assert "d-md-table-cell" in cells[-1].get("class")


def test_on_phones_the_activity_log_shows_time_and_user_then_action_and_target(
    as_global_admin, held_subscription
):
    response = as_global_admin.get(reverse("activity:list"))
    added = next(r for r in rows(response) if "Customer added" in text(r[2]))

    time, action = shown_on_phones(added)
    assert "avery@contoso.example" in text(time)
    assert "Customer added" in text(action)
    assert "Target: Northwind Traders" in text(action)


# --- Support: overdue on every screen ----------------------------------------------------------


def test_an_overdue_request_says_so_in_a_cell_shown_on_every_screen(
    as_global_admin, support_request, sales_agent, held_subscription
):

    in_time = file_request(
        by=sales_agent,
        customer=held_subscription.customer,
        subscription=None,
        topic="technical",
        severity="C",
        title="Question",
        description="When?",
        contact_name="Dana Diaz",
        contact_email="dana@contoso.example",
    )
    SupportRequest.objects.filter(pk=support_request.pk).update(
        response_due_at=timezone.now() - timedelta(minutes=5)
    )

    response = as_global_admin.get(reverse("support:list"), {"sort": "number"})
    by_number = {text(cells[0]).split()[0]: shown_on_phones(cells) for cells in rows(response)}

    late, fine = by_number[f"#{support_request.number}"], by_number[f"#{in_time.number}"]
    badges = [text(cell) for cell in late]
    assert any("Overdue" in badge for badge in badges), badges
    assert not any("Overdue" in text(cell) for cell in fine)


def test_a_closed_overdue_request_is_not_marked_overdue(
    as_global_admin, support_request, global_admin
):

    SupportRequest.objects.filter(pk=support_request.pk).update(
        response_due_at=timezone.now() - timedelta(minutes=5)
    )
    support_request.refresh_from_db()
    set_status(by=global_admin, support=support_request, status="closed")

    [cells] = rows(as_global_admin.get(reverse("support:list")))
    assert "Overdue" not in " ".join(text(cell) for cell in cells)


# --- Users: dates the portal's way -------------------------------------------------------------


def test_the_users_pages_write_dates_like_every_other_page(
    as_global_admin, sales_agent, global_admin
):
    moment = datetime(2026, 11, 27, 19, 54, tzinfo=UTC)
    User.objects.filter(pk=sales_agent.pk).update(last_login=moment, date_joined=moment)

    listing = html.unescape(as_global_admin.get(reverse("users:list")).content.decode())
    detail = html.unescape(
        as_global_admin.get(reverse("users:detail", args=[sales_agent.uuid])).content.decode()
    )

    assert ">2026-11-27 19:54</time>" in listing
    assert ">2026-11-27 19:54</time>" in detail  # last sign-in
    assert ">2026-11-27</time>" in detail  # added
    for page in (listing, detail):
        assert "Nov 27" not in page
