"""Azure onboarding walk-through, and planned moves of license-based subscriptions."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView, TemplateView

from multichannel import access
from multichannel.filtersets import MoveFilterSet, OnboardingFilterSet
from multichannel.forms.customers import ConfirmForm
from multichannel.forms.moves import (
    ChecklistForm,
    ConfirmSourceForm,
    EnteredSourceForm,
    FinishForm,
    NewSubscriptionForm,
    PlanMoveForm,
    ServiceFormSet,
)
from multichannel.models import (
    AzureOnboarding,
    OnboardingStatus,
    OnboardingStep,
    ServiceDisposition,
)
from multichannel.models.moves import OPEN_MOVE_STATUSES
from multichannel.roles import Perm
from multichannel.services import moves as move_services
from multichannel.services import onboarding as onboarding_services
from multichannel.services.errors import RuleViolation
from multichannel.views.customers import CustomerMixin
from multichannel.views.lists import FilteredListView
from multichannel.views.mixins import PortalMixin, refuse
from multichannel.views.subscriptions import SubscriptionMixin

ONBOARDINGS_CRUMB = ("Azure onboarding", reverse_lazy("onboardings:list"))
MOVES_CRUMB = ("Planned moves", reverse_lazy("moves:list"))
STEP_URLS = {
    OnboardingStep.SOURCE: "onboardings:source",
    OnboardingStep.NEW_SUBSCRIPTION: "onboardings:subscription",
    OnboardingStep.SERVICES: "onboardings:services",
    OnboardingStep.REVIEW: "onboardings:review",
}


def step_url(onboarding: AzureOnboarding, step: int | None = None) -> str:
    if onboarding.is_finished:
        return onboarding.get_absolute_url()
    return reverse(STEP_URLS[step or onboarding.reached], args=[onboarding.uuid])


# --- Lists ------------------------------------------------------------------------------------


class OnboardingListView(PortalMixin, FilteredListView):
    permission = Perm.VIEW_ONBOARDINGS
    section = "moves"
    title = "Azure onboarding"
    template_name = "moves/onboardings.html"
    filterset_class = OnboardingFilterSet
    sort_fields = {"updated": ("updated_at",), "customer": ("customer__company_name",)}
    default_sort = "-updated"

    def base_queryset(self):
        return access.onboardings_for(self.request.user).select_related(
            "customer", "source", "new_subscription", "updated_by"
        )

    def get_breadcrumbs(self):
        return [("Azure onboarding", None)]


class MoveListView(PortalMixin, FilteredListView):
    permission = Perm.VIEW_MOVES
    section = "moves"
    title = "Planned moves"
    template_name = "moves/planned.html"
    filterset_class = MoveFilterSet
    sort_fields = {"remind_on": ("remind_on",), "term_end": ("term_end",)}
    default_sort = "remind_on"

    def base_queryset(self):
        return access.moves_for(self.request.user).select_related(
            "customer", "subscription", "created_by"
        )

    def get_breadcrumbs(self):
        return [("Planned moves", None)]


# --- Starting an onboarding -------------------------------------------------------------------


class StartOnboardingView(SubscriptionMixin, FormView):
    """From a subscription's next step: what onboarding does, then start (or resume) it."""

    permission = Perm.ONBOARD_AZURE
    template_name = "moves/start.html"
    form_class = ConfirmForm

    def get_title(self):
        return f"Onboard {self.subscription.offer_name} to Azure under us"

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), ("Onboard to Azure", None)]

    @cached_property
    def check(self):
        return access.can_onboard(self.request.user, self.subscription)

    def subject_check(self, subject):
        return self.check

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["check"] = self.check
        context["in_progress"] = self.in_progress().first()
        return context

    def in_progress(self):
        return access.onboardings_for(self.request.user).filter(
            source=self.subscription, status=OnboardingStatus.IN_PROGRESS
        )

    def form_valid(self, form):
        try:
            onboarding = onboarding_services.start_onboarding(
                by=self.request.user, source=self.subscription
            )
        except RuleViolation as violation:
            return refuse(
                self.request, violation, "subscriptions:detail", uuid=self.subscription.uuid
            )
        if onboarding.resumed:  # by a colleague, or by this user in another tab
            messages.info(self.request, "This onboarding was already under way; it goes on here.")
        else:
            messages.success(self.request, f"Onboarding of {self.subscription} started.")
        return redirect(step_url(onboarding))


