"""The local key ring: the key file, the environment variable, wrapping with associated data."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from byline.vault import (
    DecryptionFailed,
    KeyProvider,
    KeyRingError,
    LocalKeyProvider,
    key_provider_from_env,
)

AAD = b"account a1"
DATA_KEY = bytes(range(32))
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_a_key_file_is_created_private_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "secrets" / "keys.json"
    with pytest.raises(KeyRingError, match="no key file"):
        LocalKeyProvider.from_key_file(path)
    provider = LocalKeyProvider.from_key_file(path, create=True)
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    doc = json.loads(path.read_text())
    assert doc["format"] == "byline-master-keys/1"
    assert doc["current"] == provider.current_key_id == doc["keys"][0]["id"]
    assert len(base64.b64decode(doc["keys"][0]["key"])) == 32
    assert [p.name for p in path.parent.iterdir()] == ["keys.json"]  # no temporary left behind
    # a second opening, with or without create, reads the same ring
    assert LocalKeyProvider.from_key_file(path, create=True).current_key_id == doc["current"]


@posix_only
def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    LocalKeyProvider.from_key_file(path, create=True)
    path.chmod(0o644)
    with pytest.raises(KeyRingError, match="chmod 600"):
        LocalKeyProvider.from_key_file(path)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "{}",
        '{"format": "byline-master-keys/1", "current": "k1", "keys": []}',
        '{"format": "byline-master-keys/1", "current": "k1",'
        ' "keys": [{"id": "k1", "key": "c2hvcnQ="}]}',
        '{"format": "other", "current": "k1", "keys": []}',
    ],
)
def test_a_malformed_key_file_is_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "keys.json"
    path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(KeyRingError):
        LocalKeyProvider.from_key_file(path)


def test_wrapping_binds_the_associated_data() -> None:
    provider = LocalKeyProvider.ephemeral()
    assert isinstance(provider, KeyProvider)
    wrapped, key_id = provider.wrap(DATA_KEY, associated_data=AAD)
    assert key_id == provider.current_key_id and DATA_KEY not in wrapped
    assert provider.unwrap(wrapped, key_id, associated_data=AAD) == DATA_KEY
    with pytest.raises(DecryptionFailed):
        provider.unwrap(wrapped, key_id, associated_data=b"account a2")
    with pytest.raises(DecryptionFailed):
        provider.unwrap(wrapped[:-1] + bytes([wrapped[-1] ^ 1]), key_id, associated_data=AAD)
    with pytest.raises(KeyRingError, match="mk-gone"):
        provider.unwrap(wrapped, "mk-gone", associated_data=AAD)
    with pytest.raises(DecryptionFailed, match="unknown format"):
        provider.unwrap(b"\x02" + wrapped[1:], key_id, associated_data=AAD)
    with pytest.raises(DecryptionFailed):  # another ring's key under the same id
        LocalKeyProvider({key_id: b"\x09" * 32}, key_id).unwrap(
            wrapped, key_id, associated_data=AAD
        )


def test_added_keys_become_current_and_old_ones_still_unwrap(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    provider = LocalKeyProvider.from_key_file(path, create=True)
    old = provider.current_key_id
    wrapped, _ = provider.wrap(DATA_KEY, associated_data=AAD)
    new = provider.add_key()
    assert provider.current_key_id == new and provider.key_ids == (old, new)
    assert provider.unwrap(wrapped, old, associated_data=AAD) == DATA_KEY
    assert provider.wrap(DATA_KEY, associated_data=AAD)[1] == new
    reloaded = LocalKeyProvider.from_key_file(path)
    assert (reloaded.current_key_id, reloaded.key_ids) == (new, (old, new))
    assert mode(path) == 0o600
    provider.remove_key(old)
    assert LocalKeyProvider.from_key_file(path).key_ids == (new,)
    with pytest.raises(KeyRingError, match="current"):
        provider.remove_key(new)
    with pytest.raises(KeyRingError, match="not in the ring"):
        provider.remove_key(old)


def test_adding_a_key_keeps_keys_another_process_added(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    first = LocalKeyProvider.from_key_file(path, create=True)
    second = LocalKeyProvider.from_key_file(path)
    a = second.add_key()
    b = first.add_key()  # first's in-memory ring predates a; the file is re-read
    assert set(LocalKeyProvider.from_key_file(path).key_ids) >= {a, b}


def test_an_environment_key_is_one_stable_key() -> None:
    value = base64.b64encode(b"\x01" * 32).decode()
    provider = LocalKeyProvider.from_env_value(value)
    assert provider.current_key_id == LocalKeyProvider.from_env_value(value).current_key_id
    assert (
        provider.current_key_id
        != LocalKeyProvider.from_env_value(base64.b64encode(b"\x02" * 32).decode()).current_key_id
    )
    with pytest.raises(KeyRingError, match="key file"):
        provider.add_key()


@pytest.mark.parametrize(
    "value",
    ["not-base64!!", base64.b64encode(b"short").decode(), base64.b64encode(b"x" * 33).decode()],
)
def test_a_bad_environment_key_is_refused_without_echo(value: str) -> None:
    with pytest.raises(KeyRingError, match="BYLINE_MASTER_KEY") as refusal:
        LocalKeyProvider.from_env_value(value)
    assert value not in str(refusal.value)


def test_key_provider_from_env_chooses_variable_then_file_then_default(tmp_path: Path) -> None:
    default = tmp_path / "default.json"
    named = tmp_path / "named.json"
    value = base64.b64encode(b"\x03" * 32).decode()

    env = {"BYLINE_MASTER_KEY": value, "BYLINE_KEY_FILE": str(named)}
    assert key_provider_from_env(default, environ=env).current_key_id.startswith("env-")

    with pytest.raises(KeyRingError, match="no key file"):  # a named file is never invented
        key_provider_from_env(default, environ={"BYLINE_KEY_FILE": str(named)})
    made = LocalKeyProvider.from_key_file(named, create=True)
    chosen = key_provider_from_env(default, environ={"BYLINE_KEY_FILE": str(named)})
    assert chosen.current_key_id == made.current_key_id and chosen.key_file == named

    assert not default.exists()
    fallback = key_provider_from_env(default, environ={})
    assert fallback.key_file == default and mode(default) == 0o600
    assert key_provider_from_env(default, environ={}).current_key_id == fallback.current_key_id


def test_key_provider_from_env_reads_the_process_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BYLINE_MASTER_KEY", base64.b64encode(b"\x04" * 32).decode())
    provider = key_provider_from_env(tmp_path / "default.json")
    assert provider.current_key_id.startswith("env-") and provider.key_file is None


def test_repr_shows_no_key_material(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    provider = LocalKeyProvider.from_key_file(path, create=True)
    provider.add_key()
    keys = [k["key"] for k in json.loads(path.read_text())["keys"]]
    for text in (repr(provider), str(provider)):
        assert "keys=2" in text
        for key in keys:
            assert key not in text and base64.b64decode(key).hex() not in text
