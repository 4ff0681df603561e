"""The error summary every form page shows after a refused submit.

`base.html` asks once, before its <title>, for the errors of every bound form and formset the
page's context holds; with any, the title starts with "Error: " and `includes/error_summary.html`
lists them above the content, each field's error linking to that field's first input. So a form
page cannot forget its summary, however its template draws the form.
"""

import html
from dataclasses import dataclass

from django import forms, template
from django.forms.formsets import BaseFormSet
from django.forms.widgets import ChoiceWidget
from django.utils.html import strip_tags
from django.utils.safestring import SafeData

register = template.Library()


@dataclass(frozen=True)
class SummaryError:
    text: str  # kept as the form gave it (a message marked safe may hold a link) unless linked
    anchor: str = ""  # the id of the input the error is about; empty: shown as text


def _plain(message) -> str:
    """A message as the text of a link: any markup it holds taken out."""
    if isinstance(message, SafeData):
        return html.unescape(strip_tags(str(message)))
    return str(message)


def field_anchor(bound_field) -> str:
    """The id of the first input the field renders (what a link to the field should focus):
    `id_<name>` for most widgets, `id_<name>_0` for radio groups, checkbox lists and widgets
    made of several inputs. Empty for hidden fields, which nobody can correct."""
    widget = bound_field.field.widget
    if widget.is_hidden:
        return ""
    id_ = widget.attrs.get("id") or bound_field.auto_id
    if not id_:
        return ""
    if isinstance(widget, forms.MultiWidget):
        return id_ + getattr(widget, "widgets_names", ["_0"])[0]
    if isinstance(widget, ChoiceWidget) and widget.add_id_index:
        return f"{id_}_0"
    return widget.id_for_label(id_) or id_


def _form_errors(form, row: str = "") -> list[SummaryError]:
    errors = [SummaryError(message) for message in form.non_field_errors()]
    for name in form.fields:
        if name not in form.errors:
            continue
        bound_field = form[name]
        anchor = field_anchor(bound_field)
        if not anchor:  # a hidden field: its label means nothing to the reader
            errors += [SummaryError(message) for message in form.errors[name]]
            continue
        prefix = ", ".join(part for part in (row, _plain(bound_field.label or "")) if part)
        for message in form.errors[name]:
            text = _plain(message)
            errors.append(SummaryError(f"{prefix}: {text}" if prefix else text, anchor))
    return errors


def _formset_errors(formset) -> list[SummaryError]:
    """A formset's own errors, then each row's, named after the row ("Service 2, ...") when
    the formset says what a row is (`row_label`)."""
    errors = [SummaryError(message) for message in formset.non_form_errors()]
    row_label = getattr(formset, "row_label", "Row")
    for index, form in enumerate(formset.forms, start=1):
        errors += _form_errors(form, row=f"{row_label} {index}")
    return errors


def page_errors(context) -> list[SummaryError]:
    """The errors of every bound form and formset in the context, in the order the view put
    them there. Looks at types only: a lazy value (the CSRF token) is never evaluated."""
    errors: list[SummaryError] = []
    seen: set[int] = set()
    for layer in context.dicts:
        for value in layer.values():
            kind = type(value)
            if id(value) in seen or not issubclass(kind, forms.BaseForm | BaseFormSet):
                continue
            seen.add(id(value))
            if not value.is_bound:
                continue
            if issubclass(kind, BaseFormSet):
                errors += _formset_errors(value)
            elif value.errors:
                errors += _form_errors(value)
    return errors


@register.simple_tag(takes_context=True)
def form_errors(context) -> list[SummaryError]:
    """`{% form_errors as page_errors %}`: what the error summary lists."""
    return page_errors(context)
