"""Every documented behaviour of the mock, in-process through httpx.ASGITransport."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, API_TOKEN
from vanceqa.contract import default_contract
from vanceqa.mock.data import load_dataset

pytestmark = pytest.mark.anyio

SEED = load_dataset()
KITTEN_FIELDS = {"id", "name", "breed", "fluffiness", "cuteness"}


def ids(response: httpx.Response) -> list[int]:
    return [k["id"] for k in response.json()]


def expected_ids(*, cats: bool = False, adopted: bool = False, admin: bool = False) -> list[int]:
    return [
        k.id
        for k in SEED.kittens
        if not k.removed
        and (cats or k.species == "kitten")
        and (adopted or k.available)
        and (admin or not k.hidden)
    ]


def assert_json(response: httpx.Response) -> None:
    assert response.headers["content-type"].split(";")[0] == "application/json"
    response.json()


# -- the list ------------------------------------------------------------------------


async def test_list_defaults_to_available_kittens_only(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/kittens")
    assert response.status_code == 200
    assert_json(response)
    assert ids(response) == expected_ids()
    assert all(set(k) == KITTEN_FIELDS for k in response.json())


@pytest.mark.parametrize(
    ("query", "cats", "adopted"),
    [
        pytest.param("include_cats=true", True, False, id="include_cats"),
        pytest.param("available=false", False, True, id="adopted"),
        pytest.param("include_cats=true&available=false", True, True, id="both"),
        pytest.param("include_cats=false&available=true", False, False, id="explicit-defaults"),
    ],
)
async def test_list_flags(client: httpx.AsyncClient, query: str, cats: bool, adopted: bool) -> None:
    response = await client.get(f"/api/kittens?{query}")
    assert response.status_code == 200
    assert ids(response) == expected_ids(cats=cats, adopted=adopted)


async def test_flags_widen_the_default_list(client: httpx.AsyncClient) -> None:
    default = set(ids(await client.get("/api/kittens")))
    with_cats = set(ids(await client.get("/api/kittens?include_cats=true")))
    adopted = set(ids(await client.get("/api/kittens?available=false")))
    assert default < with_cats
    assert default < adopted


@pytest.mark.parametrize("value", ["TRUE", "1", "yes", "", "true ", "null"])
@pytest.mark.parametrize("flag", ["include_cats", "available"])
async def test_malformed_flag_is_400(client: httpx.AsyncClient, flag: str, value: str) -> None:
    response = await client.get("/api/kittens", params={flag: value})
    assert response.status_code == 400
    assert_json(response)


async def test_conflicting_repeated_flag_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/kittens?available=true&available=false")
    assert response.status_code == 400


async def test_admin_list_includes_hidden_kittens(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/kittens", headers={"Authorization": ADMIN_TOKEN})
    assert ids(response) == expected_ids(admin=True)
    assert set(expected_ids(admin=True)) - set(expected_ids())


# -- one kitten ----------------------------------------------------------------------


async def test_each_listed_kitten_fetched_alone_equals_its_entry(
    client: httpx.AsyncClient,
) -> None:
    listed = (await client.get("/api/kittens?include_cats=true&available=false")).json()
    assert listed
    for entry in listed:
        response = await client.get(f"/api/kittens/{entry['id']}")
        assert response.status_code == 200
        assert response.json() == entry


async def test_hidden_kitten_is_403_for_regular_and_200_for_admin(
    client: httpx.AsyncClient,
) -> None:
    hidden = next(k for k in SEED.kittens if k.hidden and not k.removed)
    assert (await client.get(f"/api/kittens/{hidden.id}")).status_code == 403
    response = await client.get(f"/api/kittens/{hidden.id}", headers={"Authorization": ADMIN_TOKEN})
    assert response.status_code == 200
    assert response.json() == hidden.public()


async def test_unknown_id_is_404(client: httpx.AsyncClient) -> None:
    unknown = max(k.id for k in SEED.kittens) + 1000
    response = await client.get(f"/api/kittens/{unknown}")
    assert response.status_code == 404
    assert_json(response)


@pytest.mark.parametrize("raw", ["abc", "-1", "1.5", "0x10", "%20", "1e3", "١"])
async def test_malformed_id_is_400(client: httpx.AsyncClient, raw: str) -> None:
    response = await client.get(f"/api/kittens/{raw}")
    assert response.status_code == 400
    assert_json(response)


async def test_seed_removed_kitten_is_410(client: httpx.AsyncClient) -> None:
    removed = next(k for k in SEED.kittens if k.removed)
    assert (await client.get(f"/api/kittens/{removed.id}")).status_code == 410
    assert removed.id not in ids(await client.get("/api/kittens?include_cats=true&available=false"))


# -- delete --------------------------------------------------------------------------


async def test_delete_then_gone_everywhere(client: httpx.AsyncClient) -> None:
    victim = expected_ids()[0]
    response = await client.delete(f"/api/kittens/{victim}")
    assert response.status_code == 200
    assert response.json() == {"id": victim, "deleted": ":("}
    assert (await client.get(f"/api/kittens/{victim}")).status_code == 410
    for query in (
        "",
        "?include_cats=true",
        "?available=false",
        "?include_cats=true&available=false",
    ):
        assert victim not in ids(await client.get(f"/api/kittens{query}"))
    admin = await client.get("/api/kittens", headers={"Authorization": ADMIN_TOKEN})
    assert victim not in ids(admin)
    assert (await client.delete(f"/api/kittens/{victim}")).status_code == 410


async def test_delete_hidden_kitten_needs_admin(client: httpx.AsyncClient) -> None:
    hidden = next(k for k in SEED.kittens if k.hidden and not k.removed)
    assert (await client.delete(f"/api/kittens/{hidden.id}")).status_code == 403
    admin = {"Authorization": ADMIN_TOKEN}
    assert (await client.delete(f"/api/kittens/{hidden.id}", headers=admin)).status_code == 200
    assert (await client.get(f"/api/kittens/{hidden.id}", headers=admin)).status_code == 410


# -- authentication ------------------------------------------------------------------

BAD_TOKENS = {
    "missing": None,
    "empty": "",
    "wrong": "not-the-token",
    "bearer": f"Bearer {API_TOKEN}",
    "admin-bearer": f"Bearer {ADMIN_TOKEN}",
    "padded": f" {API_TOKEN}x",
}
ALL_REQUESTS = [
    ("GET", "/api/kittens"),
    ("GET", "/api/kittens/1"),
    ("DELETE", "/api/kittens/1"),
    ("PUT", "/api/kittens/1"),
    ("POST", "/api/kittens"),
    ("PATCH", "/api/kittens/1"),
    ("OPTIONS", "/api/kittens"),
    ("TRACE", "/api/kittens/1"),
]


@pytest.mark.parametrize(
    ("method", "path"), ALL_REQUESTS, ids=[f"{m} {p}" for m, p in ALL_REQUESTS]
)
@pytest.mark.parametrize("kind", list(BAD_TOKENS))
async def test_bad_token_is_401_on_every_method(
    app: object, kind: str, method: str, path: str
) -> None:
    headers = {} if BAD_TOKENS[kind] is None else {"Authorization": BAD_TOKENS[kind]}
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as bare:
        response = await bare.request(method, path, headers=headers)
    assert response.status_code == 401
    assert_json(response)
    # Nothing was deleted by a refused request.
    async with httpx.AsyncClient(transport=transport, base_url="http://mock") as c:
        check = await c.get("/api/kittens/1", headers={"Authorization": API_TOKEN})
    assert check.status_code == 200


# -- protocol ------------------------------------------------------------------------

UNDOCUMENTED = [
    ("PUT", "/api/kittens", "GET"),
    ("POST", "/api/kittens", "GET"),
    ("PATCH", "/api/kittens", "GET"),
    ("DELETE", "/api/kittens", "GET"),
    ("OPTIONS", "/api/kittens", "GET"),
    ("TRACE", "/api/kittens", "GET"),
    ("PUT", "/api/kittens/1", "GET, DELETE"),
    ("POST", "/api/kittens/1", "GET, DELETE"),
    ("PATCH", "/api/kittens/1", "GET, DELETE"),
    ("OPTIONS", "/api/kittens/1", "GET, DELETE"),
    ("TRACE", "/api/kittens/1", "GET, DELETE"),
]


@pytest.mark.parametrize(
    ("method", "path", "allow"), UNDOCUMENTED, ids=[f"{m} {p}" for m, p, _ in UNDOCUMENTED]
)
async def test_undocumented_method_is_405_with_allow(
    client: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert_json(response)


def test_allow_headers_match_the_contract() -> None:
    contract = default_contract()
    assert ", ".join(contract.methods_for("/api/kittens")) == "GET"
    assert ", ".join(contract.methods_for("/api/kittens/{id}")) == "GET, DELETE"


@pytest.mark.parametrize("accept", ["application/xml", "text/html", "application/json;q=0"])
@pytest.mark.parametrize("path", ["/api/kittens", "/api/kittens/1"])
async def test_accept_without_json_is_406(
    client: httpx.AsyncClient, path: str, accept: str
) -> None:
    response = await client.get(path, headers={"Accept": accept})
    assert response.status_code == 406
    assert_json(response)


@pytest.mark.parametrize(
    "accept",
    ["*/*", "application/json", "application/*", "text/html, application/json;q=0.5", ""],
)
async def test_accept_admitting_json_gets_json(client: httpx.AsyncClient, accept: str) -> None:
    response = await client.get("/api/kittens", headers={"Accept": accept})
    assert response.status_code == 200
    assert_json(response)


async def test_undocumented_paths_are_404(client: httpx.AsyncClient) -> None:
    for path in ("/", "/kittens/1", "/api", "/api/kittens/", "/api/kittens/1/x", "/api/cats"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert_json(response)


async def test_responses_validate_against_the_contract(client: httpx.AsyncClient) -> None:
    contract = default_contract()
    listed = await client.get("/api/kittens?include_cats=true")
    assert contract.validator("listKittens", 200)(listed.json())  # type: ignore[misc]
    one = await client.get(f"/api/kittens/{listed.json()[0]['id']}")
    assert contract.validator("getKitten", 200)(one.json())  # type: ignore[misc]
    deleted = await client.delete(f"/api/kittens/{listed.json()[0]['id']}")
    assert contract.validator("deleteKitten", 200)(deleted.json())  # type: ignore[misc]
