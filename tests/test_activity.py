"""The activity log: append-only, filtered by role, exportable."""

import html
import re
from datetime import timedelta
from html import escape

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from multichannel.models import Action, AuditEntry
from multichannel.models.audit import AppendOnlyError
from multichannel.roles import Role
from multichannel.services.audit import record
from tests.factories import make_managed_customer, make_user


def listed(response) -> list[str]:
    return [entry.action for entry in response.context["page_obj"]]


@pytest.mark.rule(15)
def test_entries_cannot_be_changed_or_removed_through_the_orm(global_admin):
    entry = record(Action.USER_CREATED, actor=global_admin, target=global_admin)
    entry.target_label = "forged"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(target_label="forged")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE multichannel_auditentry SET target_label = 'forged'",
        "DELETE FROM multichannel_auditentry",
    ],
)
@pytest.mark.rule(15)
def test_postgres_refuses_update_and_delete_on_the_log(global_admin, sql):
    record(Action.USER_CREATED, actor=global_admin, target=global_admin)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)
    assert AuditEntry.objects.filter(target_label="forged").count() == 0
    assert AuditEntry.objects.count() == 1


def test_a_global_admin_sees_every_entry_a_user_management_admin_only_account_entries(
    as_global_admin, as_user_admin, global_admin, other_partner_admin
):
    record(Action.USER_CREATED, actor=global_admin, target=global_admin)
    record(Action.ACTIVITY_EXPORTED, actor=global_admin)
    record(Action.USER_CREATED, actor=other_partner_admin, target=other_partner_admin)

    everything = listed(as_global_admin.get(reverse("activity:list")))
    accounts = listed(as_user_admin.get(reverse("activity:list")))

    assert Action.ACTIVITY_EXPORTED in everything
    assert Action.ACTIVITY_EXPORTED not in accounts
    assert Action.USER_CREATED in accounts
    # Signing in the personas is recorded too, and belongs to the account entries.
    assert Action.SIGNED_IN in accounts
    assert AuditEntry.objects.filter(partner=other_partner_admin.partner).count() == 1
    assert len([a for a in everything if a == Action.USER_CREATED]) == 1


@pytest.mark.rule(15)
def test_the_log_shows_the_last_30_days_unless_asked(as_global_admin, global_admin):
    old = timezone.now() - timedelta(days=45)
    AuditEntry.objects.create(
        partner=global_admin.partner,
        actor=global_admin,
        actor_label=global_admin.email,
        action=Action.USER_DEACTIVATED,
        category="users",
        target_label="an old one",
        created_at=old,
    )
    page = as_global_admin.get(reverse("activity:list"))
    assert Action.USER_DEACTIVATED not in listed(page)
    default_start = (timezone.localdate() - timedelta(days=30)).isoformat()
    assert f'value="{default_start}"' in page.content.decode()

    all_time = as_global_admin.get(reverse("activity:list"), {"date_from": ""})
    assert Action.USER_DEACTIVATED in listed(all_time)

    span = {
        "date_from": (old - timedelta(days=1)).date(),
        "date_to": (old + timedelta(days=1)).date(),
    }
    assert listed(as_global_admin.get(reverse("activity:list"), span)) == [Action.USER_DEACTIVATED]


@pytest.mark.rule(15)
def test_filters_by_user_and_action(as_global_admin, global_admin, sales_agent):
    record(Action.PASSWORD_CHANGED, actor=sales_agent, target=sales_agent)
    url = reverse("activity:list")

    by_agent = as_global_admin.get(url, {"actor": sales_agent.uuid})
    assert listed(by_agent) == [Action.PASSWORD_CHANGED]
    by_action = as_global_admin.get(url, {"action": Action.SIGNED_IN})
    assert set(listed(by_action)) == {Action.SIGNED_IN}


