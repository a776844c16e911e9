"""Edit the map (``#/edit``) in a real browser, on London, through the API's own mutations.

Each edit is checked first (the mutation's dry run: the page shows what would change and the
graph is unchanged, by Cypher) and then made (the graph has it); a refusal is shown in the
API's words, compared with what the API answers the same mutation over HTTP. Every test that
makes a change puts London back as it was in a ``finally``, since the other modules of
tests/web read the same London.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from nhgraph.schema import vocabulary as v
from nhgraph.store import db

from ..clients import ADMIN, GOVERNANCE, INTEGRATOR
from ..conftest import LiveServer
from .browser import Browser, Watched

CAMDEN, HACKNEY = "E09000007", "E09000012"

RESULT = """fragment R on EditResult { __typename
  ... on EditDone { edit committed changes warnings { rule severity node path value message } }
  ... on EditRefused { code message rules { rule severity node path value message } } }"""
MOVE = (
    "mutation($l: [String!]!, $f: ID!, $t: ID!, $d: Boolean!) { result: moveLsoas(lsoas: $l, "
    "fromNeighbourhood: $f, toNeighbourhood: $t, dryRun: $d) { ...R } } " + RESULT
)
ADD_TEAM = (
    "mutation($i: ID!, $t: ID!, $tier: Tier!, $d: Boolean!) { result: addTeamToInt(int: $i, "
    "team: $t, tier: $tier, dryRun: $d) { ...R } } " + RESULT
)
ALIGN = (
    "mutation($i: ID!, $s: String!, $p: ID!, $n: Float!, $d: Boolean!) { result: "
    "alignSpecialist(int: $i, specialty: $s, provider: $p, sessionsPerWeek: $n, dryRun: $d) "
    "{ ...R } } " + RESULT
)


def api(app: LiveServer, query: str, variables: dict[str, Any], key: str | None) -> Any:
    """The API's whole answer (data or errors) to a query, as the key's holder."""
    response = httpx.post(
        f"{app.url}/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {key}"} if key else {},
        timeout=120,
    )
    assert response.status_code == 200, response.text
    return response.json()


def footprints(london: db.Database, place: str) -> dict[str, set[str]]:
    """Each neighbourhood of the place and the LSOAs it covers, as the graph holds them."""
    rows = london.read(
        "MATCH (n:Neighbourhood)-[:IN_PLACE]->(:Place {id: $place}) "
        "RETURN n.id AS id, COLLECT { MATCH (n)-[:COVERS]->(l:Lsoa) RETURN l.id } AS lsoas",
        {"place": place},
    )
    return {row["id"]: set(row["lsoas"]) for row in rows}


def name_of(london: db.Database, label: str, node_id: str) -> str:
    [row] = london.read(f"MATCH (n:{label} {{id: $id}}) RETURN n.name AS name", {"id": node_id})
    return str(row["name"])


#: The tabs a test opened, closed when it ends (a map left drawing in software costs the
#: next test's edits their time on a small machine).
OPENED: list[Watched] = []


@pytest.fixture(autouse=True)
def _close_tabs() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().page.context.close()


def open_tab(browser: Browser, app: LiveServer, path: str) -> Watched:
    page = browser.open(app.url, path)
    OPENED.append(page)
    return page


def sign_in(browser: Browser, app: LiveServer, key: str) -> Watched:
    """A new tab signed in through the key form."""
    page = open_tab(browser, app, "/#/key")
    page.page.fill("#key-input", key)
    page.page.click("#key-submit")
    expect(page.page.locator("#signed-in-as")).to_contain_text("Signed in as")
    # The key form then goes back to the view the tab came from (the map).
    expect(page.page).to_have_url(re.compile(r"#/map$"))
    return page


def visit(page: Watched, app: LiveServer, route: str) -> None:
    page.page.goto(f"{app.url}/#/{route}")


def open_edit(page: Watched, app: LiveServer, route: str) -> None:
    """Open an edit form and wait until it is drawn."""
    visit(page, app, route)
    page.page.locator("#edit-form-title").wait_for()
    page.page.locator("form.app-edit-form").wait_for()


def refusal_shown(page: Watched) -> dict[str, Any]:
    """The refusal the page shows: its message, its rules' words, and where focus is."""
    box = page.page.locator("#edit-error")
    expect(box).to_be_visible()
    expect(box).to_contain_text("Nothing was changed.")
    return {
        "title": box.locator(".nhsuk-error-summary__title").inner_text(),
        "message": box.locator(".app-edit-refusal-message").inner_text(),
        "code": box.locator(".app-edit-refusal-message").get_attribute("data-code"),
        "rules": box.locator(".app-edit-rules li").all_inner_texts(),
        "focused": page.page.evaluate("document.activeElement && document.activeElement.id"),
    }


