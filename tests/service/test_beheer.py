"""The owner page /beheer: the token, the reports from real searches, synonyms, CSV export."""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from indexer import IndexerSettings, IndexReport
from service import ServiceSettings, create_app
from service.config import DEFAULT_SYNONYMS
from service.owner_auth import COOKIE

from .test_analytics import wait_for

TOKEN = "geheim-beheertoken-1234567890"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@dataclass
class Owner:
    client: TestClient
    db: Path
    synonyms: Path

    def search(self, q: str, **params: str) -> dict[str, object]:
        response = self.client.get("/search", params={"q": q, **params})
        assert response.status_code == 200
        data: dict[str, object] = response.json()
        return data

    def page(self, **params: str) -> str:
        response = self.client.get("/beheer", params=params, headers=BEARER)
        assert response.status_code == 200, response.text
        return response.text


@pytest.fixture
def owner(tiny_build: tuple[IndexerSettings, IndexReport], tmp_path: Path) -> Iterator[Owner]:
    settings, _ = tiny_build
    synonyms = tmp_path / "synonyms.txt"
    shutil.copy(DEFAULT_SYNONYMS, synonyms)
    db = tmp_path / "log.sqlite3"
    app = create_app(
        ServiceSettings(
            index=settings.index_dir,
            corpus=settings.corpus_dir,
            analytics_db=db,
            admin_token=TOKEN,
            synonyms=synonyms,
        )
    )
    with TestClient(app) as client:
        yield Owner(client, db, synonyms)


def csrf_for(html: str, action: str) -> str:
    found = re.search(rf'action="{re.escape(action)}".*?name="csrf" value="([^"]+)"', html, re.S)
    assert found, f"no CSRF token in the form for {action}"
    return found[1]


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("<section", start)
    return html[start : end if end != -1 else len(html)]


# --- who may see it -------------------------------------------------------------------------------


def test_without_a_token_setting_the_page_does_not_exist(client: TestClient) -> None:
    assert client.get("/beheer").status_code == 404
    assert client.get("/beheer", headers=BEARER).status_code == 404
    assert client.post("/beheer/inloggen", data={"token": TOKEN}).status_code == 404
    assert client.get("/beheer/export.csv", headers=BEARER).status_code == 404


def test_the_page_asks_for_the_token(owner: Owner) -> None:
    response = owner.client.get("/beheer")
    assert response.status_code == 401
    assert 'name="token"' in response.text and "<svg" not in response.text
    assert response.headers["cache-control"] == "no-store"
    wrong = owner.client.get("/beheer", headers={"Authorization": "Bearer " + TOKEN[:-1] + "x"})
    assert wrong.status_code == 401 and "<svg" not in wrong.text
    assert owner.client.get("/beheer/export.csv").status_code == 401


