"""User management: what a Global admin and a User management admin can and cannot do."""

from urllib.parse import urlparse

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client
from django.urls import reverse

from multichannel import access
from multichannel.access import RoleRequired
from multichannel.models import Action, AuditEntry, User
from multichannel.roles import Role
from multichannel.services import users as user_services
from tests.factories import PASSWORD, make_user, signed_in


def entries(action: Action):
    return AuditEntry.objects.filter(action=action)


def form_data(**overrides):
    data = {
        "full_name": "Nora Nolan",
        "email": "nora@contoso.example",
        "roles": [Role.SALES_AGENT.value],
        "delivery": "temporary_password",
    }
    data.update(overrides)
    return data


# --- Creating users -------------------------------------------------------------------------


@pytest.mark.rule(3)
def test_a_global_admin_adds_a_user_and_sees_the_temporary_password_once(as_global_admin, partner):
    response = as_global_admin.post(reverse("users:create"), form_data())

    nora = User.objects.get(email="nora@contoso.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("users:detail", args=[nora.uuid])
    assert nora.partner == partner
    assert nora.roles == {Role.SALES_AGENT}
    assert nora.must_change_password

    first = as_global_admin.get(response["Location"]).content.decode()
    assert "Temporary password for Nora Nolan" in first
    password = first.split('id="temporary-password-value" value="')[1].split('"')[0]
    assert nora.check_password(password)
    assert "Temporary password" not in as_global_admin.get(response["Location"]).content.decode()

    entry = entries(Action.USER_CREATED).get()
    assert entry.partner == partner
    assert entry.new_values["roles"] == ["Sales agent"]
    assert password not in str(entry.new_values)


@pytest.mark.rule(3)
def test_a_new_user_can_get_a_set_password_link_by_email_after_commit(
    as_global_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        as_global_admin.post(reverse("users:create"), form_data(delivery="email_link"))

    nora = User.objects.get(email="nora@contoso.example")
    assert len(callbacks) == 1
    assert not nora.has_usable_password()
    assert not nora.must_change_password
    (message,) = mail.outbox
    assert message.to == ["nora@contoso.example"]
    assert "/password-reset/" in message.body

    link = next(line for line in message.body.splitlines() if "/password-reset/" in line)
    assert link.strip().startswith("http://testserver/password-reset/")
    path = urlparse(link.strip()).path

    client = Client()
    page = client.get(path, follow=True)
    form_url = page.redirect_chain[-1][0] if page.redirect_chain else path
    new_password = "a-long-and-unusual-passphrase"
    done = client.post(form_url, {"new_password1": new_password, "new_password2": new_password})
    assert done.status_code == 302
    nora.refresh_from_db()
    assert nora.check_password(new_password)
    assert entries(Action.PASSWORD_SET_FROM_LINK).filter(actor=nora).count() == 1


def test_an_email_already_in_use_is_refused_beside_the_field(
    as_global_admin, sales_agent, other_partner_admin
):
    for taken in (sales_agent.email, other_partner_admin.email.upper()):
        response = as_global_admin.post(reverse("users:create"), form_data(email=taken))

        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors["email"] == ["A user with this email already exists."]
        assert form["full_name"].value() == "Nora Nolan"
    assert not User.objects.filter(full_name="Nora Nolan").exists()
    assert not entries(Action.USER_CREATED).exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("full_name", "", "This field is required."),
        ("roles", [], "Give the user at least one role."),
        ("delivery", "carrier-pigeon", "Select a valid choice."),
    ],
)
def test_invalid_input_is_explained_and_nothing_is_written(as_global_admin, field, value, message):
    before = User.objects.count()
    response = as_global_admin.post(reverse("users:create"), form_data(**{field: value}))

    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert User.objects.count() == before


@pytest.mark.rule(1)
def test_a_user_management_admin_cannot_grant_global_admin(as_user_admin):
    page = as_user_admin.get(reverse("users:create")).content.decode()
    assert 'value="global_admin"' not in page
    assert "Only a Global admin can grant the Global admin role." in page

    response = as_user_admin.post(
        reverse("users:create"), form_data(roles=[Role.GLOBAL_ADMIN.value])
    )
    assert response.status_code == 200
    assert "roles" in response.context["form"].errors
    assert not User.objects.filter(email="nora@contoso.example").exists()


@pytest.mark.rule(1)
def test_the_service_refuses_global_admin_from_a_user_management_admin(user_admin):

    with pytest.raises(RoleRequired):
        user_services.create_user(
            by=user_admin,
            full_name="Sneaky",
            email="sneaky@contoso.example",
            roles={Role.GLOBAL_ADMIN},
            delivery=user_services.AccessDelivery.TEMPORARY_PASSWORD,
        )
    assert not User.objects.filter(email="sneaky@contoso.example").exists()


