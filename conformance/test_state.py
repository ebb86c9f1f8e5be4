"""State (destructive): DELETE answers its documented shape; afterwards GET answers 410,
the id is in no list, a second DELETE answers 410 or 404. Then a Hypothesis state
machine interleaves list / get / delete over the deletable ids, checking the same
invariants after every step. Only ids named with --delete-id are ever deleted."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import stateful
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


def _readers(target):
    return [target.api_token] + ([target.admin_token] if target.admin_token else [])


def _is_live(client, target, kitten_id) -> bool:
    return any(
        client.get(path_for(ITEM, kitten_id), token=token).status == 200
        for token in _readers(target)
    )


def _lists(client, target):
    return [
        client.get(LIST.path, query=flag_query(*flags), token=token)
        for flags in FLAG_COMBINATIONS
        for token in _readers(target)
    ]


@pytest.fixture(scope="module")
def deleted(vanceqa_target, vanceqa_client, vanceqa_mock) -> Deleted:
    """One permitted kitten, deleted once for the checks below."""
    delete_ids = require_delete(vanceqa_target)
    if vanceqa_mock is not None:
        vanceqa_mock.reset()  # the bundled mock only: earlier generated DELETEs are undone
    for kitten_id in delete_ids:
        # Live for the regular token, which sends the DELETE: a kitten hidden for admins
        # answers it 403, rightly (reading 3).
        if vanceqa_client.get(path_for(ITEM, kitten_id)).status == 200:
            answer = vanceqa_client.request("DELETE", path_for(ITEM, kitten_id))
            return Deleted(kitten_id, answer)
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
def test_state_machine(vanceqa_target, vanceqa_client, vanceqa_mock, vanceqa_inventory):
    target, client, mock = vanceqa_target, vanceqa_client, vanceqa_mock
    if mock is not None:
        mock.reset()
    # The machine's model is "live or gone". Kittens hidden for admins rightly refuse the
    # regular token's GET and DELETE (403), and an id the target never had (404, a typo in
    # --delete-id) is neither: both are left out rather than judged.
    status_of = {i: client.get(path_for(ITEM, i)).status for i in require_delete(target)}
    hidden = sorted(i for i, status in status_of.items() if status == 403)
    unknown = sorted(i for i, status in status_of.items() if status == 404)
    delete_ids = tuple(i for i in status_of if i not in hidden and i not in unknown)
    if not delete_ids:
        pytest.skip(
            f"no --delete-id id can be used: hidden for administrators {hidden}, "
            f"unknown to the target (404) {unknown}"
        )
    readers = _readers(target)

    def listed_at_start(kitten_id: int, flags: tuple[bool, bool], token: str) -> bool:
        inventory = vanceqa_inventory
        lists = inventory.lists if token == target.api_token else inventory.admin_lists
        return any(e.get("id") == kitten_id for e in lists.get(flags, []))

    class DeleteMachine(stateful.RuleBasedStateMachine):
        """Model: each permitted id is live or gone; the server must agree after each step."""

        @stateful.initialize()
        def start(self) -> None:
            if mock is not None:
                mock.reset()  # the bundled mock: every example starts from its seed data
            self.gone = {i for i in delete_ids if not _is_live(client, target, i)}

        @stateful.rule(kitten_id=st.sampled_from(delete_ids), reader=st.sampled_from(readers))
        def get(self, kitten_id: int, reader: str) -> None:
            exchange = client.get(path_for(ITEM, kitten_id), token=reader)
            if kitten_id in self.gone:
                checks.STATE_GET_AFTER_DELETE(exchange)
            else:
                checks.STATE_LIVE_LISTED(exchange, listed=True, kitten_id=kitten_id)

        @stateful.rule(flags=st.sampled_from(FLAG_COMBINATIONS), reader=st.sampled_from(readers))
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

        @stateful.invariant()
        def deleted_never_listed(self) -> None:
            if self.gone:
                exchange = client.get(LIST.path)
                for kitten_id in self.gone:
                    checks.STATE_GONE_FROM_LISTS([exchange], kitten_id=kitten_id)

    checks.STATE_MACHINE(lambda: stateful.run_state_machine_as_test(DeleteMachine))
