"""Drift between a page's language tabs and its code examples.

Slate shows one language tab at a time: its `_lang.js` (`activateLanguage`) hides the
code blocks of the other declared tabs and never touches a block whose language is not
a declared tab, so an `http` or `json` block is shown under every tab, as meant. What
goes wrong is a block written in a tab's language under another name (```bash with a
`shell` tab): it does not switch with the tab.
"""

from __future__ import annotations

from collections.abc import Iterator

from vanceqa.docs.drift_self import host_of, placeholder_url, route_of
from vanceqa.docs.findings import DriftFinding, Rule, rule
from vanceqa.docs.model import DocsPage
from vanceqa.docs.requestline import url_path
from vanceqa.docs.slatemd import language_of
from vanceqa.docs.tabread import read_tab


@rule("tab-method-mismatch", "error", "an example uses a method the request line does not name")
def check_tab_methods(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    for endpoint in page.endpoints:
        for example in endpoint.examples:
            method = read_tab(example.language, example.code).method
            if method is not None and method not in endpoint.methods:
                message = (
                    f"the {example.language} example uses {method}; the request line says "
                    f"{'|'.join(endpoint.methods)} ({endpoint.source})"
                )
                key = f"{endpoint.label} {example.language} {method}"
                yield r.finding(example.source, message, key)


@rule("tab-url-mismatch", "error", "language tabs of one endpoint use different URLs")
def check_tab_urls(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    for endpoint in page.endpoints:
        readings = [
            (example, read_tab(example.language, example.code).url) for example in endpoint.examples
        ]
        urls = [(e, u) for e, u in readings if u and not placeholder_url(u)]
        if len(urls) < 2:
            continue
        reference, ref_url = next(((e, u) for e, u in urls if e.language == "shell"), urls[0])
        ref_route = route_of(ref_url)
        for example, url in urls:
            if example is reference:
                continue
            if route_of(url) != ref_route:
                message = (
                    f"the {example.language} example requests {url_path(url)}; the "
                    f"{reference.language} example ({reference.source}) requests "
                    f"{url_path(ref_url)}"
                )
                yield r.finding(example.source, message, f"{endpoint.label} {example.language}")
            elif host_of(url) and host_of(ref_url) and host_of(url) != host_of(ref_url):
                message = (
                    f"the {example.language} example calls {host_of(url)}; the "
                    f"{reference.language} example calls {host_of(ref_url)}"
                )
                key = f"{endpoint.label} {example.language} host"
                yield r.finding(example.source, message, key, severity="warning")


@rule("tab-undeclared", "warning", "a code block names a tab's language another way")
def check_undeclared_tabs(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    if len(page.language_tabs) < 2:
        return  # one tab or none: nothing switches, every block is always shown
    tab_of = {language_of(tab): tab for tab in reversed(page.language_tabs)}
    for section in page.sections:
        for example in section.examples:
            word = example.info.split()[0] if example.info else ""
            tab = tab_of.get(example.language)
            if not word or word in page.language_tabs or tab is None:
                continue  # a declared tab, or another language that Slate always shows
            message = (
                f"```{word} block: Slate switches only blocks named as a tab "
                f"({', '.join(page.language_tabs)}), so this one shows under every tab; "
                f"write ```{tab} to have it switch with the {tab} tab"
            )
            yield r.finding(example.source, message, f"{section.title} {word}")


@rule("tab-missing", "info", "an endpoint has no example for a declared language tab")
def check_missing_tabs(r: Rule, page: DocsPage) -> Iterator[DriftFinding]:
    for endpoint in page.endpoints:
        have = {e.info.split()[0] for e in endpoint.examples if e.info}
        for tab in page.language_tabs:
            if tab not in have:
                message = f"{endpoint.title!r} has no {tab} example"
                yield r.finding(endpoint.section, message, f"{endpoint.title} {tab}")
