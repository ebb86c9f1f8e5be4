"""State (destructive): DELETE answers its documented shape; afterwards GET answers 410,
the id is in no list, a second DELETE answers 410 or 404. Then a Hypothesis state
machine interleaves list / get / delete over the deletable ids, checking the same
invariants after every step. Only ids named with --delete-id are ever deleted.

The state machine is most of the suite's requests. Where the session started the
bundled mock, its examples are shared out among independent machines, each on a mock
of its own (a sandbox), side by side; on any other target one machine runs, and since
nothing there restores a deleted kitten, the examples after the first few can only find
every id gone again: their number is bounded by what can still change.
"""

from __future__ import annotations

import math
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from hypothesis import seed, settings, stateful
from hypothesis import strategies as st

from vanceqa.client import Exchange
from vanceqa.conformance import checks
from vanceqa.conformance.session import FLAG_COMBINATIONS, flag_query
from vanceqa.conformance.suite import CONTRACT, path_for, require_delete

ITEM = CONTRACT.operation("getKitten")
LIST = CONTRACT.operation("listKittens")


@dataclass(frozen=True)
class Deleted:
    kitten_id: int
    answer: Exchange
    # Other kittens, live for a token just before the DELETE, read again just after it.
    others: tuple[tuple[int, Exchange], ...]


# How many other kittens are read around the DELETE, per token.
OTHERS_READ = 3


def _delete_between_reads(client, target, inventory, kitten_id):
    """DELETEs the kitten between two reads of a few other kittens the lists showed;
    returns its answer and the after-reads of those live just before it.

    Those read are the ones nearest the deleted id (where an off-by-one or a range in a
    delete query lands), none named with --delete-id. Only kittens live just before the
    DELETE are judged after it: on a shared server others may delete kittens too."""
    named = set(target.delete_ids)
    candidates = []
    for token, lists in (
        (target.api_token, inventory.lists),
        (target.admin_token, inventory.admin_lists),
    ):
        if token:
            listed = {e["id"] for es in lists.values() for e in es if type(e.get("id")) is int}
            nearest = sorted(listed - named - {kitten_id}, key=lambda i: (abs(i - kitten_id), i))
            candidates.append([(i, token) for i in nearest[: OTHERS_READ * 3]])

    def get(read):
        return client.get(path_for(ITEM, read[0]), token=read[1])

    reads = []
    for token_reads in candidates:
        before = client.map(get, token_reads)
        live = [
            r for r, exchange in zip(token_reads, before, strict=True) if exchange.status == 200
        ]
        reads += live[:OTHERS_READ]
    answer = client.request("DELETE", path_for(ITEM, kitten_id))
    after = client.map(get, reads)
    return answer, tuple((read[0], exchange) for read, exchange in zip(reads, after, strict=True))


def _readers(target):
    return [target.api_token] + ([target.admin_token] if target.admin_token else [])


def _is_live(client, target, kitten_id) -> bool:
    return any(
        client.get(path_for(ITEM, kitten_id), token=token).status == 200
        for token in _readers(target)
    )


# Machines side by side on the bundled mock, each on a mock of its own.
MACHINES = 4
# Without a reset, each permitted id can change once: after that, a few examples to
# confirm every id stays gone however the steps interleave.
EXAMPLES_AFTER_LAST_CHANGE = 3


def _lists(client, target):
    return [
        client.get(LIST.path, query=flag_query(*flags), token=token)
        for flags in FLAG_COMBINATIONS
        for token in _readers(target)
    ]


@pytest.fixture(scope="module")
def deleted(vanceqa_target, vanceqa_client, vanceqa_mock, vanceqa_inventory) -> Deleted:
    """One permitted kitten, deleted once for the checks below."""
    delete_ids = require_delete(vanceqa_target)
    if vanceqa_mock is not None:
        vanceqa_mock.reset()  # the bundled mock only: earlier generated DELETEs are undone
    for kitten_id in delete_ids:
        # Live for the regular token, which sends the DELETE: a kitten hidden for admins
        # answers it 403, rightly (reading 3).
        if vanceqa_client.get(path_for(ITEM, kitten_id)).status == 200:
            answer, others = _delete_between_reads(
                vanceqa_client, vanceqa_target, vanceqa_inventory, kitten_id
            )
            return Deleted(kitten_id, answer, others)
    pytest.skip(
        f"none of the --delete-id ids {list(delete_ids)} is live for the regular token "
        "(deleted already, or hidden for administrators?)"
    )


