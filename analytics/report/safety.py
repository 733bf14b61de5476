"""What a report page may contain: checked (``offline_problems``) and enforced
(``neutralise_page``).

A report page works offline and stays inside the report: no script, no event handler, nothing
fetched from the network (only embedded ``data:image`` pictures), and links only to the
report's own pages, relative (``02-delivery.html``, ``../index.html``, ``#section``). Data text
is escaped where it enters a page (:mod:`analytics.wording.safe`); this module is the second
line: :func:`neutralise_page` removes whatever got through, and :func:`offline_problems` lists
what a page still breaks, for the render step to refuse it.

Hand-written on the standard library's ``HTMLParser``: a general sanitiser (nh3, bleach)
would rewrite the whole page (styles, embedded images) where only a few attributes must go,
and cannot state the report's own link rule.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

from analytics.wording.safe import without_bidi

_EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CSS_URL = re.compile(
    r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:[a-z][a-z0-9+.-]*:)?//[^'")\s]+)""", re.IGNORECASE
)
#: Attributes through which a browser fetches something without a click.
_FETCHING = {"src", "srcset", "poster", "data", "background", "xlink:href", "formaction"}
#: Attributes that navigate or submit somewhere when clicked.
_NAVIGATING = {"href", "action", "formaction", "xlink:href"}
#: Elements a report page never has; removed (a script with its content).
_DROPPED_TAGS = {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "base"}
_DROPPED_TAGS |= {"link"}  # and <meta http-equiv> (a refresh navigates away): see _dropped
#: A link to the report's own pages: a fragment, or a relative path to an .html page at most
#: one folder up (``../index.html``, ``02-delivery.html``, ``2021-12/01-executive-summary.html``).
_OWN_PAGE = re.compile(r"#[^\s]*|(?:\.\./)?(?:[\w.-]+/)?[\w.-]+\.html(?:#[^\s]*)?")
#: What a browser strips from a URL before reading its scheme (``java\tscript:``).
_URL_NOISE = re.compile(r"[\x00-\x20\x7f]")
#: Images embedded in the page are the one thing it may "fetch".
_EMBEDDED_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp|svg\+xml)[;,]", re.IGNORECASE)


def own_page_link(href: str) -> bool:
    """True for a link that stays inside the report: a fragment or a relative ``.html`` page.

    >>> own_page_link("../index.html"), own_page_link("#Delivery")
    (True, True)
    >>> own_page_link("java\tscript:alert(1)"), own_page_link("//evil.example/x.html")
    (False, False)
    """
    return bool(_OWN_PAGE.fullmatch(_URL_NOISE.sub("", href or "")))


def neutralise_page(page: str) -> str:
    """``page`` without what data text must never bring into a report page.

    Removes ``<script>`` elements with their content, frames, objects, ``<link>``, ``<base>``
    and ``<meta http-equiv>`` elements, every ``on*`` event-handler attribute, every navigating
    attribute (``href``, ``action`` ...) that is not :func:`own_page_link` (the link's text
    stays, as plain text), every fetching attribute other than an embedded image, and bidi
    override/isolate characters from text and attribute values; external CSS ``url()`` and
    ``@import`` addresses become ``about:invalid``. The rest of the page is
    written back byte for byte.

    >>> neutralise_page('<a href="javascript:alert(1)" onclick="x()">hi</a><script>x()</script>')
    '<a>hi</a>'
    """
    rewriter = _PageNeutraliser()
    rewriter.feed(page)
    rewriter.close()
    return "".join(rewriter.out)


