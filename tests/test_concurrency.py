"""Two admins acting at the same moment must not leave a partner without a Global admin."""

import threading
import time

import pytest
from django.db import connection

from multichannel import access
from multichannel.models import User
from multichannel.roles import Role
from multichannel.services import users as user_services
from tests.factories import make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _slow_checks(monkeypatch):
    """Widen the window between checking a rule and writing, as a busy server would."""
    for name in ("can_deactivate", "can_set_roles"):
        original = getattr(access, name)

        def slow(*args, _original=original, **kwargs):
            answer = _original(*args, **kwargs)
            time.sleep(0.3)
            return answer

        monkeypatch.setattr(access, name, slow)


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
    from tests.factories import PartnerFactory

    partner = PartnerFactory()
    first = make_user(partner, Role.GLOBAL_ADMIN)
    second = make_user(partner, Role.GLOBAL_ADMIN)
    _slow_checks(monkeypatch)
    barrier = threading.Barrier(2)
    outcomes = []

    def run(actor_pk, target_pk):
        barrier.wait()
        try:
            action(actor_pk, target_pk)
            outcomes.append("done")
        except Exception as refusal:
            outcomes.append(refusal)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(first.pk, second.pk)),
        threading.Thread(target=run, args=(second.pk, first.pk)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes.count("done") == 1, outcomes
    assert access.active_global_admins(partner.pk).count() == 1