def test_a_reversed_date_range_is_explained(as_global_admin):
    response = as_global_admin.get(
        reverse("activity:list"), {"date_from": "2026-05-10", "date_to": "2026-05-01"}
    )
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()


def test_garbage_in_filters_is_not_an_error(as_global_admin):
    response = as_global_admin.get(
        reverse("activity:list"),
        {
            "date_from": "yesterday",
            "actor": "nobody",
            "action": "x",
            "sort": "password",
            "page": "x",
        },
    )
    assert response.status_code in (200, 404)


@pytest.mark.rule(15)
def test_the_csv_export_holds_the_filtered_entries_and_is_itself_logged(
    as_global_admin, global_admin, sales_agent
):
    record(Action.PASSWORD_CHANGED, actor=sales_agent, target=sales_agent)
    record(Action.ROLES_CHANGED, actor=global_admin, target_label='=HYPERLINK("http://x")')

    response = as_global_admin.post(f"{reverse('activity:export')}?actor={sales_agent.uuid}")
    body = b"".join(response.streaming_content).decode("utf-8-sig")

    assert response["Content-Disposition"].startswith('attachment; filename="activity-')
    lines = body.strip().splitlines()
    assert lines[0].startswith("Time (UTC),User,Action")
    assert len(lines) == 2
    assert "Changed own password" in lines[1]
    assert AuditEntry.objects.filter(action=Action.ACTIVITY_EXPORTED).count() == 1

    full = b"".join(as_global_admin.post(reverse("activity:export")).streaming_content).decode()
    assert '"\'=HYPERLINK(""http://x"")"' in full  # a formula never starts a cell


@pytest.mark.parametrize("count", [5, 120])
def test_the_log_page_costs_the_same_queries_however_long(
    as_global_admin, global_admin, count, django_assert_max_num_queries
):
    AuditEntry.objects.bulk_create(
        AuditEntry(
            partner=global_admin.partner,
            actor=global_admin,
            actor_label=global_admin.email,
            action=Action.USER_UPDATED,
            category="users",
            old_values={"full_name": "A"},
            new_values={"full_name": "B"},
        )
        for _ in range(count)
    )
    as_global_admin.get(reverse("activity:list"))
    with django_assert_max_num_queries(8):
        response = as_global_admin.get(reverse("activity:list"))
    assert response.status_code == 200


def test_the_user_filter_lists_colleagues_by_name_escaped_and_keeps_the_choice(
    as_global_admin, global_admin, partner, other_partner
):

    odd = make_user(partner, Role.SALES_AGENT, full_name='<b>"Eve" & Co</b>')
    make_user(other_partner, Role.SALES_AGENT, full_name="Someone Elsewhere")

    page = as_global_admin.get(reverse("activity:list"), {"actor": str(odd.uuid)})
    html = page.content.decode()

    assert page.status_code == 200
    assert (
        f'<option value="{odd.uuid}" selected>&lt;b&gt;&quot;Eve&quot; &amp; Co&lt;/b&gt;</option>'
        in html
    )
    colleague = escape(global_admin.full_name or global_admin.email)
    assert f'<option value="{global_admin.uuid}">{colleague}</option>' in html
    assert "Someone Elsewhere" not in html and "<b>" not in html


def test_the_last_day_there_is_is_explained_not_an_error(as_global_admin):
    listed = as_global_admin.get(reverse("activity:list"), {"date_to": "9999-12-31"})
    exported = as_global_admin.post(f"{reverse('activity:export')}?date_to=9999-12-31")
    assert (listed.status_code, exported.status_code) == (200, 200)
    assert "Choose an earlier end date." in listed.content.decode()


