"""The WordPress source: a site's REST API, read as an anonymous visitor.

    api = find_api(fetcher, site)             # None: not WordPress, or its REST API is closed
    sync_wordpress(api, changes, since, tmp)  # fills `changes`

The API root comes from the `Link: <…>; rel="https://api.w.org/"` header, so both forms work:
`/wp-json/` with pretty permalinks and `/?rest_route=/` without. Anonymous requests only ever
see published items: drafts, private, scheduled and trashed posts answer 401 and are never
listed. Per public post type (`/wp/v2/types`, narrowed to the types the search endpoint calls
public):

1. items modified after the last sync, less a safety margin (`modified_after`, `orderby=modified`),
   or every item on a first or `--full` sync; 100 per request, `_fields` and `_embed` trimmed to
   what the index needs (author name and term names come embedded);
2. the id and link of every published item (`_fields=id,link`): a known id that is missing was
   trashed, deleted, unpublished or made private, and is dropped; a new id that step 1 did not
   return (a scheduled post that went live keeps its old modified date), or a known one whose
   link changed (a new permalink structure), is fetched with `include=`.

Password-protected items are skipped whole, title included: their title can be telling, and
the API hides their text anyway. PDFs come from the media library (`mime_type=application/pdf`)
and from same-site links in published content; `web.fetch_document` fetches them conditionally.
"""

from __future__ import annotations

import email.utils
import re
import urllib.parse
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from ..errors import Refused, SyncError
from ..http import Fetcher, Response, is_web_url
from .web import Changes, PostItem, SkippedItem, fetch_document, normalise, pdf_links, run_all

SAFETY_MARGIN = timedelta(minutes=10)
PER_PAGE = 100
POST_FIELDS = "id,date,modified_gmt,link,status,title,content,excerpt,_links,_embedded"
MEDIA_FIELDS = "id,date,source_url,mime_type"
INTERNAL_TYPES = {"attachment", "nav_menu_item"}  # and every wp_* type (blocks, templates, menus)
LINK_REL = re.compile(r'<([^>]+)>\s*;[^,]*rel="https://api\.w\.org/"')

Progress = Callable[[int, int, str], None]


