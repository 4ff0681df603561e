"""What every list page shares: filtering, sorting, pagination, CSV export."""

import csv

from django.db.models import F
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.views.generic import ListView


class SortableListMixin:
    """`?sort=name` or `?sort=-name`, from a fixed set of columns (anything else is ignored)."""

    sort_fields: dict[str, tuple[str, ...]] = {}
    default_sort: str = ""

    def current_sort(self) -> str:
        wanted = self.request.GET.get("sort", "")
        return wanted if wanted.lstrip("-") in self.sort_fields else self.default_sort

    def apply_sort(self, queryset):
        sort = self.current_sort()
        if not sort:
            return queryset
        descending = sort.startswith("-")
        fields = self.sort_fields[sort.lstrip("-")]
        ordering = [
            F(f).desc(nulls_last=True) if descending else F(f).asc(nulls_last=True) for f in fields
        ]
        return queryset.order_by(*ordering, ("-pk" if descending else "pk"))


class FilteredListView(SortableListMixin, ListView):
    filterset_class = None
    paginate_by = 25

    def base_queryset(self):
        raise NotImplementedError

    def get_filterset_kwargs(self) -> dict:
        return {}

    def get_filterset(self):
        if not hasattr(self, "_filterset"):
            self._filterset = self.filterset_class(
                self.request.GET, queryset=self.base_queryset(), **self.get_filterset_kwargs()
            )
        return self._filterset

    def get_queryset(self):
        return self.apply_sort(self.get_filterset().qs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filterset = self.get_filterset()
        context["filter"] = filterset
        context["sort"] = self.current_sort()
        context["filtered"] = any(
            value for key, value in self.request.GET.items() if key not in ("page", "sort")
        )
        return context


class _Echo:
    def write(self, value):
        return value


_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _safe_cell(value) -> str:
    """Spreadsheets run cells that start like a formula; quote those."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


def csv_response(filename_stem: str, header: list[str], rows) -> StreamingHttpResponse:
    """Stream rows as CSV, so a long export never sits in memory."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # so that spreadsheet programs read UTF-8
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([_safe_cell(cell) for cell in row])

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename_stem}-{stamp}.csv"'
    return response
