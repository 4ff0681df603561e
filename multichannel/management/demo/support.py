"""Demo support requests: every status and severity, some overdue, with notes and assignments,
made through the services as the demo users would."""

from dataclasses import dataclass
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from multichannel import access
from multichannel.models import Partner, SupportRequest, SupportStatus, User
from multichannel.services import support as support_services


@dataclass(frozen=True)
class DemoSupport:
    by: str  # local part of the filer
    severity: str
    topic: str
    title: str
    description: str
    hours_ago: float  # when it was filed
    assign_to: str = ""
    notes: tuple[tuple[str, str], ...] = ()  # (local part of the author, text)
    status: str = SupportStatus.OPEN
    attachment: str = ""  # a text file's name; its content is made up


CONTOSO_SUPPORT = [
    DemoSupport(
        "sales",
        "A",
        "technical",
        "Users cannot sign in to Microsoft 365",
        "Since 08:00 every user gets AADSTS50076 when signing in from the office.",
        5,
        attachment="sign-in-errors.txt",
    ),
    DemoSupport(
        "sales2",
        "A",
        "subscription",
        "Licences missing after the seat increase",
        "We added 20 seats yesterday; the admin center still shows the old count.",
        1,
        assign_to="sales",
    ),
    DemoSupport(
        "sales",
        "B",
        "billing",
        "Invoice shows Azure usage twice",
        "The October invoice lists the same Azure plan usage on two lines.",
        30,
        assign_to="admin",
        notes=(("admin", "Asked billing to check the duplicated line."),),
        status=SupportStatus.ATTENTION_NEEDED,
    ),
    DemoSupport(
        "sales2",
        "B",
        "relationship",
        "Customer cannot find our invitation",
        "The customer's admin says the invitation email never arrived.",
        2,
    ),
    DemoSupport(
        "sales",
        "C",
        "transfer",
        "When will the Azure transfer complete?",
        "The customer asks when their Azure subscriptions move to us.",
        50,
        assign_to="sales2",
        notes=(
            ("sales2", "The other partner accepted; it completed this morning."),
            ("sales", "Told the customer, thanks."),
        ),
        status=SupportStatus.CLOSED,
    ),
    DemoSupport(
        "sales2",
        "C",
        "subscription",
        "Turn off auto-renew before the term end",
        "The customer wants the subscription to end at its term end.",
        12,
    ),
    DemoSupport(
        "lead",
        "A",
        "technical",
        "Exchange Online mail flow stopped",
        "No inbound mail since 06:30; MX records unchanged.",
        26,
        assign_to="sales2",
        notes=(("sales2", "Connector certificate expired; renewed, mail flowing again."),),
        status=SupportStatus.CLOSED,
    ),
]

FABRIKAM_SUPPORT = [
    DemoSupport(
        "sales",
        "B",
        "billing",
        "Credit for a cancelled subscription",
        "Cancelled within the 7 days; the customer asks when the credit shows.",
        9,
    ),
    DemoSupport(
        "sales",
        "C",
        "technical",
        "Teams meeting recordings not saved",
        "Recordings of the customer's meetings do not appear in OneDrive.",
        3,
        assign_to="admin",
    ),
]

PLANS = {"4100123": CONTOSO_SUPPORT, "5200456": FABRIKAM_SUPPORT}


def seed_support(partners: dict[str, Partner]) -> list[str]:
    """Demo support requests for the commercial partners; a partner that already has support
    requests is left as it is. Returns what was skipped, and why."""
    skipped = []
    for partner_id, plans in PLANS.items():
        partner = partners[partner_id]
        if SupportRequest.objects.filter(partner=partner).exists():
            continue
        users = {u.email.split("@")[0]: u for u in User.objects.filter(partner=partner)}
        for index, plan in enumerate(plans):
            filer = users.get(plan.by)
            customer = (
                access.managed_customers_for(filer)  # support needs an active relationship
                .order_by("company_name")[index * 7 : index * 7 + 1]
                .first()
                if filer
                else None
            )
            if customer is None:
                skipped.append(f"{partner.name}: no customer for “{plan.title}”")
                continue
            with transaction.atomic():
                _file(plan, filer, customer, users)
    return skipped


def _file(plan: DemoSupport, filer: User, customer, users: dict[str, User]) -> None:
    attachments = []
    if plan.attachment:
        text = "2026-11-27T08:01:12Z AADSTS50076: multi-factor authentication required\n" * 3
        attachments.append(ContentFile(text.encode(), name=plan.attachment))
    support = support_services.file_request(
        by=filer,
        customer=customer,
        subscription=None,
        topic=plan.topic,
        severity=plan.severity,
        title=plan.title,
        description=plan.description,
        contact_name=filer.full_name,
        contact_email=filer.email,
        attachments=attachments,
    )
    if plan.assign_to:
        support_services.assign(by=filer, support=support, assignee=users[plan.assign_to])
    for author, body in plan.notes:
        support_services.add_note(by=users[author], support=support, body=body)
    if plan.status != SupportStatus.OPEN:
        support_services.set_status(by=filer, support=support, status=plan.status)
    # Date it back: filed `hours_ago`, its response target counted from then.
    filed = timezone.now() - timedelta(hours=plan.hours_ago)
    changes = {"created_at": filed, "response_due_at": filed + support.response_target}
    if support.first_response_at is not None:
        changes["first_response_at"] = filed + support.response_target / 2
    if plan.status == SupportStatus.CLOSED:
        changes["closed_at"] = filed + support.response_target
    SupportRequest.objects.filter(pk=support.pk).update(**changes)


def support_summary(partner: Partner) -> str:
    requests = SupportRequest.objects.filter(partner=partner)
    if not requests.exists():
        return "none"
    overdue = requests.overdue().count()
    by_status = {s: requests.filter(status=s).count() for s in SupportStatus}
    parts = [f"{n} {SupportStatus(s).label.lower()}" for s, n in by_status.items() if n]
    return ", ".join(parts) + f" ({overdue} overdue)"