# --- Editing users and roles ----------------------------------------------------------------


def test_the_edit_form_starts_from_the_users_current_details(as_global_admin, sales_agent):
    form = as_global_admin.get(reverse("users:edit", args=[sales_agent.uuid])).context["form"]
    assert form["full_name"].value() == "Dana Diaz"
    assert form["email"].value() == "dana@contoso.example"
    assert form["roles"].value() == ["sales_agent"]


@pytest.mark.rule(16)
def test_saving_an_edit_page_does_not_undo_a_colleagues_change_made_meanwhile(
    as_user_admin, global_admin, sales_agent
):
    url = reverse("users:edit", args=[sales_agent.uuid])
    shown = as_user_admin.get(url).context["form"].initial
    user_services.update_user(  # a colleague, meanwhile: Dana also manages users now
        by=global_admin,
        user=sales_agent,
        full_name=sales_agent.full_name,
        email=sales_agent.email,
        roles={Role.SALES_AGENT, Role.USER_MANAGEMENT_ADMIN},
    )

    response = as_user_admin.post(url, {**shown, "full_name": "Dana Diaz-Ortiz"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Someone changed Dana Diaz while you were editing. Open the page again to see the "
        "changes, then make yours."
    ]
    assert response.context["form"]["full_name"].value() == "Dana Diaz-Ortiz"  # kept
    fresh = User.objects.get(pk=sales_agent.pk)
    assert fresh.full_name == "Dana Diaz"
    assert fresh.roles == {Role.SALES_AGENT, Role.USER_MANAGEMENT_ADMIN}

    again = as_user_admin.get(url).context["form"].initial
    saved = as_user_admin.post(url, {**again, "full_name": "Dana Diaz-Ortiz"})
    assert saved.status_code == 302
    assert User.objects.get(pk=sales_agent.pk).full_name == "Dana Diaz-Ortiz"


def test_a_user_management_admin_edits_roles_of_a_sales_agent(as_user_admin, sales_agent):
    response = as_user_admin.post(
        reverse("users:edit", args=[sales_agent.uuid]),
        {
            "full_name": sales_agent.full_name,
            "email": sales_agent.email,
            "roles": [Role.SALES_AGENT.value, Role.USER_MANAGEMENT_ADMIN.value],
        },
    )

    assert response.status_code == 302
    assert User.objects.get(pk=sales_agent.pk).roles == {
        Role.SALES_AGENT,
        Role.USER_MANAGEMENT_ADMIN,
    }
    entry = entries(Action.ROLES_CHANGED).get()
    assert entry.old_values == {"roles": ["Sales agent"]}
    assert entry.new_values == {"roles": ["User management admin", "Sales agent"]}


@pytest.mark.rule(1)
def test_a_user_management_admin_never_acts_on_a_global_admin(as_user_admin, global_admin):
    for name in ("users:edit", "users:deactivate", "users:reset-password"):
        response = as_user_admin.get(reverse(name, args=[global_admin.uuid]))
        assert response.status_code == 403
        assert "Only a Global admin can change a Global admin" in response.content.decode()

    posts = {
        "users:edit": {
            "full_name": "Renamed",
            "email": global_admin.email,
            "roles": ["sales_agent"],
        },
        "users:deactivate": {},
        "users:reset-password": {"delivery": "temporary_password"},
    }
    for name, data in posts.items():
        response = as_user_admin.post(reverse(name, args=[global_admin.uuid]), data)
        assert response.status_code == 403

    fresh = User.objects.get(pk=global_admin.pk)
    assert fresh.full_name == "Avery Adams"
    assert fresh.is_active and fresh.check_password(PASSWORD)
    assert fresh.roles == {Role.GLOBAL_ADMIN}
    assert not AuditEntry.objects.filter(category="users").exists()


def test_the_detail_page_explains_why_a_user_management_admin_cannot_act(
    as_user_admin, global_admin
):
    page = as_user_admin.get(reverse("users:detail", args=[global_admin.uuid])).content.decode()
    assert "Only a Global admin can change a Global admin" in page
    assert reverse("users:edit", args=[global_admin.uuid]) not in page


def test_a_global_admin_grants_global_admin(as_global_admin, sales_agent):
    as_global_admin.post(
        reverse("users:edit", args=[sales_agent.uuid]),
        {"full_name": "Dana Diaz", "email": sales_agent.email, "roles": ["global_admin"]},
    )
    assert User.objects.get(pk=sales_agent.pk).roles == {Role.GLOBAL_ADMIN}


@pytest.mark.rule(2)
def test_the_last_global_admin_keeps_the_role(as_global_admin, global_admin):
    response = as_global_admin.post(
        reverse("users:edit", args=[global_admin.uuid]),
        {"full_name": "Avery Adams", "email": global_admin.email, "roles": ["sales_agent"]},
    )

    assert response.status_code == 200
    assert "last active Global admin" in str(response.context["form"].non_field_errors())
    assert User.objects.get(pk=global_admin.pk).roles == {Role.GLOBAL_ADMIN}
    assert not entries(Action.ROLES_CHANGED).exists()


@pytest.mark.rule(2)
def test_a_global_admin_may_step_down_when_another_remains(
    as_global_admin, global_admin, second_global_admin
):
    as_global_admin.post(
        reverse("users:edit", args=[global_admin.uuid]),
        {"full_name": "Avery Adams", "email": global_admin.email, "roles": ["sales_agent"]},
    )
    assert User.objects.get(pk=global_admin.pk).roles == {Role.SALES_AGENT}


@pytest.mark.rule(15)
def test_changing_name_and_email_is_one_entry(as_global_admin, sales_agent):
    as_global_admin.post(
        reverse("users:edit", args=[sales_agent.uuid]),
        {"full_name": "Dana Díaz", "email": "Dana.Diaz@Contoso.example", "roles": ["sales_agent"]},
    )
    fresh = User.objects.get(pk=sales_agent.pk)
    assert (fresh.full_name, fresh.email) == ("Dana Díaz", "dana.diaz@contoso.example")
    entry = entries(Action.USER_UPDATED).get()
    assert entry.old_values == {"full_name": "Dana Diaz", "email": "dana@contoso.example"}


@pytest.mark.rule(15)
def test_saving_without_changes_writes_nothing(as_global_admin, sales_agent):
    response = as_global_admin.post(
        reverse("users:edit", args=[sales_agent.uuid]),
        {"full_name": sales_agent.full_name, "email": sales_agent.email, "roles": ["sales_agent"]},
        follow=True,
    )
    assert "Nothing was changed." in response.content.decode()
    assert not AuditEntry.objects.filter(category="users").exists()


# --- Deactivating and reactivating ----------------------------------------------------------


def test_deactivating_asks_first_then_ends_the_users_sessions(as_global_admin, sales_agent):
    agent_client = signed_in(sales_agent)
    assert agent_client.get(reverse("home")).status_code == 200

    confirm = as_global_admin.get(reverse("users:deactivate", args=[sales_agent.uuid]))
    assert "will be signed out at once" in confirm.content.decode()
    assert User.objects.get(pk=sales_agent.pk).is_active

    as_global_admin.post(reverse("users:deactivate", args=[sales_agent.uuid]))

    assert not User.objects.get(pk=sales_agent.pk).is_active
    after = agent_client.get(reverse("home"))
    assert after.status_code == 302
    assert after["Location"].startswith(reverse("sign-in"))
    assert entries(Action.USER_DEACTIVATED).count() == 1


@pytest.mark.rule(2)
def test_nobody_deactivates_themselves(as_global_admin, global_admin, second_global_admin):
    response = as_global_admin.post(
        reverse("users:deactivate", args=[global_admin.uuid]), follow=True
    )
    assert "You cannot deactivate yourself" in response.content.decode()
    assert User.objects.get(pk=global_admin.pk).is_active
    assert not entries(Action.USER_DEACTIVATED).exists()


@pytest.mark.rule(2)
def test_the_last_active_global_admin_cannot_be_deactivated(global_admin, second_global_admin):
    # A Global admin acting is itself active, so only a stale view of the world (someone else
    # deactivated the actor a moment ago) reaches this rule; the check must still hold.
    assert global_admin.has_perm("multichannel.change_user")  # permissions now cached
    User.objects.filter(pk=global_admin.pk).update(is_active=False)

    check = access.can_deactivate(global_admin, second_global_admin)

    assert not check
    assert "last active Global admin" in check.reason
    with pytest.raises(Exception, match="deactivated"):
        user_services.deactivate_user(by=global_admin, user=second_global_admin)
    assert User.objects.get(pk=second_global_admin.pk).is_active


@pytest.mark.rule(2)
def test_a_user_management_admin_cannot_deactivate_the_last_global_admin_either(
    as_user_admin, global_admin
):
    response = as_user_admin.post(reverse("users:deactivate", args=[global_admin.uuid]))
    assert response.status_code == 403
    assert User.objects.get(pk=global_admin.pk).is_active


def test_reactivating_restores_sign_in(as_global_admin, partner):
    gone = make_user(partner, Role.SALES_AGENT, is_active=False)
    as_global_admin.post(reverse("users:reactivate", args=[gone.uuid]))
    assert User.objects.get(pk=gone.pk).is_active
    assert entries(Action.USER_REACTIVATED).count() == 1


# --- Password resets ------------------------------------------------------------------------


def test_a_password_reset_replaces_the_password_and_ends_sessions(as_global_admin, sales_agent):
    agent_client = signed_in(sales_agent)
    as_global_admin.post(
        reverse("users:reset-password", args=[sales_agent.uuid]), {"delivery": "temporary_password"}
    )
    fresh = User.objects.get(pk=sales_agent.pk)
    assert not fresh.check_password(PASSWORD)
    assert fresh.must_change_password
    assert agent_client.get(reverse("home")).status_code == 302
    assert entries(Action.PASSWORD_RESET).count() == 1


def test_only_a_global_admin_resets_a_global_admins_password(
    as_global_admin, second_global_admin, as_user_admin
):
    url = reverse("users:reset-password", args=[second_global_admin.uuid])
    assert as_user_admin.post(url, {"delivery": "temporary_password"}).status_code == 403
    assert as_global_admin.post(url, {"delivery": "email_link"}).status_code == 302
    assert not User.objects.get(pk=second_global_admin.pk).has_usable_password()


# --- Lists ----------------------------------------------------------------------------------


def test_the_list_shows_only_this_partners_users_with_search_and_filters(
    as_user_admin, sales_agent, global_admin, other_partner_admin
):
    url = reverse("users:list")
    names = lambda response: [u.full_name for u in response.context["page_obj"]]  # noqa: E731

    everyone = names(as_user_admin.get(url))
    assert "Dana Diaz" in everyone and "Georgia Grant" not in everyone
    assert names(as_user_admin.get(url, {"q": "dana@"})) == ["Dana Diaz"]
    assert names(as_user_admin.get(url, {"role": "global_admin"})) == ["Avery Adams"]
    assert names(as_user_admin.get(url, {"status": "inactive"})) == []
    assert names(as_user_admin.get(url, {"sort": "-name"}))[0] == "Dana Diaz"
    assert "No users match" in as_user_admin.get(url, {"q": "zzz"}).content.decode()


def test_the_users_csv_holds_the_filtered_list(as_global_admin, sales_agent, other_partner_admin):
    response = as_global_admin.get(reverse("users:export"), {"role": "sales_agent"})
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert "dana@contoso.example" in body
    assert "avery@contoso.example" not in body
    assert "georgia@fabrikam.example" not in body


@pytest.mark.parametrize("count", [3, 40])
def test_the_user_list_costs_the_same_queries_however_many_users(
    as_global_admin, partner, count, django_assert_max_num_queries
):
    for _ in range(count):
        make_user(partner, Role.SALES_AGENT, Role.USER_MANAGEMENT_ADMIN)
    as_global_admin.get(reverse("users:list"))  # warm the session
    with django_assert_max_num_queries(8):
        response = as_global_admin.get(reverse("users:list"))
    assert response.status_code == 200


def test_the_dashboard_counts_the_partners_users(
    as_user_admin, global_admin, partner, other_partner
):
    make_user(partner, Role.SALES_AGENT, must_change_password=True)
    make_user(partner, Role.GLOBAL_ADMIN)
    make_user(partner, Role.SALES_AGENT, is_active=False)
    make_user(other_partner, Role.GLOBAL_ADMIN)  # another partner's: not counted

    response = as_user_admin.get(reverse("home"))

    expected_active = User.objects.filter(partner=partner, is_active=True).count()
    assert response.context["user_counts"] == {
        "active": expected_active,
        "inactive": 1,
        "must_change": 1,
    }
    global_admins = access.active_global_admins(partner.pk).count()
    assert response.context["active_global_admins"] == global_admins >= 2
    assert "Only one active Global admin" not in response.content.decode()


class RefusingMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


@pytest.mark.django_db(transaction=True)  # emails go out when the service commits, as served
def test_a_mail_server_that_is_down_is_logged_and_the_new_user_stays_saved(
    as_global_admin, settings, caplog
):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingMailServer"

    response = as_global_admin.post(
        reverse("users:create"), form_data(delivery="email_link"), follow=True
    )

    assert response.status_code == 200
    assert User.objects.filter(email="nora@contoso.example").exists()
    assert "the mail server is down" in caplog.text
    assert not mail.outbox
    page = response.content.decode()
    assert "but the link to set a password could not be emailed" in page
    assert "a link to set a password was emailed" not in page
