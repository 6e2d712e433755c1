"""A tiny corpus written by the tests: one of each source kind, with the traps of real sites.

Every text here is original. The words "menulinkwoord", "zijbalkwoord" and "voettekstwoord"
appear only in site chrome (menu, sidebar, footer), "conceptwoord" only in a draft and
"priveewoord" only in a private post: none of them may ever be found.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fpdf import FPDF

from indexer import IndexerSettings, build_index, update_index
from service.reader import load_snapshot

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

BLOG_TEMPLATE = """<!DOCTYPE html>
<html lang="nl-NL"><head><meta charset="UTF-8">
<title>{title} &#8211; Testsite</title>
<link rel="canonical" href="{url}">
<meta property="article:published_time" content="{date}T10:00:00+01:00">
<meta property="article:section" content="{category}">
<meta property="article:tag" content="{tag}">
<script>var tracker = "menulinkwoord";</script>
</head><body>
<header><nav class="main-navigation"><ul><li><a href="/">Home</a></li>
<li><a href="/menulinkwoord/">Menulinkwoord</a></li><li><a href="/contact/">Contact</a></li></ul></nav></header>
<div id="content"><main><article class="post">
<header><h1 class="entry-title">{title}</h1></header>
<div class="entry-content">{body}</div>
<footer class="entry-footer">Geplaatst in <a rel="category tag" href="/c/">{category}</a></footer>
</article>
<div id="comments"><h2>Eén reactie</h2><ol><li class="comment"><p>Een lezer zegt: reactiewoord hier.</p></li></ol></div>
</main>
<aside id="secondary" class="widget-area"><section class="widget"><h2>Recente berichten</h2>
<ul><li><a href="/x/">Zijbalkwoord en andere titels</a></li></ul></section>
<section class="widget"><h2>Tags</h2><a href="/t/">zijbalkwoord</a></section></aside></div>
<footer id="colophon"><p>Voettekstwoord &middot; Privacy</p></footer>
</body></html>
"""

BLOG_POSTS = [
    {
        "slug": "wijkteams-in-de-praktijk",
        "title": "Wijkteams in de praktijk",
        "date": "2014-03-12",
        "category": "Sociaal domein",
        "tag": "wijkteams",
        "body": (
            "<p>In de gemeente Zandvoorde werkt het sociale wijkteam sinds januari met een vaste "
            "contactpersoon per gezin. Bewoners hoeven hun verhaal niet drie keer te vertellen.</p>"
            "<h2>Wat de coöperatie doet</h2>"
            "<p>De zorgcoöperatie in de wijk regelt vervoer naar de dagbesteding en koffie in het "
            "buurthuis. Vrijwilligers en professionals werken samen aan dezelfde vraag. Zo ontstaat "
            "een netwerk dat de gemeente alleen nooit had kunnen bouwen, en dat blijft bestaan als "
            "het project is afgelopen. De aanbestedingsprocedure was kort en eenvoudig.</p>"
            "<p>Het sociaal domein vraagt om deze manier van werken: dichtbij, samen en met "
            "vertrouwen in wat bewoners zelf kunnen. Dat is de les van twee jaar oefenen.</p>"
        ),
    },
    {
        "slug": "subsidie-of-aanbesteden",
        "title": "Subsidie of aanbesteden?",
        "date": "2016-09-01",
        "category": "Inkoop en aanbesteden",
        "tag": "subsidie",
        "body": (
            "<p>Veel gemeenten twijfelen tussen subsidie en een aanbesteding. Een subsidie laat de "
            "uitvoerder vrij, een opdracht legt vast wat er geleverd wordt. Maatschappelijk "
            "aanbesteden zit daartussen: de gemeente beschrijft het probleem en vraagt de "
            "samenleving om oplossingen. De Wet maatschappelijke ondersteuning geeft daarvoor "
            "ruimte, zolang de gemeente de kwaliteit bewaakt en de financiële risico's kent. "
            "Wethouders die het proberen, zeggen dat het vooral veel gesprekken kost.</p>"
        ),
    },
]

MARKDOWN = """---
title: "Begrippen: decentralisaties"
date: 2019-04-02
url: https://voorbeeld.nl/kennisbank/decentralisaties/
categories: [Kennisbank]
tags: [decentralisaties, Wmo]
---
## De drie decentralisaties

