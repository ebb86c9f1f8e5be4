"""The API's two documented paths (reading 1), for every part that must name them.

The contract (`fixtures/openapi.yaml`) is the authority; a test holds these to it.
"""

LIST_PATH = "/api/kittens"
ITEM_PREFIX = "/api/kittens/"
ITEM_PATH = ITEM_PREFIX + "{id}"


def item_path(kitten_id: object) -> str:
    """The path of one kitten (`kitten_id` is sent as it is: tests send odd ids)."""
    return f"{ITEM_PREFIX}{kitten_id}"