class EnteredSourceView(CustomerMixin, FormView):
    """Onboarding an Azure subscription that is not in the portal yet: enter it by hand."""

    permission = Perm.ONBOARD_AZURE
    template_name = "moves/entered_source.html"
    form_class = EnteredSourceForm

    def get_title(self):
        return f"Onboard Azure of {self.customer} to us"

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), ("Onboard Azure", None)]

    def get(self, request, *args, **kwargs):
        if not self.managed:
            return refuse(
                request,
                RuleViolation("We need an active reseller relationship with the customer first."),
                "customers:detail",
                uuid=self.customer.uuid,
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["customer"] = self.customer
        context["steps"] = _steps(None, OnboardingStep.SOURCE)
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            onboarding = onboarding_services.start_with_entered_source(
                by=self.request.user,
                customer=self.customer,
                external_id=data["external_id"],
                channel=data["channel"],
                offer_name=data["offer_name"],
                offer_id=data["offer_id"],
                services=data["services"],
            )
        except RuleViolation as violation:
            field = violation.field if violation.field in form.fields else None
            form.add_error(field, violation.message)
            return self.form_invalid(form)
        messages.success(self.request, "The existing subscription is recorded.")
        return redirect(step_url(onboarding))


# --- The walk-through -------------------------------------------------------------------------


def _steps(onboarding: AzureOnboarding | None, current: int):
    reached = onboarding.reached if onboarding else OnboardingStep.SOURCE
    return [
        (
            step_url(onboarding, step) if onboarding and step <= reached else "",
            step.label,
            step < current and step <= reached,
            step == current,
        )
        for step in OnboardingStep
    ]


class OnboardingStepView(PortalMixin, FormView):
    permission = Perm.ONBOARD_AZURE
    section = "moves"
    step = OnboardingStep.SOURCE
    template_name = "moves/step.html"

    @cached_property
    def onboarding(self):
        return access.get_onboarding_for(self.request.user, self.kwargs["uuid"])

    def get_subject(self):
        return self.onboarding

    def get(self, request, *args, **kwargs):
        if self.onboarding.is_finished or self.step > self.onboarding.reached:
            return redirect(step_url(self.onboarding))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.onboarding.is_finished or self.step > self.onboarding.reached:
            messages.info(request, "This step is not open; here is where the onboarding is.")
            return redirect(step_url(self.onboarding))
        return super().post(request, *args, **kwargs)

    def get_title(self):
        return f"Onboard {self.onboarding.source.offer_name} to Azure under us"

    def get_breadcrumbs(self):
        return [ONBOARDINGS_CRUMB, (self.onboarding.customer.company_name, None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            onboarding=self.onboarding,
            steps=_steps(self.onboarding, self.step),
            step_number=int(self.step),
            previous=step_url(self.onboarding, self.step - 1) if self.step > 1 else None,
        )
        return context

    def perform(self, form):
        raise NotImplementedError

    def form_valid(self, form):
        try:
            onboarding = self.perform(form)
        except RuleViolation as violation:
            field = violation.field if violation.field in getattr(form, "fields", {}) else None
            if hasattr(form, "add_error"):
                form.add_error(field, violation.message)
            else:
                form.non_form_errors().append(violation.message)  # a formset
            return self.form_invalid(form)
        messages.success(self.request, self.success_message(onboarding))
        if "stop" in self.request.POST:  # saved; resumed later from the list
            return redirect("onboardings:list")
        return redirect(step_url(onboarding, min(self.step + 1, OnboardingStep.REVIEW)))

    def success_message(self, onboarding) -> str:
        raise NotImplementedError


class SourceStep(OnboardingStepView):
    step = OnboardingStep.SOURCE
    form_class = ConfirmSourceForm

    def success_message(self, onboarding):
        return "The existing subscription's details are recorded."

    def get_initial(self):
        return {"services": "\n".join(s.name for s in self.onboarding.services.all())}

    def perform(self, form):
        return onboarding_services.confirm_source(
            by=self.request.user, onboarding=self.onboarding, services=form.cleaned_data["services"]
        )


class NewSubscriptionStep(OnboardingStepView):
    step = OnboardingStep.NEW_SUBSCRIPTION
    form_class = NewSubscriptionForm

    def get_initial(self):
        return {
            "friendly_name": self.onboarding.friendly_name or f"{self.onboarding.customer} Azure"
        }

    def perform(self, form):
        return onboarding_services.create_new_subscription(
            by=self.request.user,
            onboarding=self.onboarding,
            friendly_name=form.cleaned_data["friendly_name"],
        )

    def success_message(self, onboarding):
        before = self.onboarding  # as the page found it
        if before.new_subscription_id is None:
            return (
                f"The new Azure subscription “{onboarding.friendly_name}” is created under "
                f"{onboarding.partner.name}."
            )
        if before.friendly_name != onboarding.friendly_name:
            return f"The new Azure subscription is renamed “{onboarding.friendly_name}”."
        return "Nothing was changed."


class ServicesStep(OnboardingStepView):
    step = OnboardingStep.SERVICES
    form_class = ServiceFormSet
    blank_rows = 3

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["prefix"] = "services"
        kwargs["initial"] = None
        if self.request.method == "GET":
            kwargs["initial"] = [
                {"name": s.name, "disposition": s.disposition}
                for s in self.onboarding.services.all()
            ] + [{"disposition": ServiceDisposition.CANCEL}] * self.blank_rows
        return kwargs

    def post(self, request, *args, **kwargs):
        if self.onboarding.is_finished or self.step > self.onboarding.reached:
            return super().post(request, *args, **kwargs)  # sends back to where it stands
        if "more" in request.POST:  # more empty rows, keeping what was typed
            data = request.POST.copy()
            try:
                total = max(0, int(data.get("services-TOTAL_FORMS", 0) or 0))
            except ValueError:
                total = 0
            more = min(total + self.blank_rows, 200)
            for index in range(total, more):  # new rows start as "cancel", like the first ones
                data.setdefault(f"services-{index}-disposition", ServiceDisposition.CANCEL)
            data["services-TOTAL_FORMS"] = str(more)
            formset = ServiceFormSet(data, prefix="services")
            return self.render_to_response(self.get_context_data(form=formset))
        return super().post(request, *args, **kwargs)

    def perform(self, formset):
        rows = [
            (f.cleaned_data.get("name", ""), f.cleaned_data.get("disposition", ""))
            for f in formset.forms
            if f.cleaned_data.get("name")
        ]
        return onboarding_services.record_services(
            by=self.request.user, onboarding=self.onboarding, services=rows
        )

    def success_message(self, onboarding):
        return "The services and what happens to each are recorded."


class ReviewStep(OnboardingStepView):
    step = OnboardingStep.REVIEW
    form_class = FinishForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        field = form.fields["cancel_source"]
        source = self.onboarding.source
        if not source.is_live:  # cancelled meanwhile: the services are recorded all the same
            field.disabled = True
            field.help_text = f"Not needed: it is already {source.get_status_display().lower()}."
        elif self.onboarding.services.filter(disposition=ServiceDisposition.KEEP).exists():
            field.disabled = True
            field.help_text = "Not possible: some services stay on it."
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        services = list(self.onboarding.services.all())
        context["moving"] = [s for s in services if s.disposition == ServiceDisposition.CANCEL]
        context["keeping"] = [s for s in services if s.disposition == ServiceDisposition.KEEP]
        return context

    def form_valid(self, form):
        try:
            onboarding = onboarding_services.finish(
                by=self.request.user,
                onboarding=self.onboarding,
                cancel_source=form.cleaned_data["cancel_source"],
            )
        except RuleViolation as violation:
            form.add_error(
                violation.field if violation.field in form.fields else None, violation.message
            )
            return self.form_invalid(form)
        messages.success(self.request, "The onboarding is finished.")
        return redirect("onboardings:detail", uuid=onboarding.uuid)


class OnboardingDetailView(PortalMixin, TemplateView):
    permission = Perm.VIEW_ONBOARDINGS
    section = "moves"
    template_name = "moves/onboarding_detail.html"

    @cached_property
    def onboarding(self):
        return access.get_onboarding_for(self.request.user, self.kwargs["uuid"])

    def get_subject(self):
        return self.onboarding

    def get_title(self):
        return f"Azure onboarding of {self.onboarding.source.offer_name}"

    def get_breadcrumbs(self):
        return [ONBOARDINGS_CRUMB, (self.onboarding.customer.company_name, None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            onboarding=self.onboarding,
            services=list(self.onboarding.services.all()),
            continue_url=None if self.onboarding.is_finished else step_url(self.onboarding),
            history=list(access.activity_entries_about(self.request.user, self.onboarding)[:20]),
        )
        return context


# --- Planned moves ----------------------------------------------------------------------------


class PlanMoveView(SubscriptionMixin, FormView):
    """Rule 10: why it cannot switch now, the term-end date, and the planned move."""

    permission = Perm.VIEW_MOVES
    action_permission = Perm.PLAN_MOVES
    template_name = "moves/plan.html"
    form_class = PlanMoveForm

    def get_title(self):
        return f"Move {self.subscription.offer_name} to us at its term end"

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), ("Plan the move", None)]

    @cached_property
    def check(self):
        return access.can_plan_move(self.request.user, self.subscription, self.today)

    @cached_property
    def open_move(self):
        return (
            access.moves_for(self.request.user)
            .filter(subscription=self.subscription, status__in=OPEN_MOVE_STATUSES)
            .first()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(check=self.check, open_move=self.open_move)
        return context

    def form_valid(self, form):
        try:
            move = move_services.plan_move(
                by=self.request.user,
                subscription=self.subscription,
                remind_days_before=form.cleaned_data["remind_days_before"],
                notes=form.cleaned_data["notes"],
                today=self.today,
            )
        except RuleViolation as violation:
            form.add_error(
                violation.field if violation.field in form.fields else None, violation.message
            )
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"Move planned: you will be reminded on {move.remind_on:%Y-%m-%d}.",
        )
        return redirect("moves:detail", uuid=move.uuid)


class MoveMixin(PortalMixin):
    permission = Perm.VIEW_MOVES
    section = "moves"

    @cached_property
    def move(self):
        return access.get_move_for(self.request.user, self.kwargs["uuid"])

    def get_subject(self):
        return self.move

    def get_breadcrumbs(self):
        return [MOVES_CRUMB, (f"{self.move.subscription.offer_name} — {self.move.customer}", None)]


class MoveDetailView(MoveMixin, FormView):
    action_permission = Perm.PLAN_MOVES
    template_name = "moves/move_detail.html"
    form_class = ChecklistForm

    def get_title(self):
        return f"Move of {self.move.subscription.offer_name} to us"

    def get_initial(self):
        initial = {
            field: getattr(self.move, field) for field in (*move_services.CHECKLIST, "notes")
        }
        return {**initial, "seen": move_services.checklist_version(self.move)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        move, user = self.move, self.request.user
        context.update(
            move=move,
            relationship_active=access.manages_customer(user, move.customer),
            # A refused save shows the form again, so that the typed notes are not lost.
            can_change=access.has(user, Perm.PLAN_MOVES)
            and (move.is_open or bool(context["form"].errors)),
            today=timezone.localdate(),
            history=list(access.activity_entries_about(user, move)[:20]),
        )
        return context

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            move_services.update_checklist(
                by=self.request.user,
                move=self.move,
                notes=data["notes"],
                seen=data["seen"],
                **{field: data[field] for field in move_services.CHECKLIST},
            )
        except RuleViolation as violation:
            form.add_error(None, violation.message)
            return self.form_invalid(form)
        messages.success(self.request, "The checklist is saved.")
        return redirect("moves:detail", uuid=self.move.uuid)


class CloseMoveView(MoveMixin, FormView):
    permission = Perm.PLAN_MOVES
    template_name = "moves/close.html"
    form_class = ConfirmForm
    done = True

    def get_title(self):
        verb = "Mark done" if self.done else "Cancel"
        return f"{verb}: move of {self.move.subscription.offer_name}"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "move": self.move, "done": self.done}

    def form_valid(self, form):
        try:
            move_services.close_move(by=self.request.user, move=self.move, done=self.done)
        except RuleViolation as violation:
            return refuse(self.request, violation, "moves:detail", uuid=self.move.uuid)
        messages.success(
            self.request, "The move is done." if self.done else "The planned move is cancelled."
        )
        return redirect("moves:detail", uuid=self.move.uuid)