def _safe_attrs(tag: str, attrs: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    kept = []
    for name, value in attrs:
        if name.startswith("on") or name == "srcset":  # report images are one embedded src
            continue
        if name in _NAVIGATING and not (tag != "image" and own_page_link(value or "")):
            if not (name in _FETCHING and _EMBEDDED_IMAGE.match(value or "")):
                continue
        elif name in _FETCHING and not _EMBEDDED_IMAGE.match(value or ""):
            continue
        if name == "style" and value:
            value = _no_css_fetch(value)
        kept.append((name, without_bidi(value) if value else value))
    return kept


def _no_css_fetch(css: str) -> str:
    """``css`` with every external ``url()``/``@import`` address replaced by ``about:invalid``."""
    return _CSS_URL.sub(lambda m: m.group(0).replace(m.group(1), "about:invalid"), css)


class _PageNeutraliser(HTMLParser):
    """Writes the page back, tag by tag, leaving out what :func:`neutralise_page` removes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self._in_script = self._in_style = False

    def handle_starttag(self, tag, attrs):
        self._tag(tag, attrs, self.get_starttag_text() or "")

    def handle_startendtag(self, tag, attrs):
        self._tag(tag, attrs, self.get_starttag_text() or "")

    def _tag(self, tag: str, attrs, raw: str) -> None:
        self._in_style = tag == "style" and not raw.endswith("/>")
        if tag == "script":
            self._in_script = not raw.endswith("/>")
            return
        if _dropped(tag, attrs):
            return
        safe = _safe_attrs(tag, attrs)
        if safe == attrs:
            self.out.append(raw)
            return
        parts = "".join(
            f" {n}" if v is None else f' {n}="{html_lib.escape(v, quote=True)}"' for n, v in safe
        )
        self.out.append(f"<{tag}{parts}{'/' if raw.endswith('/>') else ''}>")

    def handle_endtag(self, tag):
        self._in_style = False
        if tag == "script":
            self._in_script = False
        elif tag not in _DROPPED_TAGS:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        if not self._in_script:
            self.out.append(without_bidi(_no_css_fetch(data) if self._in_style else data))

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        code = int(name[1:], 16) if name[:1] in "xX" else int(name)
        if without_bidi(chr(code)) if 0 < code < 0x110000 else True:
            self.out.append(f"&#{name};")

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.out.append(f"<![{data}]>")


def _dropped(tag: str, attrs) -> bool:
    return tag in _DROPPED_TAGS or (tag == "meta" and any(n == "http-equiv" for n, _ in attrs))


def offline_problems(html: str) -> list[str]:
    """What in ``html`` would run a script or fetch something from another host.

    Flags ``<script>`` elements, ``on*`` event attributes, ``<link>``/``<iframe>``/``<object>``
    elements with an external address, and any fetching attribute (``src``, ``srcset``,
    ``poster``, ``data``, ``xlink:href`` ...) or CSS ``url()``/``@import`` pointing to
    ``http:``, ``https:`` or ``//``, and any link or form target (``href``, ``action``) that
    is not a relative link to the report's own pages (no scheme, no ``//``: no ``javascript:``,
    ``data:`` or other site). Returns an empty list for a clean page.
    """
    checker = _OfflineChecker()
    checker.feed(html)
    checker.close()
    return checker.problems


class _OfflineChecker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.problems.append("a <script> element")
        if tag == "style":
            self._in_style = True
        if tag == "meta" and any(n == "http-equiv" for n, _ in attrs):
            self.problems.append("a <meta http-equiv> (a refresh or redirect)")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"an inline event handler ({name}) on <{tag}>")
            if name in _NAVIGATING and tag not in {"link", "image", "use", "base"}:
                if not own_page_link(value) and not (
                    name in _FETCHING and _EMBEDDED_IMAGE.match(value)
                ):
                    self.problems.append(f"<{tag} {name}> leaves the report: {value[:80]}")
            elif name in _FETCHING or (name == "href" and tag in {"link", "image", "use", "base"}):
                urls = (
                    [p.strip() for p in value.split(",")] if name == "srcset" else [value.strip()]
                )
                for url in urls:
                    if _EXTERNAL.match(url):
                        self.problems.append(f"<{tag} {name}> loads {url[:80]}")
            elif name == "style":
                self._check_css(value, tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self._check_css(data, "style")

    def _check_css(self, css: str, tag: str) -> None:
        for url in _CSS_URL.findall(css):
            self.problems.append(f"CSS in <{tag}> loads {url[:80]}")
