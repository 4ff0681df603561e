"""The Django admin leaves no change unrecorded: every model registered there is view-only for
platform operators, and their few tasks (a new partner with its first Global admin; deactivating
and reactivating users) go through the portal's services and write one activity entry each."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core import mail, serializers
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from multichannel.models import (
    Action,
    AuditEntry,
    AzureService,
    CustomerUserObjectPermission,
    Partner,
    SupportGroupObjectPermission,
    TransferUserObjectPermission,
    User,
)
from multichannel.roles import Role
from multichannel.services.errors import RuleViolation
from multichannel.services.mfa import regenerate_recovery_codes
from multichannel.services.partners import create_partner
from multichannel.services.support import add_note
from multichannel.services.users import AccessDelivery, change_own_password
from tests.factories import give_authenticator, signed_in

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.fixture
def operator(db):
    return User.objects.create_superuser(
        email="operator@portal.example", password="x", full_name="Olivia Operator"
    )


@pytest.fixture
def as_operator(operator):
    return signed_in(operator)


@pytest.fixture
def one_of_each(
    global_admin,
    second_global_admin,
    sales_agent,
    open_request,
    azure_onboarding,
    planned_move,
    transfer,
    support_request,
):
    """At least one row of every model the admin shows."""
    AzureService.objects.create(onboarding=azure_onboarding, name="Virtual machine vm-01")
    add_note(by=sales_agent, support=support_request, body="Called the customer back.")
    CustomerUserObjectPermission.objects.create(
        user=sales_agent,
        content_object=transfer.customer,
        permission=Permission.objects.get(codename="view_customer"),
    )
    SupportGroupObjectPermission.objects.create(
        group=sales_agent.partner.role_group(Role.GLOBAL_ADMIN),
        content_object=support_request,
        permission=Permission.objects.get(codename="view_supportrequest"),
    )
    TransferUserObjectPermission.objects.create(
        user=sales_agent,
        content_object=transfer,
        permission=Permission.objects.get(codename="view_transferrequest"),
    )
    seen = {"user_agent": "Firefox", "ip_address": "192.0.2.7", "http_accept": "*/*"}
    who = {"username": sales_agent.email, "path_info": "/sign-in/"}
    AccessAttempt.objects.create(**seen, **who, get_data="", post_data="", failures_since_start=1)
    AccessFailureLog.objects.create(**seen, **who)
    AccessLog.objects.create(**seen, **who)
    give_authenticator(sales_agent)
    regenerate_recovery_codes(user=sales_agent)


def _state() -> dict[str, str]:
    """Every row of every registered model, as text (relations included)."""
    return {
        model._meta.label: serializers.serialize("json", model._default_manager.order_by("pk"))
        for model in REGISTERED
    }


def _admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _refused_or_recorded_once(response, before, entries_before):
    """Either the admin refused (403, or a page that changed nothing), or the change it made
    wrote exactly one activity entry."""
    after = _state()
    new_entries = AuditEntry.objects.count() - entries_before
    if after == before:
        assert new_entries == 0
        assert response.status_code in (200, 302, 403)
    else:
        assert new_entries == 1, f"{response.status_code}: changed with {new_entries} entries"


def test_every_model_the_portal_has_is_registered_in_the_admin_and_has_a_row(one_of_each):
    # The test below is only as good as the rows it can try to change.
    for model in REGISTERED:
        assert model._default_manager.exists(), model._meta.label


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
@pytest.mark.rule(15)
def test_the_admin_refuses_to_add_change_or_delete_or_records_it(model, as_operator, one_of_each):
    obj = model._default_manager.order_by("pk").first()
    pk = str(obj.pk)
    attempts = [
        ("get", _admin_url(model, "add"), {}),
        ("post", _admin_url(model, "add"), {"name": "Changed", "partner_id": "7777777"}),
        ("get", _admin_url(model, "change", pk), {}),
        ("post", _admin_url(model, "change", pk), {"name": "Changed", "status": "closed"}),
        ("get", _admin_url(model, "delete", pk), {}),
        ("post", _admin_url(model, "delete", pk), {"post": "yes"}),
        (
            "post",
            _admin_url(model, "changelist"),
            {"action": "delete_selected", "_selected_action": [pk], "post": "yes", "index": 0},
        ),
        (
            "post",
            _admin_url(model, "changelist"),
            {"action": "delete_selected", "_selected_action": [pk], "post": "yes"},
        ),
    ]
    if model is User:
        attempts += [
            ("get", reverse("admin:auth_user_password_change", args=[pk]), {}),
            (
                "post",
                reverse("admin:auth_user_password_change", args=[pk]),
                {"password1": "a-new-long-password", "password2": "a-new-long-password"},
            ),
        ]
    for method, url, data in attempts:
        before, entries_before = _state(), AuditEntry.objects.count()
        response = getattr(as_operator, method)(url, data)
        _refused_or_recorded_once(response, before, entries_before)
        if url.endswith("/delete/") or "/password/" in url:
            assert response.status_code == 403, url
        if url.endswith("/add/") and model is not Partner:
            assert response.status_code == 403, url


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_every_admin_page_and_inline_is_view_only_and_offers_no_delete(
    model, operator, as_operator, one_of_each
):
    model_admin = admin.site._registry[model]
    request = RequestFactory().get("/admin/")
    request.user = operator
    obj = model._default_manager.order_by("pk").first()
    assert not model_admin.has_change_permission(request, obj)
    assert not model_admin.has_delete_permission(request, obj)
    assert model_admin.has_add_permission(request) == (model is Partner)
    for inline in model_admin.get_inline_instances(request, obj):
        assert not inline.has_add_permission(request, obj)
        assert not inline.has_change_permission(request, obj)
        assert not inline.has_delete_permission(request, obj)
    actions = set(model_admin.get_actions(request))
    assert actions <= {"deactivate_users", "reactivate_users"}
    # Operators still browse everything: the list and each row's page, with nothing to save.
    listed = as_operator.get(_admin_url(model, "changelist"))
    assert listed.status_code == 200
    page = as_operator.get(_admin_url(model, "change", obj.pk))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert 'name="_continue"' not in page.content.decode()


def test_a_partner_employee_marked_staff_is_not_let_into_the_admin(global_admin):
    User.objects.filter(pk=global_admin.pk).update(is_staff=True)
    global_admin.refresh_from_db()
    response = signed_in(global_admin).get(_admin_url(Partner, "changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# --- Operator task: a partner and its first Global admin -------------------------------------

NEW_PARTNER = {
    "name": "Woodgrove Cloud",
    "partner_id": "6100777",
    "country": "NL",
    "cloud": "commercial",
    "admin_full_name": "Wendy Wood",
    "admin_email": "Wendy@Woodgrove.example",
    "delivery": "temporary_password",
}


@pytest.mark.rule(15)
def test_an_operator_adds_a_partner_and_its_first_global_admin_with_one_entry(
    operator, as_operator
):
    form = as_operator.get(_admin_url(Partner, "add"))
    assert form.status_code == 200
    assert "Its first Global admin" in form.content.decode()

    response = as_operator.post(_admin_url(Partner, "add"), NEW_PARTNER)

    partner = Partner.objects.get(partner_id="6100777")
    assert response.status_code == 302
    assert response["Location"] == _admin_url(Partner, "change", partner.pk)
    admin_user = User.objects.get(email="wendy@woodgrove.example")
    assert admin_user.partner == partner
    assert admin_user.roles == {Role.GLOBAL_ADMIN}
    assert admin_user.must_change_password
    assert not admin_user.is_staff
    assert partner.role_groups.count() == len(Role)
    entry = _changes().get()
    assert entry.action == Action.PARTNER_CREATED
    assert (entry.partner, entry.actor) == (partner, operator)
    assert entry.actor_label == "operator@portal.example (platform operator)"
    assert entry.new_values["global_admin"] == "Wendy Wood <wendy@woodgrove.example>"

    # The partner's page shows the one-time password once; it signs the new admin in.
    page = as_operator.get(response["Location"]).content.decode()
    assert "Temporary password for wendy@woodgrove.example" in page
    password = page.split('id="temporary-password-value" class="vTextField" value="')[1][:19]
    assert admin_user.check_password(password)
    assert "Temporary password" not in as_operator.get(response["Location"]).content.decode()

    # Once they chose their password, the new partner's Global admin finds the entry in the log.
    change_own_password(user=admin_user, new_password="a-password-of-their-own")
    log = signed_in(admin_user).get(reverse("activity:list")).content.decode()
    assert "Partner created with its first Global admin" in log
    assert "operator@portal.example (platform operator)" in log


def test_an_operator_can_have_the_first_global_admin_emailed_a_link(
    as_operator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = as_operator.post(
            _admin_url(Partner, "add"), {**NEW_PARTNER, "delivery": "email_link"}, follow=True
        )
    admin_user = User.objects.get(email="wendy@woodgrove.example")
    assert not admin_user.has_usable_password()
    assert [message.to for message in mail.outbox] == [["wendy@woodgrove.example"]]
    assert "/password/reset/" in mail.outbox[0].body or "reset" in mail.outbox[0].body
    assert "a link to set a password was emailed to wendy@woodgrove.example" in (
        response.content.decode()
    )
    assert _changes().get().new_values["access"] == AccessDelivery.EMAIL_LINK.label


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("partner_id", "4100123", "A partner with this partner ID already exists."),
        ("partner_id", "12ab", "A partner ID is 6 or 7 digits."),
        ("admin_email", "avery@contoso.example", "A user with this email already exists."),
        ("admin_full_name", "", "This field is required."),
    ],
)
def test_a_partner_that_cannot_be_added_is_explained_beside_the_field(
    as_operator, global_admin, field, value, error
):
    partners, users = Partner.objects.count(), User.objects.count()
    response = as_operator.post(_admin_url(Partner, "add"), {**NEW_PARTNER, field: value})
    page = response.content.decode()
    assert response.status_code == 200
    row = page.split(f"field-{field}")[1].split('class="form-row')[0]
    assert error in row
    assert 'value="Woodgrove Cloud"' in page  # what was typed stays
    assert (Partner.objects.count(), User.objects.count()) == (partners, users)
    assert not AuditEntry.objects.filter(action=Action.PARTNER_CREATED).exists()


@pytest.mark.rule(16)
def test_two_operators_entering_the_same_partner_id_create_it_once(operator):
    fields = {key: value for key, value in NEW_PARTNER.items() if key != "delivery"}
    create_partner(by=operator, **fields, delivery=AccessDelivery.TEMPORARY_PASSWORD)
    with pytest.raises(RuleViolation) as refused:
        create_partner(
            by=operator,
            **{**fields, "admin_email": "other@woodgrove.example"},
            delivery=AccessDelivery.TEMPORARY_PASSWORD,
        )
    assert refused.value.field == "partner_id"
    assert Partner.objects.filter(partner_id="6100777").count() == 1
    assert AuditEntry.objects.filter(action=Action.PARTNER_CREATED).count() == 1


# --- Operator task: deactivate and reactivate users ------------------------------------------


def _changes():
    """Entries other than signing in (signing in records one too)."""
    return AuditEntry.objects.exclude(category="auth")


def _action(client, action, *users, confirm=True):
    data = {"action": action, "_selected_action": [str(user.pk) for user in users]}
    if action == "reactivate_users":
        data["index"] = "0"
    elif confirm:
        data["post"] = "yes"
    return client.post(_admin_url(User, "changelist"), data, follow=True)


def test_deactivating_asks_first_then_records_one_entry_per_user_and_ends_their_sessions(
    operator, as_operator, global_admin, sales_agent, user_admin
):
    agent_client = signed_in(sales_agent)
    assert agent_client.get(reverse("home")).status_code == 200

    asked = _action(as_operator, "deactivate_users", sales_agent, user_admin, confirm=False)
    page = asked.content.decode()
    assert "Deactivate users?" in page
    assert "dana@contoso.example" in page
    assert User.objects.filter(is_active=False).count() == 0
    assert not _changes().exists()

    done = _action(as_operator, "deactivate_users", sales_agent, user_admin)

    assert "Deactivated: casey@contoso.example, dana@contoso.example." in done.content.decode()
    assert set(User.objects.filter(is_active=False)) == {sales_agent, user_admin}
    entries = _changes().order_by("target_label")
    assert [(e.action, e.target_label) for e in entries] == [
        (Action.USER_DEACTIVATED, "Casey Carter"),
        (Action.USER_DEACTIVATED, "Dana Diaz"),
    ]
    assert {(e.partner, e.actor) for e in entries} == {(global_admin.partner, operator)}
    assert agent_client.get(reverse("home")).status_code == 302


def test_reactivating_records_one_entry(operator, as_operator, sales_agent):
    User.objects.filter(pk=sales_agent.pk).update(is_active=False)

    done = _action(as_operator, "reactivate_users", sales_agent)

    assert "Reactivated: dana@contoso.example." in done.content.decode()
    assert User.objects.get(pk=sales_agent.pk).is_active
    entry = _changes().get()
    assert (entry.action, entry.partner, entry.actor) == (
        Action.USER_REACTIVATED,
        sales_agent.partner,
        operator,
    )


@pytest.mark.rule(2)
def test_an_operator_cannot_deactivate_a_partners_last_global_admin_or_themselves(
    operator, as_operator, global_admin
):
    done = _action(as_operator, "deactivate_users", global_admin, operator)
    page = done.content.decode()
    assert "Avery Adams is the last active Global admin of Contoso Cloud Solutions" in page
    assert "You cannot deactivate yourself" in page
    assert User.objects.filter(is_active=False).count() == 0
    assert not _changes().exists()


def test_a_users_page_offers_the_operator_deactivate_and_reactivate(as_operator, sales_agent):
    page = as_operator.get(_admin_url(User, "change", sales_agent.pk)).content.decode()
    assert 'value="deactivate_users"' in page
    assert "Deactivate…" in page
    assert "md5$" not in page  # the password's hash is not shown, only its state
    assert "Set by the user" in page
    User.objects.filter(pk=sales_agent.pk).update(is_active=False)
    page = as_operator.get(_admin_url(User, "change", sales_agent.pk)).content.decode()
    assert 'value="reactivate_users"' in page


def test_the_lockouts_expired_attempts_are_not_cleaned_up_from_the_admin(as_operator, one_of_each):
    # Axes offers this action; a lockout ends on its own, or when the user sets a new password.
    attempt = AccessAttempt.objects.get()
    AccessAttempt.objects.filter(pk=attempt.pk).update(
        attempt_time=timezone.now() - timedelta(days=2)
    )
    as_operator.post(
        _admin_url(AccessAttempt, "changelist"),
        {"action": "cleanup_expired_attempts", "_selected_action": [attempt.pk], "index": 0},
    )
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