def preview_changes(page: Watched, form: str) -> list[str]:
    preview = page.page.locator(f"#{form}-preview")
    preview.wait_for()
    return preview.locator(".app-edit-changes li").all_inner_texts()


def move_back(app: LiveServer, lsoas: list[str], now_in: str, back_to: str) -> None:
    """Put LSOAs back where they were, through the API (as an administrator)."""
    body = api(app, MOVE, {"l": lsoas, "f": now_in, "t": back_to, "d": False}, ADMIN)
    assert body["data"]["result"]["__typename"] == "EditDone", body


@pytest.fixture
def camden(london: db.Database) -> Iterator[dict[str, set[str]]]:
    """Camden's footprints; the test must leave them as they were."""
    before = footprints(london, CAMDEN)
    assert len(before) >= 2
    yield before
    assert footprints(london, CAMDEN) == before, "the test left Camden's footprints changed"


def test_without_a_key_the_edit_view_says_edits_need_an_integrators_key(
    browser: Browser, app: LiveServer
) -> None:
    page = open_tab(browser, app, "/#/edit")
    note = page.page.locator("#edit-need-key")
    expect(note).to_contain_text(
        "Edits to the map need an integrator\N{RIGHT SINGLE QUOTATION MARK}s key"
    )
    assert note.locator("a").get_attribute("href") == "#/key"
    assert page.page.locator("#view-edit form").count() == 0
    assert page.axe() == []
    page.assert_clean()
    # A key that may not edit (governance) is told so, in the same words.
    governance = sign_in(browser, app, GOVERNANCE)
    visit(governance, app, "edit")
    expect(governance.page.locator("#edit-need-key")).to_contain_text("may not edit the map")
    governance.assert_clean()


