"""Make a Folium map open offline (apart from the base-map tiles).

Folium links Leaflet, jQuery, Bootstrap and icon fonts from CDNs. dekning's maps use none but
Leaflet, so the CDN links are dropped and Leaflet's own JS/CSS (from the
``django-js-lib-leaflet`` wheel, Leaflet 1.9.4, BSD-2-Clause) are inlined, with the CSS images
as data URIs. The full-screen button is a small control of dekning's own using the browser's
Fullscreen API.
"""

from __future__ import annotations

import base64
import re
from functools import cache
from importlib import resources
from typing import cast

import folium
from branca.element import Element, Figure, MacroElement, Template

LEAFLET_PACKAGE = "js_lib_leaflet"


@cache
def leaflet_assets() -> tuple[str, str]:
    """Leaflet's JS and CSS (images inlined) as text."""
    root = resources.files(LEAFLET_PACKAGE).joinpath("static", LEAFLET_PACKAGE)
    js = root.joinpath("leaflet.js").read_text(encoding="utf-8")
    css = root.joinpath("leaflet.css").read_text(encoding="utf-8")

    def inline(match: re.Match[str]) -> str:
        data = root.joinpath("images", match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)
    return js, css


class FullscreenControl(MacroElement):
    """A keyboard-usable full-screen toggle (top right)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
          var map = {{ this._parent.get_name() }};
          var Ctl = L.Control.extend({
            options: { position: 'topright' },
            onAdd: function() {
              var b = L.DomUtil.create('button', 'leaflet-bar dekning-fullscreen');
              b.type = 'button'; b.title = '{{ this.title }}'; b.setAttribute('aria-label', '{{ this.title }}');
              b.innerHTML = '<svg width="18" height="18" viewBox="0 0 18 18" aria-hidden="true">' +
                '<path d="M1 6V1h5M12 1h5v5M17 12v5h-5M6 17H1v-5" fill="none" stroke="#222" stroke-width="2"/></svg>';
              b.style.cssText = 'width:34px;height:34px;padding:7px;background:#fff;cursor:pointer;';
              L.DomEvent.disableClickPropagation(b);
              L.DomEvent.on(b, 'click', function() {
                var el = map.getContainer();
                if (document.fullscreenElement) { document.exitFullscreen(); }
                else if (el.requestFullscreen) { el.requestFullscreen(); }
              });
              return b;
            }
          });
          new Ctl().addTo(map);
          document.addEventListener('fullscreenchange', function() { map.invalidateSize(); });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str = "Fullskjerm") -> None:
        super().__init__()
        self._name = "FullscreenControl"
        self.title = title


def page_header(m: folium.Map) -> Element:
    """The ``<head>`` of the page ``m`` is drawn in (a folium map's root is always a Figure)."""
    return cast(Figure, m.get_root()).header


def make_offline(m: folium.Map) -> folium.Map:
    """Drop the CDN links of ``m`` and inline Leaflet instead (call before saving)."""
    m.default_js = []
    m.default_css = []
    js, css = leaflet_assets()
    header = page_header(m)
    header.add_child(Element(f"<style>{css}</style>"), name="leaflet_css_inline", index=0)
    header.add_child(Element(f"<script>{js}</script>"), name="leaflet_js_inline", index=1)
    return m


FOLIUM_VIEWPORT = re.compile(r",\s*maximum-scale=1\.0,\s*user-scalable=no")
"""What folium's map adds to its viewport ``<meta>``: it blocks pinch-zoom (WCAG 1.4.4)."""
FOLIUM_CHARSET = re.compile(
    r'\s*<meta http-equiv="content-type" content="text/html; charset=UTF-8" />'
)
"""folium's charset declaration: it comes after the inlined Leaflet, too late (a browser reads
only the first 1 024 bytes for it), so the page declares it first instead."""


class AccessiblePage(Figure):
    """A page in a language (``<html lang>``) that can be zoomed: folium's viewport limits
    are dropped when it is rendered, and the charset is declared first in ``<head>``."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.lang = lang

    def render(self, **kwargs: object) -> str:
        """The page's HTML, in its language and zoomable."""
        html = FOLIUM_CHARSET.sub("", FOLIUM_VIEWPORT.sub("", super().render(**kwargs)), count=1)
        html = html.replace("<head>", '<head>\n    <meta charset="utf-8">', 1)
        return html.replace("<html>", f'<html lang="{self.lang}">', 1)


def accessible_page(m: folium.Map, lang: str = "nb") -> folium.Map:
    """Draw ``m`` in an :class:`AccessiblePage` in ``lang`` (call before adding anything to the
    page's head, e.g. before :func:`make_offline`)."""
    AccessiblePage(lang).add_child(m)
    return m
