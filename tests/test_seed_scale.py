"""The benchmark's scale data, loaded small: what the command says it loads is there, the
second partner shares 5% of the customers, and the pages work on it for a Sales agent."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse

from multichannel import access
from multichannel.management.commands.seed_scale import (
    BIG_CUSTOMER_SUBSCRIPTIONS,
    SCALE_DOMAIN,
    SCALE_PARTNER_ID,
    SHARING_PARTNER_ID,
)
from multichannel.models import (
    AuditEntry,
    Customer,
    Partner,
    RelationshipRequest,
    Subscription,
    SupportRequest,
    User,
)

SMALL = {
    "customers": 60,
    "subscriptions": 400,
    "requests": 30,
    "support": 40,
    "audit": 300,
    "users": 12,
}


# Not wrapped in a transaction: on PostgreSQL the command ends with VACUUM.
@pytest.mark.django_db(transaction=True)
def test_a_small_scale_load_holds_what_it_says_and_its_pages_work(client):
    out = StringIO()
    call_command("seed_scale", *[f"--{k}={v}" for k, v in SMALL.items()], stdout=out)

    scale = Partner.objects.get(partner_id=SCALE_PARTNER_ID)
    sharer = Partner.objects.get(partner_id=SHARING_PARTNER_ID)
    assert Customer.objects.count() == 60
    assert Subscription.objects.count() == 400
    assert RelationshipRequest.objects.count() == 30
    assert SupportRequest.objects.count() == 40
    assert AuditEntry.objects.filter(partner=scale).count() == 300
    assert User.objects.filter(partner=scale).count() == 12
    biggest = Customer.objects.annotate(n=Count("subscriptions")).order_by("-n").first()
    assert biggest.n >= BIG_CUSTOMER_SUBSCRIPTIONS

    agent = User.objects.get(email=f"sales1@{SCALE_DOMAIN}")
    litware = User.objects.filter(partner=sharer).first()
    assert access.customers_for(agent).count() == 60
    assert access.customers_for(litware).count() == 3  # 5% of 60
    assert "Scale data loaded in" in out.getvalue()

    client.force_login(agent)
    for url in (
        reverse("customers:list"),
        reverse("customers:detail", args=[biggest.uuid]),
        reverse("subscriptions:list"),
        reverse("support:list"),
    ):
        assert client.get(url, HTTP_HOST="localhost").status_code == 200, url

    with pytest.raises(CommandError, match="already loaded"):
        call_command("seed_scale", *[f"--{k}={v}" for k, v in SMALL.items()], stdout=out)
