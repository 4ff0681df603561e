"""What every list page shares: filtering, sorting, pagination, CSV export."""

import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.core.paginator import EmptyPage, Paginator
from django.db.models import F
from django.http import StreamingHttpResponse
from django.urls import reverse
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
        ordering = []
        for name in self.sort_fields[sort.lstrip("-")]:
            if _nullable(queryset.model, name):  # empty values last, whatever the direction
                ordering.append(F(name).desc(nulls_last=True) if descending else F(name).asc())
            else:  # plain, so that an index in either direction serves it
                ordering.append(f"-{name}" if descending else name)
        return queryset.order_by(*ordering, ("-pk" if descending else "pk"))


def _nullable(model, path: str) -> bool:
    """Whether a sort key may be empty: a nullable field, or an annotation."""
    try:
        *relations, last = path.split("__")
        for relation in relations:
            model = model._meta.get_field(relation).related_model
        return model._meta.get_field(last).null
    except Exception:
        return True


class CappedPaginator(Paginator):
    """Counts rows only as far as it needs to: up to `cap`, or a little past the page asked
    for. A list of 150,000 rows then costs a bounded count and shows "more than 1,000"; asking
    for page 400 counts to page 404. (The dashboard gives the exact totals.)"""

    cap = 1_000
    # Beyond any list's length, and small enough for the database's LIMIT and OFFSET.
    last_page_asked = 1_000_000

    def __init__(self, *args, wanted_page: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        wanted_page = min(max(1, wanted_page), self.last_page_asked)
        self.limit = max(self.cap, (wanted_page + 4) * self.per_page)

    @cached_property
    def count(self) -> int:
        # Only the ids: a list's per-row annotations are not computed for the rows counted.
        counted = self.object_list.order_by().values("pk")[: self.limit + 1].count()
        self.capped = counted > self.limit
        return counted

    def page(self, number):
        """Two shortcuts around the count. The first page, when it is not full, is the whole
        list (a search that finds a handful of rows costs one query, not two). A page past
        `cap` reads the ids of its rows and of the few pages after it in one query, which is
        also the count: the database walks to page 400 once, not twice."""
        if self.orphans:
            return super().page(number)
        if str(number) == "1":
            rows = list(self.object_list[: self.per_page])
            if len(rows) < self.per_page:
                self._counted(len(rows))
            return self._get_page(rows, 1, self)
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().page(number)  # which says it is not a page number
        if number > self.last_page_asked:
            raise EmptyPage(self.error_messages["no_results"])
        bottom = (number - 1) * self.per_page
        if self.cap <= bottom < self.limit:
            # Only the ids are sorted and skipped over (narrow rows sort in memory), then the
            # page's rows are read by id.
            ids = list(self.object_list.values_list("pk", flat=True)[bottom : self.limit + 1])
            if not ids:
                raise EmptyPage(self.error_messages["no_results"])
            self._counted(bottom + len(ids))
            rows = list(self.object_list.filter(pk__in=ids[: self.per_page]))
            return self._get_page(rows, number, self)
        return super().page(number)

    def _counted(self, count: int) -> None:
        self.__dict__["count"] = count
        self.capped = count > self.limit

    @property
    def capped_count(self) -> int:
        self.count  # noqa: B018 — counting sets `capped`
        return self.limit if self.capped else self.count


class FilteredListView(SortableListMixin, ListView):
    filterset_class: Any = None
    paginate_by = 25
    paginator_class = CappedPaginator
    # Query parameters the list reads besides its filters, its sort and its page.
    extra_params: tuple[str, ...] = ()

    @classmethod
    def known_params(cls) -> set[str]:
        filters = set(cls.filterset_class.base_filters) if cls.filterset_class else set()
        return filters | {"sort", cls.page_kwarg, *cls.extra_params}

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kwargs):
        try:
            wanted = int(self.request.GET.get(self.page_kwarg, 1))
        except ValueError:
            wanted = 1
        return self.paginator_class(
            queryset,
            per_page,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            wanted_page=wanted,
        )

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
        # Added to the links to the rows' pages, whose breadcrumb then leads back to this list
        # as it is now (see `list_crumb`).
        query = self.request.GET.urlencode()
        context["back"] = "?" + urlencode({BACK: query}) if query else ""
        return context


BACK = "back"
_BACK_LIMIT = 2_000  # characters of a list's query string kept; a longer one is not a list's


def list_crumb(request, label: str, url_name: str, list_view) -> tuple[str, str]:
    """The breadcrumb to a list, keeping the filters, sort and page the page was opened from
    (`?back=`, which the list adds to its links). Only the list's own address is linked, with
    only the parameters that list reads, re-encoded: whatever `back` holds, the link goes
    nowhere else and carries no markup."""
    url = reverse(url_name)
    raw = request.GET.get(BACK, "")
    if not raw or len(raw) > _BACK_LIMIT:
        return (label, url)
    known = list_view.known_params()
    kept = [(key, value) for key, value in parse_qsl(raw) if key in known and value]
    return (label, f"{url}?{urlencode(kept)}" if kept else url)


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


def yes_no(value) -> str:
    return "yes" if value else "no"


@dataclass(frozen=True)
class Column:
    """One column of a list's CSV export: its heading and how a row gives its cell."""

    label: str
    value: Callable[[Any], Any]


class CsvExportMixin:
    """A list's CSV export: the rows the list shows (filtered, sorted, every page), one per
    object, in the columns `csv_columns` declares."""

    csv_name = ""
    csv_columns: tuple[Column, ...] = ()
    csv_chunk_size = 1000

    def csv_rows(self, objects):
        columns = self.csv_columns
        return ([column.value(obj) for column in columns] for obj in objects)

    def export(self) -> StreamingHttpResponse:
        queryset = self.get_queryset()  # type: ignore[attr-defined]
        objects = queryset.iterator(chunk_size=self.csv_chunk_size)
        header = [column.label for column in self.csv_columns]
        return csv_response(self.csv_name, header, self.csv_rows(objects))

    def get(self, request, *args, **kwargs):
        return self.export()