@checks.STATE_DELETE_ANSWER.mark(operation="deleteKitten", stage=2)
def test_delete_answer(deleted, vanceqa_contract):
    checks.STATE_DELETE_ANSWER(
        deleted.answer, contract=vanceqa_contract, kitten_id=deleted.kitten_id
    )


@checks.STATE_GET_AFTER_DELETE.mark(operation="getKitten", stage=2)
def test_get_after_delete(deleted, vanceqa_client):
    checks.STATE_GET_AFTER_DELETE(vanceqa_client.get(path_for(ITEM, deleted.kitten_id)))


@checks.STATE_LIVE_LISTED.mark(operation="getKitten", stage=2)
def test_others_still_live(deleted):
    """A DELETE removes its own kitten only (reading 10): other kittens live for a token
    just before it still answer that token 200 just after it."""
    if not deleted.others:
        pytest.skip("no kitten besides the --delete-id ids was live just before the DELETE")
    for kitten_id, exchange in deleted.others:
        checks.STATE_LIVE_LISTED(exchange, listed=True, kitten_id=kitten_id)


@checks.STATE_GONE_FROM_LISTS.mark(operation="listKittens", stage=2)
def test_gone_from_lists(deleted, vanceqa_target, vanceqa_client):
    exchanges = _lists(vanceqa_client, vanceqa_target)
    checks.STATE_GONE_FROM_LISTS(exchanges, kitten_id=deleted.kitten_id)


@checks.STATE_REPEAT_DELETE.mark(operation="deleteKitten", stage=2)
def test_repeat_delete(deleted, vanceqa_client):
    exchange = vanceqa_client.request("DELETE", path_for(ITEM, deleted.kitten_id))
    checks.STATE_REPEAT_DELETE(exchange)


@checks.SHAPE_CONTENT_TYPE.mark(operation="deleteKitten", stage=2)
def test_delete_and_gone_are_json(deleted, vanceqa_client):
    checks.SHAPE_CONTENT_TYPE(deleted.answer)
    gone = vanceqa_client.get(path_for(ITEM, deleted.kitten_id))
    checks.SHAPE_CONTENT_TYPE(gone)
    checks.SHAPE_BODY_SCHEMA(gone, contract=CONTRACT, operation_id="getKitten")


