"""The Vance AI API under load: the documented workload, every response checked.

    locust -f loadtests/locustfile.py --host https://staging.example --headless -t 1m
    vanceqa load --shape open --rate 200 --run-time 1m     # same, with the bundled mock

Scenarios (weights: --weights browse=8,admin=1,delete=1; pauses: --think-time 0.5s..1.5s):
    browse   list the kittens with a flag combination, then get one id from that list
    admin    get an id hidden for administrators, with the admin token (needs one)
    delete   DELETE only ids named with --delete-id (needs --destructive); on the bundled
             mock any kitten, resetting its data when none is left

--shape picks smoke, ramp, spike, soak (closed: users with think time) or open,
open-ramp (an arrival rate, --rate, that does not slow down when the server does).
The options, HDR latencies, SLO gates (--slo) and reports/load.json come from
vanceqa.load.plugin, which importing VanceqaShape below wires into locust.
"""

from __future__ import annotations

from itertools import product

from locust import run_single_user, task

from vanceqa.load.plugin import VanceqaShape
from vanceqa.load.users import ContractUser, OpenLoopUser

__all__ = ["AdminUser", "BrowsingUser", "DestructiveUser", "OpenModelUser", "VanceqaShape"]


def _list_query(include_cats: str, available: str) -> str:
    pairs = [("include_cats", include_cats), ("available", available)]
    query = "&".join(f"{name}={value}" for name, value in pairs if value)
    return "?" + query if query else ""


# Each flag left out, true or false: nine lists, all documented (reading 4).
LIST_QUERIES = [_list_query(c, a) for c, a in product(("", "true", "false"), repeat=2)]
GONE_OK = frozenset({200, 404, 410})  # a kitten someone else just deleted


class KittenUser(ContractUser):
    """The requests of the workload, one request per method."""

    abstract = True

    def list_kittens(self, admin: bool = False) -> list[int]:
        query = self.rng.choice(LIST_QUERIES)
        response = self.call("listKittens", "/api/kittens" + query, admin=admin)
        ids = self.ids_in(response)
        if ids:
            if admin:
                self.state.admin_ids = ids
            else:
                self.state.known_ids = ids
        return ids

    def get_kitten(self, kitten_id: int | None = None) -> None:
        if kitten_id is None:
            if not self.state.known_ids:
                self.list_kittens()  # nothing seen yet: the list is how a client learns ids
                return
            kitten_id = self.rng.choice(self.state.known_ids)
        self.call("getKitten", f"/api/kittens/{kitten_id}", expected=self.listed_ok)

    def admin_get_hidden(self) -> None:
        hidden = self.state.target.hidden_ids or self.state.admin_ids
        if not hidden:  # no hidden ids named: read them off the admin's list
            self.list_kittens(admin=True)
            return
        kitten_id = self.rng.choice(hidden)
        self.call("getKitten", f"/api/kittens/{kitten_id}", admin=True, expected=self.gone_ok)

    def delete_kitten(self) -> None:
        kitten_id = self.state.next_delete_id()
        if kitten_id is None:
            self.list_kittens()
            return
        self.call("deleteKitten", f"/api/kittens/{kitten_id}", method="DELETE", expected=GONE_OK)


class BrowsingUser(KittenUser):
    """Lists the kittens, then looks at one of them."""

    scenario = "browse"

    @task
    def browse(self) -> None:
        ids = self.list_kittens()
        if ids:
            self.get_kitten(self.rng.choice(ids))


class AdminUser(KittenUser):
    """An administrator reading the kittens hidden from everyone else."""

    scenario = "admin"

    @task
    def read_hidden(self) -> None:
        self.admin_get_hidden()


class DestructiveUser(KittenUser):
    """Deletes the kittens the user allowed (any kitten of the bundled mock)."""

    scenario = "delete"

    @task
    def delete(self) -> None:
        self.delete_kitten()


class OpenModelUser(OpenLoopUser, KittenUser):
    """The open model's pool: each scheduled arrival is one request of the mix below."""

    # method -> (operation it calls, scenario whose weight it shares, share of that weight)
    actions = {  # noqa: RUF012 - read-only table
        "list_kittens": ("listKittens", "browse", 0.5),
        "get_kitten": ("getKitten", "browse", 0.5),
        "admin_get_hidden": ("getKitten", "admin", 1.0),
        "delete_kitten": ("deleteKitten", "delete", 1.0),
    }


if __name__ == "__main__":
    run_single_user(BrowsingUser)
