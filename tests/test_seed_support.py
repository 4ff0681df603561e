"""Demo support requests: every status and severity, some overdue, loaded once."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from multichannel.models import Partner, Severity, SupportRequest, SupportStatus


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_demo_has_every_status_and_severity_and_some_overdue(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        out = seed()
    requests = SupportRequest.objects.all()

    assert set(requests.values_list("status", flat=True)) == set(SupportStatus.values)
    assert set(requests.values_list("severity", flat=True)) == set(Severity.values)
    assert requests.overdue().exists()
    assert requests.exclude(assigned_to=None).exists()
    assert requests.filter(attachments__isnull=False).exists()
    assert not requests.filter(partner__partner_id="6300789").exists()
    assert "Contoso Cloud Solutions support requests:" in out
    assert mail.outbox == []  # the demo emails nobody

    numbers = list(requests.filter(partner__partner_id="4100123").values_list("number", flat=True))
    assert sorted(numbers) == list(range(1001, 1001 + len(numbers)))

    before = list(requests.order_by("pk").values_list("pk", "status", "assigned_to"))
    seed()
    assert (
        list(SupportRequest.objects.order_by("pk").values_list("pk", "status", "assigned_to"))
        == before
    )
    assert Partner.objects.count() == 3
