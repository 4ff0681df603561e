"""Two admins acting at the same moment must not leave a partner without a Global admin."""

import pytest

from multichannel import access
from multichannel.models import User
from multichannel.roles import Role
from multichannel.services import users as user_services
from tests.factories import PartnerFactory, make_user
from tests.races import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _deactivate(actor_pk, target_pk):
    user_services.deactivate_user(
        by=User.objects.get(pk=actor_pk), user=User.objects.get(pk=target_pk)
    )


def _demote(actor_pk, target_pk):
    target = User.objects.get(pk=target_pk)
    user_services.update_user(
        by=User.objects.get(pk=actor_pk),
        user=target,
        full_name=target.full_name,
        email=target.email,
        roles={Role.SALES_AGENT},
    )


@pytest.mark.parametrize("action", [_deactivate, _demote], ids=["deactivate", "demote"])
@pytest.mark.rule(2, 16)
def test_the_last_two_global_admins_acting_on_each_other_leave_one(action, monkeypatch):

    partner = PartnerFactory()
    first = make_user(partner, Role.GLOBAL_ADMIN)
    second = make_user(partner, Role.GLOBAL_ADMIN)
    check = "can_deactivate" if action is _deactivate else "can_set_roles"

    def run(actor_pk, target_pk):
        action(actor_pk, target_pk)
        return "done"

    outcomes = race(
        lambda: run(first.pk, second.pk),
        lambda: run(second.pk, first.pk),
        monkeypatch=monkeypatch,
        holding=(access, check),  # the first holds the partner's Global admins
    )

    assert outcomes.count("done") == 1, outcomes
    assert access.active_global_admins(partner.pk).count() == 1
