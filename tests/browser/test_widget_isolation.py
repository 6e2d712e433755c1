"""Host-page CSS can't reach into the box: it looks the same under hostile styles."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from .support import Widget

pytestmark = pytest.mark.browser

MEASURE = """
const props = ['display', 'fontFamily', 'fontSize', 'lineHeight', 'letterSpacing', 'color',
  'backgroundColor', 'borderTopWidth', 'borderTopColor', 'paddingTop', 'textTransform', 'listStyleType'];
const measure = (sel) => {
  const el = root.querySelector(sel);
  const cs = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {...Object.fromEntries(props.map((p) => [p, cs[p]])), width: Math.round(box.width), height: Math.round(box.height)};
};
return Object.fromEntries(['input', 'ul', 'li', '[role=option]', '.t', '.b', 'time', '.s', 'mark', 'a.all']
  .map((sel) => [sel, measure(sel)]));
"""


def styles(widget: Widget, page_name: str) -> dict[str, Any]:
    widget.open(page_name).search("sociaal domein")
    expect(widget.options.first).to_be_visible()
    widget.page.mouse.move(0, 0)  # no hover styles
    measured: dict[str, Any] = widget.shadow_eval(MEASURE)
    return measured


def test_hostile_page_css_does_not_change_the_widget(widget: Widget) -> None:
    plain = styles(widget, "index.html")
    hostile = styles(widget, "hostile.html")

    # The hostile sheet is active on the page itself ...
    page_font = widget.page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
    assert "Comic Sans MS" in page_font
    # ... but inside the shadow root nothing moved.
    differences = {
        f"{sel} {prop}": (value, hostile[sel][prop])
        for sel, props in plain.items()
        for prop, value in props.items()
        if hostile[sel][prop] != value
    }
    assert differences == {}
    assert plain["li"]["display"] != "none"
    assert "Comic Sans MS" not in plain["input"]["fontFamily"]
    assert plain["mark"]["backgroundColor"] != "rgb(0, 0, 0)"
    assert plain["input"]["fontSize"] == "16px"
