"""The fault registry: each fault declared once, everything else generated from it."""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from pathlib import Path

import pytest

from vanceqa.cli import main
from vanceqa.errors import UsageError
from vanceqa.mock.fault_spec import Fault, FaultContext, FaultRegistry, Stage, setting
from vanceqa.mock.faults import FAULTS, FaultConfig

ROOT = Path(__file__).resolve().parent.parent
MOCK = ROOT / "src" / "vanceqa" / "mock"
KINDS = list(FAULTS)


def test_the_registry_holds_every_fault_in_the_order_effects_apply() -> None:
    # The faults the docs promise, in the order their effects apply; a fault declared
    # later only adds to the list (it needs no edit here).
    promised = ("latency", "stall", "error_rate", "maintenance", "rate_limit", "capacity")
    assert tuple(n for n in FAULTS.names() if n in promised) == promised


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_each_example_parses_switches_its_fault_on_and_round_trips(kind: type[Fault]) -> None:
    assert kind.examples
    for example in kind.examples:
        config = FaultConfig.from_specs([example])
        assert config.get(kind).on, example
        assert [type(p) for p in config.parts if p.on] == [kind]
        assert FaultConfig.from_json(config.to_json()) == config
        off = FaultConfig.from_specs([f"{kind.name}=off"], base=config)
        assert off == FaultConfig()


BAD_VALUES: dict[str, list[object]] = {
    "flag": ["on", "no", 1, 0, [], {}],
    "number": ["20ms", True, [], {}, math.nan, math.inf, -math.inf],
    "count": ["8", True, 1.5, 8.0, [], math.nan],
    "choice": [3, True, "gamma", [], {}],
    "numbers": ["20", 5, [True], ["x"], [math.nan], [1.0, 2.0, 3.0], {}],
}


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_each_setting_refuses_what_its_declaration_refuses(kind: type[Fault]) -> None:
    for name, spec in kind.settings().items():
        bad = list(BAD_VALUES[spec.kind])
        if spec.kind in ("number", "count"):
            bad += [spec.high + 1, spec.low - 1] + ([spec.low] if spec.above_low else [])
        if not spec.nullable:
            bad.append(None)
        for value in bad:
            with pytest.raises(UsageError, match=name):
                FaultConfig.from_json({name: value})


def test_mock_help_lists_every_fault_with_its_grammar_and_effect(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["mock", "--help"])
    text = capsys.readouterr().out
    flat = " ".join(text.split())
    for kind in FAULTS:
        assert f"{kind.name}={kind.syntax}" in flat
        assert " ".join(kind.summary.split()) in flat
    assert "--control-token" in text
    assert "--tls-client-ca" in text


def test_an_unknown_fault_names_every_known_one() -> None:
    with pytest.raises(UsageError) as caught:
        FaultConfig.from_specs(["teapot=on"])
    assert all(name in str(caught.value) for name in FAULTS.names())
    with pytest.raises(UsageError) as caught:
        FaultConfig.from_json({"teapot": True})
    assert all(name in str(caught.value) for name in FAULTS.field_names())


def test_docs_mock_md_holds_the_generated_table() -> None:
    text = (ROOT / "docs" / "mock.md").read_text()
    assert FAULTS.markdown() in text, (
        "docs/mock.md is out of date: paste the output of\n"
        "python -c 'from vanceqa.mock.faults import FAULTS; print(FAULTS.markdown())'"
    )


def test_the_readme_mock_bullet_names_faults_that_parse() -> None:
    readme = (ROOT / "README.md").read_text()
    bullet = readme.split("**The bundled mock**", 1)[1].split("\n- ", 1)[0]
    examples = [part.split("`")[0] for part in bullet.split("`--fault ")[1:]]
    assert len(examples) >= 3
    FaultConfig.from_specs(examples)
    assert "docs/mock.md" in bullet


def names_in(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.add(node.value)
    return found


@pytest.mark.parametrize(
    "module", ["app.py", "control.py", "cli.py", "config.py", "server.py", "shared_state.py"]
)
def test_no_module_but_the_declarations_names_a_particular_fault(module: str) -> None:
    # Adding a fault must not need an edit anywhere else in the mock.
    particular = {k.__name__ for k in FAULTS} | set(FAULTS.field_names())
    assert not names_in(MOCK / module) & particular


def test_a_declaration_breaking_the_rules_is_refused() -> None:
    scratch = FaultRegistry()

    @dataclass(frozen=True)
    class Good(Fault):
        name = "good"
        syntax = "N"
        examples = ("good=1",)
        summary = "a fault"
        stage = Stage.ANSWERED
        good_n: float = setting(0.0, "number", "how much", high=10.0)

        @classmethod
        def parse(cls, text: str) -> dict[str, object]:
            return {"good_n": float(text)}

        def effect(self, context: FaultContext) -> float:
            return self.good_n

    scratch.register(Good)
    assert "  good=N\n      a fault" in scratch.epilog()
    assert "good=N" in scratch.option_help()
    assert "`good_n`: number, between 0 and 10" in scratch.markdown()
    with pytest.raises(TypeError, match="taken"):
        scratch.register(Good)

    @dataclass(frozen=True)
    class Misnamed(Good):
        name = "misnamed"

    with pytest.raises(TypeError, match="named after their fault"):
        scratch.register(Misnamed)

    @dataclass(frozen=True)
    class OnByDefault(Fault):
        name = "hot"
        syntax = "N"
        examples = ("hot=1",)
        summary = "always on"
        stage = Stage.ANSWERED

        @property
        def on(self) -> bool:
            return True

    with pytest.raises(TypeError, match="defaults must mean off"):
        scratch.register(OnByDefault)

    @dataclass(frozen=True)
    class Piped(Fault):
        name = "piped"
        syntax = "A | B"
        examples = ("piped=A",)
        summary = "a | b"
        stage = Stage.ANSWERED

    with pytest.raises(TypeError, match="only syntax holds"):
        scratch.register(Piped)

    with pytest.raises(UsageError, match="default"):
        setting(math.nan, "number", "not a number", high=1.0)
