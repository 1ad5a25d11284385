"""The website: ``d2lbook build html``.

``build_html(book, refs, out_dir, results=None, diags=None, changed=None)`` writes one
page per section (all tabs on one page, switched in the browser), the chapter and
book index pages, a bibliography, a search page with its substring index (:mod:`.search`), and every
asset the pages need (no request leaves the site). See :mod:`.build`.
"""

from d2lbook.outputs.html.build import BuildReport, build_html
from d2lbook.outputs.html.search import index_site

__all__ = ["build_html", "BuildReport", "index_site"]