def test_an_area_chosen_on_the_map_is_checked_then_moved_and_the_map_draws_it(
    browser: Browser, app: LiveServer, london: db.Database, camden: dict[str, set[str]]
) -> None:
    source, target = sorted(camden)[:2]
    lsoa = sorted(camden[source] - camden[target])[0]
    page = sign_in(browser, app, INTEGRATOR)
    # The key may edit Camden, named as the graph names it.
    open_edit(page, app, "edit")
    expect(page.page.locator("#edit-places")).to_contain_text(
        f"{name_of(london, 'Place', CAMDEN)} ({CAMDEN})"
    )

    # Chosen on the map: the panel's button adds it, and the map outlines it (the selection
    # layer: the area selected, and those chosen); Remove takes it off.
    visit(page, app, f"map?lsoa={lsoa}")
    page.page.wait_for_selector("#map[data-state='drawn']", timeout=120_000)
    add = page.page.locator("#map-panel-add")
    add.click()
    count = page.page.locator("#map-selection-count")
    expect(count).to_have_text("1 area chosen to move")
    expect(add).to_have_text("Added to the areas to move")
    assert page.axe() == []
    other = sorted(camden[source] - {lsoa})[0]
    page.page.fill("#map-find-lsoa", other)
    page.page.click("#map-find-form button[type=submit]")
    expect(page.page.locator("#map-panel")).to_contain_text(other)
    outlined = (
        "async () => { const m = await import('/static/views/map.mjs');"
        " const s = m.currentMap().getSource('selection');"
        " const d = s.getData ? await s.getData() : s.serialize().data;"
        " return d.features.map(f => [f.id, f.properties.selected]); }"
    )
    assert sorted(page.page.evaluate(outlined)) == sorted([[lsoa, False], [other, True]])
    page.page.get_by_role("button", name=f"Remove {lsoa} from the areas to move").click()
    expect(count).to_have_text("0 areas chosen to move")
    assert page.page.evaluate(outlined) == [[other, True]]
    page.page.fill("#map-find-lsoa", lsoa)
    page.page.click("#map-find-form button[type=submit]")
    expect(page.page.locator("#map-panel")).to_contain_text(name_of(london, "Lsoa", lsoa))
    add.click()
    expect(count).to_have_text("1 area chosen to move")

    # The move form lists it, where it is now, and the neighbourhoods of the same place.
    page.page.click("[data-nav=edit]")
    row = page.page.locator(f"#move-areas tr[data-lsoa='{lsoa}']")
    expect(row).to_contain_text(name_of(london, "Lsoa", lsoa))
    expect(row.locator(".app-edit-from")).to_contain_text(name_of(london, "Neighbourhood", source))
    offered = page.page.eval_on_selector_all(
        "#move-to option", "os => os.map(o => o.value).filter(Boolean)"
    )
    assert sorted(offered) == sorted(set(camden) - {source})
    page.page.select_option("#move-to", target)
    assert page.axe() == []

    # Check: the page shows the API's dry run; the graph is unchanged.
    page.page.click("#move-check")
    shown = preview_changes(page, "move")
    expected = api(app, MOVE, {"l": [lsoa], "f": source, "t": target, "d": True}, INTEGRATOR)
    assert shown == expected["data"]["result"]["changes"]
    assert any(lsoa in line and source in line for line in shown)
    assert footprints(london, CAMDEN) == camden
    page.screenshot("edit-check")

    try:
        # Make: the graph now has it in the target, with the Edit record the page names.
        page.page.click("#move-make")
        done = page.page.locator("#move-done")
        expect(done).to_contain_text("Change made")
        edit_id = done.locator(".app-edit-id").inner_text()
        after = footprints(london, CAMDEN)
        assert lsoa in after[target]
        assert lsoa not in after[source]
        [record] = london.read(
            "MATCH (e:Edit {id: $id}) RETURN e.action AS action, e.by AS by", {"id": edit_id}
        )
        assert record["action"] == "move_lsoas"
        # The areas moved are no longer chosen to move.
        expect(page.page.locator("#map-selection-count")).to_have_text("0 areas chosen to move")
        page.screenshot("edit-done")

        # The map draws it: the panel names the new neighbourhood, and so does its data.
        page.page.click("#move-see-map")
        panel = page.page.locator("#map-panel")
        expect(panel).to_contain_text(lsoa)
        expect(panel).to_contain_text(name_of(london, "Neighbourhood", target))
        source_data = (
            "code => import('/static/views/map.mjs').then(m => m.currentMap()"
            ".querySourceFeatures('lsoas', {filter: ['==', ['get', 'id'], code]})"
            ".map(f => f.properties.neighbourhood))"
        )
        deadline = time.monotonic() + 30
        while set(page.page.evaluate(source_data, lsoa)) != {target}:
            assert time.monotonic() < deadline, page.page.evaluate(source_data, lsoa)
            time.sleep(0.5)
        page.assert_clean()
    finally:
        if lsoa in footprints(london, CAMDEN)[target]:
            move_back(app, [lsoa], target, source)


