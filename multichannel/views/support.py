"""Support requests: file, follow (notes, status, assignment), list, attachments."""

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
from multichannel.models import SupportAttachment, SupportStatus
from multichannel.roles import Perm
from multichannel.services import support as support_services
from multichannel.services.errors import RuleViolation
from multichannel.views.lists import FilteredListView, csv_response
from multichannel.views.mixins import PortalMixin, refuse

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


class SupportExportView(SupportListView):
    def get(self, request, *args, **kwargs):
        now = timezone.now()
        header = [
            "Number",
            "Title",
            "Customer",
            "Topic",
            "Severity",
            "Status",
            "Filed",
            "Filed by",
            "Assigned to",
            "Response due",
            "Overdue",
        ]
        rows = (
            (
                s.number,
                s.title,
                s.customer.company_name,
                s.get_topic_display(),
                s.severity,
                s.get_status_display(),
                s.created_at.isoformat(),
                s.created_by.full_name,
                s.assigned_to.full_name if s.assigned_to else "",
                s.response_due_at.isoformat(),
                "yes" if s.is_overdue(now) else "no",
            )
            for s in self.get_queryset().iterator(chunk_size=1000)
        )
        return csv_response("support-requests", header, rows)


class SupportCreateView(PortalMixin, FormView):
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
        user = self.request.user
        customer, subscription = self.preset
        return {
            "customer": customer.uuid if customer else None,
            "subscription": subscription.uuid if subscription else None,
            "contact_name": user.full_name,
            "contact_email": user.email,
        }

    def post(self, request, *args, **kwargs):
        if "refresh" in request.POST:  # show the chosen customer's subscriptions, keep the rest
            data = request.POST.dict()
            customer = _one(access.customers_for(request.user), data.get("customer"))
            form = SupportRequestForm(initial=data, viewer=request.user, customer=customer)
            return self.render_to_response(self.get_context_data(form=form))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            support = support_services.file_request(
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
        except RuleViolation as violation:
            form.add_error(
                violation.field if violation.field in form.fields else None, violation.message
            )
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Support request #{support.number} was filed; a first response is due by "
            f"{support.response_due_at:%Y-%m-%d %H:%M} UTC.",
        )
        return redirect("support:detail", uuid=support.uuid)


def _one(queryset, value):
    import uuid

    try:
        return queryset.filter(uuid=uuid.UUID(str(value))).first()
    except ValueError:
        return None


class SupportObjectMixin(PortalMixin):
    permission = Perm.VIEW_SUPPORT
    section = "support"

    @cached_property
    def support(self):
        return access.get_support_for(self.request.user, self.kwargs["uuid"])

    def get_subject(self):
        return self.support


class SupportDetailView(SupportObjectMixin, FormView):
    """The request and its thread; the form adds a note."""

    action_permission = Perm.FOLLOW_SUPPORT
    template_name = "support/detail.html"
    form_class = NoteForm

    def get_title(self):
        return f"#{self.support.number} {self.support.title}"

    def get_breadcrumbs(self):
        return [SUPPORT_CRUMB, (f"#{self.support.number}", None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, support = self.request.user, self.support
        attachments = list(support.attachments.select_related("uploaded_by"))
        notes = list(support.notes.select_related("author"))
        by_note = {}
        for attachment in attachments:
            by_note.setdefault(attachment.note_id, []).append(attachment)
        context.update(
            support=support,
            thread=[(note, by_note.get(note.pk, [])) for note in notes],
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

    def form_valid(self, form):
        try:
            support_services.add_note(
                by=self.request.user,
                support=self.support,
                body=form.cleaned_data["body"],
                attachments=form.cleaned_data["attachments"],
            )
        except RuleViolation as violation:
            form.add_error(
                violation.field if violation.field in form.fields else None, violation.message
            )
            return self.form_invalid(form)
        messages.success(self.request, "Your note was added.")
        return redirect("support:detail", uuid=self.support.uuid)


def _status_verb(current: str, status: str) -> str:
    if status == SupportStatus.OPEN:
        return "Reopen" if current == SupportStatus.CLOSED else "Back to open"
    if status == SupportStatus.CLOSED:
        return "Close"
    return "Needs attention"


class SupportStatusView(SupportObjectMixin, View):
    permission = Perm.FOLLOW_SUPPORT
    http_method_names = ["post"]

    def post(self, request, uuid):
        form = StatusForm(request.POST)
        if not form.is_valid():
            return refuse(request, RuleViolation("Choose a status."), "support:detail", uuid=uuid)
        try:
            support = support_services.set_status(
                by=request.user, support=self.support, status=form.cleaned_data["status"]
            )
        except RuleViolation as violation:
            return refuse(request, violation, "support:detail", uuid=uuid)
        messages.success(
            request, f"#{support.number} is now {support.get_status_display().lower()}."
        )
        return redirect("support:detail", uuid=uuid)


class SupportAssignView(SupportObjectMixin, View):
    permission = Perm.FOLLOW_SUPPORT
    http_method_names = ["post"]

    def post(self, request, uuid):
        form = AssignForm(request.POST, viewer=request.user)
        if not form.is_valid():
            return refuse(
                request,
                RuleViolation("Choose an active colleague who follows support."),
                "support:detail",
                uuid=uuid,
            )
        assignee = form.cleaned_data["assignee"]
        try:
            support_services.assign(by=request.user, support=self.support, assignee=assignee)
        except RuleViolation as violation:
            return refuse(request, violation, "support:detail", uuid=uuid)
        messages.success(
            request, f"Assigned to {assignee.full_name}." if assignee else "No longer assigned."
        )
        if not access.support_for(request.user).filter(pk=self.support.pk).exists():
            return redirect("support:list")  # handed over or let go: no longer ours to see
        return redirect("support:detail", uuid=uuid)


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
