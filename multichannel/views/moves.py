"""Azure onboarding walk-through, and planned moves of license-based subscriptions."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse_lazy
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
from multichannel.views.mixins import ActionMixin, ObjectMixin, PortalMixin, refuse
from multichannel.views.subscriptions import SubscriptionMixin

ONBOARDINGS_CRUMB = ("Azure onboarding", reverse_lazy("onboardings:list"))
MOVES_CRUMB = ("Planned moves", reverse_lazy("moves:list"))


def step_url(onboarding: AzureOnboarding, step: int | None = None) -> str:
    return onboarding.get_step_url(step)


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


class StartOnboardingView(SubscriptionMixin, ActionMixin, FormView):
    """From a subscription's next step: what onboarding does, then start (or resume) it."""

    permission = Perm.ONBOARD_AZURE
    template_name = "moves/start.html"
    form_class = ConfirmForm

    def get_title(self):
        return f"Onboard {self.subject.offer_name} to Azure under us"

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), ("Onboard to Azure", None)]

    @cached_property
    def check(self):
        return access.can_onboard(self.request.user, self.subject)

    def subject_check(self, subject):
        return self.check

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["check"] = self.check
        context["in_progress"] = self.in_progress().first()
        return context

    def in_progress(self):
        return access.onboardings_for(self.request.user).filter(
            source=self.subject, status=OnboardingStatus.IN_PROGRESS
        )

    def refused_url(self):
        return self.subject.get_absolute_url()

    def perform(self, form):
        return onboarding_services.start_onboarding(by=self.request.user, source=self.subject)

    def succeeded(self, onboarding):
        if onboarding.resumed:  # by a colleague, or by this user in another tab
            messages.info(self.request, "This onboarding was already under way; it goes on here.")
        else:
            messages.success(self.request, f"Onboarding of {self.subject} started.")
        return redirect(step_url(onboarding))


class EnteredSourceView(CustomerMixin, ActionMixin, FormView):
    """Onboarding an Azure subscription that is not in the portal yet: enter it by hand."""

    permission = Perm.ONBOARD_AZURE
    template_name = "moves/entered_source.html"
    form_class = EnteredSourceForm

    def get_title(self):
        return f"Onboard Azure of {self.subject} to us"

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), ("Onboard Azure", None)]

    def get(self, request, *args, **kwargs):
        if not self.managed:
            return refuse(
                request,
                RuleViolation("We need an active reseller relationship with the customer first."),
                "customers:detail",
                uuid=self.subject.uuid,
            )
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["customer"] = self.subject
        context["steps"] = _steps(None, OnboardingStep.SOURCE)
        return context

    def perform(self, form):
        data = form.cleaned_data
        return onboarding_services.start_with_entered_source(
            by=self.request.user,
            customer=self.subject,
            external_id=data["external_id"],
            channel=data["channel"],
            offer_name=data["offer_name"],
            offer_id=data["offer_id"],
            services=data["services"],
        )

    def succeeded(self, onboarding):
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


class OnboardingStepView(ObjectMixin, ActionMixin, FormView):
    permission = Perm.ONBOARD_AZURE
    section = "moves"
    step = OnboardingStep.SOURCE
    template_name = "moves/step.html"
    lookup = access.get_onboarding_for
    context_name = "onboarding"

    def get(self, request, *args, **kwargs):
        if self.subject.is_finished or self.step > self.subject.reached:
            return redirect(step_url(self.subject))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.subject.is_finished or self.step > self.subject.reached:
            messages.info(request, "This step is not open; here is where the onboarding is.")
            return redirect(step_url(self.subject))
        return super().post(request, *args, **kwargs)

    def get_title(self):
        return f"Onboard {self.subject.source.offer_name} to Azure under us"

    def get_breadcrumbs(self):
        return [ONBOARDINGS_CRUMB, (self.subject.customer.company_name, None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            onboarding=self.subject,
            steps=_steps(self.subject, self.step),
            step_number=int(self.step),
            previous=step_url(self.subject, self.step - 1) if self.step > 1 else None,
        )
        return context

    def succeeded(self, onboarding):
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
        return {"services": "\n".join(s.name for s in self.subject.services.all())}

    def perform(self, form):
        return onboarding_services.confirm_source(
            by=self.request.user, onboarding=self.subject, services=form.cleaned_data["services"]
        )


class NewSubscriptionStep(OnboardingStepView):
    step = OnboardingStep.NEW_SUBSCRIPTION
    form_class = NewSubscriptionForm

    def get_initial(self):
        return {"friendly_name": self.subject.friendly_name or f"{self.subject.customer} Azure"}

    def perform(self, form):
        return onboarding_services.create_new_subscription(
            by=self.request.user,
            onboarding=self.subject,
            friendly_name=form.cleaned_data["friendly_name"],
        )

    def success_message(self, onboarding):
        before = self.subject  # as the page found it
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
                {"name": s.name, "disposition": s.disposition} for s in self.subject.services.all()
            ] + [{}] * self.blank_rows
        return kwargs

    def post(self, request, *args, **kwargs):
        if self.subject.is_finished or self.step > self.subject.reached:
            return super().post(request, *args, **kwargs)  # sends back to where it stands
        if "more" in request.POST:  # more empty rows, keeping what was typed
            data = request.POST.copy()
            try:
                total = max(0, int(data.get("services-TOTAL_FORMS", 0) or 0))
            except ValueError:
                total = 0
            more = min(total + self.blank_rows, 200)  # new rows start with nothing chosen
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
            by=self.request.user, onboarding=self.subject, services=rows
        )

    def success_message(self, onboarding):
        return "The services and what happens to each are recorded."


