"""The relays are the worker's (issue 24, finding 1): named in its configuration (flags, the
environment, a TOML file), chosen by name, and credentials never cross plain SMTP unless
the configuration allows it for a loopback relay."""

from __future__ import annotations

from pathlib import Path

import pytest

from missive.deliver.relays import DEFAULT, configure, credentials_for
from missive.errors import DeliveryError
from missive.schedule.request import SendJob, from_arguments

ENV = {"MISSIVE_SMTP_USERNAME": "ops", "MISSIVE_SMTP_PASSWORD": "the relay's password"}


def test_one_flag_gives_the_default_relay_and_names_choose_others(tmp_path: Path) -> None:
    config = tmp_path / "relays.toml"
    config.write_text(
        '[relays.bulk]\nurl = "smtps://bulk.example.int:465"\n'
        'username_env = "BULK_USER"\npassword_env = "BULK_PASSWORD"\n'
        '[relays.local]\nurl = "smtp://127.0.0.1:2525"\nplain_auth = true\n',
        encoding="utf-8",
    )
    relays = configure(
        "smtp+starttls://relay.example.int:587",
        ["backup=smtps://backup.example.int"],
        config,
        {"MISSIVE_RELAYS": "spare=smtps://spare.example.int:465"},
    )
    assert sorted(relays.by_name) == ["backup", "bulk", DEFAULT, "local", "spare"]
    assert str(relays.get(None).endpoint) == "smtp+starttls://relay.example.int:587"
    assert str(relays.get("backup").endpoint) == "smtps://backup.example.int:465"
    bulk = credentials_for(relays.get("bulk"), {"BULK_USER": "b", "BULK_PASSWORD": "p"})
    assert bulk is not None and bulk.username == "b"
    local = credentials_for(relays.get("local"), ENV)
    assert local is not None and local.username == "ops"
    with pytest.raises(DeliveryError, match="no relay named 'ftp://x'"):
        relays.get("ftp://x")


def test_credentials_never_cross_plain_smtp_unless_allowed_for_loopback(tmp_path: Path) -> None:
    plain = configure("smtp://relay.example.int:25", environ={})
    with pytest.raises(DeliveryError, match="never sent without TLS"):
        credentials_for(plain.get(None), ENV)
    assert credentials_for(plain.get(None), {}) is None  # no credentials: nothing to protect
    loopback = configure("smtp://127.0.0.1:2525", environ={})
    with pytest.raises(DeliveryError, match="never sent without TLS"):
        credentials_for(loopback.get(None), ENV)  # loopback too, unless said explicitly
    config = tmp_path / "relays.toml"
    config.write_text('[relays.far]\nurl = "smtp://relay.example.int"\nplain_auth = true\n')
    with pytest.raises(DeliveryError, match="loopback relay only"):
        configure(None, config_file=config, environ={})
    for bad in ("ftp://x", "smtp://user:pw@relay.example.int", "NAME"):
        with pytest.raises(DeliveryError):
            configure(None, [f"x={bad}" if "://" in bad else bad], environ={})


def test_a_job_is_typed_data_and_refuses_what_it_did_not_write() -> None:
    job = SendJob(relay="bulk", groups=("governments",), limit=5, rate="600/min")
    assert SendJob.from_json(job.to_json()) == job
    for text in (
        '{"version": 1, "relay": "smtp://evil.example:25"}',
        '{"version": 1, "limit": true}',
        '{"version": 1, "limit": 0}',
        '{"version": 1, "rate": "--no-dry-run"}',
        '{"version": 1, "smtp": "smtp://x"}',
        '{"version": 2}',
        '{"version": 1, "languages": ["xx"]}',
        "[1]",
    ):
        with pytest.raises(Exception, match=r"."):
            SendJob.from_json(text)
    # An older job's arguments are read strictly; what `schedule` never wrote is refused.
    old = from_arguments(["--smtp", "smtp://relay:25", "--rate", "60/min", "--lang", "fr"])
    assert old.relay is None and old.rate == "60/min" and [x.value for x in old.languages] == ["fr"]
    for argv in (["--rate", "--no-dry-run"], ["--limit", "True"], ["--no-dry-run", "x"]):
        with pytest.raises(Exception, match=r"."):
            from_arguments(argv)
