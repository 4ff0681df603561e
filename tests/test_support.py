"""Support requests filed by sales agents for their customers (DESIGN §2 SupportRequest, "Who sees
what", §3, rule 14).

Who sees a request: a Global admin every request of the partner; a Sales agent those they filed or
are assigned (user grants in the direct foreign-key table). The severity sets the initial response
target (A 2 h, B 4 h, C 8 h); notes, status changes and assignments are audited and emailed.

In most tests Dana Diaz (`sales_agent`) files for Northwind Traders (`held_subscription`) and
Emery Ellis (`colleague`) is another Sales agent of the same partner."""

import csv
import html
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import portal.settings as project_settings
from multichannel.models import (
    Action,
    AuditEntry,
    SupportAttachment,
    SupportGroupObjectPermission,
    SupportNote,
    SupportRequest,
    SupportStatus,
    SupportUserObjectPermission,
)
from multichannel.roles import Role
from multichannel.services import support as support_services
from multichannel.services.customers import create_customer
from multichannel.services.errors import RuleViolation
from multichannel.services.relationships import request_relationship
from multichannel.services.support import check_attachment, clean_attachment_name
from tests.factories import SubscriptionFactory, make_managed_customer, make_user, signed_in

# --- Helpers and fixtures -----------------------------------------------------------------------


def file_one(by, customer, *, severity="C", title="Users cannot sign in", **extra):
    values = {
        "subscription": None,
        "topic": "technical",
        "description": "Since this morning, MFA prompts fail.",
        "contact_name": by.full_name,
        "contact_email": by.email,
    }
    values.update(extra)
    return support_services.file_request(
        by=by, customer=customer, severity=severity, title=title, **values
    )


def upload(name="error.txt", content=b"AADSTS50076: MFA required"):
    return SimpleUploadedFile(name, content)


def detail_url(support):
    return reverse("support:detail", args=[support.uuid])


def text(response) -> str:
    """The page as a person reads it: entities decoded, non-breaking spaces as spaces."""
    return html.unescape(response.content.decode()).replace("\xa0", " ")


def numbers(response) -> list[int]:
    return [s.number for s in response.context["page_obj"]]


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def stored_files() -> list[Path]:
    root = Path(django_settings.PORTAL_ATTACHMENTS_DIR)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def audit_count(action) -> int:
    return AuditEntry.objects.filter(action=action).count()


def request_form(customer, **overrides):
    data = {
        "customer": str(customer.uuid),
        "subscription": "",
        "topic": "technical",
        "severity": "B",
        "title": "Users cannot sign in",
        "description": "Since this morning, MFA prompts fail.",
        "contact_name": "Nancy Davolio",
        "contact_email": "nancy@northwind.example",
        "contact_phone": "+1 425 555 0100",
    }
    data.update(overrides)
    return data


@pytest.fixture
def customer(held_subscription):
    return held_subscription.customer


@pytest.fixture
def colleague(partner):
    return make_user(
        partner, Role.SALES_AGENT, full_name="Emery Ellis", email="emery@contoso.example"
    )


@pytest.fixture
def as_colleague(colleague):
    return signed_in(colleague)


@pytest.fixture
def other_sales_agent(other_partner):
    return make_user(
        other_partner, Role.SALES_AGENT, full_name="Harper Hale", email="harper@fabrikam.example"
    )


@pytest.fixture
def filed(sales_agent, customer):
    """Dana's request for Northwind, with a log file attached."""
    return file_one(sales_agent, customer, severity="A", attachments=[upload()])


@pytest.fixture
def theirs(other_partner_admin, other_partner):
    """Another partner's request, for one of its own customers."""
    return file_one(
        other_partner_admin, make_managed_customer(other_partner), attachments=[upload()]
    )


# --- 1. Who sees what ---------------------------------------------------------------------------


def test_a_sales_agent_cannot_open_a_colleagues_request_until_assigned_to_it(
    filed, global_admin, colleague, as_colleague
):
    assert as_colleague.get(detail_url(filed)).status_code == 404

    support_services.assign(by=global_admin, support=filed, assignee=colleague)

    response = as_colleague.get(detail_url(filed))
    assert response.status_code == 200
    assert "#1001 Users cannot sign in" in text(response)


def test_a_sales_agent_loses_a_request_reassigned_to_someone_else(
    filed, global_admin, colleague, as_colleague, partner
):
    third = make_user(partner, Role.SALES_AGENT, full_name="Finley Ford")
    support_services.assign(by=global_admin, support=filed, assignee=colleague)
    assert as_colleague.get(detail_url(filed)).status_code == 200

    support_services.assign(by=global_admin, support=filed, assignee=third)

    assert as_colleague.get(detail_url(filed)).status_code == 404
    assert signed_in(third).get(detail_url(filed)).status_code == 200


def test_the_filer_keeps_their_request_whoever_it_is_assigned_to(
    filed, global_admin, colleague, as_sales_agent
):
    support_services.assign(by=global_admin, support=filed, assignee=colleague)
    support_services.assign(by=global_admin, support=filed, assignee=global_admin)
    support_services.assign(by=global_admin, support=filed, assignee=None)

    assert as_sales_agent.get(detail_url(filed)).status_code == 200


def test_an_assignee_who_hands_the_request_over_goes_back_to_the_list(
    filed, global_admin, colleague, as_colleague, partner
):
    third = make_user(partner, Role.SALES_AGENT, full_name="Finley Ford")
    support_services.assign(by=global_admin, support=filed, assignee=colleague)

    response = as_colleague.post(
        reverse("support:assign", args=[filed.uuid]), {"assignee": str(third.uuid)}
    )

    assert response["Location"] == reverse("support:list")
    assert as_colleague.get(detail_url(filed)).status_code == 404


def test_a_global_admin_sees_every_request_of_the_partner(
    filed, colleague, customer, as_global_admin
):
    file_one(colleague, customer, title="Invoice is wrong")

    assert as_global_admin.get(detail_url(filed)).status_code == 200
    listed = as_global_admin.get(reverse("support:list"), {"sort": "number"})
    assert numbers(listed) == [1001, 1002]


