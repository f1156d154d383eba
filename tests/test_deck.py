"""Model references and the deck: presets, aliases, waterfalls, handles, prefixed forms."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipelex_core import ConfigurationError, RemoteConfig, UnknownModelError
from pipelex_core.models.byok import ByokBackends
from pipelex_core.models.deck import Deck
from pipelex_core.models.references import ModelReference, ReferenceKind
from pipelex_core.models.resolution import ModelResolver, gateway_handles
from pipelex_core.models.routing import Routing


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [
        ("$writing-factual", ReferenceKind.PRESET, "writing-factual"),
        ("preset:writing-factual", ReferenceKind.PRESET, "writing-factual"),
        ("@default-general", ReferenceKind.ALIAS, "default-general"),
        ("alias:default-general", ReferenceKind.ALIAS, "default-general"),
        ("~small-llm", ReferenceKind.WATERFALL, "small-llm"),
        ("waterfall:small-llm", ReferenceKind.WATERFALL, "small-llm"),
        ("gpt-4o", ReferenceKind.HANDLE, "gpt-4o"),
        ("handle:flux-pro/v1.1", ReferenceKind.HANDLE, "flux-pro/v1.1"),
        ("  @spaced ", ReferenceKind.ALIAS, "spaced"),
    ],
)
def test_parse(text: str, kind: ReferenceKind, name: str) -> None:
    assert ModelReference.parse(text) == ModelReference(kind, name)


DECK = Deck.from_document(
    {
        "aliases": {
            "general": "gpt-4o",
            "judge": "@general",
            "loop-a": "@loop-b",
            "loop-b": "@loop-a",
        },
        "presets": {
            "factual": {"model": "@general", "temperature": 0.2},
            "cheap": {"model": "~small"},
        },
        "waterfalls": {"small": ["gpt-9-missing", "@general", "claude-4.5-haiku", "gpt-4o"]},
        "choice_defaults": {"llm": "$factual", "judge": "@judge"},
    }
)


@pytest.mark.parametrize(
    ("reference", "handles"),
    [
        ("gpt-4o", ("gpt-4o",)),
        ("handle:gpt-4o", ("gpt-4o",)),
        ("@general", ("gpt-4o",)),
        ("@judge", ("gpt-4o",)),
        ("$factual", ("gpt-4o",)),
        ("preset:cheap", ("gpt-9-missing", "gpt-4o", "claude-4.5-haiku")),
        ("~small", ("gpt-9-missing", "gpt-4o", "claude-4.5-haiku")),
    ],
)
def test_resolve(reference: str, handles: tuple[str, ...]) -> None:
    assert DECK.resolve(reference) == handles


@pytest.mark.parametrize("reference", ["@nope", "$nope", "~nope"])
def test_unknown_names_fail_loudly(reference: str) -> None:
    with pytest.raises(UnknownModelError) as raised:
        DECK.resolve(reference)
    assert "nope" in raised.value.message
    assert raised.value.hint is not None
    assert "known:" in raised.value.hint


def test_alias_cycle_is_reported() -> None:
    with pytest.raises(ConfigurationError, match="cycle"):
        DECK.resolve("@loop-a")


def test_bad_deck_lists_every_problem() -> None:
    with pytest.raises(ConfigurationError) as raised:
        Deck.from_document(
            {"aliases": {"a": 1}, "presets": {"p": {"temperature": 1}}, "waterfalls": {"w": []}}
        )
    message = raised.value.message
    assert "aliases.a must be a non-empty string" in message
    assert "presets.p must be a table with a string `model`" in message
    assert "waterfalls.w must be a non-empty list of strings" in message


def test_home_deck_replaces_the_kit(home: Path) -> None:
    (home / "deck.toml").write_text('[choice_defaults]\nllm = "gpt-4o"\n')
    deck = Deck.load(home)
    assert dict(deck.choice_defaults) == {"llm": "gpt-4o"}
    assert deck.path == home / "deck.toml"


def test_kit_deck_resolves_entirely_against_the_sample_catalogue(
    home: Path, sample_payload: dict[str, Any]
) -> None:
    deck = Deck.load(home)
    catalogue = RemoteConfig.from_payload(sample_payload).backend_model_specs
    references = [
        *(f"@{name}" for name in deck.aliases),
        *(f"${name}" for name in deck.presets),
        *(f"~{name}" for name in deck.waterfalls),
        *deck.choice_defaults.values(),
    ]
    for reference in references:
        for handle in deck.resolve(reference):
            assert handle in catalogue, (reference, handle)


def test_default_handles_take_a_waterfalls_first_available_candidate(
    sample_payload: dict[str, Any],
) -> None:
    config = RemoteConfig.from_payload(sample_payload)
    deck = Deck.from_document(
        {
            "choice_defaults": {"llm": "~small", "judge": "@general"},
            **{
                "aliases": {"general": "gpt-4o"},
                "waterfalls": {"small": ["gpt-9-missing", "claude-4.5-haiku"]},
            },
        }
    )
    resolver = ModelResolver(
        deck=deck,
        routing=Routing(),
        byok=ByokBackends(Path("/nonexistent"), ()),
        gateway_enabled=True,
        catalogue=config.backend_model_specs,
    )
    resolved = [resolver.resolve(ref) for ref in deck.choice_defaults.values()]
    assert gateway_handles(resolved) == ("claude-4.5-haiku", "gpt-4o")


def test_kit_deck_resolves_entirely_against_the_kit_byok_specs(home: Path) -> None:
    from pipelex_core import Settings
    from pipelex_core.models.resolution import model_resolver

    resolver = model_resolver(Settings.load({"PIPELEX_HOME": str(home)}), None)
    deck = resolver.deck
    references = [
        *(f"@{name}" for name in deck.aliases),
        *(f"${name}" for name in deck.presets),
        *deck.choice_defaults.values(),
    ]
    for reference in references:
        resolved = resolver.resolve(reference)
        assert resolved.available, (reference, resolved)
    for name, candidates in deck.waterfalls.items():
        for candidate in candidates:
            assert resolver.resolve(candidate).available, (name, candidate)
