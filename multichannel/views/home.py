from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.views.generic import TemplateView

from multichannel import access, dashboard
from multichannel.models import MoveStatus
from multichannel.roles import ROLE_DESCRIPTIONS, Perm, Role
from multichannel.views.mixins import PortalMixin


class HomeView(PortalMixin, TemplateView):
    """The dashboard: one panel per thing the user's roles let them look after."""

    template_name = "home.html"
    section = "home"
    title = "Home"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["role_descriptions"] = [
            (role.label, ROLE_DESCRIPTIONS[role]) for role in Role if role in user.roles
        ]
        if access.has(user, Perm.VIEW_USERS):
            users = access.users_for(user)
            context["user_counts"] = users.aggregate(
                active=Count("pk", filter=Q(is_active=True)),
                inactive=Count("pk", filter=Q(is_active=False)),
                must_change=Count("pk", filter=Q(is_active=True, must_change_password=True)),
            )
            context["active_global_admins"] = access.active_global_admins(user.partner_id).count()
        counts = dashboard.counters(user)
        context["counts"] = counts
        if access.has(user, Perm.VIEW_SUBSCRIPTIONS):
            figures = dashboard.subscription_figures(user, timezone.localdate())
            rows = figures["channel_rows"]
            context["channel_rows"] = rows
            context["chart_height"] = len(rows) * dashboard.ROW_HEIGHT
            context["subscription_total"] = sum(row.total for row in rows)
            context["terms"] = figures["terms"]
            context["figures_as_of"] = figures["as_of"]
            context["customer_count"] = counts.get("customers", 0)
        if access.has(user, Perm.VIEW_REQUESTS):
            waiting = access.requests_for(user).open().order_by("expires_at", "pk")
            context["waiting_count"] = counts.get("waiting", 0)
            context["waiting"] = list(waiting[:5])
        if access.has(user, Perm.VIEW_MOVES):
            soon = timezone.localdate() + timedelta(days=30)
            context["moves"] = list(
                access.moves_for(user)
                .filter(
                    Q(status=MoveStatus.DUE) | Q(status=MoveStatus.PLANNED, remind_on__lte=soon)
                )
                .select_related("customer", "subscription")
                .order_by("term_end", "pk")[:6]
            )
            context["onboardings_in_progress"] = counts.get("onboardings", 0)
        if access.has(user, Perm.VIEW_ACTIVITY):
            context["recent_activity"] = list(access.activity_for(user)[:8])
        return context
