"""Render the blog sources in tools/blog_src/ into saved WordPress pages in corpus/blog/.

The pages imitate what a WordPress theme serves (head metadata, header menu, sidebar with recent
posts and a tag cloud, footer, reader comments) so that the indexer meets real boilerplate.

Source format (one file per post, ``tools/blog_src/<anything>.md``)::

    ---
    title: Titel van het bericht
    date: 2014-03-12T09:30:00+01:00
    slug: titel-van-het-bericht
    author: Naam Auteur
    categories: [Sociaal domein, Wmo]
    tags: [wijkteams, decentralisaties]
    ---
    Paragraphs separated by blank lines. "## " starts a heading, "- " a list item,
    "> " a quote. **bold** is allowed.
    === reacties ===
    Naam | 2014-03-13T10:00:00+01:00 | Tekst van de reactie.

Usage: ``python tools/make_blog.py`` (rewrites corpus/blog/*.html).
"""

from __future__ import annotations

import html
import re
import sys
import zlib
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from indexer.text import dutch_date

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "tools" / "blog_src"
OUT = ROOT / "corpus" / "blog"
SITE = "https://www.maatschappelijkaanbesteden.nl"


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def parse(path: Path) -> dict:
    raw = path.read_text(encoding="utf-8")
    _, front, rest = raw.split("---", 2)
    meta = yaml.safe_load(front)
    body, _, comments = rest.partition("=== reacties ===")
    meta["body"] = body.strip()
    meta["comments"] = [
        [part.strip() for part in line.split("|", 2)]
        for line in comments.strip().splitlines()
        if line.strip()
    ]
    when = meta["date"]  # YAML reads an unquoted ISO timestamp as a datetime
    meta["date"] = when.isoformat() if hasattr(when, "isoformat") else str(when)
    meta["url"] = f"{SITE}/{meta['date'][:4]}/{meta['date'][5:7]}/{meta['slug']}/"
    return meta


def inline(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html.escape(text, quote=False))


def render_body(body: str) -> str:
    out: list[str] = []
    for block in re.split(r"\n\s*\n", body):
        lines = [line.strip() for line in block.strip().splitlines()]
        if not lines:
            continue
        if lines[0].startswith("## "):
            out.append(f"<h2>{inline(lines[0][3:])}</h2>")
            lines = lines[1:]
            if not lines:
                continue
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{inline(line[2:])}</li>" for line in lines)
            out.append(f"<ul>{items}</ul>")
        elif all(line.startswith("> ") for line in lines):
            quote = " ".join(line[2:] for line in lines)
            out.append(f'<blockquote class="wp-block-quote"><p>{inline(quote)}</p></blockquote>')
        else:
            out.append(f"<p>{inline(' '.join(lines))}</p>")
    return "\n".join(out)