def test_exporting_is_a_post_with_a_csrf_token_and_a_get_changes_nothing(
    global_admin, as_global_admin
):
    assert as_global_admin.get(reverse("activity:export")).status_code == 405
    assert not AuditEntry.objects.filter(action=Action.ACTIVITY_EXPORTED).exists()

    client = Client(enforce_csrf_checks=True)
    client.force_login(global_admin)
    assert client.post(reverse("activity:export")).status_code == 403
    page = client.get(reverse("activity:list"), {"action": "signed_in"}).content.decode()
    export = reverse("activity:export")
    form = re.search(
        rf'<form method="post" action="({re.escape(export)}[^"]*)">\s*'
        r'<input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)"',
        page,
    )
    action, token = html.unescape(form.group(1)), form.group(2)
    assert action == f"{export}?action=signed_in"
    exported = client.post(action, {"csrfmiddlewaretoken": token})
    assert exported.status_code == 200
    entry = AuditEntry.objects.get(action=Action.ACTIVITY_EXPORTED)
    assert entry.new_values == {"filters": {"action": "signed_in"}}


@pytest.mark.rule(15)
def test_filters_by_customer_among_the_viewers_own_only(
    as_global_admin, global_admin, partner, other_partner
):

    northwind = make_managed_customer(partner, company_name="Northwind Traders")
    contoso = make_managed_customer(partner, company_name="Contoso")
    elsewhere = make_managed_customer(other_partner, company_name="Elsewhere Ltd")
    record(Action.CUSTOMER_CREATED, actor=global_admin, target=northwind)
    record(Action.CUSTOMER_CREATED, actor=global_admin, target=contoso)
    url = reverse("activity:list")

    page = as_global_admin.get(url, {"customer": str(northwind.uuid)})
    entries = list(page.context["page_obj"])
    assert [e.customer_id for e in entries] == [northwind.pk]
    html = page.content.decode()
    assert f'<option value="{northwind.uuid}" selected>Northwind Traders</option>' in html
    assert f'<option value="{contoso.uuid}">Contoso</option>' in html
    assert "Elsewhere Ltd" not in html

    # Another partner's customer is no choice: it narrows nothing and names nothing.
    foreign = as_global_admin.get(url, {"customer": str(elsewhere.uuid)})
    assert foreign.status_code == 200
    assert "Elsewhere Ltd" not in foreign.content.decode()
    assert "Select a valid choice" in foreign.content.decode()
    assert {e.customer_id for e in foreign.context["page_obj"]} >= {northwind.pk, contoso.pk}


def test_a_user_management_admin_has_no_customer_filter(as_user_admin, partner):
    page = as_user_admin.get(reverse("activity:list"), {"customer": "x"})
    assert page.status_code == 200
    assert 'name="customer"' not in page.content.decode()


@pytest.mark.rule(15)
def test_the_csv_export_names_each_entrys_customer(as_global_admin, global_admin, partner):

    northwind = make_managed_customer(partner, company_name="Northwind Traders")
    record(Action.CUSTOMER_CREATED, actor=global_admin, target=northwind)
    record(Action.PASSWORD_CHANGED, actor=global_admin, target=global_admin)

    response = as_global_admin.post(reverse("activity:export"))
    lines = b"".join(response.streaming_content).decode("utf-8-sig").strip().splitlines()
    header = lines[0].split(",")
    assert "Customer" in header
    column = header.index("Customer")
    rows = {line.split(",")[2]: line.split(",")[column] for line in lines[1:]}
    assert "Northwind Traders" in rows.values()
    assert rows["Changed own password"] == ""


def test_the_log_filtered_by_customer_costs_bounded_queries(
    as_global_admin, global_admin, partner, django_assert_max_num_queries
):

    customers = [make_managed_customer(partner, company_name=f"C{i}") for i in range(30)]
    for customer in customers:
        record(Action.CUSTOMER_CREATED, actor=global_admin, target=customer)
    url = reverse("activity:list")
    as_global_admin.get(url, {"customer": str(customers[0].uuid)})
    with django_assert_max_num_queries(9):
        response = as_global_admin.get(url, {"customer": str(customers[0].uuid)})
    assert response.status_code == 200
