"""Support requests: file, follow (notes, status, assignment), list, attachments."""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.views import View
from django.views.generic import FormView

from multichannel import access
from multichannel.filtersets import SupportFilterSet
from multichannel.forms.support import AssignForm, NoteForm, StatusForm, SupportRequestForm
from multichannel.models import (
    Action,
    AuditEntry,
    Outcome,
    SupportAttachment,
    SupportNote,
    SupportStatus,
)
from multichannel.roles import Perm
from multichannel.services import support as support_services
from multichannel.views.lists import (
    Column,
    CsvExportMixin,
    FilteredListView,
    list_crumb,
    yes_no,
)
from multichannel.views.mixins import ActionMixin, ButtonMixin, ObjectMixin, PortalMixin

SUPPORT_CRUMB = ("Support", reverse_lazy("support:list"))


class SupportListView(PortalMixin, FilteredListView):
    permission = Perm.VIEW_SUPPORT
    section = "support"
    title = "Support requests"
    template_name = "support/list.html"
    filterset_class = SupportFilterSet
    sort_fields = {
        "number": ("number",),
        "severity": ("severity", "response_due_at"),
        "due": ("response_due_at",),
        "updated": ("updated_at",),
    }
    default_sort = "-updated"

    def base_queryset(self):
        return access.support_for(self.request.user).select_related(
            "customer", "assigned_to", "created_by"
        )

    def get_filterset_kwargs(self):
        return {"partner_id": self.request.user.partner_id}

    def get_breadcrumbs(self):
        return [("Support", None)]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "now": timezone.now()}


class SupportExportView(CsvExportMixin, SupportListView):
    csv_name = "support-requests"
    csv_columns = (
        Column("Number", lambda s: s.number),
        Column("Title", lambda s: s.title),
        Column("Customer", lambda s: s.customer.company_name),
        Column("Topic", lambda s: s.get_topic_display()),
        Column("Severity", lambda s: s.severity),
        Column("Status", lambda s: s.get_status_display()),
        Column("Filed", lambda s: s.created_at.isoformat()),
        Column("Filed by", lambda s: s.created_by.full_name),
        Column("Assigned to", lambda s: s.assigned_to.full_name if s.assigned_to else ""),
        Column("Response due", lambda s: s.response_due_at.isoformat()),
        Column("Overdue", lambda s: yes_no(s.is_overdue())),
    )


class SupportCreateView(PortalMixin, ActionMixin, FormView):
    permission = Perm.FILE_SUPPORT
    section = "support"
    title = "File a support request"
    template_name = "support/new.html"
    form_class = SupportRequestForm

    def get_breadcrumbs(self):
        return [SUPPORT_CRUMB, ("New request", None)]

    @cached_property
    def preset(self):
        """A customer (and subscription) chosen from their page."""
        user, params = self.request.user, self.request.GET
        customer = subscription = None
        if params.get("subscription"):
            subscription = _one(access.subscriptions_for(user), params["subscription"])
            customer = subscription.customer if subscription else None
        elif params.get("customer"):
            customer = _one(access.customers_for(user), params["customer"])
        return customer, subscription

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "viewer": self.request.user,
            "customer": self.preset[0],
        }

    def get_initial(self):
        customer, subscription = self.preset
        if customer is not None and not access.manages_customer(self.request.user, customer):
            customer = subscription = None  # said on the page, not offered (see get_context_data)
        return {
            "customer": customer.uuid if customer else None,
            "subscription": subscription.uuid if subscription else None,
            **_customer_contact(customer),
        }

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        customer = self.preset[0]
        if customer is not None and not access.manages_customer(self.request.user, customer):
            context["not_yet"] = customer
        return context

    def post(self, request, *args, **kwargs):
        if "refresh" in request.POST:  # show the chosen customer's subscriptions, keep the rest
            data = request.POST.dict()
            customer = _one(access.managed_customers_for(request.user), data.get("customer"))
            if not any(data.get(f) for f in CONTACT_FIELDS):  # nobody typed yet: its contact
                data.update(_customer_contact(customer))
            form = SupportRequestForm(initial=data, viewer=request.user, customer=customer)
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        return support_services.file_request(
            by=self.request.user,
            customer=data["customer"],
            subscription=data.get("subscription"),
            topic=data["topic"],
            severity=data["severity"],
            title=data["title"],
            description=data["description"],
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            contact_phone=data["contact_phone"],
            attachments=data["attachments"],
        )

    def succeeded(self, support):
        messages.success(
            self.request,
            f"Support request #{support.number} was filed; a first response is due by "
            f"{support.response_due_at:%Y-%m-%d %H:%M} UTC.",
        )
        return redirect("support:detail", uuid=support.uuid)


CONTACT_FIELDS = ("contact_name", "contact_email", "contact_phone")


def _customer_contact(customer) -> dict[str, str]:
    """The customer's primary contact, the request's contact unless the user changes it."""
    if customer is None:
        return {}
    return {field: getattr(customer, field) for field in CONTACT_FIELDS}


def _one(queryset, value):
    try:
        return queryset.filter(uuid=uuid.UUID(str(value))).first()
    except ValueError:
        return None


class SupportObjectMixin(ObjectMixin):
    permission = Perm.VIEW_SUPPORT
    section = "support"
    lookup = access.get_support_for
    context_name = "support"


