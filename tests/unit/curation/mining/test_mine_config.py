"""The mine config: the example parses, unknown keys and secrets are refused, nights map to seeds, and the
fingerprint covers exactly what decides the batch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from curation.mining.config import MineConfig, load_config, parse_config
from curation.mining.errors import EXIT_INPUT, MineConfigError

REPO = Path(__file__).resolve().parents[4]
EXAMPLE = REPO / "deploy" / "configs" / "mine.example.yaml"


def minimal(**overrides) -> dict:
    data = {
        "source": {"format": "synthetic", "path": "/tmp/frames", "options": {"seed": 7, "first_night": "2026-11-01"}},
        "selection": {"budget": 4, "strategies": [{"strategy": "weight", "input": "mutual_information"}]},
    }
    data.update(overrides)
    return data


def test_the_example_config_parses_with_its_documented_values():
    config = load_config(EXAMPLE)
    assert config.source.format == "synthetic"
    assert config.model.on_no_model == "random"
    assert config.spec.budget == 8
    assert [s.strategy for s in config.spec.strategies] == ["weight", "diversity", "drive_dedup"]
    assert config.push.project == "fleet-nightly"


def test_defaults_of_a_minimal_config():
    config = parse_config(minimal())
    assert (config.model.version, config.model.on_no_model) == ("latest", "random")
    assert (config.score.batch_size, config.score.precision) == (16, "bf16")
    assert config.push.enabled and config.labelstudio.url is None
    assert config.source.typed_options().frames_per_night == 16


def test_unknown_keys_are_refused_with_their_location():
    with pytest.raises(MineConfigError) as err:
        parse_config(minimal(push={"enabled": True, "projcet": "x"}))
    assert "push.projcet: unknown key" in str(err.value)
    assert err.value.exit_code == EXIT_INPUT


@pytest.mark.parametrize("key", ["token", "api_key", "API_KEY", "password"])
def test_a_secret_in_the_labelstudio_section_is_refused_with_where_it_belongs(key):
    with pytest.raises(MineConfigError) as err:
        parse_config(minimal(labelstudio={"url": "http://ls:8080", key: "s3cret"}))
    message = str(err.value)
    assert "LABEL_STUDIO_API_KEY" in message and "s3cret" not in message


def test_a_url_with_credentials_or_without_scheme_is_refused():
    with pytest.raises(MineConfigError, match="credentials"):
        parse_config(minimal(labelstudio={"url": "http://me:pw@ls:8080"}))
    with pytest.raises(MineConfigError, match="not an http"):
        parse_config(minimal(labelstudio={"url": "ls:8080"}))
    assert parse_config(minimal(labelstudio={"url": "http://ls:8080/"})).labelstudio.url == "http://ls:8080"


def test_selection_errors_come_from_the_spec_parser():
    with pytest.raises(MineConfigError, match="strategy = 'best' is not a strategy"):
        parse_config(minimal(selection={"budget": 2, "strategies": [{"strategy": "best"}]}))


def test_the_selection_may_not_name_its_own_model():
    with pytest.raises(MineConfigError, match="set model.version instead"):
        parse_config(minimal(selection={"budget": 2, "model_version": "m1", "strategies": [{"strategy": "random"}]}))


def test_options_are_checked_against_the_format():
    with pytest.raises(MineConfigError, match="options of format 'camvid'"):
        parse_config(minimal(source={"format": "camvid", "path": "/x", "options": {"seed": 1}}))
    with pytest.raises(MineConfigError, match="frames_per_nite"):
        parse_config(minimal(source={"format": "synthetic", "path": "/x", "options": {"frames_per_nite": 3}}))
    folder = parse_config(minimal(source={"format": "folder", "path": "/x", "options": {"source": "fleet"}}))
    assert folder.source.typed_options().source == "fleet"


def test_night_seed_counts_days_from_first_night():
    options = parse_config(minimal()).source.typed_options()
    assert options.night_seed(dt.date(2026, 11, 1)) == 7
    assert options.night_seed(dt.date(2026, 11, 3)) == 9
    assert options.night_seed(dt.date(2027, 11, 1)) == 7 + 365
    with pytest.raises(MineConfigError, match="before source.options.first_night"):
        options.night_seed(dt.date(2026, 10, 31))


def test_fingerprint_follows_what_decides_the_batch_only():
    base = parse_config(minimal()).fingerprint()
    assert parse_config(minimal()).fingerprint() == base
    assert parse_config(minimal(push={"project": "other", "batch_size": 3})).fingerprint() == base
    assert parse_config(minimal(labelstudio={"url": "http://elsewhere:1"})).fingerprint() == base
    assert parse_config(minimal(ingest={"workers": 1})).fingerprint() == base
    changed = minimal()
    changed["selection"] = {**changed["selection"], "budget": 5}
    assert parse_config(changed).fingerprint() != base
    assert parse_config(minimal(model={"version": "m2"})).fingerprint() != base
    assert parse_config(minimal(score={"reduction": "top_q"})).fingerprint() != base


def test_the_record_holds_the_whole_config_as_json(tmp_path):
    config = parse_config(minimal())
    record = config.record()
    assert record["source"]["options"]["first_night"] == "2026-11-01"
    assert MineConfig.model_validate(record) == config


def test_load_config_reports_unreadable_and_invalid_yaml(tmp_path):
    with pytest.raises(MineConfigError, match="cannot read mine config"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("source: [unclosed")
    with pytest.raises(MineConfigError, match="not valid YAML"):
        load_config(bad)
    listed = tmp_path / "list.yaml"
    listed.write_text(yaml.safe_dump([1, 2]))
    with pytest.raises(MineConfigError, match="is a mapping"):
        load_config(listed)
