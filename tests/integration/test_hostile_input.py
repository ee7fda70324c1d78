"""Hostile input at every entry point: only our errors come out, nothing is half written, no secrets leak."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ricochetdb.domain.errors import ValidationError
from ricochetdb.entrypoints.api import connect
from ricochetdb.entrypoints.cli import main

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=12,
)
COMMANDS = [("detector", "create"), ("run", "create"), ("stream", "create"), ("daq", "insert")]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command=st.sampled_from(COMMANDS), document=JSON)
def test_any_json_document_gives_exit_0_or_2_and_never_a_partial_daq_batch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, str], document: object
) -> None:
    db = f"sqlite:///{tmp_path / 'fuzz.sqlite'}"
    with connect(db) as api:
        before = len(api.daq.find())
    code = main(["--db", db, *command, "--", json.dumps(document)])
    err = capsys.readouterr().err
    assert code in (0, 2)
    if code == 2:
        assert err.startswith("ricochetdb: ") and err.count("\n") == 1
    with connect(db) as api:
        after = len(api.daq.find())
    if command == ("daq", "insert"):
        sent = len(document) if isinstance(document, list) else 0
        assert after - before in ((0, sent) if code == 0 else (0,))


class TestOperatorInjection:
    @pytest.mark.parametrize("name", [{"$gt": ""}, {"$where": "1"}, ["a"], None])
    def test_a_query_shaped_name_is_refused_on_every_store(
        self, name: object, mongo_uri: str, mongo_db_name: str, tmp_path: Path
    ) -> None:
        for uri in (f"sqlite:///{tmp_path / 'x.sqlite'}", f"{mongo_uri.rstrip('/')}/{mongo_db_name}"):
            with connect(uri, spool="") as api:
                api.detectors.create({"name": "RED15", "acq_config": {}, "channel_config": [], "status": "ok"})
                with pytest.raises(ValidationError):
                    api.detectors.get(name)  # type: ignore[arg-type]
                with pytest.raises(ValidationError):
                    api.runs.create({"name": "r", "detector": [{"name": name}]})

    def test_operator_looking_values_are_stored_as_plain_text(self, mongo_uri: str, mongo_db_name: str) -> None:
        with connect(f"{mongo_uri.rstrip('/')}/{mongo_db_name}", spool="") as api:
            api.detectors.create(
                {"name": "$where", "acq_config": {"mode": "$gt"}, "channel_config": [], "status": "$ne"}
            )
            stored = api.detectors.get("$where")
            assert stored.acq_config == {"mode": "$gt"} and stored.status == "$ne"
            assert [d.name for d in api.detectors.list()] == ["$where"]


def test_a_password_never_reaches_logs_output_or_the_spool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "pa55-w0rd_s3cret"
    uri = f"mongodb://physicist:{secret}@127.0.0.1:1/ricochet"
    spool = tmp_path / "spool.sqlite"
    messages = tmp_path / "m.json"
    messages.write_text(json.dumps([{"topic": "t", "timestamp": 1.0, "note": "night shift"}]))
    base = ["--db", uri, "--timeout-ms", "200", "--spool", str(spool)]
    assert main([*base, "daq", "insert", str(messages)]) == 0
    assert main([*base, "status"]) == 3  # unreachable
    assert main([*base, "spool", "status"]) == 0
    assert main([*base, "run", "list"]) == 3
    captured = capsys.readouterr()
    everything = captured.out + captured.err + caplog.text
    assert secret not in everything and "***" in everything
    for path in tmp_path.iterdir():
        assert secret.encode() not in path.read_bytes(), path.name