@checks.STATE_MACHINE.mark(operation="*", stage=3)
def test_state_machine(
    vanceqa_target, vanceqa_client, vanceqa_mock, vanceqa_inventory, vanceqa_session, request
):
    target = vanceqa_target
    if vanceqa_mock is not None:
        vanceqa_mock.reset()
    # The machine's model is "live or gone". Kittens hidden for admins rightly refuse the
    # regular token's GET and DELETE (403), and an id the target never had (404, a typo in
    # --delete-id) is neither: both are left out rather than judged.
    permitted = require_delete(target)
    statuses = vanceqa_client.map(lambda i: vanceqa_client.get(path_for(ITEM, i)).status, permitted)
    status_of = dict(zip(permitted, statuses, strict=True))
    hidden = sorted(i for i, status in status_of.items() if status == 403)
    unknown = sorted(i for i, status in status_of.items() if status == 404)
    delete_ids = tuple(i for i in status_of if i not in hidden and i not in unknown)
    if not delete_ids:
        pytest.skip(
            f"no --delete-id id can be used: hidden for administrators {hidden}, "
            f"unknown to the target (404) {unknown}"
        )
    readers = _readers(target)
    examples = settings.default.max_examples
    if vanceqa_mock is not None and target.bundled_mock and target.concurrency > 1:
        lanes = vanceqa_session.sandboxes(min(MACHINES, target.concurrency))
    else:
        lanes = [(vanceqa_mock, vanceqa_client)]
        if vanceqa_mock is None:
            examples = min(examples, len(delete_ids) + EXAMPLES_AFTER_LAST_CHANGE)

    def listed_at_start(kitten_id: int, flags: tuple[bool, bool], token: str) -> bool:
        inventory = vanceqa_inventory
        lists = inventory.lists if token == target.api_token else inventory.admin_lists
        return any(e.get("id") == kitten_id for e in lists.get(flags, []))

    def machine_for(mock, client):
        class DeleteMachine(stateful.RuleBasedStateMachine):
            """Model: each permitted id is live or gone; the server must agree after each
            step. Reads change nothing on a server that keeps the docs, so the lists are
            checked again after each step that changed the model."""

            @stateful.initialize()
            def start(self) -> None:
                if mock is not None:
                    mock.reset()  # the bundled mock: every example starts from its seed data
                live = client.map(lambda i: _is_live(client, target, i), delete_ids)
                self.gone = {i for i, alive in zip(delete_ids, live, strict=True) if not alive}
                self.changed = bool(self.gone)

            @stateful.rule(kitten_id=st.sampled_from(delete_ids), reader=st.sampled_from(readers))
            def get(self, kitten_id: int, reader: str) -> None:
                exchange = client.get(path_for(ITEM, kitten_id), token=reader)
                if kitten_id in self.gone:
                    checks.STATE_GET_AFTER_DELETE(exchange)
                else:
                    checks.STATE_LIVE_LISTED(exchange, listed=True, kitten_id=kitten_id)

            @stateful.rule(
                flags=st.sampled_from(FLAG_COMBINATIONS), reader=st.sampled_from(readers)
            )
            def list_kittens(self, flags: tuple[bool, bool], reader: str) -> None:
                exchange = client.get(LIST.path, query=flag_query(*flags), token=reader)
                for kitten_id in delete_ids:
                    if kitten_id in self.gone:
                        checks.STATE_GONE_FROM_LISTS([exchange], kitten_id=kitten_id)
                    elif listed_at_start(kitten_id, flags, reader):
                        live = checks.STATE_LIVE_LISTED
                        checks.expect_status(live, exchange, {200}, "a list")
                        ids = checks.ids_of(live, exchange, checks.json_body(live, exchange))
                        live(exchange, listed=kitten_id in ids, kitten_id=kitten_id)

            @stateful.rule(kitten_id=st.sampled_from(delete_ids))
            def delete(self, kitten_id: int) -> None:
                exchange = client.request("DELETE", path_for(ITEM, kitten_id))
                if kitten_id in self.gone:
                    checks.STATE_REPEAT_DELETE(exchange)
                else:
                    checks.STATE_DELETE_ANSWER(exchange, contract=CONTRACT, kitten_id=kitten_id)
                    self.gone.add(kitten_id)
                self.changed = True

            @stateful.invariant()
            def deleted_never_listed(self) -> None:
                if self.gone and self.changed:
                    exchange = client.get(LIST.path)
                    for kitten_id in self.gone:
                        checks.STATE_GONE_FROM_LISTS([exchange], kitten_id=kitten_id)
                    self.changed = False

        return DeleteMachine

    per_lane = max(1, math.ceil(examples / len(lanes)))
    lane_settings = settings(settings.default, max_examples=per_lane)
    base = request.config.getoption("hypothesis_seed", None)
    base = int(base) if str(base).isdigit() else random.randrange(2**32)

    # Built here, one after the other: building one reads the machine's source with
    # `ast`, which Python 3.11 cannot do in two threads at once.
    tests = []
    for index, (mock, client) in enumerate(lanes):
        test = stateful.get_state_machine_test(machine_for(mock, client), settings=lane_settings)
        if len(lanes) > 1:  # independent lanes: each its own examples, all from the seed
            test = seed(base + index)(test)
        tests.append(test)
    with ThreadPoolExecutor(len(lanes), thread_name_prefix="vanceqa-machine") as pool:
        futures = [pool.submit(checks.STATE_MACHINE, test) for test in tests]
    errors = [e for f in futures if (e := f.exception()) is not None]
    findings = [e for e in errors if isinstance(e, AssertionError)]
    if findings or errors:
        raise (findings or errors)[0]