@pytest.mark.rule(1)
def test_another_partners_request_is_not_found_for_anyone_of_our_partner(
    theirs, global_admin, sales_agent
):
    attachment = theirs.attachments.get()
    for user in (global_admin, sales_agent):
        client = signed_in(user)
        assert client.get(detail_url(theirs)).status_code == 404
        assert client.get(reverse("support:attachment", args=[attachment.uuid])).status_code == 404
        status_url = reverse("support:status", args=[theirs.uuid])
        assert client.post(status_url, {"status": "closed"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == SupportStatus.OPEN


@pytest.mark.rule(1)
def test_our_request_is_not_found_for_another_partners_admin_and_sales_agent(
    filed, other_partner_admin, other_sales_agent
):
    for user in (other_partner_admin, other_sales_agent):
        client = signed_in(user)
        assert client.get(detail_url(filed)).status_code == 404
        assert reverse("support:detail", args=[filed.uuid]) not in text(
            client.get(reverse("support:list"))
        )


@pytest.mark.rule(1)
def test_a_user_management_admin_is_refused_support_pages_naming_the_role(filed, as_user_admin):
    for url in (reverse("support:list"), reverse("support:new"), detail_url(filed)):
        response = as_user_admin.get(url)
        assert response.status_code == 403
        assert "Sales agent" in text(response)


def test_a_sales_agents_list_shows_only_the_requests_they_filed_or_are_assigned(
    sales_agent, colleague, global_admin, customer, as_sales_agent
):
    file_one(sales_agent, customer, title="Mine")  # 1001
    handed = file_one(colleague, customer, title="Handed to me")  # 1002
    support_services.assign(by=colleague, support=handed, assignee=sales_agent)
    file_one(colleague, customer, title="Emery's own")  # 1003
    file_one(global_admin, customer, title="The admin's")  # 1004

    response = as_sales_agent.get(reverse("support:list"), {"sort": "number"})

    assert numbers(response) == [1001, 1002]
    assert "The requests you filed or are assigned to." in text(response)


def test_the_filer_and_the_assignee_hold_user_grants_in_the_direct_table(
    filed, sales_agent, colleague, global_admin, partner
):
    def grants():
        return sorted(
            SupportUserObjectPermission.objects.filter(content_object=filed).values_list(
                "user__email", "permission__codename"
            )
        )

    assert grants() == [
        ("dana@contoso.example", "change_supportrequest"),
        ("dana@contoso.example", "view_supportrequest"),
    ]

    support_services.assign(by=global_admin, support=filed, assignee=colleague)
    assert grants() == [
        ("dana@contoso.example", "change_supportrequest"),
        ("dana@contoso.example", "view_supportrequest"),
        ("emery@contoso.example", "change_supportrequest"),
        ("emery@contoso.example", "view_supportrequest"),
    ]

    support_services.assign(by=global_admin, support=filed, assignee=None)
    assert {email for email, _ in grants()} == {"dana@contoso.example"}
    assert not SupportGroupObjectPermission.objects.filter(content_object=filed).exists()


# --- 2. Filing a request ------------------------------------------------------------------------


@pytest.mark.parametrize(("severity", "hours"), [("A", 2), ("B", 4), ("C", 8)])
@pytest.mark.rule(14)
def test_the_severity_sets_the_first_response_target(as_sales_agent, customer, severity, hours):
    before = timezone.now()
    response = as_sales_agent.post(
        reverse("support:new"), request_form(customer, severity=severity), follow=True
    )
    after = timezone.now()

    support = SupportRequest.objects.get()
    assert support.response_due_at - support.created_at == timedelta(hours=hours)
    assert (
        before + timedelta(hours=hours) <= support.response_due_at <= after + timedelta(hours=hours)
    )
    due = f"{support.response_due_at:%Y-%m-%d %H:%M}"
    assert f"Support request #1001 was filed; a first response is due by {due} UTC." in text(
        response
    )


@pytest.mark.rule(14)
def test_the_form_shows_each_severitys_response_target_and_prefills_the_contact(
    as_sales_agent, sales_agent, customer
):
    response = as_sales_agent.get(reverse("support:new"))
    page = text(response)

    assert "A — critical (first response within 2 hours)" in page
    assert "B — moderate (first response within 4 hours)" in page
    assert "C — minimal (first response within 8 hours)" in page
    form = response.context["form"]
    assert not form["contact_name"].value()  # never the agent filing it
    assert not form["contact_email"].value()
    assert form["severity"].value() == "C"

    chosen = as_sales_agent.get(reverse("support:new"), {"customer": str(customer.uuid)})
    form = chosen.context["form"]
    assert form["contact_name"].value() == customer.contact_name
    assert form["contact_email"].value() == customer.contact_email
    assert form["contact_phone"].value() == customer.contact_phone


def test_the_contact_is_the_customers_primary_contact_once_the_customer_is_chosen(
    as_sales_agent, partner
):
    litware = make_managed_customer(
        partner,
        company_name="Litware",
        contact_name="Lee Lopez",
        contact_email="lee@litware.example",
        contact_phone="+1 555 0100",
    )

    shown = as_sales_agent.post(
        reverse("support:new"), {"customer": str(litware.uuid), "refresh": "1", "title": "VPN"}
    )

    form = shown.context["form"]
    assert form["contact_name"].value() == "Lee Lopez"
    assert form["contact_email"].value() == "lee@litware.example"
    assert form["contact_phone"].value() == "+1 555 0100"
    assert form["title"].value() == "VPN"  # what was typed is kept
    typed = as_sales_agent.post(
        reverse("support:new"),
        {"customer": str(litware.uuid), "refresh": "1", "contact_email": "it@litware.example"},
    )
    assert typed.context["form"]["contact_email"].value() == "it@litware.example"


@pytest.mark.rule(21)
def test_a_customer_with_only_a_pending_relationship_request_cannot_get_a_support_request(
    as_sales_agent, sales_agent
):
    pending = request_relationship(
        by=sales_agent,
        company_name="Fourth Coffee",
        domain="fourthcoffee.onmicrosoft.com",
        contact_email="fay@fourthcoffee.example",
        delegated_admin_roles=[],
        delegated_admin_days=None,
        email_text="Hello Fourth Coffee, Contoso would like to be your reseller.",
    ).customer
    before = SupportRequest.objects.count()

    shown = as_sales_agent.get(reverse("support:new"), {"customer": str(pending.uuid)})
    posted = as_sales_agent.post(
        reverse("support:new"),
        {
            "customer": str(pending.uuid),
            "topic": "technical",
            "severity": "C",
            "title": "Help",
            "description": "Please help.",
            "contact_name": "Fay Fox",
            "contact_email": "fay@fourthcoffee.example",
        },
    )

    page = " ".join(text(shown).split())
    assert "Fourth Coffee has not accepted our reseller relationship request yet" in page
    assert pending not in shown.context["form"].fields["customer"].queryset
    assert shown.context["form"]["customer"].value() is None
    assert "customer" in posted.context["form"].errors
    with pytest.raises(RuleViolation, match="has not accepted our reseller relationship request"):
        file_one(sales_agent, pending)
    assert SupportRequest.objects.count() == before

    # Its own page does not offer to file one either, and says when it can be.
    customer_page = as_sales_agent.get(reverse("customers:detail", args=[pending.uuid]))
    assert reverse("support:new") not in customer_page.content.decode()
    assert "can be filed once the customer has accepted our reseller relationship" in text(
        customer_page
    )


def test_the_thread_shows_status_changes_and_assignments_among_the_notes_in_time_order(
    as_sales_agent, sales_agent, global_admin, colleague, filed
):
    support_services.add_note(by=sales_agent, support=filed, body="First note.")
    support_services.assign(by=global_admin, support=filed, assignee=colleague)
    support_services.set_status(by=colleague, support=filed, status=SupportStatus.CLOSED)
    support_services.add_note(by=sales_agent, support=filed, body="Second note.")

    shown = text(as_sales_agent.get(filed.get_absolute_url()))
    page = " ".join(re.sub(r"<[^>]+>", "", shown).split())

    said = [
        "First note.",
        f"{global_admin.full_name} changed who it is assigned to from nobody to Emery Ellis",
        "Emery Ellis changed the status from Open to Closed",
        "Second note.",
    ]
    positions = [page.find(line) for line in said]
    assert -1 not in positions, [line for line in said if line not in page]
    assert positions == sorted(positions)


def test_filing_from_a_customer_page_presets_the_customer_and_offers_its_subscriptions(
    as_sales_agent, customer, held_subscription
):
    response = as_sales_agent.get(reverse("support:new"), {"customer": str(customer.uuid)})

    form = response.context["form"]
    assert form["customer"].value() == customer.uuid
    assert list(form.fields["subscription"].queryset) == [held_subscription]
    assert "Microsoft 365 E3" in text(response)


def test_filing_from_a_subscription_page_presets_the_customer_and_the_subscription(
    as_sales_agent, customer, held_subscription
):
    response = as_sales_agent.get(
        reverse("support:new"), {"subscription": str(held_subscription.uuid)}
    )

    form = response.context["form"]
    assert form["customer"].value() == customer.uuid
    assert form["subscription"].value() == held_subscription.uuid

    as_sales_agent.post(
        reverse("support:new"),
        request_form(customer, subscription=str(held_subscription.uuid)),
    )
    assert SupportRequest.objects.get().subscription == held_subscription


def test_another_partners_customer_in_the_address_presets_nothing(
    as_sales_agent, customer, other_partner
):
    theirs = make_managed_customer(other_partner, company_name="Wide World Importers")

    response = as_sales_agent.get(reverse("support:new"), {"customer": str(theirs.uuid)})

    assert response.context["form"]["customer"].value() is None
    assert "Wide World Importers" not in text(response)


def test_show_its_subscriptions_lists_the_chosen_customers_subscriptions_and_files_nothing(
    as_sales_agent, customer, held_subscription
):
    page = as_sales_agent.get(reverse("support:new"))
    assert "subscription" not in page.context["form"].fields
    assert "Show its subscriptions" in text(page)

    response = as_sales_agent.post(
        reverse("support:new"),
        {
            "customer": str(customer.uuid),
            "title": "Seats do not show up",
            "description": "Bought 5 more yesterday.",
            "severity": "A",
            "refresh": "1",
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.fields["subscription"].queryset) == [held_subscription]
    assert form["title"].value() == "Seats do not show up"
    assert form["description"].value() == "Bought 5 more yesterday."
    assert form["severity"].value() == "A"
    assert not form.errors
    assert "Microsoft 365 E3" in text(response)
    assert not SupportRequest.objects.exists()
    assert audit_count(Action.SUPPORT_FILED) == 0


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "", "This field is required."),
        ("contact_email", "nancy@", "Enter a valid email address."),
        ("topic", "weather", "Select a valid choice."),
        ("severity", "D", "Select a valid choice."),
    ],
)
def test_bad_input_is_explained_beside_the_field_and_nothing_is_filed(
    as_sales_agent, customer, field, value, message
):
    response = as_sales_agent.post(reverse("support:new"), request_form(customer, **{field: value}))

    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    assert form["description"].value() == "Since this morning, MFA prompts fail."
    assert form["contact_name"].value() == "Nancy Davolio"
    assert not SupportRequest.objects.exists()
    assert audit_count(Action.SUPPORT_FILED) == 0


