"""The public label's read of names: verified names with their data keys in one query, kept
sealed (ciphertext and wrapped data key) until the moment a name is shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, select

from byline.vault._crypto import associated_data, open_sealed
from byline.vault._data_keys import key_aad
from byline.vault._errors import DecryptionFailed
from byline.vault._names import NameStatus
from byline.vault._tables import vault_keys, vault_names

# Hot (every label lookup that misses the cache), built once: only the columns it needs, the
# names and their data keys in one query.
_LABEL_NAMES = (
    select(
        vault_names.c.account_id,
        vault_names.c.name_id,
        vault_names.c.nonce,
        vault_names.c.ciphertext,
        vault_keys.c.account_id.label("key_account_id"),
        vault_keys.c.wrapped_key,
        vault_keys.c.master_key_id,
    )
    .join(vault_keys, vault_keys.c.key_id == vault_names.c.key_id)
    .where(
        vault_names.c.name_id.in_(bindparam("name_ids", expanding=True)),
        vault_names.c.status == NameStatus.VERIFIED,
    )
)


@dataclass(frozen=True, slots=True)
class SealedName:
    """A verified name as the label reads it, still encrypted: its ciphertext and its data key
    wrapped by a master key (``Vault.open_label`` opens it). Holds nothing readable without
    the master key, which only the key provider holds."""

    account_id: str
    name_id: str
    nonce: bytes = field(repr=False)
    ciphertext: bytes = field(repr=False)
    wrapped_key: bytes = field(repr=False)
    master_key_id: str
    # What the data key and the name are bound to (no secret), made once: a sealed name is
    # kept and opened each time it is shown.
    key_context: bytes = field(init=False, repr=False, compare=False)
    name_context: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "key_context", key_aad(self.account_id))
        object.__setattr__(self, "name_context", name_aad(self.account_id, self.name_id))


def read_sealed(conn: Connection, wanted: Mapping[str, str]) -> dict[str, SealedName]:
    """``wanted`` maps account id -> name id; the answer maps each account id whose name is
    verified to that name, sealed (others are left out)."""
    if not wanted:
        return {}
    rows = conn.execute(_LABEL_NAMES, {"name_ids": list(set(wanted.values()))}).all()
    sealed: dict[str, SealedName] = {}
    for row in rows:
        if wanted.get(row.account_id) != row.name_id:
            continue  # another account's name: never shown on this label
        if row.key_account_id != row.account_id:
            raise DecryptionFailed(f"name {row.name_id} points at another account's data key")
        sealed[row.account_id] = SealedName(
            row.account_id,
            row.name_id,
            row.nonce,
            row.ciphertext,
            row.wrapped_key,
            row.master_key_id,
        )
    return sealed


def open_name(sealed: SealedName, data_key: bytes) -> str:
    """The name in ``sealed``, opened with its (unwrapped) data key."""
    plaintext = open_sealed(data_key, sealed.nonce, sealed.ciphertext, sealed.name_context)
    if plaintext is None:
        raise DecryptionFailed(
            f"name {sealed.name_id} failed authentication: its ciphertext was altered or moved "
            "from another row"
        )
    return plaintext.decode()


def name_aad(account_id: str, name_id: str) -> bytes:
    """What binds a name's ciphertext to its account and its id."""
    return associated_data("byline/vault/name/v1", account_id, name_id)
