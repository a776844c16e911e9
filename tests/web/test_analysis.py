"""The analysts' and governance views in a real browser: the gaps and overlaps (#/gaps) and the
data-sharing coverage (#/sharing), compared with the same GraphQL asked over httpx, and the
API's refusals shown in its own words to the roles it refuses."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import httpx
import pytest
from graphql import build_schema
from playwright.sync_api import expect

from nhgraph.loaders.demo import PLANTED

from ..clients import GOVERNANCE, INTEGRATOR
from ..conftest import LiveServer
from .browser import Browser, Watched

SCHEMA = build_schema(
    (Path(__file__).parents[2] / "nhgraph" / "graphql" / "schema.graphql").read_text("utf-8")
)
FINDING = "question place subject name population mostDeprivedDecile detail"
OWN_COLUMNS = ["question", "place", "subject", "name", "population", "most_deprived_decile"]
COVERAGE = (
    "purpose covered agreement lawfulBasis article9Condition "
    "partnerA partnerAName partnerB partnerBName"
)
CAMDEN = "E09000007"
# The machine the tests run on may be busy: a view's answers can take seconds.
expect.set_options(timeout=60_000)


def fields(type_name: str) -> list[str]:
    """The fields of a type of the API's schema, in its order."""
    return list(SCHEMA.type_map[type_name].fields)  # type: ignore[union-attr]


QUESTIONS = [("gaps", name) for name in fields("Gaps")] + [
    ("overlaps", name) for name in fields("Overlaps")
]