def test_a_subscription_of_another_customer_is_refused_beside_the_field(
    as_sales_agent, customer, global_admin
):

    other = create_customer(
        by=global_admin,
        company_name="Adventure Works",
        primary_domain="adventureworks.onmicrosoft.com",
        country="US",
        contact_name="Alan Brewer",
        contact_email="alan@adventure-works.example",
    )
    elsewhere = SubscriptionFactory(customer=other)

    response = as_sales_agent.post(
        reverse("support:new"), request_form(customer, subscription=str(elsewhere.uuid))
    )

    form = response.context["form"]
    assert any("Select a valid choice." in error for error in form.errors["subscription"])
    assert form["title"].value() == "Users cannot sign in"
    assert not SupportRequest.objects.exists()


def test_the_service_refuses_a_subscription_of_another_customer_too(
    sales_agent, customer, global_admin
):
    elsewhere = SubscriptionFactory(customer=make_managed_customer(global_admin.partner))

    with pytest.raises(RuleViolation) as refused:
        file_one(sales_agent, customer, subscription=elsewhere)

    assert refused.value.field == "subscription"
    assert not SupportRequest.objects.exists()


def test_numbers_follow_each_other_per_partner_and_each_partner_counts_on_its_own(
    sales_agent, colleague, customer, other_partner_admin, other_partner
):
    ours = [file_one(sales_agent, customer), file_one(colleague, customer)]
    theirs = file_one(other_partner_admin, make_managed_customer(other_partner))
    ours.append(file_one(sales_agent, customer, title="Invoice is wrong"))

    assert [s.number for s in ours] == [1001, 1002, 1003]
    assert theirs.number == 1001
    assert str(ours[0]) == "#1001 Users cannot sign in"


@pytest.mark.rule(15)
def test_filing_writes_one_activity_entry(as_sales_agent, sales_agent, customer):
    as_sales_agent.post(reverse("support:new"), request_form(customer, severity="A"))

    support = SupportRequest.objects.get()
    entry = AuditEntry.objects.get(action=Action.SUPPORT_FILED)
    assert (entry.actor, entry.customer, entry.target_id) == (
        sales_agent,
        customer,
        str(support.uuid),
    )
    assert entry.new_values["number"] == 1001
    assert entry.new_values["severity"] == "A"
    assert AuditEntry.objects.filter(category="support").count() == 1