def test_a_move_that_breaks_a_rule_is_refused_in_the_rules_words(
    browser: Browser, app: LiveServer, london: db.Database, camden: dict[str, set[str]]
) -> None:
    # An administrator may edit anywhere, but the shapes refuse a Camden LSOA in a Hackney
    # neighbourhood (nhgsh:Neighbourhood-lsoa-in-place, a Violation): asked of the API first.
    source = sorted(camden)[0]
    lsoa = sorted(camden[source])[0]
    hackney = sorted(footprints(london, HACKNEY))[0]
    variables = {"l": [lsoa], "f": source, "t": hackney, "d": True}
    answer = api(app, MOVE, variables, ADMIN)["data"]["result"]
    assert answer["__typename"] == "EditRefused"
    assert answer["code"] == "rule_broken"
    assert any(r["severity"] == "Violation" for r in answer["rules"])

    page = sign_in(browser, app, ADMIN)
    open_edit(page, app, f"edit?lsoas={lsoa}&from={source}&to={hackney}")
    expect(page.page.locator("#edit-places")).to_contain_text("every place")
    assert page.page.input_value("#move-to") == hackney
    page.page.click("#move-check")
    shown = refusal_shown(page)
    assert shown["focused"] == "edit-error"
    assert shown["message"] == answer["message"]
    assert shown["code"] == "rule_broken"
    assert len(shown["rules"]) == len(answer["rules"])
    for text, rule in zip(shown["rules"], answer["rules"], strict=True):
        assert rule["message"] in text
        assert rule["node"] in text  # the record it names
        assert rule["value"].split("/")[-1] in text  # and the value it names
    assert footprints(london, CAMDEN) == camden
    assert hackney not in page.page.locator("#move-outcome").inner_text()
    assert page.axe() == []
    page.assert_clean()
    page.screenshot("edit-refused")


def test_a_move_that_would_empty_a_neighbourhood_is_refused_and_nothing_changes(
    browser: Browser, app: LiveServer, london: db.Database, camden: dict[str, set[str]]
) -> None:
    source, target = sorted(camden, key=lambda hood: len(camden[hood]))[:2]
    every_lsoa = sorted(camden[source])
    answer = api(app, MOVE, {"l": every_lsoa, "f": source, "t": target, "d": True}, INTEGRATOR)
    answer = answer["data"]["result"]
    assert answer["__typename"] == "EditRefused"

    page = sign_in(browser, app, INTEGRATOR)
    open_edit(page, app, f"edit?lsoas={','.join(every_lsoa)}&from={source}")
    expect(page.page.locator("#move-areas caption")).to_have_text(
        f"{len(every_lsoa)} areas chosen to move"
    )
    page.page.select_option("#move-to", target)
    page.page.click("#move-check")
    shown = refusal_shown(page)
    assert shown["message"] == answer["message"]
    assert shown["code"] == answer["code"]
    assert footprints(london, CAMDEN) == camden
    page.assert_clean()


def test_a_camden_key_cannot_move_hackneys_areas(
    browser: Browser, app: LiveServer, london: db.Database
) -> None:
    hackney = footprints(london, HACKNEY)
    source, target = sorted(hackney)[:2]
    lsoa = sorted(hackney[source] - hackney[target])[0]
    answer = api(app, MOVE, {"l": [lsoa], "f": source, "t": target, "d": True}, INTEGRATOR)
    answer = answer["data"]["result"]
    assert answer["code"] == "outside_your_places"

    page = sign_in(browser, app, INTEGRATOR)
    open_edit(page, app, f"edit?lsoas={lsoa}&from={source}")
    offered = page.page.eval_on_selector_all(
        "#move-to option", "os => os.map(o => o.value).filter(Boolean)"
    )
    assert sorted(offered) == sorted(set(hackney) - {source})
    page.page.select_option("#move-to", target)
    page.page.click("#move-check")
    shown = refusal_shown(page)
    assert shown["message"] == answer["message"]
    assert shown["code"] == "outside_your_places"
    expect(page.page.locator("#edit-error .app-edit-yours")).to_have_text(
        f"Your key may edit only {name_of(london, 'Place', CAMDEN)} ({CAMDEN})."
    )
    assert page.page.locator("#move-make").count() == 0
    assert footprints(london, HACKNEY) == hackney
    assert page.axe() == []
    page.assert_clean()
    page.screenshot("edit-outside")


def membership(london: db.Database, team: str, int_id: str) -> list[dict[str, Any]]:
    return [
        dict(row)
        for row in london.read(
            "MATCH (m:Membership)-[:MEMBER]->(:Team {id: $team}), (m)-[:OF_INT]->(:Int {id: $int}) "
            "RETURN m.id AS id, m.tier AS tier",
            {"team": team, "int": int_id},
        )
    ]