class RestApi:
    def __init__(self, fetcher: Fetcher, root: str) -> None:
        self.fetcher = fetcher
        self.root = root
        self.server_time: datetime | None = None  # from the Date header of /wp/v2/types
        self.types: dict[str, Any] = {}

    def url(self, route: str, **params: Any) -> str:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None}, safe=",:")
        if "rest_route=" in self.root:  # plain permalinks: the route is a query parameter
            parts = urllib.parse.urlsplit(self.root)
            rest = urllib.parse.urlencode({"rest_route": route}, safe="/")
            return urllib.parse.urlunsplit(parts._replace(query=rest + ("&" + query if query else "")))
        return self.root.rstrip("/") + route + ("?" + query if query else "")

    def get(self, route: str, method: str = "GET", **params: Any) -> tuple[Any, Response]:
        url = self.url(route, **params)
        response = self.fetcher.get(url, method=method, accept=("application/json",))
        if response.status != 200:
            raise SyncError(f"{url}: HTTP {response.status}{_wp_error(response)}")
        return response.json(), response

    def pages(
        self, route: str, label: str, progress: Progress | None, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """Every item of a collection, 100 a request, paging by X-WP-TotalPages."""
        page, total = 1, 1
        while page <= total:
            data, response = self.get(route, per_page=PER_PAGE, page=page, **params)
            if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
                raise SyncError(f"{response.url}: expected a list of items, got {type(data).__name__}")
            total_pages = response.headers.get("X-WP-TotalPages", "1")
            total = int(total_pages) if total_pages.isdigit() else 1
            if progress:
                progress(page, max(total, page), label)
            yield from data
            page += 1


def find_api(fetcher: Fetcher, site: str) -> RestApi | None:
    """The site's REST API, or None when it has none that an anonymous visitor may read."""
    head = fetcher.get(site, method="HEAD")
    if head.status >= 500:
        raise SyncError(f"{site}: HTTP {head.status}")
    candidates = [m[1] for link in head.headers.get_all("Link") or [] for m in LINK_REL.finditer(link)]
    base = site.rstrip("/")
    candidates += [base + "/wp-json/", base + "/?rest_route=/"]
    for root in dict.fromkeys(candidates):
        root = normalise(root, site, site) or ""
        if not root or not fetcher.allowed(root):
            continue
        api = RestApi(fetcher, root)
        response = fetcher.get(api.url("/wp/v2/types"), accept=("application/json",))
        if response.status >= 500:
            raise SyncError(f"{response.url}: HTTP {response.status}{_wp_error(response)}")
        if response.status == 200 and response.content_type == "application/json":
            data = response.json()
            if isinstance(data, dict) and "post" in data:
                api.types, api.server_time = data, _date_header(response)
                return api
    return None


def public_types(api: RestApi) -> list[tuple[str, str]]:
    """(slug, route) of the post types an anonymous visitor can read, media excluded."""
    # The search endpoint lists exactly the public types as its `subtype` choices; /types also
    # holds internal ones (reusable blocks, templates, menus).
    public: set[str] | None = None
    try:
        schema, _ = api.get("/wp/v2/search", method="OPTIONS")
        enum = schema["endpoints"][0]["args"]["subtype"]["items"]["enum"]
        public = {str(slug) for slug in enum}
    except (SyncError, KeyError, IndexError, TypeError):
        public = None
    found = []
    for slug, info in sorted(api.types.items()):
        if not isinstance(info, dict) or not info.get("rest_base") or slug in INTERNAL_TYPES:
            continue
        if slug.startswith("wp_") or (public is not None and slug not in public):
            continue
        namespace = info.get("rest_namespace") or "wp/v2"
        found.append((slug, f"/{namespace}/{info['rest_base']}"))
    return found


def sync_wordpress(
    api: RestApi,
    changes: Changes,
    since: datetime | None,
    tmp: Path,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Fill `changes` from the site; returns what the next sync needs to know (build.json "sync")."""
    site = api.fetcher.site
    links: dict[str, list[str]] = {}  # post source -> the PDFs it links to
    types = public_types(api)
    after = (since - SAFETY_MARGIN).strftime("%Y-%m-%dT%H:%M:%SZ") if since else None
    for slug, route in types:
        prefix = f"wp:{route.rsplit('/', 1)[-1]}/"
        known = {
            int(s[len(prefix) :]) for s in changes.old if s.startswith(prefix) and s[len(prefix) :].isdigit()
        }
        # The ids first: an item unpublished while we list is then left out of both lists.
        listed = _listed(api.pages(route, f"{slug}: all ids", progress, _fields="id,link", orderby="id"))
        ids = set(listed)
        fetched: set[int] = set()
        listing = api.pages(
            route, f"{slug}: changed", progress, orderby="modified", order="asc", modified_after=after,
            _fields=POST_FIELDS, _embed="author,wp:term",
        )  # fmt: skip
        for post in listing:
            fetched |= _add_post(post, prefix, site, ids, changes, links)
        # A changed link without a changed post: the permalink structure or a parent page moved.
        moved = {i for i in (ids & known) - fetched if listed[i] != changes.old[f"{prefix}{i}"].get("link")}
        missing = sorted((ids - fetched - known) | moved)
        for start in range(0, len(missing), PER_PAGE):
            batch = ",".join(str(i) for i in missing[start : start + PER_PAGE])
            for post in api.pages(
                route, f"{slug}: new", progress, include=batch, _fields=POST_FIELDS, _embed="author,wp:term"
            ):
                fetched |= _add_post(post, prefix, site, ids, changes, links)
        for post_id in (ids & known) - fetched:
            source = f"{prefix}{post_id}"
            changes.unchanged(source)
            links[source] = list(changes.old[source].get("links", []))
    media: dict[str, str] = {}
    for item in api.pages(
        "/wp/v2/media",
        "PDFs in the media library",
        progress,
        mime_type="application/pdf",
        _fields=MEDIA_FIELDS,
    ):
        url = normalise(str(item.get("source_url") or ""), site, site)
        if url:
            media[url] = str(item.get("date") or "")
        elif item.get("source_url"):
            raw = str(item["source_url"])
            changes.add(SkippedItem(raw, raw, "PDF on another site or not an http(s) URL"), via="media")
    pdfs = {url: ("media", date) for url, date in media.items()}
    for url in sorted({u for found in links.values() for u in found} - pdfs.keys()):
        pdfs[url] = ("link", "")
    _fetch_pdfs(api.fetcher, pdfs, changes, tmp, progress)
    return {"api": api.root, "types": [slug for slug, _ in types]}


def _listed(items: Iterator[dict[str, Any]]) -> dict[int, str]:
    """id -> link of every item of an id listing."""
    listed: dict[int, str] = {}
    for item in items:
        try:
            listed[int(item["id"])] = str(item.get("link") or "")
        except (KeyError, TypeError, ValueError):
            raise SyncError(f"{_label('', item)}: unexpected item in an id listing ({item!r:.100})") from None
    return listed


def _add_post(
    post: dict[str, Any], prefix: str, site: str, ids: set[int], changes: Changes, links: dict[str, list[str]]
) -> set[int]:
    """Judge one item of a listing into `changes`; returns its id (none if it is not in `ids`)."""
    from ..extract.wxr import plain_title

    try:
        post_id = int(post["id"])
        link = str(post.get("link") or "")
        title, content = post["title"]["rendered"], post["content"]
        protected = bool(content.get("protected"))
        status = post.get("status", "publish")
        excerpt = str((post.get("excerpt") or {}).get("rendered") or "")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SyncError(f"{_label(prefix, post)}: unexpected item in the REST answer ({exc!r})") from None
    if post_id not in ids:
        return set()  # published after the id listing: the next sync sees it as new
    source = f"{prefix}{post_id}"
    label = link if is_web_url(link) else source
    changes.received()
    if status != "publish":  # anonymous answers hold nothing else; if a plugin leaks more, not here
        changes.add(SkippedItem(source, label, f"status {status}"), link=link)
        return {post_id}
    if protected:
        changes.add(SkippedItem(source, label, "password protected"), link=link)
        return {post_id}
    if not is_web_url(link):
        changes.add(SkippedItem(source, label, f"no http(s) link ({link[:80]!r})"), link=link)
        return {post_id}
    author, categories, tags = _embedded(post)
    markup = str(content.get("rendered") or "")
    found = pdf_links(markup, link, site)
    links[source] = found
    fields = {
        "link": link,
        "title": str(title),
        "content": markup,
        "excerpt": excerpt,
        "date": str(post.get("date") or ""),
        "author": author,
        "categories": [plain_title(c) for c in categories],
        "tags": [plain_title(t) for t in tags],
    }
    changes.add(
        PostItem(source, fields), link=link, links=found, modified=str(post.get("modified_gmt") or "")
    )
    return {post_id}


def _label(prefix: str, post: Any) -> str:
    return f"{prefix}{post.get('id', '?') if isinstance(post, dict) else '?'}"


def _embedded(post: dict[str, Any]) -> tuple[str, list[str], list[str]]:
    """Author name, category names and tag names from `_embedded` (other taxonomies count as
    categories). An author the site hides from the API gives an error object: no name then."""
    embedded = post.get("_embedded") or {}
    authors = embedded.get("author") or []
    author = str(authors[0].get("name") or "") if authors and isinstance(authors[0], dict) else ""
    categories: list[str] = []
    tags: list[str] = []
    for group in embedded.get("wp:term") or []:
        for term in group if isinstance(group, list) else []:
            if isinstance(term, dict) and term.get("name"):
                (tags if term.get("taxonomy") == "post_tag" else categories).append(str(term["name"]))
    return author, list(dict.fromkeys(categories)), list(dict.fromkeys(tags))


def _fetch_pdfs(
    fetcher: Fetcher, pdfs: dict[str, tuple[str, str]], changes: Changes, tmp: Path, progress: Progress | None
) -> None:
    """Conditional GETs of every PDF, a few at a time."""

    def one(n: int, url: str) -> None:
        via, date = pdfs[url]
        try:
            fetch_document(fetcher, url, changes, tmp, n, kinds=("pdf",), published=date, via=via)
        except Refused as exc:  # e.g. a redirect off the site
            changes.add(SkippedItem(url, url, exc.reason), via=via)

    run_all(fetcher, [partial(one, n, url) for n, url in enumerate(sorted(pdfs))], "PDFs", progress)


def _wp_error(response: Response) -> str:
    """WordPress's own error code, when the body carries one ("rest_forbidden")."""
    try:
        data = response.json()
    except (SyncError, Refused):
        return ""
    return f" ({data['code']})" if isinstance(data, dict) and isinstance(data.get("code"), str) else ""


def _date_header(response: Response) -> datetime:
    try:
        return email.utils.parsedate_to_datetime(response.headers["Date"]).astimezone(UTC)
    except (KeyError, TypeError, ValueError):
        return datetime.now(UTC)
