"""Corporate networks: a company CA to trust, a proxy to go through (docs/networks.md)."""

from __future__ import annotations

import pytest

from pipelex_http_fetcher.probe import proxy_may_apply


@pytest.mark.parametrize(
    ("environ", "platform", "may_apply"),
    [
        ({}, "linux", False),
        ({"https_proxy": "http://proxy:3128"}, "linux", True),
        ({"HTTPS_PROXY": "http://proxy:3128"}, "linux", True),
        ({"http_proxy": "http://proxy:3128"}, "linux", True),
        ({"ALL_PROXY": "socks5://proxy:1080"}, "linux", True),
        ({"all_proxy": "socks5://proxy:1080"}, "linux", True),
        ({"Https_Proxy": "http://proxy:3128"}, "linux", True),  # urllib reads any case
        ({"ftp_proxy": "http://proxy:3128"}, "linux", True),  # conservative: any *_proxy
        ({"https_proxy": ""}, "linux", False),  # empty is unset, as urllib reads it
        ({"NO_PROXY": "*", "no_proxy": "*"}, "linux", False),  # no proxy named at all
        ({}, "darwin", True),  # system proxy settings requests would read
        ({}, "win32", True),
    ],
)
def test_the_probe_runs_only_where_no_proxy_can_apply(
    environ: dict[str, str], platform: str, may_apply: bool
) -> None:
    assert proxy_may_apply(environ, platform) is may_apply
