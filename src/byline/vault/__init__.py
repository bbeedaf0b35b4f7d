"""The vault: names encrypted per account, decrypted only through audited or public doors."""

from byline.vault._errors import (
    DecryptionFailed,
    KeyRingError,
    NameErased,
    NameNotFound,
    NameRejected,
    NameStatusError,
    NoteNotFound,
    VaultError,
)
from byline.vault._keys import (
    ENV_KEY_FILE,
    ENV_MASTER_KEY,
    KeyProvider,
    LocalKeyProvider,
    NoKeyRing,
    key_provider_from_env,
)
from byline.vault._label_names import SealedName
from byline.vault._names import (
    MAX_NAME_CHARS,
    NameKind,
    NameStatus,
    normalise_document_number,
    validate_name,
)
from byline.vault._vault import NameRecord, Vault

__all__ = [
    "ENV_KEY_FILE",
    "ENV_MASTER_KEY",
    "MAX_NAME_CHARS",
    "DecryptionFailed",
    "KeyProvider",
    "KeyRingError",
    "LocalKeyProvider",
    "NameErased",
    "NameKind",
    "NameNotFound",
    "NameRecord",
    "NameRejected",
    "NameStatus",
    "NameStatusError",
    "NoKeyRing",
    "NoteNotFound",
    "SealedName",
    "Vault",
    "VaultError",
    "key_provider_from_env",
    "normalise_document_number",
    "validate_name",
]