def test_a_team_is_added_to_an_int_with_a_tier_checked_then_made(
    browser: Browser, app: LiveServer, london: db.Database
) -> None:
    # A team of one Camden INT that another Camden INT does not have.
    rows = london.read(
        "MATCH (i:Int)-[:IN_PLACE]->(:Place {id: $place}) "
        "RETURN i.id AS id, COLLECT { MATCH (m:Membership)-[:OF_INT]->(i), (m)-[:MEMBER]->(t:Team) "
        "RETURN t.id } AS teams ORDER BY i.id",
        {"place": CAMDEN},
    )
    int_id, other = rows[0]["id"], rows[1]["id"]
    team = sorted(set(rows[1]["teams"]) - set(rows[0]["teams"]))[0]
    team_name = name_of(london, "Team", team)
    assert membership(london, team, int_id) == []

    page = sign_in(browser, app, INTEGRATOR)
    open_edit(page, app, "edit?action=team")
    ints = page.page.eval_on_selector_all(
        "#team-int option", "os => os.map(o => o.value).filter(Boolean)"
    )
    assert sorted(ints) == [row["id"] for row in rows]
    assert other in ints
    page.page.select_option("#team-int", int_id)
    page.page.fill("#team-team-search", team_name)
    page.page.locator("#team-team-search").press("Enter")
    expect(page.page.locator("#team-team-found")).to_contain_text("found")
    page.page.select_option("#team-team", team)
    page.page.select_option("#team-tier", "TAILORED")
    page.page.click("#team-check")
    shown = preview_changes(page, "team")
    variables = {"i": int_id, "t": team, "tier": "TAILORED", "d": True}
    assert shown == api(app, ADD_TEAM, variables, INTEGRATOR)["data"]["result"]["changes"]
    assert membership(london, team, int_id) == []
    try:
        page.page.click("#team-make")
        expect(page.page.locator("#team-done")).to_contain_text("Change made")
        [made] = membership(london, team, int_id)
        assert made["tier"] == "tailored"
        page.assert_clean()
    finally:
        london.write(
            "MATCH (m:Membership)-[:MEMBER]->(:Team {id: $team}), (m)-[:OF_INT]->(:Int {id: $int}) "
            "DETACH DELETE m",
            {"team": team, "int": int_id},
        )
    assert membership(london, team, int_id) == []


def test_a_team_form_left_empty_or_with_a_date_the_api_cannot_read_is_refused(
    browser: Browser, app: LiveServer, london: db.Database
) -> None:
    page = sign_in(browser, app, INTEGRATOR)
    open_edit(page, app, "edit?action=team")
    # Nothing chosen: the page names each field left empty, and asks nothing of the API.
    asked = len([url for url in page.requests if url.endswith("/graphql")])
    page.page.click("#team-check")
    summary = page.page.locator("#edit-error")
    expect(summary).to_contain_text("Choose the INT")
    expect(summary).to_contain_text("Choose the team")
    expect(summary).to_contain_text("Choose the tier")
    assert page.page.evaluate("document.activeElement.id") == "edit-error"
    expect(page.page.locator("#team-int-error")).to_be_visible()
    assert len([url for url in page.requests if url.endswith("/graphql")]) == asked
    summary.get_by_role("link", name="Choose the INT").click()
    assert page.page.evaluate("document.activeElement.id") == "team-int"
    assert "#/edit" in page.page.url
    # A date that is no date: the API's own refusal (a GraphQL error), and nothing changed.
    int_id = page.page.eval_on_selector_all("#team-int option", "os => os[1].value")
    team = page.page.eval_on_selector_all("#team-team option", "os => os[1].value")
    before = membership(london, team, int_id)
    page.page.select_option("#team-int", int_id)
    page.page.select_option("#team-team", team)
    page.page.select_option("#team-tier", "CONSISTENT")
    for part, value in (("day", "31"), ("month", "2"), ("year", "2027")):
        page.page.fill(f"#team-start-{part}", value)
    page.page.click("#team-check")
    errors = api(
        app,
        "mutation($int: ID!, $team: ID!, $start: Date) { addTeamToInt(int: $int, team: $team, "
        "tier: CONSISTENT, start: $start, dryRun: true) { __typename } }",
        {"int": int_id, "team": team, "start": "2027-02-31"},
        INTEGRATOR,
    )["errors"]
    shown = refusal_shown(page)
    assert shown["message"] == errors[0]["message"]
    assert membership(london, team, int_id) == before
    assert page.axe() == []
    page.problems = [p for p in page.problems if "400" not in p]
    page.assert_clean()


