"""Widgets that stay fast on long lists."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class FastSelect(forms.Select):
    """A select whose options are written in Python. Django renders each option through a
    template of its own, which makes a select of a few hundred options cost more than the rest
    of the page; this writes the same HTML at a fraction of the cost."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        # The options are plain text, escaped by format_html_join like any value it writes.
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((v, " selected" if str(v) in chosen else "", label) for v, label in self.choices),
        )
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.is_required and self.use_required_attribute(value):
            final_attrs["required"] = True
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final_attrs), options)


class FastSelectForm(forms.Form):
    """The filter bar of a list: its selects are FastSelects and every widget carries its
    Bootstrap class, so that the bar renders through a lean template on every page view (the
    lists are the pages people open all day; data-entry forms go through crispy-forms)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if type(widget) is forms.Select:
                fast = FastSelect(attrs=widget.attrs, choices=widget.choices)
                fast.is_required = widget.is_required
                field.widget = widget = fast
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] += " is-invalid"
                widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"
