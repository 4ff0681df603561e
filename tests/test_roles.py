"""Roles are the partner's groups, holding exactly the permissions the role map gives them."""

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from multichannel.models import Cloud, Partner, RoleGroup, User
from multichannel.roles import ROLE_PERMISSIONS, Role, all_permissions, roles_granting
from tests.factories import make_user


def _held(group) -> set[str]:
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_every_permission_in_the_role_map_exists(db):
    for name in all_permissions():
        app_label, codename = name.split(".")
        assert Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).exists()


@pytest.mark.rule(1)
def test_a_new_partner_gets_one_group_per_role_with_exactly_its_permissions(partner):
    groups = RoleGroup.objects.filter(partner=partner).select_related("group")
    assert {g.role for g in groups} == set(Role)
    for role_group in groups:
        assert _held(role_group.group) == set(ROLE_PERMISSIONS[Role(role_group.role)])


@pytest.mark.rule(1)
def test_groups_of_two_partners_are_separate(partner, other_partner):
    mine = set(RoleGroup.objects.filter(partner=partner).values_list("group_id", flat=True))
    theirs = set(RoleGroup.objects.filter(partner=other_partner).values_list("group_id", flat=True))
    assert mine.isdisjoint(theirs)


def test_roles_granting_names_who_may():
    assert roles_granting("multichannel.view_user") == [
        Role.GLOBAL_ADMIN,
        Role.USER_MANAGEMENT_ADMIN,
    ]
    assert roles_granting("multichannel.manage_global_admins") == [Role.GLOBAL_ADMIN]


def test_a_user_may_hold_several_roles(partner):

    lead = make_user(partner, Role.USER_MANAGEMENT_ADMIN, Role.SALES_AGENT)
    assert lead.roles == {Role.USER_MANAGEMENT_ADMIN, Role.SALES_AGENT}
    assert lead.has_perm("multichannel.add_user")
    assert not lead.has_perm("multichannel.manage_global_admins")


@pytest.mark.rule(1)
def test_another_partners_role_group_gives_no_role(partner, other_partner):
    """Only the partner's own role groups count, even if an operator adds a user to another
    partner's group in the Django admin."""

    agent = make_user(partner, Role.SALES_AGENT)
    agent.groups.add(other_partner.role_group(Role.GLOBAL_ADMIN))
    client = Client()
    client.force_login(agent)
    signed_in = get_user(client)

    for user in (User.objects.get(pk=agent.pk), signed_in):
        assert user.roles == {Role.SALES_AGENT}
        assert not user.has_perm("multichannel.manage_global_admins")
    assert client.get("/users/", HTTP_HOST="localhost").status_code == 403


@pytest.mark.django_db
def test_the_demo_data_loads_twice_to_the_same_state(capsys):
    call_command("seed_demo")
    counts = (Partner.objects.count(), User.objects.count())
    call_command("seed_demo")
    assert (Partner.objects.count(), User.objects.count()) == counts

    assert Partner.objects.filter(cloud=Cloud.COMMERCIAL).count() >= 2
    assert Partner.objects.filter(cloud=Cloud.US_GOVERNMENT).count() >= 1
    for partner in Partner.objects.all():
        holders = {role for user in partner.users.all() for role in user.roles}
        assert Role.GLOBAL_ADMIN in holders
    assert {r for u in User.objects.all() for r in u.roles} == set(Role)
    out = capsys.readouterr().out
    assert "password: portal-demo-2026" in out
    assert User.objects.get(email="sales@contoso-partner.example").check_password(
        "portal-demo-2026"
    )


def test_every_model_is_in_the_django_admin():

    ours = apps.get_app_config("multichannel").get_models()
    missing = [model.__name__ for model in ours if model not in admin.site._registry]
    assert missing == []


@pytest.mark.django_db
def test_the_admin_opens_every_changelist_for_a_superuser(client):

    operator = User.objects.create_superuser(
        email="ops@portal.example", password="x", full_name="Ops"
    )
    client.force_login(operator)
    for model in admin.site._registry:
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url
