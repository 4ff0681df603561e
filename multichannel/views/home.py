from datetime import timedelta

from django.db.models import Q
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
        counts = dashboard.counters(user)
        context["counts"] = counts
        if access.has(user, Perm.VIEW_USERS):
            context["user_counts"] = {
                "active": counts["users_active"],
                "inactive": counts["users_inactive"],
                "must_change": counts["users_must_change"],
            }
            context["active_global_admins"] = counts["global_admins"]
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
            waiting = access.relationship_requests_for(user).open().order_by("expires_at", "pk")
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