def test_a_specialist_with_no_sessions_is_refused_in_the_apis_words(
    browser: Browser, app: LiveServer, london: db.Database
) -> None:
    [row] = london.read(
        "MATCH (a:SpecialistAlignment)-[:ALIGNED_TO]->(i:Int)-[:IN_PLACE]->(:Place {id: $place}) "
        "MATCH (a)-[:PROVIDED_BY]->(o:Organisation) "
        "RETURN i.id AS int, o.id AS provider, o.name AS name ORDER BY i.id LIMIT 1",
        {"place": CAMDEN},
    )
    before = london.read("MATCH (a:SpecialistAlignment) RETURN count(a) AS n")
    page = sign_in(browser, app, INTEGRATOR)
    open_edit(page, app, "edit?action=specialist")
    # The specialties offered are the vocabulary's, which the API holds specialties to.
    offered = page.page.eval_on_selector_all(
        "#spec-specialty option", "os => os.map(o => o.value).filter(Boolean)"
    )
    assert offered == [role.value for role in v.RoleCode]
    vocabulary = page.page.evaluate(
        "import('/static/views/edit-vocabulary.mjs').then(m => ({TIERS: m.TIERS, FUNCTIONS: "
        "m.FUNCTIONS, COHORTS: m.COHORTS, CHANNELS: m.CHANNELS}))"
    )
    for name, scheme in (
        ("TIERS", v.Tier),
        ("FUNCTIONS", v.FunctionCode),
        ("COHORTS", v.CohortCode),
        ("CHANNELS", v.Channel),
    ):
        assert vocabulary[name] == [[c.value, c.label] for c in scheme], name
    page.page.select_option("#spec-int", row["int"])
    page.page.select_option("#spec-specialty", "consultant_palliative")
    page.page.fill("#spec-provider-search", row["name"])
    page.page.locator("#spec-provider-search").press("Enter")
    expect(page.page.locator("#spec-provider-found")).to_contain_text("found")
    page.page.select_option("#spec-provider", row["provider"])
    page.page.fill("#spec-sessions", "0")
    assert page.axe() == []
    page.page.click("#spec-check")
    variables = {
        "i": row["int"],
        "s": "consultant_palliative",
        "p": row["provider"],
        "n": 0,
        "d": True,
    }
    answer = api(app, ALIGN, variables, INTEGRATOR)["data"]["result"]
    assert answer["__typename"] == "EditRefused"
    shown = refusal_shown(page)
    assert shown["message"] == answer["message"]
    assert len(shown["rules"]) == len(answer["rules"])
    for text, rule in zip(shown["rules"], answer["rules"], strict=True):
        assert rule["message"] in text
    assert london.read("MATCH (a:SpecialistAlignment) RETURN count(a) AS n") == before
    assert page.axe() == []
    page.assert_clean()


ADD_SERVICE = (
    "mutation($s: ServiceInput!, $d: Boolean!) { result: addService(service: $s, dryRun: $d) "
    "{ ...R } } " + RESULT
)
END_SERVICE = (
    "mutation($id: ID!, $d: Boolean!) { result: endService(id: $id, dryRun: $d) { ...R } } "
    + RESULT
)


def a_camden_service(app: LiveServer) -> dict[str, Any]:
    body = api(
        app,
        "query($p: String) { services(place: $p, status: ACTIVE, first: 1, sort: NAME) "
        "{ nodes { id name provider { id name } } } }",
        {"p": CAMDEN},
        INTEGRATOR,
    )
    [service] = body["data"]["services"]["nodes"]
    return dict(service)