def test_the_filed_request_keeps_what_was_typed(as_sales_agent, sales_agent, customer):
    as_sales_agent.post(
        reverse("support:new"),
        request_form(
            customer, title="  Users cannot sign in  ", contact_email="NANCY@Northwind.Example"
        ),
    )

    support = SupportRequest.objects.get()
    assert (support.title, support.contact_email) == (
        "Users cannot sign in",
        "nancy@northwind.example",
    )
    assert (support.created_by, support.status, support.assigned_to) == (
        sales_agent,
        SupportStatus.OPEN,
        None,
    )


# --- 3. Attachments -----------------------------------------------------------------------------

ALLOWED = [
    ("report.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
    ("screen.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png"),
    ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
    ("notes.txt", "Grüße aus Zürich".encode(), "text/plain"),
    ("trace.log", b"2026-03-01 10:00 AADSTS50076", "text/plain"),
    ("users.csv", b"email,licence\nnancy@northwind.example,E3\n", "text/csv"),
]


@pytest.mark.parametrize(("name", "content", "content_type"), ALLOWED)
def test_an_allowed_file_is_stored_outside_the_web_root_under_a_random_name(
    as_sales_agent, customer, name, content, content_type
):
    response = as_sales_agent.post(
        reverse("support:new"),
        request_form(customer, attachments=[SimpleUploadedFile(name, content)]),
    )

    support = SupportRequest.objects.get()
    assert response["Location"] == detail_url(support)
    attachment = support.attachments.get()
    assert (attachment.name, attachment.content_type, attachment.size) == (
        name,
        content_type,
        len(content),
    )
    stored = Path(attachment.file.path).resolve()
    assert stored.read_bytes() == content
    assert stored.is_relative_to(Path(django_settings.PORTAL_ATTACHMENTS_DIR).resolve())
    assert not stored.is_relative_to(Path(django_settings.STATIC_ROOT).resolve())
    for static_dir in django_settings.STATICFILES_DIRS:
        assert not stored.is_relative_to(Path(static_dir).resolve())
    assert re.fullmatch(r"[0-9a-f]{32}", stored.name)  # not the name the user gave
    assert name in text(as_sales_agent.get(detail_url(support)))


def test_the_attachments_folder_is_not_inside_the_web_root_by_default():
    folder = Path(project_settings.PORTAL_ATTACHMENTS_DIR).resolve()
    assert not folder.is_relative_to(Path(project_settings.STATIC_ROOT).resolve())
    for static_dir in project_settings.STATICFILES_DIRS:
        assert not folder.is_relative_to(Path(static_dir).resolve())


ONLY_THESE = "only CSV, JPEG, JPG, LOG, PDF, PNG, TXT files can be attached."


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.exe", b"MZ\x90\x00\x03", f"setup.exe: {ONLY_THESE}"),
        ("page.html", b"<script>alert(1)</script>", f"page.html: {ONLY_THESE}"),
        ("invoice.pdf.html", b"%PDF-1.7", f"invoice.pdf.html: {ONLY_THESE}"),
        (" .htaccess", b"Options +Indexes", f"attachment: {ONLY_THESE}"),
        ("empty.txt", b"", "The submitted file is empty."),
        ("invoice.pdf", b"<html>not a pdf</html>", "invoice.pdf is not really a PDF file."),
        ("screen.png", b"GIF89a", "screen.png is not really a PNG file."),
        ("latin1.txt", "Grüße aus Zürich".encode("latin-1"), "latin1.txt is not a text file."),
    ],
)
def test_a_refused_file_is_explained_beside_the_field_and_nothing_is_written(
    as_sales_agent, customer, name, content, message
):
    response = as_sales_agent.post(
        reverse("support:new"),
        request_form(customer, attachments=[upload(), SimpleUploadedFile(name, content)]),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert message in form.errors["attachments"]
    assert message in text(response)
    assert form["title"].value() == "Users cannot sign in"
    assert not SupportRequest.objects.exists()
    assert not SupportAttachment.objects.exists()
    assert stored_files() == []
    assert audit_count(Action.SUPPORT_FILED) == 0


def test_a_file_bigger_than_the_limit_is_refused(as_sales_agent, customer, settings):
    settings.PORTAL_ATTACHMENT_MAX_BYTES = 100

    response = as_sales_agent.post(
        reverse("support:new"),
        request_form(customer, attachments=[SimpleUploadedFile("big.log", b"x" * 101)]),
    )

    assert response.status_code == 200
    assert any(
        error.startswith("big.log is larger than")
        for error in response.context["form"].errors["attachments"]
    )
    assert not SupportRequest.objects.exists()
    assert stored_files() == []


def test_the_size_limit_is_told_as_it_is_when_below_a_megabyte(as_sales_agent, customer, settings):
    settings.PORTAL_ATTACHMENT_MAX_BYTES = 512 * 1024

    response = as_sales_agent.post(
        reverse("support:new"),
        request_form(
            customer, attachments=[SimpleUploadedFile("big.log", b"x" * (512 * 1024 + 1))]
        ),
    )

    assert not SupportRequest.objects.exists()
    form = response.context["form"]
    assert not any("0 MB" in error for error in form.errors["attachments"])
    assert "0 MB each" not in form.fields["attachments"].help_text


def test_a_file_exactly_at_the_limit_is_accepted(as_sales_agent, customer, settings):
    settings.PORTAL_ATTACHMENT_MAX_BYTES = 100

    as_sales_agent.post(
        reverse("support:new"),
        request_form(customer, attachments=[SimpleUploadedFile("edge.log", b"x" * 100)]),
    )

    assert SupportRequest.objects.get().attachments.get().size == 100


def test_more_than_five_files_are_refused(as_sales_agent, customer):
    files = [upload(f"part{i}.txt", b"line") for i in range(6)]

    response = as_sales_agent.post(
        reverse("support:new"), request_form(customer, attachments=files)
    )

    assert response.context["form"].errors["attachments"] == ["Attach at most 5 files at a time."]
    assert not SupportRequest.objects.exists()
    assert stored_files() == []


def test_five_files_are_accepted(as_sales_agent, customer):
    files = [upload(f"part{i}.txt", b"line") for i in range(5)]

    as_sales_agent.post(reverse("support:new"), request_form(customer, attachments=files))

    support = SupportRequest.objects.get()
    assert sorted(a.name for a in support.attachments.all()) == [f"part{i}.txt" for i in range(5)]
    assert len(stored_files()) == 5


def test_a_file_name_with_no_usable_character_is_refused_beside_the_field(as_sales_agent, customer):
    response = as_sales_agent.post(
        reverse("support:new"),
        request_form(customer, attachments=[SimpleUploadedFile("()", b"hello")]),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["attachments"]
    assert not SupportRequest.objects.exists()


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("../../x.txt", "x.txt"),
        ("..\\..\\evil.txt", "evil.txt"),
        ("C:\\Users\\nancy\\Desktop\\trace.log", "trace.log"),
        ("/etc/passwd", "passwd"),
        (" .htaccess", "attachment"),
        (".hidden.txt", "attachment.txt"),
        ("..", "attachment"),
        ("", "attachment"),
        ("my report (final).PDF", "my_report_final.pdf"),
        ("x" * 300 + ".txt", "x" * 146 + ".txt"),
    ],
)
def test_a_file_name_is_cleaned_to_a_safe_base_name(given, cleaned):
    assert clean_attachment_name(given) == cleaned