def post(app: LiveServer, query: str, variables: dict[str, Any] | None, key: str | None) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    response = httpx.post(
        app.url + "/graphql",
        json={"query": query, "variables": variables or {}},
        headers=headers,
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return response.json()


def data(
    app: LiveServer, query: str, variables: dict[str, Any] | None = None, key: str = GOVERNANCE
) -> Any:
    body = post(app, query, variables, key)
    assert "errors" not in body, body["errors"]
    return body["data"]


def refusal(app: LiveServer, query: str, key: str | None) -> str:
    body = post(app, query, {}, key)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    return str(body["errors"][0]["message"])


def findings(
    app: LiveServer, key: str, place: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Every gap and overlap question's findings, as the API answers them (one a request)."""
    answered = {}
    for group, name in QUESTIONS:
        got = data(
            app,
            f"query($place: String) {{ {group}(place: $place) {{ {name} {{ {FINDING} }} }} }}",
            {"place": place},
            key,
        )
        answered[name] = got[group][name]
    return answered


def ranked(rows: list[dict[str, Any]], by: str) -> list[str]:
    """The subjects in the order the view promises: most residents first, or the most
    deprived decile first then most residents; missing figures last, ties by subject."""

    def order(row: dict[str, Any]) -> tuple[Any, ...]:
        people = row["population"] if row["population"] is not None else -1
        decile = row["mostDeprivedDecile"] if row["mostDeprivedDecile"] is not None else 99
        return (decile if by == "deprivation" else 0, -people, row["subject"])

    return [row["subject"] for row in sorted(rows, key=order)]


def sign_in(browser: Browser, app: LiveServer, key: str, path: str) -> Watched:
    """Open the view as the public, then enter the key through the key form: the app comes
    back to the view."""
    page = browser.open(app.url, path)
    page.page.wait_for_selector("body[data-view]", state="attached")
    page.page.click("#key-link")
    page.page.fill("#key-input", key)
    page.page.click("#key-submit")
    expect(page.page.locator("#signed-in-as")).to_contain_text("Signed in as")
    # The view shown again, as the key holder (the body names the view once it is shown).
    view = path.split("/")[2].split("?")[0]
    page.page.wait_for_selector(f"body[data-view='{view}']", state="attached")
    return page


def gaps_ready(page: Watched, place: str = "", rank: str = "population") -> None:
    page.page.wait_for_selector(
        f"#gaps-results[data-links='ready'][data-place='{place}'][data-rank='{rank}']",
        state="attached",
        timeout=120_000,
    )


def shown_subjects(page: Watched) -> dict[str, list[str]]:
    """Each question's rows on the page, as the subjects in their order."""
    return dict(
        page.page.evaluate(
            """() => Object.fromEntries(
                [...document.querySelectorAll('section.app-question[data-question]')]
                .map(s => [s.dataset.question,
                           [...s.querySelectorAll('tbody tr')].map(r => r.dataset.subject)]))"""
        )
    )


def map_links(page: Watched, question: str) -> dict[str, list[str]]:
    """Each row's map link in a question's table, as the LSOA codes it names."""
    hrefs = page.page.evaluate(
        """(q) => [...document.querySelectorAll(`section[data-question='${q}'] tbody tr`)]
            .map(r => [r.dataset.subject,
                       r.querySelector('a.app-map-link')?.getAttribute('href') || null])""",
        question,
    )
    links = {}
    for subject, href in hrefs:
        assert href, subject
        assert href.startswith("#/map?lsoa="), (subject, href)
        links[subject] = unquote(parse_qs(urlsplit(href[1:]).query)["lsoa"][0]).split(",")
    return links


# Gaps and overlaps --------------------------------------------------------------------------


def test_the_public_sees_the_apis_refusal_of_the_gaps_and_no_table(
    browser: Browser, app: LiveServer
) -> None:
    words = refusal(app, "{ gaps { lsoasInNoNeighbourhood { subject } } }", None)
    page = browser.open(app.url, "/#/gaps")
    page.page.wait_for_selector("#gaps-results[data-state='refused']", state="attached")
    expect(page.page.locator("#app-error")).to_be_visible()
    assert page.page.inner_text("#app-error-message") == words
    assert page.page.evaluate("document.activeElement.id") == "app-error"
    assert page.page.locator("#app-error a[href='#/key']").count() == 1
    assert page.page.locator("#view-gaps table").count() == 0
    assert page.page.locator("#gaps-form").is_hidden()
    assert page.axe() == []
    page.assert_clean()
    # The link goes to the key form; leaving the view takes the summary's key link away.
    page.page.click("#app-error a[href='#/key']")
    expect(page.page.locator("#key-input")).to_be_focused()
    assert page.page.locator("#app-error a[href='#/key']").count() == 0


def test_every_question_is_a_table_of_the_apis_findings_linked_to_the_map(
    browser: Browser, app: LiveServer
) -> None:
    expected = findings(app, GOVERNANCE)
    page = sign_in(browser, app, GOVERNANCE, "/#/gaps")
    gaps_ready(page)
    shown = shown_subjects(page)
    # One section per field of the API's Gaps and Overlaps, each with the API's rows, ranked
    # by residents.
    assert list(shown) == [name for _, name in QUESTIONS]
    for name, rows in expected.items():
        assert shown[name] == ranked(rows, "population"), name
        counted = page.page.get_attribute(
            f"section[data-question='{name}'] .app-count", "data-count"
        )
        assert counted == str(len(rows)), name
        if rows:
            caption = page.page.inner_text(f"section[data-question='{name}'] caption")
            assert "ranked by population" in caption
    total = sum(len(rows) for rows in expected.values())
    assert f"{total:,} findings" in page.page.inner_text("#gaps-summary")

    # The planted gap: the LSOA in no neighbourhood, in the place the demo plants it.
    [planted] = expected["lsoasInNoNeighbourhood"]
    assert planted["place"] == PLANTED["lsoa_in_no_neighbourhood"]["place"]
    code = planted["subject"]
    assert map_links(page, "lsoasInNoNeighbourhood") == {code: [code]}
    # A neighbourhood's row links to its LSOAs; an INT's to its neighbourhoods' LSOAs; a split
    # PCN's to the LSOAs of the neighbourhoods it spans.
    [hood] = expected["neighbourhoodsWithoutInt"]
    lsoas = data(
        app, "query($id: ID!) { neighbourhood(id: $id) { lsoas } }", {"id": hood["subject"]}
    )
    assert map_links(page, "neighbourhoodsWithoutInt") == {
        hood["subject"]: lsoas["neighbourhood"]["lsoas"]
    }
    [int_row] = expected["intsMissingCoreOffer"]
    int_hoods = data(
        app,
        "query($id: ID!) { int(id: $id) { neighbourhoods { lsoas } } }",
        {"id": int_row["subject"]},
    )["int"]["neighbourhoods"]
    assert sorted(map_links(page, "intsMissingCoreOffer")[int_row["subject"]]) == sorted(
        {code for n in int_hoods for code in n["lsoas"]}
    )
    pcn = expected["pcnsSplitAcrossNeighbourhoods"][0]
    spanned = [n["neighbourhood"] for n in pcn["detail"]["neighbourhoods"]]
    spanned_lsoas = set()
    for hood_id in spanned:
        got = data(app, "query($id: ID!) { neighbourhood(id: $id) { lsoas } }", {"id": hood_id})
        spanned_lsoas.update(got["neighbourhood"]["lsoas"])
    assert set(map_links(page, "pcnsSplitAcrossNeighbourhoods")[pcn["subject"]]) == spanned_lsoas
    # The links' lookups kept within the API's alias limit: no request was refused.
    assert page.axe() == []
    page.assert_clean()
    page.screenshot("gaps")

    # Its row opens the map with it selected; on the gaps layer it is drawn as a gap.
    page.page.click(f"section[data-question='lsoasInNoNeighbourhood'] tr[data-subject='{code}'] a")
    page.page.wait_for_selector("#map[data-state='drawn']", state="attached", timeout=180_000)
    assert page.page.evaluate("location.hash") == f"#/map?lsoa={code}"
    expect(page.page.locator("#map-panel")).to_contain_text(code)
    page.page.evaluate(f"location.hash = '#/map?lsoa={code}&layer=gaps'")
    expect(page.page.locator("#layer-gaps")).to_be_checked()
    expect(page.page.locator("#map-panel")).to_contain_text("none (a gap)")
    expect(page.page.locator("#map-legend")).to_contain_text("In no neighbourhood (a gap)")
    drawn = page.page.evaluate(
        """async (code) => {
            const map = (await import('/static/views/map.mjs')).currentMap();
            if (map.isMoving() || !map.loaded()) await new Promise(r => map.once('idle', r));
            const found = map.queryRenderedFeatures({ layers: ['lsoa-fill'] })
                .filter(f => f.properties.id === code);
            return [found.length, found.length ? found[0].properties.neighbourhoodCount : null,
                    JSON.stringify(map.getPaintProperty('lsoa-fill', 'fill-color'))];
        }""",
        code,
    )
    assert drawn[0] >= 1
    assert drawn[1] == 0
    assert '"neighbourhoodCount"],0]' in drawn[2]  # the gaps layer's rule colours it
    page.assert_clean()


def test_the_place_filter_asks_the_api_for_the_place_and_ranking_orders_the_rows(
    browser: Browser, app: LiveServer
) -> None:
    page = sign_in(browser, app, INTEGRATOR, "/#/gaps")
    gaps_ready(page)
    london = shown_subjects(page)
    page.page.select_option("#gaps-place", CAMDEN)
    page.page.select_option("#gaps-rank", "deprivation")
    page.page.click("#gaps-submit")
    gaps_ready(page, CAMDEN, "deprivation")
    assert page.page.evaluate("location.hash") == f"#/gaps?place={CAMDEN}&rank=deprivation"
    expected = findings(app, INTEGRATOR, CAMDEN)
    shown = shown_subjects(page)
    for name, rows in expected.items():
        assert shown[name] == ranked(rows, "deprivation"), name
    # Camden holds the planted LSOA in no neighbourhood, and fewer rows than London.
    assert len(shown["lsoasInNoNeighbourhood"]) == 1
    assert sum(map(len, shown.values())) < sum(map(len, london.values()))
    caption = page.page.inner_text("section[data-question='pcnsSplitAcrossInts'] caption")
    assert "in Camden, ranked by deprivation" in caption
    assert page.axe() == []
    # Ranking by deprivation puts the most deprived decile first, where rows differ.
    deciles = page.page.evaluate(
        """() => [...document.querySelectorAll(
                "section[data-question='neighbourhoodsSplitAcrossPcns'] tbody tr")]
            .map(r => r.children[3].textContent)"""
    )
    numbers = [int(d) for d in deciles if d != "unknown"]
    assert numbers == sorted(numbers)
    # Back goes to London ranked by population, as the route said.
    page.page.go_back()
    gaps_ready(page)
    assert shown_subjects(page) == london
    assert page.page.input_value("#gaps-place") == ""
    page.assert_clean()


@pytest.mark.parametrize(
    ("route", "says"),
    [
        ("#/gaps?place=E09999999", 'No London place has the code "E09999999"'),
        ("#/gaps?rank=alphabet", 'not "alphabet"'),
    ],
)
def test_a_route_the_view_cannot_answer_says_why(
    browser: Browser, app: LiveServer, route: str, says: str
) -> None:
    page = sign_in(browser, app, GOVERNANCE, "/#/gaps")
    gaps_ready(page)
    page.page.evaluate(f"location.hash = '{route}'")
    expect(page.page.locator("#app-error-message")).to_contain_text(says)
    assert page.page.locator("#view-gaps table").count() == 0
    page.assert_clean()


def test_the_csv_downloads_hold_the_findings_quoted_and_neutralised(
    browser: Browser, app: LiveServer
) -> None:
    expected = findings(app, GOVERNANCE)
    page = sign_in(browser, app, GOVERNANCE, "/#/gaps")
    gaps_ready(page)
    name = "pcnsSplitAcrossNeighbourhoods"
    with page.page.expect_download() as info:
        page.page.click(f"button[data-csv='{name}']")
    download = info.value
    assert download.suggested_filename == f"nhgraph-{name}-london.csv"
    text = Path(download.path()).read_text("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    assert header[: len(OWN_COLUMNS)] == OWN_COLUMNS
    assert "pcn_name" in header
    assert "practices" in header
    assert "neighbourhoods" not in header  # a list of records is not a scalar field
    assert len(body) == len(expected[name])
    # A real name with a comma survives the round trip, in its own column.
    named = {row[2]: row[3] for row in body}
    with_comma = [r for r in expected[name] if "," in (r["name"] or "")]
    assert with_comma, "the demo's PCN names include commas"
    for row in with_comma:
        assert named[row["subject"]] == row["name"]
    assert '"' + with_comma[0]["name"] + '"' in text

    with page.page.expect_download() as info:
        page.page.click("#gaps-csv-all")
    every = list(
        csv.reader(io.StringIO(Path(info.value.path()).read_text("utf-8-sig"), newline=""))
    )
    assert len(every) - 1 == sum(len(rows) for rows in expected.values())
    assert {row[0] for row in every[1:]} == {
        rows[0]["question"] for rows in expected.values() if rows
    }

    # A hostile finding, through the page's own CSV function: quotes, commas and line breaks
    # quoted, and a formula made text.
    hostile = page.page.evaluate(
        """async () => (await import('/static/views/gaps.mjs')).csvFor([{
            question: 'q', place: null, subject: '=HYPERLINK("http://evil.example","click")',
            name: 'Smith, "Jo"\\nline two', population: -5, mostDeprivedDecile: null,
            detail: { note: '+SUM(A1:A2)', who: '@cmd', dash: '-1+1', list: ['a', 'b'],
                      nested: [{ a: 1 }] } }])"""
    )
    [head, row] = list(csv.reader(io.StringIO(hostile, newline="")))
    assert head == [*OWN_COLUMNS, "note", "who", "dash", "list"]
    assert row[2] == '\'=HYPERLINK("http://evil.example","click")'
    assert row[3] == 'Smith, "Jo"\nline two'
    assert row[4] == "-5"  # a number is a number, not a formula
    assert row[6:] == ["'+SUM(A1:A2)", "'@cmd", "'-1+1", "a; b"]
    assert hostile.endswith("\r\n")
    page.assert_clean()


# Data-sharing coverage ----------------------------------------------------------------------

SHARING_QUERY = "{ agreementsExpiring(days: 90) { subject } }"
EXPIRING = f"{{ agreementsExpiring(days: 90) {{ {FINDING} }} }}"
OUTSIDE = f"query($p: String) {{ partnersOutsideAgreements(place: $p) {{ {FINDING} }} }}"
PLACE_COVERAGE = f"query($p: String) {{ dataSharingCoverage(place: $p) {{ {COVERAGE} }} }}"
INT_COVERAGE = f"query($i: String) {{ dataSharingCoverage(int: $i) {{ {COVERAGE} }} }}"
PURPOSES = ["DIRECT_CARE", "POPULATION_HEALTH_MANAGEMENT", "PLANNING", "RESEARCH", "SAFEGUARDING"]


def assert_refused(page: Watched, words: str, secret_words: list[str]) -> None:
    page.page.wait_for_selector("#sharing-results[data-state='refused']", state="attached")
    assert page.page.inner_text("#app-error-message") == words
    assert page.page.locator("#app-error a[href='#/key']").count() == 1
    assert page.page.locator("#view-sharing table").count() == 0
    html = page.page.content()
    for secret in secret_words:
        assert secret not in html


def test_the_public_and_an_integrator_see_the_apis_refusal_and_no_agreement(
    browser: Browser, app: LiveServer
) -> None:
    expiring = [f["subject"] for f in data(app, SHARING_QUERY)["agreementsExpiring"]]
    coverage = data(app, f'{{ dataSharingCoverage(place: "{CAMDEN}") {{ {COVERAGE} }} }}')
    agreements = sorted({p["agreement"] for p in coverage["dataSharingCoverage"] if p["agreement"]})
    assert expiring
    assert agreements
    public = browser.open(app.url, f"/#/sharing?place={CAMDEN}")
    assert_refused(public, refusal(app, SHARING_QUERY, None), expiring + agreements)
    assert public.axe() == []
    public.assert_clean()

    camden = sign_in(browser, app, INTEGRATOR, f"/#/sharing?place={CAMDEN}")
    expect(camden.page.locator("#signed-in-as")).to_contain_text("integrator")
    camden.page.wait_for_selector("#app-error:not([hidden])", state="attached")
    assert_refused(camden, refusal(app, SHARING_QUERY, INTEGRATOR), expiring + agreements)
    assert "governance and admin" in camden.page.inner_text("#app-error-message")
    assert camden.axe() == []
    camden.assert_clean()
    camden.screenshot("sharing-refused")


def matrix_on_page(page: Watched) -> dict[str, Any]:
    return dict(
        page.page.evaluate(
            """() => {
                const table = document.querySelector('#sharing-matrix');
                const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent);
                const rows = [...table.querySelectorAll('tbody tr')].map(r => ({
                    pair: r.dataset.pair, missing: Number(r.dataset.missing),
                    cells: [...r.querySelectorAll('td')].map(td => td.textContent),
                    tags: [...r.querySelectorAll('td .nhsuk-tag')].map(t => t.className) }));
                const count = document.querySelector('#sharing-missing').dataset.missingPairs;
                return { heads, rows, count };
            }"""
        )
    )


def test_governance_sees_the_coverage_matrix_with_the_planted_missing_pair(
    browser: Browser, app: LiveServer
) -> None:
    place = PLANTED["vcfse_outside_every_agreement"]["place"]
    pairs = data(app, PLACE_COVERAGE, {"p": place})["dataSharingCoverage"]
    expiring = data(app, EXPIRING)["agreementsExpiring"]
    outside = data(
        app,
        OUTSIDE,
        {"p": place},
    )["partnersOutsideAgreements"]
    by_pair: dict[str, dict[str, dict[str, Any]]] = {}
    for pair in pairs:
        by_pair.setdefault(f"{pair['partnerA']} {pair['partnerB']}", {})[pair["purpose"]] = pair
    missing_pairs = {
        k for k, cells in by_pair.items() if any(not c["covered"] for c in cells.values())
    }
    # The planted VCFSE can share with no partner, for any purpose.
    vcfse = next(o["subject"] for o in outside if o["detail"]["kind"] == "vcfse")
    planted = [k for k in by_pair if vcfse in k.split(" ")]
    assert planted
    assert all(not c["covered"] for k in planted for c in by_pair[k].values())

    page = sign_in(browser, app, GOVERNANCE, "/#/sharing")
    page.page.wait_for_selector("#sharing-results[data-state='ready']", state="attached")
    assert page.page.locator("#sharing-choose").is_visible()
    page.page.select_option("#sharing-place", place)
    page.page.click("#sharing-submit")
    page.page.wait_for_selector(
        f"#sharing-results[data-state='ready'][data-place='{place}']", state="attached"
    )
    assert page.page.evaluate("location.hash") == f"#/sharing?place={place}"
    shown = matrix_on_page(page)
    purposes = sorted({p["purpose"] for p in pairs}, key=PURPOSES.index)
    assert shown["heads"][0] == "Partners"
    assert [h.upper().replace(" ", "_") for h in shown["heads"][1:]] == purposes
    assert {row["pair"] for row in shown["rows"]} == set(by_pair)
    assert shown["count"] == str(len(missing_pairs))
    # Uncovered pairs first: those missing most purposes first.
    missing = [row["missing"] for row in shown["rows"]]
    assert missing == sorted(missing, reverse=True)
    assert missing[0] == len(purposes)
    # Every cell says in words what the API says: the agreement and its legal grounds, or
    # Missing, with a green or red tag.
    for row in shown["rows"]:
        for purpose, text, tag in zip(purposes, row["cells"], row["tags"], strict=True):
            pair = by_pair[row["pair"]][purpose]
            if pair["covered"]:
                assert text.startswith(f"Covered by {pair['agreement']} (Article 6(1)"), text
                assert "nhsuk-tag--green" in tag
            else:
                assert text == "Missing"
                assert "nhsuk-tag--red" in tag
    planted_row = next(r for r in shown["rows"] if r["pair"] == planted[0])
    assert set(planted_row["cells"]) == {"Missing"}
    covered = next(p for p in pairs if p["covered"])
    assert covered["agreement"] in page.page.inner_text("#sharing-matrix")

    def subjects(table: str) -> list[str]:
        return list(
            page.page.evaluate(
                f"[...document.querySelectorAll('#{table} tbody tr')].map(r => r.dataset.subject)"
            )
        )

    assert subjects("sharing-expiring") == [f["subject"] for f in expiring]
    assert subjects("sharing-outside") == [f["subject"] for f in outside]
    assert vcfse in subjects("sharing-outside")
    assert page.axe() == []
    page.assert_clean()
    page.screenshot("sharing")

    # One INT of the place: its own pairs, and the place chosen for it.
    int_id = data(
        app, "query($p: String) { ints(place: $p, first: 1) { nodes { id } } }", {"p": place}
    )["ints"]["nodes"][0]["id"]
    int_pairs = data(app, INT_COVERAGE, {"i": int_id})["dataSharingCoverage"]
    page.page.select_option("#sharing-int", int_id)
    page.page.click("#sharing-submit")
    page.page.wait_for_selector(
        f"#sharing-results[data-state='ready'][data-int='{int_id}']", state="attached"
    )
    assert page.page.evaluate("location.hash") == f"#/sharing?int={int_id}"
    assert page.page.input_value("#sharing-place") == place
    shown = matrix_on_page(page)
    assert {r["pair"] for r in shown["rows"]} == {
        f"{p['partnerA']} {p['partnerB']}" for p in int_pairs
    }
    assert page.axe() == []
    # An INT no one has is refused in words.
    page.page.evaluate("location.hash = '#/sharing?int=no-such-int'")
    expect(page.page.locator("#app-error-message")).to_contain_text(
        'No INT has the id "no-such-int"'
    )
    assert page.page.locator("#view-sharing table").count() == 0
    page.assert_clean()