def test_logging_in_sets_a_strict_httponly_cookie_without_the_token(owner: Owner) -> None:
    bad = owner.client.post("/beheer/inloggen", data={"token": "niet-het-token-maar-lang"})
    assert bad.status_code == 401 and "klopt niet" in bad.text
    response = owner.client.post("/beheer/inloggen", data={"token": TOKEN}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/beheer"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/beheer" in cookie
    assert "Secure" not in cookie  # plain http here: a Secure cookie would never come back
    assert TOKEN not in cookie
    page = owner.client.get("/beheer")  # the client keeps the cookie
    assert page.status_code == 200 and "<svg" in page.text
    # Logging out needs the form's CSRF token.
    assert owner.client.post("/beheer/uitloggen", data={"csrf": "1.abc"}).status_code == 403
    csrf = csrf_for(page.text, "/beheer/uitloggen")
    out = owner.client.post("/beheer/uitloggen", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303 and "Max-Age=0" in out.headers["set-cookie"]
    owner.client.cookies.clear()
    assert owner.client.get("/beheer").status_code == 401


def test_over_https_the_cookie_is_secure(
    tiny_build: tuple[IndexerSettings, IndexReport], tmp_path: Path
) -> None:
    settings, _ = tiny_build
    app = create_app(
        ServiceSettings(index=settings.index_dir, analytics_db=tmp_path / "l.sqlite3", admin_token=TOKEN)
    )
    with TestClient(app, base_url="https://zoeken.example.nl") as client:
        response = client.post("/beheer/inloggen", data={"token": TOKEN}, follow_redirects=False)
        assert response.status_code == 303 and "Secure" in response.headers["set-cookie"]


def test_a_form_sent_from_another_site_is_refused(owner: Owner) -> None:
    response = owner.client.post(
        "/beheer/inloggen", data={"token": TOKEN}, headers={"Origin": "https://kwaadaardig.example"}
    )
    assert response.status_code == 403
    cross = owner.client.post(
        "/beheer/inloggen", data={"token": TOKEN}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert cross.status_code == 403


# --- what it shows ----------------------------------------------------------------------------------


def test_the_reports_follow_real_searches(owner: Owner) -> None:
    for _ in range(3):
        owner.search("wijkteams")
    owner.search("Wijkteams ")  # the same query, normalised
    owner.search("procurementx")
    owner.search("procurementx")
    owner.search("sociaal domein")
    owner.search("sociaal domein", page="2")  # paging on: not a new search
    sid = owner.search("keukentafelgesprek")["search_id"]
    assert isinstance(sid, str)
    assert owner.client.post("/api/click", data={"search_id": sid, "position": "1"}).status_code == 204
    assert wait_for(owner.db, 9) == 9
    assert wait_for(owner.db, 1, "SELECT COUNT(*) FROM clicks") == 1

    html = owner.page()
    top = section(html, "kop-top")
    assert re.search(r">wijkteams</a></td><td>4</td>", top)
    assert top.index("wijkteams") < top.index("procurementx")
    zero = section(html, "kop-zonder")
    assert re.search(r">procurementx</a></td><td>2</td>", zero) and "wijkteams" not in zero
    assert 'name="zoekvraag" value="procurementx"' in zero  # the synonym form for it
    no_clicks = section(html, "kop-geenklik")
    assert "wijkteams" in no_clicks and "keukentafelgesprek" not in no_clicks
    assert "procurementx" not in no_clicks  # nothing to click there
    overview = section(html, "kop-overzicht")
    assert re.search(r"<dt>Zoekopdrachten</dt><dd>8</dd>", overview)  # page 2 is not a search
    bars = re.findall(r'<rect class="all"[^>]*height="([\d.]+)"', overview)
    assert len(bars) == 30 and sum(float(h) > 0 for h in bars) == 1  # one day with searches


def test_keystrokes_of_a_search_box_count_once(owner: Owner) -> None:
    previous = None
    for typed in ("wijk", "wijkte", "wijkteams"):
        params = {"replaces": previous} if previous else {}
        previous = owner.search(typed, **params)["search_id"]  # type: ignore[assignment]
    owner.search("decentralisaties", replaces=previous)  # a new topic in the same box
    assert wait_for(owner.db, 4) == 4
    top = section(owner.page(), "kop-top")
    assert ">wijkteams</a></td><td>1</td>" in top and ">decentralisaties</a></td><td>1</td>" in top
    assert ">wijk</a>" not in top and ">wijkte</a>" not in top


def test_the_owner_checking_a_query_does_not_count_it(owner: Owner) -> None:
    owner.search("procurementx")
    assert wait_for(owner.db, 1) == 1
    [href] = re.findall(r'<a href="(/\?q=procurementx[^"]*)"', section(owner.page(), "kop-zonder"))
    assert owner.client.get(href.replace("&amp;", "&")).status_code == 200
    owner.client.get("/", params={"q": "procurementx"})  # a visitor's search does count
    assert wait_for(owner.db, 2) == 2
    assert ">procurementx</a></td><td>2</td>" in section(owner.page(), "kop-zonder")


def test_the_index_status_lists_skipped_files_with_reasons(owner: Owner) -> None:
    index = section(owner.page(), "kop-index")
    assert "<code>pdf/kapot.pdf</code>" in index and "<code>pdf/geen-pdf.pdf</code>" in index
    assert "not a PDF" in index
    assert re.search(r"<dt>Documenten</dt><dd>\d+", index) and "PDF-pagina" in index
    assert "status draft" in index  # the WXR draft, skipped as a part of the export


def test_an_owner_adds_a_synonym_and_the_next_search_uses_it(owner: Owner) -> None:
    assert owner.search("procurementx")["total"] == 0
    assert wait_for(owner.db, 1) == 1
    csrf = csrf_for(owner.page(), "/beheer/synoniem")
    form = {"csrf": csrf, "dagen": "30", "zoekvraag": "procurementx", "synoniemen": "zorgcoöperatie"}
    response = owner.client.post("/beheer/synoniem", data=form, headers=BEARER, follow_redirects=False)
    assert response.status_code == 303, response.text
    assert owner.synonyms.read_text(encoding="utf-8").endswith("\nprocurementx, zorgcoöperatie\n")
    found = owner.search("procurementx")
    assert found["total"] and "Wijkteams in de praktijk" in [r["title"] for r in found["results"]]  # type: ignore[union-attr, index]
    assert "Synoniemen toegevoegd" in owner.client.get(response.headers["location"], headers=BEARER).text


@pytest.mark.parametrize(
    ("synonyms", "message"),
    [
        ("", "ten minste twee"),
        ("de, het", "alleen uit woorden"),
        ("procurementx", "ten minste twee"),
        ("# commentaar", "commentaar"),
    ],
)
def test_a_bad_synonym_line_is_refused_with_a_reason(owner: Owner, synonyms: str, message: str) -> None:
    owner.search("procurementx")
    assert wait_for(owner.db, 1) == 1
    before = owner.synonyms.read_bytes()
    csrf = csrf_for(owner.page(), "/beheer/synoniem")
    form = {"csrf": csrf, "zoekvraag": "procurementx", "synoniemen": synonyms}
    response = owner.client.post("/beheer/synoniem", data=form, headers=BEARER)
    assert response.status_code == 400
    assert message in response.text and 'role="alert"' in response.text
    assert owner.synonyms.read_bytes() == before


def test_a_synonym_needs_the_forms_csrf_token(owner: Owner) -> None:
    before = owner.synonyms.read_bytes()
    form = {"csrf": "", "zoekvraag": "procurementx", "synoniemen": "aanbesteding"}
    assert owner.client.post("/beheer/synoniem", data=form, headers=BEARER).status_code == 403
    anonymous = owner.client.post("/beheer/synoniem", data=form)
    assert anonymous.status_code == 401
    assert owner.synonyms.read_bytes() == before


def test_csv_export_neutralises_formulas(owner: Owner) -> None:
    for q in ('=HYPERLINK("http://x")', "+31 wmo", "-jeugdzorg wmo", "@som", "wijkteams"):
        owner.search(q)
    assert wait_for(owner.db, 5) == 5
    response = owner.client.get("/beheer/export.csv", params={"soort": "zoekopdrachten"}, headers=BEARER)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    table = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert table[0][:3] == ["tijd", "dag", "zoekvraag"]
    queries = sorted(row[2] for row in table[1:])
    assert queries == ["'+31 wmo", "'-jeugdzorg wmo", '\'=hyperlink("http://x")', "'@som", "wijkteams"]
    top = owner.client.get("/beheer/export.csv", params={"soort": "top"}, headers=BEARER)
    assert top.status_code == 200 and "wijkteams,1," in top.text
    assert owner.client.get("/beheer/export.csv", params={"soort": "x"}, headers=BEARER).status_code == 404


def test_the_log_switched_off_records_nothing(
    tiny_build: tuple[IndexerSettings, IndexReport], tmp_path: Path
) -> None:
    settings, _ = tiny_build
    db = tmp_path / "log.sqlite3"
    app = create_app(
        ServiceSettings(index=settings.index_dir, analytics=False, analytics_db=db, admin_token=TOKEN)
    )
    with TestClient(app) as client:
        assert client.get("/search", params={"q": "wijkteams"}).json()["search_id"] is None
        html = client.get("/beheer", headers=BEARER).text
        assert "staat uit" in html
    assert not db.exists()