def test_a_name_with_nothing_usable_in_it_still_gets_a_safe_name():
    assert clean_attachment_name("()") == "attachment"


def test_a_file_named_to_climb_out_of_the_folder_is_stored_inside_it(sales_agent, customer):
    support = file_one(
        sales_agent,
        customer,
        attachments=[upload("../../x.txt", b"one"), upload("..\\..\\evil.txt", b"two")],
    )

    assert [a.name for a in support.attachments.all()] == ["x.txt", "evil.txt"]
    root = Path(django_settings.PORTAL_ATTACHMENTS_DIR).resolve()
    for attachment in support.attachments.all():
        assert Path(attachment.file.path).resolve().is_relative_to(root)
    assert len(stored_files()) == 2


def test_check_attachment_refuses_an_empty_upload_on_its_own():
    with pytest.raises(RuleViolation) as refused:
        check_attachment(upload("empty.txt", b""))
    assert (refused.value.message, refused.value.field) == ("empty.txt is empty.", "attachments")


def test_a_long_text_file_cut_in_the_middle_of_a_character_is_still_text():
    content = b"a" * 4095 + "é".encode() + b" and more"  # the 4 KB read ends inside 'é'
    assert check_attachment(upload("long.txt", content)) == ("long.txt", "text/plain")


@pytest.mark.parametrize("who", ["filer", "assignee", "global_admin"])
def test_an_attachment_is_downloaded_by_those_who_may_see_the_request(
    filed, colleague, global_admin, sales_agent, who
):
    support_services.assign(by=global_admin, support=filed, assignee=colleague)
    user = {"filer": sales_agent, "assignee": colleague, "global_admin": global_admin}[who]
    attachment = filed.attachments.get()

    response = signed_in(user).get(reverse("support:attachment", args=[attachment.uuid]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"AADSTS50076: MFA required"
    response.close()
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="error.txt"' in response["Content-Disposition"]
    assert response["Content-Type"].startswith("text/plain")
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_an_attachment_is_not_found_for_a_colleague_not_assigned_or_another_partner(
    filed, as_colleague, as_other_partner, other_sales_agent
):
    url = reverse("support:attachment", args=[filed.attachments.get().uuid])

    assert as_colleague.get(url).status_code == 404
    assert as_other_partner.get(url).status_code == 404
    assert signed_in(other_sales_agent).get(url).status_code == 404


def test_an_attachment_asks_an_anonymous_visitor_to_sign_in(filed):
    url = reverse("support:attachment", args=[filed.attachments.get().uuid])

    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sign-in"))


# --- 4. Status ----------------------------------------------------------------------------------


def set_status(client, support, status, follow=False):
    return client.post(
        reverse("support:status", args=[support.uuid]), {"status": status}, follow=follow
    )


@pytest.mark.rule(14)
def test_a_request_goes_to_attention_needed_and_back_to_open(filed, as_sales_agent):
    response = set_status(as_sales_agent, filed, "attention_needed", follow=True)
    assert "#1001 is now attention needed." in text(response)
    filed.refresh_from_db()
    assert filed.status == SupportStatus.ATTENTION_NEEDED

    set_status(as_sales_agent, filed, "open")
    filed.refresh_from_db()
    assert (filed.status, filed.closed_at) == (SupportStatus.OPEN, None)
    assert audit_count(Action.SUPPORT_STATUS_CHANGED) == 2


@pytest.mark.parametrize("start", ["open", "attention_needed"])
@pytest.mark.rule(14)
def test_closing_records_when_and_reopening_clears_it(filed, as_sales_agent, start):
    if start == "attention_needed":
        set_status(as_sales_agent, filed, "attention_needed")

    set_status(as_sales_agent, filed, "closed")
    filed.refresh_from_db()
    assert filed.status == SupportStatus.CLOSED
    assert filed.closed_at is not None
    assert timezone.now() - filed.closed_at < timedelta(minutes=1)

    response = set_status(as_sales_agent, filed, "open", follow=True)
    assert "#1001 is now open." in text(response)
    filed.refresh_from_db()
    assert (filed.status, filed.closed_at) == (SupportStatus.OPEN, None)


def test_the_page_offers_only_the_allowed_next_statuses(filed, as_sales_agent):
    offered = [s for s, _ in as_sales_agent.get(detail_url(filed)).context["next_statuses"]]
    assert offered == ["attention_needed", "closed"]

    set_status(as_sales_agent, filed, "closed")
    page = as_sales_agent.get(detail_url(filed))
    assert [s for s, _ in page.context["next_statuses"]] == ["open"]
    assert "Reopen" in text(page)


@pytest.mark.parametrize(
    ("start", "wanted", "message"),
    [
        ("closed", "attention_needed", "It is closed; it cannot become attention needed."),
        ("closed", "closed", "It is closed; it cannot become closed."),
        ("open", "open", "It is open; it cannot become open."),
    ],
)
@pytest.mark.rule(14)
def test_a_transition_the_rules_do_not_allow_is_refused_and_changes_nothing(
    filed, as_sales_agent, start, wanted, message
):
    if start == "closed":
        set_status(as_sales_agent, filed, "closed")
    filed.refresh_from_db()
    before = (filed.status, filed.closed_at, filed.updated_at)
    entries = audit_count(Action.SUPPORT_STATUS_CHANGED)

    response = set_status(as_sales_agent, filed, wanted, follow=True)

    assert message in text(response)
    filed.refresh_from_db()
    assert (filed.status, filed.closed_at, filed.updated_at) == before
    assert audit_count(Action.SUPPORT_STATUS_CHANGED) == entries


def test_an_unknown_status_is_refused(filed, as_sales_agent):
    response = set_status(as_sales_agent, filed, "resolved", follow=True)

    assert "Choose a status." in text(response)
    filed.refresh_from_db()
    assert filed.status == SupportStatus.OPEN


@pytest.mark.rule(14, 15)
def test_each_status_change_writes_one_activity_entry(filed, as_global_admin, global_admin):
    set_status(as_global_admin, filed, "closed")

    entry = AuditEntry.objects.get(action=Action.SUPPORT_STATUS_CHANGED)
    assert entry.actor == global_admin
    assert (entry.old_values, entry.new_values) == ({"status": "Open"}, {"status": "Closed"})
    assert entry.target_id == str(filed.uuid)


# --- 5. Notes -----------------------------------------------------------------------------------


def add_note(client, support, body="", files=(), follow=False):
    data = {"body": body}
    if files:
        data["attachments"] = list(files)
    return client.post(detail_url(support), data, follow=follow)


def test_a_note_by_someone_other_than_the_filer_is_the_first_response(
    filed, as_sales_agent, as_global_admin
):
    add_note(as_sales_agent, filed, "Customer confirms it affects all users.")
    filed.refresh_from_db()
    assert filed.first_response_at is None

    response = add_note(as_global_admin, filed, "Looking into it.", follow=True)
    assert "Your note was added." in text(response)
    filed.refresh_from_db()
    responded = filed.first_response_at
    assert responded is not None

    add_note(as_global_admin, filed, "Still on it.")
    filed.refresh_from_db()
    assert filed.first_response_at == responded  # only the first counts


def test_notes_appear_oldest_first_newest_last(filed, as_sales_agent, as_global_admin):
    add_note(as_sales_agent, filed, "First note")
    add_note(as_global_admin, filed, "Second note")
    add_note(as_sales_agent, filed, "Third note")

    response = as_sales_agent.get(detail_url(filed))

    assert [item.note.body for item in response.context["thread"]] == [
        "First note",
        "Second note",
        "Third note",
    ]
    page = text(response)
    assert page.index("First note") < page.index("Second note") < page.index("Third note")


def test_an_empty_note_without_a_file_is_refused(filed, as_sales_agent):
    response = add_note(as_sales_agent, filed, "   ")

    assert response.status_code == 200
    assert response.context["form"].errors["body"] == ["Write a note or attach a file."]
    assert not SupportNote.objects.exists()
    assert audit_count(Action.SUPPORT_NOTE_ADDED) == 0


def test_a_note_may_carry_an_attachment(filed, as_sales_agent):
    add_note(as_sales_agent, filed, "", files=[upload("screen.png", b"\x89PNG\r\n\x1a\nIHDR")])

    note = SupportNote.objects.get()
    assert note.attachments.get().name == "screen.png"
    thread = as_sales_agent.get(detail_url(filed)).context["thread"]
    assert [[a.name for a in item.attachments] for item in thread] == [["screen.png"]]
    assert audit_count(Action.SUPPORT_NOTE_ADDED) == 1


def test_a_note_with_a_refused_file_writes_nothing(filed, as_sales_agent):
    response = add_note(as_sales_agent, filed, "See attached", files=[upload("x.exe", b"MZ")])

    assert f"x.exe: {ONLY_THESE}" in response.context["form"].errors["attachments"]
    assert response.context["form"]["body"].value() == "See attached"
    assert not SupportNote.objects.exists()
    assert filed.attachments.count() == 1  # the one filed with the request
    assert len(stored_files()) == 1


def test_a_note_emails_the_filer_and_the_assignee_but_not_its_author(
    filed,
    global_admin,
    colleague,
    as_global_admin,
    as_colleague,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    support_services.assign(by=global_admin, support=filed, assignee=colleague)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        add_note(as_global_admin, filed, "Microsoft has opened an incident.")
    assert len(mailoutbox) == 1
    assert sorted(mailoutbox[0].to) == ["dana@contoso.example", "emery@contoso.example"]
    assert mailoutbox[0].subject == "New note on support request #1001: Users cannot sign in"
    assert "Microsoft has opened an incident." in mailoutbox[0].body
    assert detail_url(filed) in mailoutbox[0].body

    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        add_note(as_colleague, filed, "Workaround sent to the customer.")
    assert [m.to for m in mailoutbox] == [["dana@contoso.example"]]


def test_no_email_leaves_before_the_note_is_committed(
    filed, as_global_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        add_note(as_global_admin, filed, "Looking into it.")
    assert mailoutbox == []
    assert len(callbacks) == 1


def test_a_status_change_emails_the_others(
    filed,
    global_admin,
    colleague,
    as_colleague,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    support_services.assign(by=global_admin, support=filed, assignee=colleague)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        set_status(as_colleague, filed, "closed")

    assert [m.to for m in mailoutbox] == [["dana@contoso.example"]]
    assert mailoutbox[0].subject == "Support request #1001 is now closed"
    assert "The status is now: Closed." in mailoutbox[0].body


def test_an_assignment_emails_the_assignee_only(
    filed, colleague, as_global_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        as_global_admin.post(
            reverse("support:assign", args=[filed.uuid]), {"assignee": str(colleague.uuid)}
        )

    assert [m.to for m in mailoutbox] == [["emery@contoso.example"]]
    assert mailoutbox[0].subject == "Support request #1001 is assigned to you: Users cannot sign in"
    assert "It is assigned to you." in mailoutbox[0].body


# --- 6. Assignment ------------------------------------------------------------------------------


def assign(client, support, assignee, follow=True):
    value = str(assignee.uuid) if assignee else ""
    return client.post(
        reverse("support:assign", args=[support.uuid]), {"assignee": value}, follow=follow
    )


def test_a_request_is_assigned_to_an_active_colleague_who_follows_support(
    filed, colleague, global_admin, as_sales_agent
):
    response = assign(as_sales_agent, filed, colleague)

    assert "Assigned to Emery Ellis." in text(response)
    filed.refresh_from_db()
    assert filed.assigned_to == colleague
    entry = AuditEntry.objects.get(action=Action.SUPPORT_ASSIGNED)
    assert (entry.old_values, entry.new_values) == (
        {"assignee": "nobody"},
        {"assignee": "Emery Ellis"},
    )

    offered = list(response.context["assign_form"].fields["assignee"].queryset)
    assert set(offered) == {colleague, global_admin, filed.created_by}


@pytest.mark.parametrize("who", ["user_admin", "deactivated", "other_partner"])
def test_a_request_cannot_be_assigned_outside_the_active_support_colleagues(
    filed, as_sales_agent, sales_agent, partner, other_partner, user_admin, who
):
    assignee = {
        "user_admin": user_admin,
        "deactivated": make_user(partner, Role.SALES_AGENT, full_name="Gone Away", is_active=False),
        "other_partner": make_user(other_partner, Role.SALES_AGENT, full_name="Harper Hale"),
    }[who]

    response = assign(as_sales_agent, filed, assignee)

    assert "Choose an active colleague who follows support." in text(response)
    with pytest.raises(RuleViolation) as refused:
        support_services.assign(by=sales_agent, support=filed, assignee=assignee)
    assert refused.value.field == "assignee"
    filed.refresh_from_db()
    assert filed.assigned_to is None
    assert audit_count(Action.SUPPORT_ASSIGNED) == 0
    assert not SupportUserObjectPermission.objects.filter(user=assignee).exists()


def test_unassigning_leaves_the_request_with_nobody(
    filed, colleague, global_admin, as_global_admin, as_colleague
):
    support_services.assign(by=global_admin, support=filed, assignee=colleague)

    response = assign(as_global_admin, filed, None)

    assert "No longer assigned." in text(response)
    filed.refresh_from_db()
    assert filed.assigned_to is None
    assert as_colleague.get(detail_url(filed)).status_code == 404
    entries = AuditEntry.objects.filter(action=Action.SUPPORT_ASSIGNED).order_by("created_at", "id")
    assert [e.new_values["assignee"] for e in entries] == ["Emery Ellis", "nobody"]


def test_assigning_to_the_same_person_again_changes_nothing(
    filed, colleague, global_admin, mailoutbox, django_capture_on_commit_callbacks
):
    support_services.assign(by=global_admin, support=filed, assignee=colleague)
    with django_capture_on_commit_callbacks(execute=True):
        support_services.assign(by=global_admin, support=filed, assignee=colleague)

    assert audit_count(Action.SUPPORT_ASSIGNED) == 1
    assert mailoutbox == []


# --- 7. Overdue ---------------------------------------------------------------------------------


@pytest.mark.rule(14)
def test_the_detail_page_shows_the_time_left_to_respond(filed, as_sales_agent):
    page = text(as_sales_agent.get(detail_url(filed)))

    due = f"{filed.response_due_at:%Y-%m-%d %H:%M}"
    assert f"The initial response is due by {due} UTC (in 1 hour, 59 minutes)." in page
    assert "overdue" not in page


def test_the_detail_page_says_when_the_target_has_passed(filed, as_sales_agent):
    late = timezone.now() - timedelta(hours=3)
    SupportRequest.objects.filter(pk=filed.pk).update(response_due_at=late)

    page = text(as_sales_agent.get(detail_url(filed)))

    assert f"The initial response is overdue: it was due {late:%Y-%m-%d %H:%M} UTC" in page
    assert "(3 hours ago)" in page


def test_a_responded_or_closed_request_shows_no_target(filed, as_sales_agent, as_global_admin):
    SupportRequest.objects.filter(pk=filed.pk).update(
        response_due_at=timezone.now() - timedelta(hours=1)
    )
    add_note(as_global_admin, filed, "On it.")

    page = text(as_sales_agent.get(detail_url(filed)))

    assert "The initial response is" not in page
    filed.refresh_from_db()
    assert not filed.is_overdue()


@pytest.mark.rule(14)
def test_the_overdue_filter_shows_only_open_unanswered_requests_past_their_target(
    sales_agent, global_admin, customer, as_sales_agent
):
    late = file_one(sales_agent, customer, title="Late")  # 1001
    responded = file_one(sales_agent, customer, title="Responded")  # 1002
    closed = file_one(sales_agent, customer, title="Closed")  # 1003
    file_one(sales_agent, customer, title="In time")  # 1004
    SupportRequest.objects.filter(pk__in=[late.pk, responded.pk, closed.pk]).update(
        response_due_at=timezone.now() - timedelta(minutes=5)
    )
    support_services.add_note(by=global_admin, support=responded, body="On it.")
    support_services.set_status(by=sales_agent, support=closed, status="closed")

    url = reverse("support:list")
    overdue = as_sales_agent.get(url, {"overdue": "true", "sort": "number"})
    assert numbers(overdue) == [1001]
    assert "Overdue since" in text(overdue)
    assert numbers(as_sales_agent.get(url, {"overdue": "false", "sort": "number"})) == [
        1002,
        1003,
        1004,
    ]
    assert list(SupportRequest.objects.overdue().values_list("number", flat=True)) == [1001]


# --- 8. The list --------------------------------------------------------------------------------


@pytest.fixture
def three(sales_agent, colleague, global_admin, customer):
    """1001 A open (assigned to Emery), 1002 B attention needed, 1003 C closed."""
    a = file_one(sales_agent, customer, severity="A", title="Users cannot sign in")
    b = file_one(sales_agent, customer, severity="B", title="Invoice shows the wrong seats")
    c = file_one(sales_agent, customer, severity="C", title="Question about renewals")
    support_services.assign(by=sales_agent, support=a, assignee=colleague)
    support_services.set_status(by=sales_agent, support=b, status="attention_needed")
    support_services.set_status(by=sales_agent, support=c, status="closed")
    return a, b, c


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "attention_needed"}, [1002]),
        ({"status": "closed"}, [1003]),
        ({"severity": "A"}, [1001]),
        ({"severity": "C"}, [1003]),
        ({"q": "#1002"}, [1002]),
        ({"q": "1002"}, [1002]),
        ({"q": "invoice"}, [1002]),
        ({"q": "northwind"}, [1001, 1002, 1003]),
        ({"q": "nothing like it"}, []),
    ],
)
def test_the_list_filters_and_searches(three, as_global_admin, query, expected):
    response = as_global_admin.get(reverse("support:list"), {**query, "sort": "number"})
    assert numbers(response) == expected


def test_the_list_filters_by_assignee(three, colleague, as_global_admin):
    response = as_global_admin.get(reverse("support:list"), {"assigned_to": str(colleague.uuid)})
    assert numbers(response) == [1001]
    assert "Emery Ellis" in text(response)


def test_the_list_sorts_by_severity_and_by_due_time(three, as_global_admin):
    a, _b, c = three
    now = timezone.now()
    SupportRequest.objects.filter(pk=c.pk).update(response_due_at=now + timedelta(minutes=1))
    SupportRequest.objects.filter(pk=a.pk).update(response_due_at=now + timedelta(hours=5))
    url = reverse("support:list")

    assert numbers(as_global_admin.get(url, {"sort": "severity"})) == [1001, 1002, 1003]
    assert numbers(as_global_admin.get(url, {"sort": "-severity"})) == [1003, 1002, 1001]
    assert numbers(as_global_admin.get(url, {"sort": "due"})) == [1003, 1002, 1001]
    assert numbers(as_global_admin.get(url, {"sort": "-due"})) == [1001, 1002, 1003]


def test_the_csv_export_holds_the_filtered_list(three, as_global_admin):
    response = as_global_admin.get(reverse("support:export"), {"severity": "A"})

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="support-requests-')
    rows = csv_rows(response)
    assert rows[0] == [
        "Number",
        "Title",
        "Customer",
        "Topic",
        "Severity",
        "Status",
        "Filed",
        "Filed by",
        "Assigned to",
        "Response due",
        "Overdue",
    ]
    a = three[0]
    assert rows[1:] == [
        [
            "1001",
            "Users cannot sign in",
            "Northwind Traders",
            "Technical",
            "A",
            "Open",
            a.created_at.isoformat(),
            "Dana Diaz",
            "Emery Ellis",
            a.response_due_at.isoformat(),
            "no",
        ]
    ]


def test_the_csv_export_says_which_requests_are_overdue(three, as_global_admin):
    SupportRequest.objects.update(response_due_at=timezone.now() - timedelta(minutes=1))

    rows = csv_rows(as_global_admin.get(reverse("support:export"), {"sort": "number"}))

    assert [(row[0], row[-1]) for row in rows[1:]] == [
        ("1001", "yes"),
        ("1002", "yes"),
        ("1003", "no"),
    ]


def test_a_sales_agents_export_holds_only_their_requests(
    sales_agent, colleague, customer, as_colleague
):
    file_one(sales_agent, customer, title="Dana's")
    file_one(colleague, customer, title="Emery's")

    response = as_colleague.get(reverse("support:export"))

    assert [row[1] for row in csv_rows(response)[1:]] == ["Emery's"]


@pytest.mark.parametrize("persona", ["sales_agent", "global_admin"])
@pytest.mark.parametrize("count", [3, 40])
def test_the_list_costs_the_same_queries_whatever_the_number_of_requests(
    request, sales_agent, colleague, customer, persona, count, django_assert_max_num_queries
):
    for i in range(count):
        support = file_one(sales_agent, customer, severity="ABC"[i % 3], title=f"Problem {i}")
        if i % 2:
            SupportRequest.objects.filter(pk=support.pk).update(assigned_to=colleague)
    client = signed_in(request.getfixturevalue(persona))
    client.get(reverse("support:list"))

    with django_assert_max_num_queries(12):
        response = client.get(reverse("support:list"), {"sort": "severity"})

    assert len(response.context["page_obj"]) == min(count, 25)


# --- 9. The customer and subscription pages -----------------------------------------------------


def test_the_customer_page_shows_the_requests_the_viewer_may_see(
    sales_agent, colleague, customer, as_sales_agent, as_global_admin
):
    file_one(sales_agent, customer, title="Dana's problem")
    file_one(colleague, customer, title="Emery's problem")
    url = reverse("customers:detail", args=[customer.uuid])

    mine = text(as_sales_agent.get(url))
    assert "#1001 Dana's problem" in mine
    assert "Emery's problem" not in mine
    assert f"{reverse('support:new')}?customer={customer.uuid}" in mine

    everything = text(as_global_admin.get(url))
    assert "#1001 Dana's problem" in everything
    assert "#1002 Emery's problem" in everything


def test_the_customer_page_says_when_there_is_none_to_see(colleague, customer, as_sales_agent):
    file_one(colleague, customer, title="Emery's problem")

    page = text(as_sales_agent.get(reverse("customers:detail", args=[customer.uuid])))

    assert "None that you can see." in page


def test_the_subscription_page_shows_its_requests_the_viewer_may_see(
    sales_agent, colleague, customer, held_subscription, as_sales_agent, as_global_admin
):
    file_one(sales_agent, customer, title="About the seats", subscription=held_subscription)
    file_one(sales_agent, customer, title="About the customer in general")
    file_one(colleague, customer, title="Emery's seats", subscription=held_subscription)
    url = reverse("subscriptions:detail", args=[held_subscription.uuid])

    mine = text(as_sales_agent.get(url))
    assert "#1001 About the seats" in mine
    assert "in general" not in mine
    assert "Emery's seats" not in mine
    assert f"{reverse('support:new')}?subscription={held_subscription.uuid}" in mine

    everything = text(as_global_admin.get(url))
    assert "#1003 Emery's seats" in everything
    assert "in general" not in everything


@pytest.mark.parametrize("page", ["support:list", "support:export"])
@pytest.mark.parametrize("query", ["²", "#①", "1002²"])
def test_a_search_for_digits_that_are_not_numbers_finds_nothing_and_is_not_an_error(
    three, as_global_admin, page, query
):
    response = as_global_admin.get(reverse(page), {"q": query})
    assert response.status_code == 200
    if page == "support:list":
        assert numbers(response) == []


def test_an_assignee_who_lets_the_request_go_goes_back_to_the_list(
    filed, global_admin, colleague, as_colleague
):
    support_services.assign(by=global_admin, support=filed, assignee=colleague)

    response = as_colleague.post(reverse("support:assign", args=[filed.uuid]), {"assignee": ""})

    assert response["Location"] == reverse("support:list")
    filed.refresh_from_db()
    assert filed.assigned_to is None
    assert "No longer assigned." in text(as_colleague.get(response["Location"]))


def test_a_request_sent_twice_is_filed_once(
    as_sales_agent, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = as_sales_agent.post(reverse("support:new"), request_form(customer))
        again = as_sales_agent.post(reverse("support:new"), request_form(customer))  # resent

    assert first["Location"] == again["Location"] == detail_url(SupportRequest.objects.get())
    assert audit_count(Action.SUPPORT_FILED) == 1
    other = as_sales_agent.post(reverse("support:new"), request_form(customer, title="Another"))
    assert other.status_code == 302
    # The same words at another severity, or with a file, is a request of its own.
    urgent = as_sales_agent.post(reverse("support:new"), request_form(customer, severity="A"))
    with_file = as_sales_agent.post(
        reverse("support:new"), {**request_form(customer), "attachments": [upload()]}
    )
    assert urgent.status_code == with_file.status_code == 302
    assert SupportRequest.objects.count() == 4


def test_a_note_sent_twice_is_added_once_and_told_once(
    filed, as_global_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        add_note(as_global_admin, filed, "Resetting MFA for all users now.")
        add_note(as_global_admin, filed, "Resetting MFA for all users now.")  # resent

    assert filed.notes.count() == 1
    assert audit_count(Action.SUPPORT_NOTE_ADDED) == 1
    assert len(mail.outbox) == 1
