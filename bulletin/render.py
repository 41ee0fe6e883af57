"""Stage 4, render: one Jinja2 environment, built once, for every page.

Templates are looked up in the site's `templates/` first, then in the built-in
theme, so a site overrides any built-in file by giving its name. Autoescaping is
on for every template. Each page gets a small context (see `pages.py`), plus
these globals and filters:

- `site`: title, description, issuer, language, base_url, extra (bulletin.toml)
- `t(key, **values)`: a UI string from the message catalogue (`t("key")` with a literal
  key is compiled into the template as its text: `_MessagesEnvironment`)
- `root`: the prefix from the current page back to the site root ("../../")
- `x|rel`: a site-root-relative URL made relative to the current page
- `d|date`, `d|date("long")`, `digest|week_range`: dates as readers write them
- `search_enabled`: whether the search page exists
- `chrome(name)`: a site-wide partial (header, footer) rendered once per folder
  depth and reused; such partials may use only the globals above and `root`
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import nodes
from jinja2.visitor import NodeTransformer
from markupsafe import Markup, escape

from . import urls
from .config import SiteConfig
from .deps import TrackingEnvironment
from .errors import BuildError, ContentError
from .i18n import Messages, MissingMessage
from .inputs import BUILTIN_TEMPLATES


@dataclass(frozen=True)
class SiteView:
    """What templates know of the site settings (never the whole config)."""

    title: str
    description: str
    issuer: str
    language: str
    base_url: str
    extra: dict


class Renderer:
    def __init__(self, site_dir: Path, config: SiteConfig, search_enabled: bool = False):
        self.messages = Messages(config.language)
        loaders = []
        self.site_templates = site_dir / "templates"
        if self.site_templates.is_dir():
            loaders.append(jinja2.FileSystemLoader(str(self.site_templates)))
        loaders.append(jinja2.FileSystemLoader(str(BUILTIN_TEMPLATES)))
        self.env = _BuildEnvironment(
            self.messages,
            loader=jinja2.ChoiceLoader(loaders),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        self.env.globals.update(
            site=SiteView(config.title, config.description, config.issuer, config.language,
                          config.base_url, config.extra),
            t=self.messages, urls=urls, search_enabled=search_enabled,
        )
        self.env.filters.update(rel=_rel, date=self._date, week_range=self._week_range)
        self.env.globals["chrome"] = self._chrome
        self._templates: dict[str, jinja2.Template] = {}
        self._chrome_cache: dict[tuple[str, str], Markup] = {}

    @jinja2.pass_context
    def _chrome(self, context, name: str) -> Markup:
        root = context["root"]
        key = (name, root)
        html = self._chrome_cache.get(key)
        if html is None:
            html = self._chrome_cache[key] = Markup(self.template(name).render(root=root))
        return html

    def _date(self, value, style: str = "short") -> str:
        return self.messages.date(value, style)

    def _week_range(self, digest) -> str:
        self.env.record(digest, memberships=False)  # reads its week, not its neighbours
        return self.messages.week_range(digest.week_start, digest.week_end)

    def template(self, name: str) -> jinja2.Template:
        template = self._templates.get(name)
        if template is None:
            template = self._templates[name] = self.env.get_template(name)
        return template

    def check_templates(self, names: list[str]) -> None:
        """Compile every template up front, so a syntax error stops the build before any writing."""
        errors = []
        for name in names:
            try:
                self.template(name)
            except jinja2.TemplateSyntaxError as exc:
                errors.append(ContentError(exc.filename or name, exc.lineno, f"template error: {exc.message}",
                                           "fix the Jinja2 syntax of this template"))
            except jinja2.TemplateNotFound as exc:
                errors.append(ContentError(name, None, f"template not found: {exc.name}",
                                           "restore the file or remove the reference to it"))
        if errors:
            raise BuildError(errors)

    def render(self, name: str, url: str, context: dict) -> str:
        context["root"] = urls.root_of(url)
        context["page_url"] = url
        try:
            return self.template(name).render(context)
        except (BuildError, MemoryError):
            raise
        except Exception as exc:  # noqa: BLE001 - a template's own code, `{{ year + "x" }}`, fails as Python
            raise BuildError([_template_error(exc, name, url, context)]) from None


def _template_error(exc: Exception, name: str, url: str, context: dict) -> ContentError:
    """Name the template, its line and the digest being rendered. Jinja's own errors say what
    went wrong; any other (a TypeError, a ZeroDivisionError) is named by its type as well."""
    line = None
    filename = name
    tb = exc.__traceback__
    while tb is not None:  # the innermost frame that belongs to a template
        code = tb.tb_frame.f_code
        if code.co_filename.endswith(".html") or code.co_filename.endswith(".xml"):
            filename = code.co_filename
            template = tb.tb_frame.f_globals.get("__jinja_template__")
            # Jinja rewrites the traceback of a render error: its frames already carry template lines.
            line = template.get_corresponding_lineno(tb.tb_lineno) if template else tb.tb_lineno
        tb = tb.tb_next
    digest = context.get("digest")
    about = f" while rendering {digest.source.path}" if digest is not None else f" while rendering {url}"
    detail = exc if isinstance(exc, (jinja2.TemplateError, MissingMessage)) else f"{type(exc).__name__}: {exc}"
    return ContentError(filename, line, f"template error: {detail}{about}",
                        "fix the template; the variables a template gets are listed in bulletin/pages.py")


class _MessagesEnvironment(TrackingEnvironment):
    """Compiles `t("key")` (a literal key, no values) into the message itself: the same text,
    but a literal in the compiled template rather than a call on every render, about ten a
    page (140,000 decision pages at 10,000 digests). A template that binds a name `t` of its
    own (set, for, a macro or its parameters, import) is compiled as written; a partial it
    includes still shows the catalogue's text (`t` is the catalogue's name in every template).
    The compiled code holds the texts: a Jinja bytecode cache must not be shared by environments
    of different languages (the build has none; the environment fingerprint names the catalogue)."""

    def __init__(self, messages: Messages, **options):
        super().__init__(**options)
        self.messages = messages

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        if isinstance(source, str):
            source = self.parse(source, name, filename)
            if not _binds_name(source, "t"):
                source = _FoldMessages(self.messages).visit(source)
        return super().compile(source, name, filename, raw, defer_init)


try:  # markupsafe's own C function behind `escape`
    from markupsafe._speedups import _escape_inner
except ImportError:  # pragma: no cover - a markupsafe without its speedups, or another layout
    _escape_inner = None
_new_str = str.__new__


def _quick_escape(value) -> Markup:
    """`markupsafe.escape`, one Python call shorter for a plain string (most of what a page
    prints): `Markup(text)` runs `Markup.__new__` in Python, about a third of every escape's
    time; `str.__new__(Markup, text)` makes the same object."""
    if value.__class__ is str:
        return _new_str(Markup, _escape_inner(value))
    return escape(value)


class _QuickEscapeTemplate(jinja2.Template):
    """A template whose `{{ … }}` escape with `_quick_escape` (the compiled code looks `escape`
    up in its module's globals): 800,000 escapes at 1,000 digests, 7 % of rendering."""

    @classmethod
    def from_code(cls, environment, code, globals, uptodate=None):
        template = super().from_code(environment, code, globals, uptodate)
        if _escape_inner is not None:
            template.root_render_func.__globals__["escape"] = _quick_escape
        return template


class _BuildEnvironment(_MessagesEnvironment):
    """Made for one build, whose template files do not change while it renders (`auto_reload`
    is off): a template, once loaded, is looked up in a plain dict. Jinja's own cache is an LRU
    behind a lock, and each `{% include %}` asks it again (five a page, 72,000 lookups at 1,000
    digests)."""

    template_class = _QuickEscapeTemplate

    def __init__(self, messages: Messages, **options):
        super().__init__(messages, **options)
        self._loaded: dict[str, jinja2.Template] = {}

    def _load_template(self, name, globals):
        template = self._loaded.get(name)
        if template is None or globals:
            template = self._loaded[name] = super()._load_template(name, globals)
        return template


class _FoldMessages(NodeTransformer):
    def __init__(self, messages: Messages):
        self.messages = messages

    def visit_Call(self, node: nodes.Call) -> nodes.Node:
        node = self.generic_visit(node)
        if (isinstance(node.node, nodes.Name) and node.node.name == "t" and len(node.args) == 1
                and isinstance(node.args[0], nodes.Const) and isinstance(node.args[0].value, str)
                and not node.kwargs and node.dyn_args is None and node.dyn_kwargs is None
                and self.messages.has(node.args[0].value)):  # a missing key still fails where it is used
            return nodes.Const(self.messages(node.args[0].value), lineno=node.lineno)
        return node


def _binds_name(template: nodes.Template, name: str) -> bool:
    """Whether the template gives `name` a meaning of its own anywhere (then `t(…)` may not be
    the catalogue's)."""
    if any(n.name == name and n.ctx != "load" for n in template.find_all(nodes.Name)):
        return True
    if any(n.name == name for n in template.find_all(nodes.Macro)):
        return True
    if any(n.target == name for n in template.find_all(nodes.Import)):
        return True
    return any((bound[1] if isinstance(bound, tuple) else bound) == name
               for n in template.find_all(nodes.FromImport) for bound in n.names)


@jinja2.pass_context
def _rel(context, target: str) -> str:
    return context["root"] + target