class SupportDetailView(SupportObjectMixin, ActionMixin, FormView):
    """The request and its thread; the form adds a note."""

    action_permission = Perm.FOLLOW_SUPPORT
    template_name = "support/detail.html"
    form_class = NoteForm

    def get_title(self):
        return f"#{self.subject.number} {self.subject.title}"

    def get_breadcrumbs(self):
        back = list_crumb(self.request, "Support", "support:list", SupportListView)
        return [back, (f"#{self.subject.number}", None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, support = self.request.user, self.subject
        attachments = list(support.attachments.select_related("uploaded_by"))
        notes = list(support.notes.select_related("author"))
        by_note = {}
        for attachment in attachments:
            by_note.setdefault(attachment.note_id, []).append(attachment)
        # Status changes and assignments, as the activity log recorded them (who, when, from
        # and to), among the notes in time order.
        events = (
            access.activity_entries_about(user, support)
            .filter(action__in=THREAD_EVENTS, outcome=Outcome.SUCCESS)
            .select_related("actor")
        )
        thread = [
            ThreadItem(note.created_at, note=note, attachments=by_note.get(note.pk, []))
            for note in notes
        ] + [ThreadItem(entry.created_at, event=ThreadEvent.of(entry)) for entry in events]
        thread.sort(key=lambda item: item.at)
        context.update(
            support=support,
            thread=thread,
            first_attachments=by_note.get(None, []),
            can_follow=access.can_follow_support(user, support),
            next_statuses=[
                (status, _status_verb(support.status, status))
                for status in SupportStatus
                if access.can_set_support_status(user, support, status)
            ],
            assign_form=AssignForm(
                viewer=user,
                initial={"assignee": support.assigned_to.uuid if support.assigned_to else None},
            ),
            time_left=support.time_to_target(),
        )
        return context

    def perform(self, form):
        return support_services.add_note(
            by=self.request.user,
            support=self.subject,
            body=form.cleaned_data["body"],
            attachments=form.cleaned_data["attachments"],
        )

    def succeeded(self, note):
        messages.success(self.request, "Your note was added.")
        return redirect("support:detail", uuid=self.subject.uuid)


THREAD_EVENTS = (Action.SUPPORT_STATUS_CHANGED, Action.SUPPORT_ASSIGNED)


@dataclass(frozen=True)
class ThreadEvent:
    who: str
    what: str  # "changed the status" / "changed the assignment"
    old: str
    new: str

    @classmethod
    def of(cls, entry: AuditEntry) -> "ThreadEvent":
        key = "status" if entry.action == Action.SUPPORT_STATUS_CHANGED else "assignee"
        what = "changed the status" if key == "status" else "changed who it is assigned to"
        return cls(
            who=entry.actor.full_name if entry.actor else entry.actor_label or "The system",
            what=what,
            old=str(entry.old_values.get(key, "")),
            new=str(entry.new_values.get(key, "")),
        )


@dataclass
class ThreadItem:
    at: datetime
    note: SupportNote | None = None
    attachments: list = field(default_factory=list)
    event: ThreadEvent | None = None


def _status_verb(current: str, status: str) -> str:
    if status == SupportStatus.OPEN:
        return "Reopen" if current == SupportStatus.CLOSED else "Back to open"
    if status == SupportStatus.CLOSED:
        return "Close"
    return "Needs attention"


class SupportStatusView(SupportObjectMixin, ButtonMixin, View):
    http_method_names = ["post"]
    permission = Perm.FOLLOW_SUPPORT
    form_class = StatusForm
    invalid_message = "Choose a status."

    def refused_url(self):
        return self.subject.get_absolute_url()

    def perform(self, form):
        return support_services.set_status(
            by=self.request.user, support=self.subject, status=form.cleaned_data["status"]
        )

    def succeeded(self, support):
        messages.success(
            self.request, f"#{support.number} is now {support.get_status_display().lower()}."
        )
        return redirect(support.get_absolute_url())


class SupportAssignView(SupportObjectMixin, ButtonMixin, View):
    http_method_names = ["post"]
    permission = Perm.FOLLOW_SUPPORT
    form_class = AssignForm
    invalid_message = "Choose an active colleague who follows support."

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "viewer": self.request.user}

    def refused_url(self):
        return self.subject.get_absolute_url()

    def perform(self, form):
        assignee = form.cleaned_data["assignee"]
        support_services.assign(by=self.request.user, support=self.subject, assignee=assignee)
        return assignee

    def succeeded(self, assignee):
        messages.success(
            self.request,
            f"Assigned to {assignee.full_name}." if assignee else "No longer assigned.",
        )
        if not access.support_for(self.request.user).filter(pk=self.subject.pk).exists():
            return redirect("support:list")  # handed over or let go: no longer ours to see
        return redirect(self.subject.get_absolute_url())


class AttachmentView(PortalMixin, View):
    """Attachments are served only to those who may see their request, as downloads."""

    permission = Perm.VIEW_SUPPORT

    @cached_property
    def attachment(self):
        return get_object_or_404(
            SupportAttachment.objects.filter(request__in=access.support_for(self.request.user)),
            uuid=self.kwargs["uuid"],
        )

    def get_subject(self):
        return self.attachment

    def get(self, request, uuid):
        attachment = self.attachment
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404("The file is missing.") from exc
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response