Sinds 2015 voeren gemeenten de Jeugdwet, de Participatiewet en de Wmo 2015 uit. Deze drie
decentralisaties brachten taken, geld en verantwoordelijkheid van het Rijk naar de gemeente.
Cliënten merken dat vooral aan het keukentafelgesprek en aan de nieuwe loketten in de wijk.
Een [overzicht](https://example.org/overzicht) van de wetten staat hieronder.

| wet | doel |
|-----|------|
| Jeugdwet | jeugdhulp dichtbij |
"""

WXR = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Testsite</title><link>https://voorbeeld.nl</link>
{items}
</channel></rss>
"""

WXR_ITEM = """<item><title>{title}</title><link>https://voorbeeld.nl/{slug}/</link>
<dc:creator><![CDATA[redactie]]></dc:creator>
<content:encoded><![CDATA[{body}]]></content:encoded>
<wp:post_id>{post_id}</wp:post_id><wp:post_date>{date} 09:00:00</wp:post_date>
<wp:status>{status}</wp:status><wp:post_type>post</wp:post_type><wp:post_password></wp:post_password>
<category domain="category" nicename="participatie"><![CDATA[Participatie]]></category>
<category domain="post_tag" nicename="social-return"><![CDATA[social return]]></category>
</item>"""

WXR_BODY = (
    "<!-- wp:paragraph --><p>{word} Bij social return werken werkzoekenden mee aan een opdracht "
    "van de gemeente. Aannemers leveren een deel van de opdrachtwaarde in de vorm van banen "
    "en stages. De Participatiewet en de werkgeversdienstverlening helpen bij de match, en "
    "de gemeente controleert elk jaar of de afspraken zijn nagekomen.</p><!-- /wp:paragraph -->"
)

# Page texts of the test PDF. Each page carries a sentence found on no other page.
PDF_PAGES = [
    (
        "Inleiding",
        "Dit rapport over de proeftuin Veldhoven-Zuid beschrijft hoe bewoners en de gemeente samen "
        "een oplossing zochten voor eenzaamheid onder ouderen. De maatschappelijke opgave stond "
        "centraal, niet de bestaande regels. " * 2,
    ),
    (
        "Aanpak",
        "De blauwe fietsenwerkplaats aan de Lindelaan werd het ontmoetingspunt van de wijk. "
        "Vrijwilligers repareerden fietsen en dronken koffie met buurtbewoners die anders alleen "
        "thuis zaten. Een maatschappelijkeondersteuningsconsulent kwam elke week langs. " * 2,
    ),
    (
        "Resultaten",
        "Na een jaar kenden zevenenveertig deelnemers elkaar bij naam en was het aantal "
        "huisbezoeken van het wijkteam gehalveerd. De gemeenteraad besloot de aanpak voort te "
        "zetten en uit te breiden naar twee andere wijken. " * 2,
    ),
]
PDF_TITLE = "Proeftuin Veldhoven-Zuid"


def write_pdf(path: Path) -> None:
    pdf = FPDF(format="A4")
    pdf.set_title(PDF_TITLE)
    pdf.set_author("Testteam")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.set_auto_page_break(False)
    for number, (heading, text) in enumerate(PDF_PAGES, start=1):
        pdf.add_page()
        pdf.set_font("DejaVu", size=7)
        pdf.cell(0, 5, f"{PDF_TITLE} – rapport 2015", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=14 if number > 1 else 20)
        pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", size=10)
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(-15)
        pdf.set_font("DejaVu", size=7)
        pdf.cell(0, 5, f"Pagina {number} van {len(PDF_PAGES)}", align="C")
    pdf.output(str(path))


def write_corpus(root: Path) -> Path:
    """Write the tiny corpus under `root` and return it."""
    (root / "blog").mkdir(parents=True)
    for post in BLOG_POSTS:
        url = f"https://voorbeeld.nl/{post['date'][:4]}/{post['slug']}/"
        (root / "blog" / f"{post['slug']}.html").write_text(
            BLOG_TEMPLATE.format(url=url, **post), encoding="utf-8"
        )
    (root / "notes").mkdir()
    (root / "notes" / "decentralisaties.md").write_text(MARKDOWN, encoding="utf-8")
    # (post id, title, slug, date, status, word only this post uses)
    posts = [
        (1, "Social return werkt", "social-return-werkt", "2018-05-04", "publish", ""),
        (2, "Concept in wording", "concept", "2018-06-01", "draft", "Conceptwoord."),
        (3, "Alleen voor ons", "prive", "2018-06-02", "private", "Priveewoord."),
    ]
    items = [
        WXR_ITEM.format(
            title=title, slug=slug, post_id=n, date=date, status=status, body=WXR_BODY.format(word=word)
        )
        for n, title, slug, date, status, word in posts
    ]
    (root / "export").mkdir()
    (root / "export" / "site.xml").write_text(WXR.format(items="\n".join(items)), encoding="utf-8")
    (root / "pdf").mkdir()
    write_pdf(root / "pdf" / "proeftuin.pdf")
    (root / "pdf" / "kapot.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog")
    (root / "pdf" / "geen-pdf.pdf").write_bytes(b"dit is gewoon tekst")
    return root


def write_scan_pdf(path: Path, pages: list[list[str]]) -> None:
    """A PDF of page images with no text layer, as a scanner makes it; a page with no lines is
    a blank sheet. The text is drawn into the image, so only OCR can read it."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSerif.ttf"), 34)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    for lines in pages:
        image = Image.new("L", (1240, 1754), 255)  # A4 at 150 dpi
        draw = ImageDraw.Draw(image)
        for n, line in enumerate(lines):
            draw.text((110, 150 + 52 * n), line, fill=0, font=font)
        pdf.add_page()
        pdf.image(image, x=0, y=0, w=210, h=297)
    pdf.output(str(path))


# An original letter, typed and scanned; "buurtmoestuin" and "Heggenrode" occur nowhere else.
SCAN_LINES = [
    "Gemeente Heggenrode",
    "Aan de bewoners van de Lijsterbeslaan",
    "",
    "Geachte bewoners,",
    "",
    "Op de bewonersavond van 12 maart hebben wij met u",
    "gesproken over de buurtmoestuin achter het wijkcentrum.",
    "De gemeente stelt de grond beschikbaar en betaalt het",
    "eerste jaar de huur van de gereedschapsschuur. Een",
    "werkgroep van zes bewoners maakt een plan voor het",
    "onderhoud en de verdeling van de tuinen.",
    "",
    "Met vriendelijke groet,",
    "de wijkwethouder",
]


def damage(build: Path, suffix: str) -> None:
    """Overwrite the middle of one index file in place, as a failing disk would (same size:
    only its checksum tells)."""
    target = next(p for p in build.iterdir() if p.name.endswith(suffix))
    size = target.stat().st_size
    with target.open("r+b") as fh:
        fh.seek(size // 4)
        fh.write(b"\xa5" * (size // 2))


SITE_WORDS = ("wijkteam", "bewoners", "buurtkas", "zorg", "gemeente", "inkoop", "sociaal", "aanbesteding")


def word_posts(
    corpus: Path,
    numbers: Iterable[int],
    rng: random.Random,
    paragraphs: int = 1,
    words: tuple[int, int] = (5, 80),
) -> None:
    """Markdown posts `p<n>.md` of random site words: a corpus whose postings overlap heavily
    (long lists, several blocks, every segment holding every word)."""
    corpus.mkdir(exist_ok=True)
    for n in numbers:
        body = "\n\n".join(
            " ".join(rng.choice(SITE_WORDS) for _ in range(rng.randint(*words))) for _ in range(paragraphs)
        )
        (corpus / f"p{n}.md").write_text(f"---\ntitle: Bericht {n}\n---\n{body}\n", "utf-8")


@contextmanager
def opened(index_dir: Path) -> Iterator[Any]:
    """The served snapshot of `index_dir`, as a worker loads it, closed when the block ends."""
    snap = load_snapshot(index_dir)
    try:
        yield snap
    finally:
        snap.close()


def across_segments_and_update(tmp_path: Path, posts: int, seed: int, check: Callable[[Any], None]) -> None:
    """`check` a snapshot of `posts` word posts written by two writers (a segment each), then
    again after an update that rewrites two posts and deletes one (deleted records)."""
    corpus = tmp_path / "corpus"
    rng = random.Random(seed)
    word_posts(corpus, range(posts), rng)
    settings = IndexerSettings(corpus_dir=corpus, index_dir=tmp_path / "index", workers=1, writers=2)
    build_index(settings)
    with opened(settings.index_dir) as snap:
        assert len(snap.searcher.reader().leaf_readers()) == 2  # a segment per writer
        check(snap)
    word_posts(corpus, [1, posts // 2], rng)
    (corpus / "p2.md").unlink()
    update_index(settings)
    with opened(settings.index_dir) as snap:
        assert "p2" not in {d.source.removesuffix(".md") for d in snap.docs.values()}
        check(snap)