def render(post: dict, posts: list[dict], tag_counts: dict[str, int]) -> str:
    e = html.escape
    recent = [p for p in sorted(posts, key=lambda p: p["date"], reverse=True) if p is not post][:5]
    recent_html = "\n".join(f'<li><a href="{e(p["url"])}">{e(p["title"])}</a></li>' for p in recent)
    cloud = " ".join(
        f'<a href="{SITE}/tag/{slugify(t)}/" class="tag-cloud-link" style="font-size:{8 + 2 * n}pt">{e(t)}</a>'
        for t, n in sorted(tag_counts.items())
    )
    cats = ", ".join(
        f'<a href="{SITE}/category/{slugify(c)}/" rel="category tag">{e(c)}</a>' for c in post["categories"]
    )
    tags = ", ".join(f'<a href="{SITE}/tag/{slugify(t)}/" rel="tag">{e(t)}</a>' for t in post["tags"])
    meta_tags = "\n".join(
        [f'<meta property="article:section" content="{e(c)}" />' for c in post["categories"]]
        + [f'<meta property="article:tag" content="{e(t)}" />' for t in post["tags"]]
    )
    comments = ""
    if post["comments"]:
        items = "\n".join(
            f'<li class="comment"><article class="comment-body"><footer class="comment-meta">'
            f'<b class="fn">{e(name)}</b> <time datetime="{e(when)}">{dutch_date(when)}</time></footer>'
            f'<div class="comment-content"><p>{e(text)}</p></div></article></li>'
            for name, when, text in post["comments"]
        )
        n = len(post["comments"])
        label = "reactie" if n == 1 else "reacties"
        comments = (
            f'<div id="comments" class="comments-area"><h2 class="comments-title">{n} {label} op '
            f'&ldquo;{e(post["title"])}&rdquo;</h2><ol class="comment-list">{items}</ol></div>'
        )
    comments += (
        '<div id="respond" class="comment-respond"><h3 id="reply-title">Geef een reactie</h3>'
        '<form action="/wp-comments-post.php" method="post" id="commentform"><p class="comment-notes">'
        'Uw e-mailadres wordt niet gepubliceerd.</p><p><label for="comment">Reactie</label>'
        '<textarea id="comment" name="comment"></textarea></p><p><input type="submit" value="Reactie plaatsen" />'
        "</p></form></div>"
    )
    return f"""<!DOCTYPE html>
<html lang="nl-NL">
<head>
<meta charset="UTF-8" />
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{e(post["title"])} &#8211; Maatschappelijk aanbesteden</title>
<link rel="canonical" href="{e(post["url"])}" />
<meta property="og:locale" content="nl_NL" />
<meta property="og:type" content="article" />
<meta property="og:title" content="{e(post["title"])}" />
<meta property="og:url" content="{e(post["url"])}" />
<meta property="og:site_name" content="Maatschappelijk aanbesteden" />
<meta property="article:published_time" content="{e(post["date"])}" />
{meta_tags}
<meta name="author" content="{e(post["author"])}" />
<link rel="stylesheet" id="twentyfifteen-style-css" href="{SITE}/wp-content/themes/twentyfifteen/style.css?ver=5.4" type="text/css" media="all" />
<script type="text/javascript" src="{SITE}/wp-includes/js/jquery/jquery.js?ver=1.12.4"></script>
</head>
<body class="post-template-default single single-post single-format-standard">
<div id="page" class="hfeed site">
<a class="skip-link screen-reader-text" href="#content">Naar de inhoud springen</a>
<header id="masthead" class="site-header" role="banner">
<div class="site-branding"><p class="site-title"><a href="{SITE}/" rel="home">Maatschappelijk aanbesteden</a></p>
<p class="site-description">Kennisplatform over samenwerken aan maatschappelijke opgaven</p></div>
<nav id="site-navigation" class="main-navigation" role="navigation"><ul id="menu-hoofdmenu" class="nav-menu">
<li class="menu-item"><a href="{SITE}/">Home</a></li>
<li class="menu-item menu-item-has-children"><a href="{SITE}/maatschappelijk-aanbesteden/">Maatschappelijk aanbesteden</a>
<ul class="sub-menu"><li class="menu-item"><a href="{SITE}/category/laatste-nieuws/">Laatste nieuws</a></li>
<li class="menu-item"><a href="{SITE}/manifest/">Manifest 2013</a></li></ul></li>
<li class="menu-item"><a href="{SITE}/category/laatste-nieuws/">Laatste nieuws</a></li>
<li class="menu-item"><a href="{SITE}/contact/">Contact</a></li>
</ul></nav>
</header>
<div id="content" class="site-content">
<div id="primary" class="content-area"><main id="main" class="site-main" role="main">
<article id="post-{zlib.crc32(post["slug"].encode()) % 9000 + 100}" class="post type-post status-publish format-standard hentry">
<header class="entry-header"><h1 class="entry-title">{e(post["title"])}</h1></header>
<div class="entry-content">
{render_body(post["body"])}
</div>
<footer class="entry-footer"><span class="posted-on">Geplaatst op <time class="entry-date published" datetime="{e(post["date"])}">{dutch_date(post["date"])}</time></span>
<span class="byline"> door <span class="author vcard"><a class="url fn n" href="{SITE}/author/{slugify(post["author"])}/">{e(post["author"])}</a></span></span>
<span class="cat-links">Categorie&euml;n: {cats}</span> <span class="tags-links">Tags: {tags}</span></footer>
</article>
<nav class="navigation post-navigation" role="navigation"><h2 class="screen-reader-text">Berichtnavigatie</h2>
<div class="nav-links"><div class="nav-previous"><a href="{SITE}/" rel="prev">Vorig bericht</a></div></div></nav>
{comments}
</main></div>
<div id="secondary" class="secondary"><div id="widget-area" class="widget-area" role="complementary">
<aside id="search-2" class="widget widget_search"><form role="search" method="get" class="search-form" action="{SITE}/">
<label><span class="screen-reader-text">Zoeken naar:</span><input type="search" class="search-field" placeholder="Zoeken &hellip;" name="s" /></label></form></aside>
<aside id="recent-posts-2" class="widget widget_recent_entries"><h2 class="widget-title">Recente berichten</h2><ul>
{recent_html}
</ul></aside>
<aside id="text-3" class="widget widget_text"><h2 class="widget-title">Nieuwsbrief</h2><div class="textwidget">
<p>Meld u aan voor het kwartaalbericht en blader door het nieuwsbriefarchief van de werkgroep.</p></div></aside>
<aside id="tag_cloud-2" class="widget widget_tag_cloud"><h2 class="widget-title">Tags</h2><div class="tagcloud">{cloud}</div></aside>
</div></div>
</div>
<footer id="colophon" class="site-footer" role="contentinfo"><div class="site-info">
<a href="{SITE}/privacyverklaring/">Privacyverklaring</a> &middot; <a href="{SITE}/sitemap/">Sitemap</a> &middot;
Trots aangedreven door WordPress &middot; Thema: Twenty Fifteen</div></footer>
</div>
<script type="text/javascript">var wpEmojiSettings = {{"baseUrl":"https:\\/\\/s.w.org\\/images\\/core\\/emoji\\/"}};</script>
</body>
</html>
"""


def main() -> int:
    posts = [parse(p) for p in sorted(SRC.glob("*.md"))]
    if not posts:
        print("no sources in", SRC, file=sys.stderr)
        return 1
    tag_counts: dict[str, int] = {}
    for post in posts:
        for tag in post["tags"]:
            tag_counts[tag] = tag_counts.get(tag, 0) + 1
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.html"):
        old.unlink()
    for post in posts:
        name = f"{post['date'][:10]}-{post['slug']}.html"
        (OUT / name).write_text(render(post, posts, tag_counts), encoding="utf-8")
    print(f"wrote {len(posts)} pages to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
