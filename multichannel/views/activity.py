from django.db import transaction

from multichannel import access
from multichannel.filtersets import ActivityFilterSet
from multichannel.models import Action
from multichannel.roles import Perm
from multichannel.services.audit import record
from multichannel.views.lists import FilteredListView, csv_response
from multichannel.views.mixins import PortalMixin


class ActivityListView(PortalMixin, FilteredListView):
    permission = Perm.VIEW_ACTIVITY
    section = "activity"
    title = "Activity log"
    template_name = "activity/list.html"
    filterset_class = ActivityFilterSet
    paginate_by = 50
    sort_fields = {"time": ("created_at",)}
    default_sort = "-time"

    def base_queryset(self):
        return access.activity_for(self.request.user)

    def get_filterset_kwargs(self):
        return {"viewer": self.request.user}

    def get_breadcrumbs(self):
        return [("Activity log", None)]


class ActivityExportView(ActivityListView):
    """The log's filtered entries as CSV. Exporting is itself recorded, so it is a POST (from a
    form with a CSRF token) that carries the list's filters in its address."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        filterset = self.get_filterset()
        filters = {k: v for k, v in request.GET.items() if v and k not in ("page", "sort")}
        with transaction.atomic():
            record(Action.ACTIVITY_EXPORTED, actor=request.user, new={"filters": filters})
        rows = (
            (
                entry.created_at.isoformat(),
                entry.actor_label or "system",
                entry.action_label,
                entry.target_type,
                entry.target_label,
                entry.get_outcome_display(),
                entry.ip_address or "",
                "; ".join(
                    f"{field}: {old} → {new}" if old is not None else f"{field}: {new}"
                    for field, old, new in entry.changes
                ),
            )
            for entry in self.apply_sort(filterset.qs).iterator(chunk_size=2000)
        )
        header = [
            "Time (UTC)",
            "User",
            "Action",
            "Target type",
            "Target",
            "Outcome",
            "IP address",
            "Changes",
        ]
        return csv_response("activity", header, rows)
