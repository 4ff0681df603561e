"""The demo's partners and their teams."""

from dataclasses import dataclass

from multichannel.models import (
    Cloud,
)
from multichannel.roles import Role

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 — printed on screen on purpose


@dataclass(frozen=True)
class DemoPartner:
    partner_id: str
    name: str
    country: str
    cloud: Cloud
    domain: str


CONTOSO, FABRIKAM, TAILSPIN = "4100123", "5200456", "6300789"

PARTNERS = [
    DemoPartner(
        CONTOSO, "Contoso Cloud Solutions", "US", Cloud.COMMERCIAL, "contoso-partner.example"
    ),
    DemoPartner(FABRIKAM, "Fabrikam Partners", "GB", Cloud.COMMERCIAL, "fabrikam-partner.example"),
    DemoPartner(
        TAILSPIN, "Tailspin Government Services", "US", Cloud.US_GOVERNMENT, "tailspin-gov.example"
    ),
]

GA, UMA, SA = Role.GLOBAL_ADMIN, Role.USER_MANAGEMENT_ADMIN, Role.SALES_AGENT

# (local part, full name, roles) per partner; the first partner has a fuller team.
TEAMS = {
    CONTOSO: [
        ("admin", "Avery Adams", {GA}),
        ("admin2", "Blake Brennan", {GA}),
        ("usermgr", "Casey Carter", {UMA}),
        ("sales", "Dana Diaz", {SA}),
        ("sales2", "Eli Evans", {SA}),
        ("lead", "Frankie Foster", {UMA, SA}),
    ],
    FABRIKAM: [
        ("admin", "Georgia Grant", {GA}),
        ("usermgr", "Harper Hughes", {UMA}),
        ("sales", "Indigo Irving", {SA}),
    ],
    TAILSPIN: [
        ("admin", "Jordan James", {GA}),
        ("sales", "Kai Kennedy", {SA}),
    ],
}

SUPERUSER_EMAIL = "operator@portal.example"
