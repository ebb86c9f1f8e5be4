"""How `vanceqa docs parse` + `drift` time grows with the number of includes of a page.

    python benchmarks/docs_parse_scaling.py                # 50, 100, 200, 400 includes
    python benchmarks/docs_parse_scaling.py --sizes 25 50 100 --repeat 5

Generates Slate pages in a temporary folder: a page whose front matter lists N includes,
each include documenting two endpoints the way real pages do (request line, curl, JSON
response, parameter table, error table). For each N it times parse_page + find_drift
(best of --repeat cold runs, in CPU seconds of this process, so other work on the
machine does not blur the growth; wall seconds beside), counts the JSON examples
parsed, and prints the growth from the previous size: doubling the includes should
double the time (x2.0), not quadruple it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from vanceqa.docs import jsonish
from vanceqa.docs.drift import find_drift
from vanceqa.docs.parser import parse_page

try:
    from vanceqa.docs.snippets import clear_curl_cache
except ImportError:  # an older checkout, measured for comparison: it has no cache

    def clear_curl_cache() -> None:
        pass


INCLUDE = """# Widgets {n}

## List widgets {n}

```shell
curl "https://api.example.com/v1/widgets{n}?limit=2" \\
  -H "Authorization: Bearer YOUR_TOKEN"
```

> Returns the widgets:

```json
[{{"id": {n}, "name": "widget", "tags": ["a", "b"], "size": 1.5}}]
```

### HTTP Request

`GET https://api.example.com/v1/widgets{n}`

### Query Parameters

Parameter | Default | Description
--------- | ------- | -----------
limit | 20 | How many widgets to return.

## Delete a widget {n}

```shell
curl -X DELETE "https://api.example.com/v1/widgets{n}/7" \\
  -H "Authorization: Bearer YOUR_TOKEN"
```

> Returns the deleted widget:

```json
{{"id": 7, "deleted": true}}
```

### HTTP Request

`DELETE https://api.example.com/v1/widgets{n}/<ID>`

Code | Meaning
---- | -------
404 | Not Found -- No such widget.
"""


def write_page(folder: Path, includes: int) -> Path:
    (folder / "includes").mkdir(parents=True)
    names = [f"widgets{n}" for n in range(includes)]
    for n, name in enumerate(names):
        (folder / "includes" / f"_{name}.md").write_text(INCLUDE.format(n=n), encoding="utf-8")
    front = "\n".join(["---", "title: Scaling", "language_tabs:", "  - shell", "includes:"])
    front += "".join(f"\n  - {name}" for name in names)
    page = folder / "index.html.md"
    page.write_text(front + "\n---\n\n# Introduction\n\nGenerated.\n", encoding="utf-8")
    return page


def count_json_parses() -> tuple[list[int], Callable[[], None]]:
    """Count parse_jsonish calls in every docs module that uses it; returns (counter, undo)."""
    counter = [0]
    original = jsonish.parse_jsonish

    def counting(text: str) -> Any:
        counter[0] += 1
        return original(text)

    patched = [
        module
        for name, module in sys.modules.items()
        if name.startswith("vanceqa.docs.") and getattr(module, "parse_jsonish", None) is original
    ]
    for module in patched:
        module.parse_jsonish = counting  # type: ignore[attr-defined]

    def undo() -> None:
        for module in patched:
            module.parse_jsonish = original  # type: ignore[attr-defined]

    return counter, undo


def measure(includes: int, repeat: int) -> tuple[float, float, int, int, int]:
    """(best CPU s, its wall s, endpoints, findings, JSON parses) of parse + drift."""
    with tempfile.TemporaryDirectory(prefix="vanceqa-docs-scaling-") as tmp:
        page_path = write_page(Path(tmp), includes)
        best, wall = float("inf"), 0.0
        endpoints = findings = parses = 0
        for _ in range(repeat):
            clear_curl_cache()
            counter, undo = count_json_parses()
            started, started_wall = time.process_time(), time.perf_counter()
            page = parse_page(page_path)
            report = find_drift(page)
            cpu = time.process_time() - started
            if cpu < best:
                best, wall = cpu, time.perf_counter() - started_wall
            undo()
            endpoints, findings, parses = len(page.endpoints), len(report.findings), counter[0]
    return best, wall, endpoints, findings, parses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200, 400])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (best is kept)")
    args = parser.parse_args()
    measure(10, 1)  # warm up: imports, compiled patterns
    print(f"{'includes':>8} {'endpoints':>9} {'findings':>8} {'json parses':>11} {'cpu s':>7} "
          f"{'wall s':>7} {'ms/include':>10} {'growth':>7}")  # fmt: skip
    previous: tuple[int, float] | None = None
    for size in args.sizes:
        seconds, wall, endpoints, findings, parses = measure(size, args.repeat)
        growth = ""
        if previous is not None:
            ratio = size / previous[0]
            growth = f"x{seconds / previous[1]:.2f}" + (f" (n x{ratio:g})" if ratio != 2 else "")
        print(
            f"{size:8} {endpoints:9} {findings:8} {parses:11} {seconds:7.3f} {wall:7.3f} "
            f"{1000 * seconds / size:10.2f} {growth:>7}"
        )
        previous = (size, seconds)
    print("growth: CPU time against the previous size; linear is x2.00 when the includes double")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