def test_a_search_answered_before_the_opening_list_keeps_its_results(
    browser: Browser, app: LiveServer
) -> None:
    """The list a form opens with (its places' organisations) is held back until a search has
    answered: the late list must not replace the search's results nor the choice made."""
    provider = a_camden_service(app)["provider"]
    page = sign_in(browser, app, INTEGRATOR)
    held: list[Any] = []

    def hold_the_opening_list(route: Any) -> None:
        body = (route.request.post_data or "").replace(" ", "")
        if '"EditOrgs"' in body and '"search":null' in body and not held:
            held.append(route)  # answered below, once the search has been
        else:
            route.continue_()

    page.page.route("**/graphql", hold_the_opening_list)
    visit(page, app, "edit?action=service")
    page.page.locator("#service-provider-search").wait_for()
    page.page.fill("#service-provider-search", provider["name"])
    page.page.locator("#service-provider-search").press("Enter")
    expect(page.page.locator("#service-provider-found")).to_have_text("1 found.")
    page.page.select_option("#service-provider", provider["id"])
    assert len(held) == 1  # the opening list was asked, and is still unanswered
    held[0].continue_()
    page.page.wait_for_timeout(2000)  # the opening list answers now
    expect(page.page.locator("#service-provider-found")).to_have_text("1 found.")
    assert page.page.locator("#service-provider").input_value() == provider["id"]


def test_a_service_is_added_checked_then_made_and_a_second_of_its_id_refused(
    browser: Browser, app: LiveServer, london: db.Database, camden: dict[str, set[str]]
) -> None:
    provider = a_camden_service(app)["provider"]
    hood = sorted(camden)[0]
    service = {
        "id": "web-edit-test-falls",
        "name": "Falls prevention (a test's)",
        "provider": provider["id"],
        "function": "frailty",
        "neighbourhoods": [hood],
        "places": [],
        "lsoas": [],
        "minAge": 65,
        "maxAge": None,
        "cohorts": ["older_people"],
        "channels": ["PHONE", "IN_PERSON"],
        "hours": ["Mon-Fri 09:00-17:00"],
        "open24x7": False,
        "selfReferral": True,
        "phone": "020 7946 0000",
        "url": "https://www.example.nhs.uk/falls",
    }
    stored = "MATCH (s:Service {id: $id}) RETURN s.name AS name"
    assert london.read(stored, {"id": service["id"]}) == []
    page = sign_in(browser, app, INTEGRATOR)
    open_edit(page, app, "edit?action=service")
    page.page.fill("#service-id", service["id"])
    page.page.fill("#service-name", service["name"])
    page.page.fill("#service-provider-search", provider["name"])
    page.page.locator("#service-provider-search").press("Enter")
    expect(page.page.locator("#service-provider-found")).to_contain_text("found")
    page.page.select_option("#service-provider", provider["id"])
    page.page.select_option("#service-function", "frailty")
    page.page.check(f"#service-hoods input[value='{hood}']")
    page.page.fill("#service-min-age", "65")
    page.page.check("#service-cohorts input[value='older_people']")
    page.page.check("#service-channels input[value='phone']")
    page.page.check("#service-channels input[value='in_person']")
    page.page.fill("#service-hours", "Mon-Fri 09:00-17:00")
    page.page.check("#service-flags input[value='selfReferral']")
    page.page.fill("#service-phone", service["phone"])
    page.page.fill("#service-url", service["url"])
    assert page.axe() == []
    page.page.click("#service-check")
    shown = preview_changes(page, "service")
    answer = api(app, ADD_SERVICE, {"s": service, "d": True}, INTEGRATOR)["data"]["result"]
    assert shown == answer["changes"]
    assert london.read(stored, {"id": service["id"]}) == []
    try:
        page.page.click("#service-make")
        expect(page.page.locator("#service-done")).to_contain_text("Change made")
        [row] = london.read(
            "MATCH (s:Service {id: $id})-[:FOR_AREA]->(n:Neighbourhood) "
            "RETURN s.name AS name, s.min_age AS min_age, n.id AS hood",
            {"id": service["id"]},
        )
        assert row == {"name": service["name"], "min_age": 65, "hood": hood}
        # The form gives way to the confirmation; the same id again is refused, in the API's
        # words.
        assert page.page.locator("#service-form .app-edit-fields").is_hidden()
        page.page.click("#service-another")
        page.page.click("#service-check")
        again = api(app, ADD_SERVICE, {"s": service, "d": True}, INTEGRATOR)["data"]["result"]
        assert again["__typename"] == "EditRefused"
        assert refusal_shown(page)["message"] == again["message"]
        page.assert_clean()
    finally:
        london.write("MATCH (s:Service {id: $id}) DETACH DELETE s", {"id": service["id"]})
    assert london.read(stored, {"id": service["id"]}) == []


