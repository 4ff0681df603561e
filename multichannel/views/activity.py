from django.db import transaction

from multichannel import access
from multichannel.filtersets import ActivityFilterSet
from multichannel.models import Action
from multichannel.roles import Perm
from multichannel.services.audit import record
from multichannel.views.lists import Column, CsvExportMixin, FilteredListView
from multichannel.views.mixins import PortalMixin, StepUpMixin


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
        # The customer's name is read with each entry (the export's column), not once a row.
        return access.activity_for(self.request.user).select_related("customer")

    def get_filterset_kwargs(self):
        return {"viewer": self.request.user}

    def get_breadcrumbs(self):
        return [("Activity log", None)]


class ActivityExportView(StepUpMixin, CsvExportMixin, ActivityListView):
    """The log's filtered entries as CSV. Exporting is itself recorded, so it is a POST (from a
    form with a CSRF token) that carries the list's filters in its address."""

    http_method_names = ["post"]

    csv_name = "activity"
    csv_chunk_size = 2000
    csv_columns = (
        Column("Time (UTC)", lambda entry: entry.created_at.isoformat()),
        Column("User", lambda entry: entry.actor_label or "system"),
        Column("Action", lambda entry: entry.action_label),
        Column("Target type", lambda entry: entry.target_type),
        Column("Target", lambda entry: entry.target_label),
        Column("Customer", lambda entry: entry.customer.company_name if entry.customer else ""),
        Column("Outcome", lambda entry: entry.get_outcome_display()),
        Column("IP address", lambda entry: entry.ip_address or ""),
        Column("Changes", lambda entry: _changes(entry)),
    )

    def post(self, request, *args, **kwargs):
        filters = {k: v for k, v in request.GET.items() if v and k not in ("page", "sort")}
        with transaction.atomic():
            record(Action.ACTIVITY_EXPORTED, actor=request.user, new={"filters": filters})
        return self.export()


def _changes(entry) -> str:
    return "; ".join(
        f"{field}: {old} → {new}" if old is not None else f"{field}: {new}"
        for field, old, new in entry.changes
    )
