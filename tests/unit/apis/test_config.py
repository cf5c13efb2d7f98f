from __future__ import annotations

import re
import tomllib

import pytest

from apis.config import (
    PD_MANAGED_KEYS,
    TIKV_MANAGED_KEYS,
    ConfigError,
    parse_config,
    render_config,
)

USER_TIKV_CONFIG = """
[server]
grpc-concurrency = 8

[storage.block-cache]
capacity = "4GB"
"""


def test_render_sets_managed_keys_at_their_dotted_paths() -> None:
    rendered = render_config(
        USER_TIKV_CONFIG,
        TIKV_MANAGED_KEYS,
        {"server.addr": "0.0.0.0:20160", "pd.endpoints": ["http://basic-pd:2379"]},
    )
    document = tomllib.loads(rendered)
    assert document["server"]["addr"] == "0.0.0.0:20160"
    assert document["pd"]["endpoints"] == ["http://basic-pd:2379"]


def test_render_keeps_the_users_settings() -> None:
    rendered = render_config(USER_TIKV_CONFIG, TIKV_MANAGED_KEYS, {"server.addr": "0.0.0.0:1"})
    document = tomllib.loads(rendered)
    assert document["server"]["grpc-concurrency"] == 8
    assert document["storage"]["block-cache"]["capacity"] == "4GB"


def test_render_of_empty_config_holds_only_managed_keys() -> None:
    rendered = render_config("", PD_MANAGED_KEYS, {"name": "basic-pd-abc123"})
    assert tomllib.loads(rendered) == {"name": "basic-pd-abc123"}


def test_render_refuses_values_for_keys_it_does_not_manage() -> None:
    with pytest.raises(ValueError, match=r"not managed keys: log\.level"):
        render_config("", PD_MANAGED_KEYS, {"log.level": "debug"})


@pytest.mark.parametrize("key", sorted(PD_MANAGED_KEYS))
def test_each_pd_managed_key_is_refused_by_name(key: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(f"config must not set '{key}'")):
        parse_config(f'{key} = "x"\n', PD_MANAGED_KEYS)


@pytest.mark.parametrize("key", sorted(TIKV_MANAGED_KEYS))
def test_each_tikv_managed_key_is_refused_by_name(key: str) -> None:
    table, leaf = key.split(".")
    with pytest.raises(ConfigError, match=re.escape(f"config must not set '{key}'")):
        parse_config(f'[{table}]\n{leaf} = "x"\n', TIKV_MANAGED_KEYS)


def test_managed_key_is_found_in_dotted_key_syntax() -> None:
    with pytest.raises(ConfigError, match=r"'storage\.data-dir'"):
        parse_config('storage.data-dir = "/tmp"\n', TIKV_MANAGED_KEYS)


def test_every_managed_key_set_is_named() -> None:
    with pytest.raises(ConfigError, match="'data-dir', 'name'"):
        parse_config('name = "a"\ndata-dir = "/b"\n', PD_MANAGED_KEYS)


def test_a_key_with_a_managed_name_in_another_table_is_allowed() -> None:
    assert parse_config('[log.file]\nname = "pd.log"\n', PD_MANAGED_KEYS) == {
        "log": {"file": {"name": "pd.log"}}
    }


def test_unparsable_toml_reports_the_parser_message() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config("[server\n", TIKV_MANAGED_KEYS)
    message = str(error.value)
    assert message.startswith("config is not valid TOML: ")
    assert "line 1" in message or "end of document" in message