def test_a_service_is_ended_checked_then_made(
    browser: Browser, app: LiveServer, london: db.Database
) -> None:
    service = a_camden_service(app)
    read = "MATCH (s:Service {id: $id}) RETURN properties(s) AS p"
    [before] = london.read(read, {"id": service["id"]})
    page = sign_in(browser, app, INTEGRATOR)
    open_edit(page, app, "edit?action=end")
    page.page.fill("#end-service-search", service["name"])
    page.page.locator("#end-service-search").press("Enter")
    expect(page.page.locator("#end-service-found")).to_contain_text("found")
    page.page.select_option("#end-service", service["id"])
    page.page.click("#end-check")
    shown = preview_changes(page, "end")
    answer = api(app, END_SERVICE, {"id": service["id"], "d": True}, INTEGRATOR)
    assert shown == answer["data"]["result"]["changes"]
    assert london.read(read, {"id": service["id"]}) == [before]
    try:
        page.page.click("#end-make")
        expect(page.page.locator("#end-done")).to_contain_text("Change made")
        [after] = london.read(read, {"id": service["id"]})
        assert after["p"]["status"] == "ended"
        assert page.axe() == []
        page.assert_clean()
    finally:
        london.write("MATCH (s:Service {id: $id}) SET s = $p", {"id": service["id"], **before})
    assert london.read(read, {"id": service["id"]}) == [before]


def test_a_checked_move_shows_the_warnings_the_rules_give(
    browser: Browser, app: LiveServer, london: db.Database
) -> None:
    # An LSOA in two neighbourhoods (an overlap) stays in two after a move: the shapes allow
    # it with a Warning (nhgsh:Lsoa-one-neighbourhood), which the check shows.
    rows = london.read(
        "MATCH (l:Lsoa)<-[:COVERS]-(n:Neighbourhood)-[:IN_PLACE]->(p:Place) "
        "WITH l, p, collect(n.id) AS hoods WHERE size(hoods) > 1 "
        "MATCH (o:Neighbourhood)-[:IN_PLACE]->(p) WHERE NOT o.id IN hoods "
        "RETURN l.id AS lsoa, p.id AS place, hoods, collect(o.id) AS others ORDER BY lsoa LIMIT 1"
    )
    if not rows:
        pytest.fail("London has no LSOA in two neighbourhoods of a place with a third")
    [row] = rows
    source, target = sorted(row["hoods"])[0], sorted(row["others"])[0]
    variables = {"l": [row["lsoa"]], "f": source, "t": target, "d": True}
    answer = api(app, MOVE, variables, ADMIN)["data"]["result"]
    assert answer["warnings"], answer
    before = footprints(london, row["place"])

    page = sign_in(browser, app, ADMIN)
    open_edit(page, app, f"edit?lsoas={row['lsoa']}&from={source}")
    page.page.select_option("#move-to", target)
    page.page.click("#move-check")
    assert preview_changes(page, "move") == answer["changes"]
    warnings = page.page.locator("#move-preview .app-edit-warnings")
    expect(warnings).to_contain_text(f"{len(answer['warnings'])} warning")
    shown = warnings.locator(".app-edit-rules li").all_inner_texts()
    assert len(shown) == len(answer["warnings"])
    for text, warning in zip(shown, answer["warnings"], strict=True):
        assert warning["severity"] == "Warning"
        assert warning["message"] in text
        assert warning["node"] in text
    assert footprints(london, row["place"]) == before
    assert page.axe() == []
    page.assert_clean()