class ReviewStep(OnboardingStepView):
    step = OnboardingStep.REVIEW
    form_class = FinishForm

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        field = form.fields["cancel_source"]
        source = self.subject.source
        if not source.is_live:  # cancelled meanwhile: the services are recorded all the same
            field.disabled = True
            field.help_text = f"Not needed: it is already {source.get_status_display().lower()}."
        elif self.subject.services.filter(disposition=ServiceDisposition.KEEP).exists():
            field.disabled = True
            field.help_text = "Not possible: some services stay on it."
        return form

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        services = list(self.subject.services.all())
        context["moving"] = [s for s in services if s.disposition == ServiceDisposition.CANCEL]
        context["keeping"] = [s for s in services if s.disposition == ServiceDisposition.KEEP]
        context["source"] = self.subject.source
        return context

    def perform(self, form):
        return onboarding_services.finish(
            by=self.request.user,
            onboarding=self.subject,
            cancel_source=form.cleaned_data["cancel_source"],
        )

    def succeeded(self, onboarding):
        messages.success(self.request, "The onboarding is finished.")
        return redirect("onboardings:detail", uuid=onboarding.uuid)


class OnboardingDetailView(ObjectMixin, TemplateView):
    permission = Perm.VIEW_ONBOARDINGS
    section = "moves"
    template_name = "moves/onboarding_detail.html"
    lookup = access.get_onboarding_for
    context_name = "onboarding"

    def get_title(self):
        return f"Azure onboarding of {self.subject.source.offer_name}"

    def get_breadcrumbs(self):
        return [ONBOARDINGS_CRUMB, (self.subject.customer.company_name, None)]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            onboarding=self.subject,
            services=list(self.subject.services.all()),
            continue_url=None if self.subject.is_finished else step_url(self.subject),
            history=list(access.activity_entries_about(self.request.user, self.subject)[:20]),
        )
        return context


# --- Planned moves ----------------------------------------------------------------------------


class PlanMoveView(SubscriptionMixin, ActionMixin, FormView):
    """Rule 10: why it cannot switch now, the term-end date, and the planned move."""

    permission = Perm.VIEW_MOVES
    action_permission = Perm.PLAN_MOVES
    template_name = "moves/plan.html"
    form_class = PlanMoveForm

    def get_title(self):
        return f"Move {self.subject.offer_name} to us at its term end"

    def get_breadcrumbs(self):
        return [*super().get_breadcrumbs(), ("Plan the move", None)]

    @cached_property
    def check(self):
        return access.can_plan_move(self.request.user, self.subject, self.today)

    @cached_property
    def open_move(self):
        return (
            access.moves_for(self.request.user)
            .filter(subscription=self.subject, status__in=OPEN_MOVE_STATUSES)
            .first()
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(check=self.check, open_move=self.open_move)
        return context

    def perform(self, form):
        return move_services.plan_move(
            by=self.request.user,
            subscription=self.subject,
            remind_days_before=form.cleaned_data["remind_days_before"],
            notes=form.cleaned_data["notes"],
            today=self.today,
        )

    def succeeded(self, move):
        messages.success(
            self.request,
            f"Move planned: you will be reminded on {move.remind_on:%Y-%m-%d}.",
        )
        return redirect("moves:detail", uuid=move.uuid)


class MoveMixin(ObjectMixin):
    permission = Perm.VIEW_MOVES
    section = "moves"
    lookup = access.get_move_for
    context_name = "move"

    def get_breadcrumbs(self):
        return [
            MOVES_CRUMB,
            (f"{self.subject.subscription.offer_name} — {self.subject.customer}", None),
        ]


class MoveDetailView(MoveMixin, ActionMixin, FormView):
    action_permission = Perm.PLAN_MOVES
    template_name = "moves/move_detail.html"
    form_class = ChecklistForm

    def get_title(self):
        return f"Move of {self.subject.subscription.offer_name} to us"

    def get_initial(self):
        initial = {
            field: getattr(self.subject, field) for field in (*move_services.CHECKLIST, "notes")
        }
        return {**initial, "seen": move_services.checklist_version(self.subject)}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        move, user = self.subject, self.request.user
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

    def perform(self, form):
        data = form.cleaned_data
        return move_services.update_checklist(
            by=self.request.user,
            move=self.subject,
            notes=data["notes"],
            seen=data["seen"],
            **{field: data[field] for field in move_services.CHECKLIST},
        )

    def succeeded(self, move):
        messages.success(self.request, "The checklist is saved.")
        return redirect("moves:detail", uuid=self.subject.uuid)


class CloseMoveView(MoveMixin, ActionMixin, FormView):
    permission = Perm.PLAN_MOVES
    template_name = "moves/close.html"
    form_class = ConfirmForm
    done = True

    def get_title(self):
        verb = "Mark done" if self.done else "Cancel"
        return f"{verb}: move of {self.subject.subscription.offer_name}"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "move": self.subject, "done": self.done}

    def refused_url(self):
        return self.subject.get_absolute_url()

    def perform(self, form):
        return move_services.close_move(by=self.request.user, move=self.subject, done=self.done)

    def succeeded(self, move):
        messages.success(
            self.request, "The move is done." if self.done else "The planned move is cancelled."
        )
        return redirect("moves:detail", uuid=self.subject.uuid)
