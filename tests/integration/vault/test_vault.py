"""The vault on SQLite and PostgreSQL: names stored only encrypted, decrypted only through the
audited staff door or the public label of a verified name, rotated and shredded."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select, update

from byline.audit import AuditAction, entries_for, verify
from byline.audit._tables import audit_log
from byline.store import Database
from byline.store.migrate import full_metadata
from byline.vault import (
    DecryptionFailed,
    KeyRingError,
    LocalKeyProvider,
    NameErased,
    NameKind,
    NameNotFound,
    NameRejected,
    NameStatus,
    NameStatusError,
    NoteNotFound,
    Vault,
    VaultError,
    key_provider_from_env,
)
from byline.vault._tables import vault_keys, vault_names, vault_notes

T0 = dt.datetime(2023, 12, 22, 8, 0, tzinfo=dt.UTC)
NAME = "王高飞"
DOCUMENT = "11010519491231002X"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "keys" / "master-keys.json"


@pytest.fixture
def provider(key_file: Path) -> LocalKeyProvider:
    return LocalKeyProvider.from_key_file(key_file, create=True)


@pytest.fixture
def vault(provider: LocalKeyProvider) -> Vault:
    return Vault(provider)


def submit(db: Database, vault: Vault, account_id: str = "a1", name: str = NAME) -> str:
    with db.transaction() as conn:
        return vault.submit_name(conn, account_id, name, NameKind.REAL_NAME, T0)


def submit_verified(db: Database, vault: Vault, account_id: str = "a1", name: str = NAME) -> str:
    name_id = submit(db, vault, account_id, name)
    with db.transaction() as conn:
        vault.verify_name(conn, name_id, "id_card_ocr", "chk-1", T0, "reviewer:zhang")
    return name_id


def reveal(db: Database, vault: Vault, name_id: str, reason: str = "review") -> str:
    with db.transaction() as conn:
        return vault.reveal_for_staff(conn, name_id, "staff:li", reason, T0, request_id="req-1")


def stored_bytes(conn: Connection) -> bytes:
    """Every value of every row of every table, raw bytes as they are, the rest as text."""
    out = bytearray()
    for table in full_metadata().sorted_tables:
        for row in conn.execute(select(table)).mappings():
            for value in row.values():
                if isinstance(value, bytes):
                    out += value
                else:
                    for ascii_only in (False, True):
                        text = json.dumps(value, default=str, ensure_ascii=ascii_only)
                        out += text.encode()
                out += b"\x00"
    return bytes(out)


def audit_text(conn: Connection) -> str:
    rows = [dict(r) for r in conn.execute(select(audit_log)).mappings()]
    return json.dumps(rows, default=str, ensure_ascii=False) + json.dumps(rows, default=str)


def count_audit(conn: Connection, action: AuditAction) -> int:
    return sum(1 for e in entries_for(conn) if e["action"] == action)


# -- round trip, and nothing readable at rest ---------------------------------------------------


def test_a_name_round_trips_and_rests_only_as_ciphertext(db: Database, vault: Vault) -> None:
    name_id = submit(db, vault)
    with db.reading() as conn:
        record = vault.record(conn, name_id)
        row = conn.execute(select(vault_names).where(vault_names.c.name_id == name_id)).one()
        everything = stored_bytes(conn)
    assert (record.account_id, record.kind, record.status) == (
        "a1",
        NameKind.REAL_NAME,
        NameStatus.SUBMITTED,
    )
    assert len(row.ciphertext) == len(NAME.encode()) + 16  # the text plus the GCM tag, no more
    assert len(row.nonce) == 12
    for encoding in ("utf-8", "utf-16-le", "utf-16-be", "gb18030", "unicode_escape"):
        assert NAME.encode(encoding) not in everything, encoding
    assert reveal(db, vault, name_id) == NAME


@pytest.mark.parametrize(
    "name",
    [
        "王高飞",
        "𠀋𡈽",  # CJK Extension B, outside the Basic Multilingual Plane
        "فاطمة الزهراء",
        "Zoë 🌸 👩🏽‍💻",  # skin tone and zero-width-joiner sequence
        "Jose\u0301 Nun\u0303ez",  # decomposed: combining accents kept as given
        "Nguyễn Thị Minh Khai",
        "Ἀριστοτέλης",
        "मोहनदास करमचंद गांधी",
        "Müller　Anna",  # ideographic space inside
        "株式会社 字节跳动",
    ],
)
def test_names_in_any_script_round_trip_exactly(db: Database, vault: Vault, name: str) -> None:
    name_id = submit_verified(db, vault, "a1", name)
    assert reveal(db, vault, name_id) == name
    with db.reading() as conn:
        assert vault.label_name(conn, "a1", name_id) == name
        assert name.encode() not in stored_bytes(conn)


def test_surrounding_whitespace_is_stripped(db: Database, vault: Vault) -> None:
    name_id = submit(db, vault, "a1", "  王高飞 ")
    assert reveal(db, vault, name_id) == "王高飞"


def test_an_account_keeps_one_data_key_for_all_its_names(db: Database, vault: Vault) -> None:
    first, second, other = (
        submit(db, vault, "a1"),
        submit(db, vault, "a1", "李华"),
        submit(db, vault, "a2"),
    )
    with db.reading() as conn:
        keys = dict(conn.execute(select(vault_keys.c.account_id, vault_keys.c.key_id)).all())
        by_name = dict(conn.execute(select(vault_names.c.name_id, vault_names.c.key_id)).all())
    assert set(keys) == {"a1", "a2"}
    assert by_name[first] == by_name[second] == keys["a1"] != by_name[other]


# -- tampering --------------------------------------------------------------------------------


def _tamper(conn: Connection, how: str, ids: dict[str, str]) -> None:
    names = {
        r.name_id: r for r in conn.execute(select(vault_names)).all()
    }  # n1, n2: account a1; n3: account a2
    keys = {r.account_id: r for r in conn.execute(select(vault_keys)).all()}
    n1, n2, n3 = names[ids["n1"]], names[ids["n2"]], names[ids["n3"]]

    def set_name(**values: Any) -> None:
        conn.execute(
            update(vault_names).where(vault_names.c.name_id == n1.name_id).values(**values)
        )

    if how == "flip_a_byte":
        flipped = bytes([n1.ciphertext[0] ^ 1]) + n1.ciphertext[1:]
        set_name(ciphertext=flipped)
    elif how == "truncate":
        set_name(ciphertext=n1.ciphertext[:-1])
    elif how == "other_nonce":
        set_name(nonce=n2.nonce)
    elif how == "swap_within_account":
        set_name(nonce=n2.nonce, ciphertext=n2.ciphertext)
    elif how == "swap_across_accounts":
        set_name(nonce=n3.nonce, ciphertext=n3.ciphertext)
    elif how == "point_at_other_key":
        set_name(key_id=n3.key_id)
    elif how == "move_to_other_account":
        set_name(account_id="a2", key_id=n3.key_id)
    elif how == "swap_wrapped_keys":
        conn.execute(
            update(vault_keys)
            .where(vault_keys.c.account_id == "a1")
            .values(wrapped_key=keys["a2"].wrapped_key)
        )
    elif how == "edit_wrapped_key":
        wrapped = keys["a1"].wrapped_key
        conn.execute(
            update(vault_keys)
            .where(vault_keys.c.account_id == "a1")
            .values(wrapped_key=wrapped[:-1] + bytes([wrapped[-1] ^ 1]))
        )
    else:
        raise AssertionError(how)


@pytest.mark.parametrize(
    "how",
    [
        "flip_a_byte",
        "truncate",
        "other_nonce",
        "swap_within_account",
        "swap_across_accounts",
        "point_at_other_key",
        "move_to_other_account",
        "swap_wrapped_keys",
        "edit_wrapped_key",
    ],
)
def test_altered_or_swapped_rows_fail_to_decrypt(db: Database, vault: Vault, how: str) -> None:
    ids = {
        "n1": submit_verified(db, vault, "a1", NAME),
        "n2": submit(db, vault, "a1", "王高飞飞"),
        "n3": submit(db, vault, "a2", "李华"),
    }
    with db.transaction() as conn:
        _tamper(conn, how, ids)
    with db.reading() as conn:
        account = conn.execute(
            select(vault_names.c.account_id).where(vault_names.c.name_id == ids["n1"])
        ).scalar_one()
        audited_before = count_audit(conn, AuditAction.NAME_DECRYPTED)
    with pytest.raises(DecryptionFailed) as failure:
        reveal(db, vault, ids["n1"])
    assert ids["n1"] in str(failure.value) or "wrapped key" in str(failure.value)
    for plain in (NAME, "李华"):
        assert plain not in str(failure.value) and plain not in repr(failure.value)
    with db.reading() as conn:
        with pytest.raises(DecryptionFailed):
            vault.label_name(conn, account, ids["n1"])
        assert count_audit(conn, AuditAction.NAME_DECRYPTED) == audited_before
    assert reveal(db, vault, ids["n3"]) == "李华"  # the untouched account still reads


# -- the staff door -----------------------------------------------------------------------------


def test_staff_reveal_writes_one_audit_entry_without_the_name(db: Database, vault: Vault) -> None:
    name_id = submit_verified(db, vault)
    with db.reading() as conn:
        before = len(entries_for(conn))
        assert vault.label_name(conn, "a1", name_id) == NAME  # public label: not audited
        assert len(entries_for(conn)) == before

    assert reveal(db, vault, name_id, reason="complaint") == NAME

    with db.reading() as conn:
        entries = entries_for(conn)
        text = audit_text(conn)
        report = verify(conn)
    assert len(entries) == before + 1
    entry = entries[-1]
    assert entry["action"] == AuditAction.NAME_DECRYPTED
    assert (entry["actor"], entry["account_id"], entry["request_id"]) == (
        "staff:li",
        "a1",
        "req-1",
    )
    assert entry["detail"] == {"name_id": name_id, "reason": "complaint"}
    assert NAME not in text
    assert NAME.encode("unicode_escape").decode() not in text  # nor as \u escapes
    assert report.ok and report.entries == before + 1


def test_a_note_is_kept_encrypted_read_only_through_an_audited_reveal(
    db: Database, vault: Vault
) -> None:
    name_id = submit(db, vault, "a1", "王高飞")
    with db.transaction() as conn:
        note_id = vault.keep_note(conn, "a1", "  用户称王高飞拼写错误 ", T0)
        assert vault.keep_note(conn, "a1", "   ", T0) is None  # no text, no note
        assert note_id is not None
    with db.reading() as conn:
        assert "王高飞" not in audit_text(conn)
        row = conn.execute(select(vault_notes)).one()
        assert "王高飞".encode() not in row.ciphertext
    with db.transaction() as conn:
        with pytest.raises(NoteNotFound):  # another account's note is not found
            vault.reveal_note(conn, "a2", note_id, "staff:li", "review", T0)
        text = vault.reveal_note(conn, "a1", note_id, "staff:li", "complaint", T0)
    assert text == "用户称王高飞拼写错误"
    with db.reading() as conn:
        entry = entries_for(conn)[-1]
        assert entry["action"] == AuditAction.NOTE_DECRYPTED
        assert entry["detail"] == {"note_id": note_id, "reason": "complaint"}
    assert reveal(db, vault, name_id) == "王高飞"


def test_a_reason_is_a_code_never_free_text(db: Database, vault: Vault) -> None:
    name_id = submit(db, vault)
    with pytest.raises(ValueError, match="review"):  # the message lists the codes
        reveal(db, vault, name_id, reason=f"checking {NAME}")
    with db.transaction() as conn, pytest.raises(ValueError):
        vault.keep_note(conn, "a1", "x" * 501, T0)
    with db.reading() as conn:
        assert count_audit(conn, AuditAction.NAME_DECRYPTED) == 0
        assert NAME not in audit_text(conn)


def test_a_reveal_needs_a_reason(db: Database, vault: Vault) -> None:
    name_id = submit(db, vault)
    with pytest.raises(ValueError):
        reveal(db, vault, name_id, reason="  ")
    with db.reading() as conn:
        assert count_audit(conn, AuditAction.NAME_DECRYPTED) == 0


def test_the_audit_entry_rolls_back_with_the_callers_transaction(
    db: Database, vault: Vault
) -> None:
    name_id = submit(db, vault)
    with pytest.raises(RuntimeError), db.transaction() as conn:
        vault.reveal_for_staff(conn, name_id, "staff:li", "review", T0)
        vault.submit_name(conn, "a9", "赵六", NameKind.REAL_NAME, T0)
        raise RuntimeError("the use case failed after the reveal")
    with db.reading() as conn:
        assert count_audit(conn, AuditAction.NAME_DECRYPTED) == 0
        assert (
            conn.execute(select(vault_names).where(vault_names.c.account_id == "a9")).first()
            is None
        )


# -- the public label and the statuses ----------------------------------------------------------


def test_the_label_shows_only_a_verified_name_of_that_account(db: Database, vault: Vault) -> None:
    name_id = submit(db, vault)
    with db.transaction() as conn:
        assert vault.label_name(conn, "a1", name_id) is None  # submitted
        vault.verify_name(conn, name_id, "bank_card", "bank-ref-7", T0, "reviewer:zhang")
        assert vault.label_name(conn, "a1", name_id) == NAME
        assert vault.label_name(conn, "a2", name_id) is None  # someone else's label
        assert vault.label_name(conn, "a1", "no-such-name") is None
        record = vault.record(conn, name_id)
        assert (record.status, record.verification_method, record.verification_ref) == (
            NameStatus.VERIFIED,
            "bank_card",
            "bank-ref-7",
        )
        assert (record.verified_at, record.verified_by, record.document_hash) == (
            T0,
            "reviewer:zhang",
            None,
        )
        vault.reject_name(conn, name_id, T0 + dt.timedelta(days=1), "reviewer:wu")
        assert vault.label_name(conn, "a1", name_id) is None
        assert vault.record(conn, name_id).status == NameStatus.REJECTED


def test_statuses_move_only_forward(db: Database, vault: Vault) -> None:
    name_id = submit_verified(db, vault)
    with db.transaction() as conn:
        with pytest.raises(NameStatusError, match="verified"):
            vault.verify_name(conn, name_id, "id_card_ocr", "chk-2", T0, "reviewer:zhang")
        vault.reject_name(conn, name_id, T0, "reviewer:wu")
        with pytest.raises(NameStatusError, match="rejected"):
            vault.verify_name(conn, name_id, "id_card_ocr", "chk-3", T0, "reviewer:zhang")
        with pytest.raises(NameStatusError):
            vault.reject_name(conn, name_id, T0, "reviewer:wu")
        with pytest.raises(NameNotFound):
            vault.verify_name(conn, "no-such-name", "id_card_ocr", "chk", T0, "reviewer:zhang")
        with pytest.raises(NameNotFound):
            vault.reveal_for_staff(conn, "no-such-name", "staff:li", "review", T0)


# -- rejected names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "王" * 201,
        "王高飞\t李",
        "王高\n飞",
        "Li\x00Hua",
        "Li\x1bHua",
        "abc\u202edcba",  # right-to-left override: the label would read differently
        "Li\u2028Hua",
        "Li\x85Hua",  # NEL, a C1 control
    ],
)
def test_unacceptable_names_are_refused_without_being_echoed(
    db: Database, vault: Vault, name: str
) -> None:
    with pytest.raises(NameRejected) as refusal, db.transaction() as conn:
        vault.submit_name(conn, "a1", name, NameKind.REAL_NAME, T0)
    assert isinstance(refusal.value, ValueError)
    message = str(refusal.value)
    for fragment in {name, name.strip(), "王高", "Li", "Hua", "abc", "王" * 5} - {""}:
        assert fragment not in message
    with db.reading() as conn:
        assert conn.execute(select(vault_names)).first() is None
        assert conn.execute(select(vault_keys)).first() is None


def test_the_longest_name_allowed_is_200_characters(db: Database, vault: Vault) -> None:
    name_id = submit(db, vault, "a1", "飞" * 200)
    assert reveal(db, vault, name_id) == "飞" * 200


def test_the_vaults_own_account_ids_are_refused(db: Database, vault: Vault) -> None:
    with pytest.raises(ValueError, match="vault's own"), db.transaction() as conn:
        vault.submit_name(conn, "byline:vault:document-hash-key", NAME, NameKind.REAL_NAME, T0)


# -- document numbers ---------------------------------------------------------------------------


def test_document_numbers_are_kept_only_as_a_keyed_hash(db: Database, vault: Vault) -> None:
    first, second, third = submit(db, vault, "a1"), submit(db, vault, "a2"), submit(db, vault, "a3")
    with db.transaction() as conn:
        vault.verify_name(conn, first, "id_card", "chk-1", T0, "reviewer:zhang", DOCUMENT)
        # the same card typed differently: spaces, lower-case x, full-width digits
        vault.verify_name(
            conn, second, "id_card", "chk-2", T0, "reviewer:zhang", " １１０１０５ 19491231 002x"
        )
        vault.verify_name(
            conn, third, "id_card", "chk-3", T0, "reviewer:zhang", "110105194912310039"
        )
        hashes = [vault.record(conn, n).document_hash for n in (first, second, third)]
        everything = stored_bytes(conn)
    assert hashes[0] is not None and len(hashes[0]) == 64 and int(hashes[0], 16) >= 0
    assert hashes[0] == hashes[1] != hashes[2]
    for unkeyed in (DOCUMENT, DOCUMENT.lower(), "byline/document-number/v1\x00" + DOCUMENT):
        assert hashes[0] != hashlib.sha256(unkeyed.encode()).hexdigest()
    for form in (DOCUMENT, DOCUMENT.lower(), DOCUMENT[:-1], "110105194912310039", "19491231002"):
        assert form.encode() not in everything, form


def test_a_reference_may_not_smuggle_the_document_number(db: Database, vault: Vault) -> None:
    name_id = submit(db, vault)
    with pytest.raises(ValueError, match="must not contain") as refusal, db.transaction() as conn:
        vault.verify_name(
            conn, name_id, "id_card", f"card {DOCUMENT}", T0, "reviewer:zhang", DOCUMENT
        )
    assert DOCUMENT not in str(refusal.value)
    with db.reading() as conn:
        assert vault.record(conn, name_id).status == NameStatus.SUBMITTED


# -- rotation -----------------------------------------------------------------------------------


def test_rotation_lets_the_old_master_key_leave_the_ring(
    db: Database, vault: Vault, provider: LocalKeyProvider, key_file: Path
) -> None:
    ids = {
        account: submit_verified(db, vault, account, f"名字{account}")
        for account in ("a1", "a2", "a3")
    }
    with_document = submit(db, vault, "a4")
    with db.transaction() as conn:
        vault.verify_name(conn, with_document, "id_card", "chk", T0, "r", DOCUMENT)
        old_hash = vault.record(conn, with_document).document_hash
        ciphertexts = dict(
            conn.execute(select(vault_names.c.name_id, vault_names.c.ciphertext)).all()
        )
    old = provider.current_key_id

    new = provider.add_key()
    assert provider.current_key_id == new != old
    with db.transaction() as conn:
        assert vault.master_keys_in_use(conn) == {old: 5}  # four accounts + the document-hash key
        assert vault.rotate(conn, T0, "ops:chen") == 5
        assert vault.master_keys_in_use(conn) == {new: 5}
        assert vault.rotate(conn, T0, "ops:chen") == 0
        rotated = [e for e in entries_for(conn) if e["action"] == AuditAction.KEYS_ROTATED]
        # data keys are re-wrapped; the names themselves are not re-encrypted
        assert (
            dict(conn.execute(select(vault_names.c.name_id, vault_names.c.ciphertext)).all())
            == ciphertexts
        )
        assert verify(conn).ok
    assert [(e["actor"], e["detail"]["rewrapped"]) for e in rotated] == [
        ("ops:chen", 5),
        ("ops:chen", 0),
    ]
    assert rotated[0]["detail"]["from"] == [old] and rotated[0]["detail"]["to"] == new

    provider.remove_key(old)
    fresh = LocalKeyProvider.from_key_file(key_file)  # what the next process will load
    assert fresh.key_ids == (new,)
    later = Vault(fresh)
    for account, name_id in ids.items():
        assert reveal(db, later, name_id) == f"名字{account}"
    with db.transaction() as conn:
        assert later.label_name(conn, "a1", ids["a1"]) == "名字a1"
        name_id = later.submit_name(conn, "a5", NAME, NameKind.REAL_NAME, T0)
        later.verify_name(conn, name_id, "id_card", "chk", T0, "r", DOCUMENT)
        assert later.record(conn, name_id).document_hash == old_hash  # stable across rotation


def test_removing_a_master_key_before_rotating_locks_the_names_away(
    db: Database, vault: Vault, provider: LocalKeyProvider
) -> None:
    name_id = submit(db, vault)
    old = provider.current_key_id
    provider.add_key()
    provider.remove_key(old)
    with pytest.raises(KeyRingError, match=old):
        reveal(db, vault, name_id)


def test_rotation_in_batches(db: Database, vault: Vault, provider: LocalKeyProvider) -> None:
    for account in ("a1", "a2", "a3"):
        submit(db, vault, account)
    provider.add_key()
    done = []
    while True:
        with db.transaction() as conn:
            n = vault.rotate(conn, T0, "ops:chen", limit=2)
        done.append(n)
        if n == 0:
            break
    assert done == [2, 1, 0]


def test_the_current_key_cannot_be_removed(provider: LocalKeyProvider) -> None:
    with pytest.raises(KeyRingError, match="current"):
        provider.remove_key(provider.current_key_id)


# -- the key from the environment ---------------------------------------------------------------


def test_a_master_key_from_the_environment(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = base64.b64encode(bytes(range(32))).decode()
    monkeypatch.setenv("BYLINE_MASTER_KEY", secret)
    monkeypatch.setenv("BYLINE_KEY_FILE", str(tmp_path / "ignored.json"))
    provider = key_provider_from_env(tmp_path / "default.json")
    assert provider.current_key_id.startswith("env-")
    assert not (tmp_path / "default.json").exists() and not (tmp_path / "ignored.json").exists()
    name_id = submit(db, Vault(provider))

    again = key_provider_from_env(tmp_path / "default.json")  # the next process
    assert again.current_key_id == provider.current_key_id
    assert reveal(db, Vault(again), name_id) == NAME
    with db.reading() as conn:
        wrapped = conn.execute(select(vault_keys.c.wrapped_key)).scalar_one()
        assert bytes(range(32)) not in stored_bytes(conn) and secret.encode() not in wrapped

    monkeypatch.setenv("BYLINE_MASTER_KEY", base64.b64encode(b"\x07" * 32).decode())
    with pytest.raises(KeyRingError):
        reveal(db, Vault(key_provider_from_env(tmp_path / "default.json")), name_id)


# -- erasure ------------------------------------------------------------------------------------


def test_erasure_shreds_the_accounts_key_and_names(db: Database, vault: Vault) -> None:
    verified = submit_verified(db, vault, "a1")
    pending = submit(db, vault, "a1", "王高飞飞")
    other = submit_verified(db, vault, "a2", "李华")
    with db.transaction() as conn:
        vault.verify_name(conn, pending, "id_card", "chk-9", T0, "reviewer:zhang", DOCUMENT)
        note_id = vault.keep_note(conn, "a1", f"spelling of {NAME} disputed", T0)
        assert note_id is not None
    with db.transaction() as conn:
        assert vault.erase(conn, "a1", "privacy:zhao", T0, "erasure_request") == 2

    for name_id in (verified, pending):
        with pytest.raises(NameErased) as erased:
            reveal(db, vault, name_id)
        assert NAME not in str(erased.value)
    with db.transaction() as conn:
        assert vault.label_name(conn, "a1", verified) is None
        assert (
            conn.execute(select(vault_keys).where(vault_keys.c.account_id == "a1")).first() is None
        )
        rows = conn.execute(select(vault_names).where(vault_names.c.account_id == "a1")).all()
        assert {
            (r.status, r.key_id, r.ciphertext, r.document_hash, r.verification_ref) for r in rows
        } == {("erased", None, b"", None, None)}
        with pytest.raises(NameErased):
            vault.verify_name(conn, verified, "id_card", "chk", T0, "reviewer:zhang")
        with pytest.raises(NameErased):  # the note is shredded with the names
            vault.reveal_note(conn, "a1", note_id, "staff:li", "review", T0)
        note = conn.execute(select(vault_notes)).one()
        assert (note.key_id, note.ciphertext, note.erased_at is not None) == (None, b"", True)
        erasures = [
            e for e in entries_for(conn, account_id="a1") if e["action"] == AuditAction.NAME_ERASED
        ]
        assert [(e["actor"], e["detail"]) for e in erasures] == [
            ("privacy:zhao", {"names": 2, "notes": 1, "reason": "erasure_request"})
        ]
        assert vault.erase(conn, "a1", "privacy:zhao", T0, "erasure_request") == 0
        assert verify(conn).ok
        assert vault.label_name(conn, "a2", other) == "李华"  # other accounts untouched
    assert reveal(db, vault, other) == "李华"


# -- nothing secret in a repr -------------------------------------------------------------------


def test_no_repr_carries_keys_or_names(
    db: Database, vault: Vault, provider: LocalKeyProvider, key_file: Path
) -> None:
    name_id = submit(db, vault)
    with db.reading() as conn:
        record = vault.record(conn, name_id)
        data_key_wrapped = conn.execute(select(vault_keys.c.wrapped_key)).scalar_one()
    secrets = [k["key"] for k in json.loads(key_file.read_text())["keys"]]
    master = base64.b64decode(secrets[0])
    texts = [repr(vault), str(vault), repr(provider), str(provider), repr(record), str(record)]
    for text in texts:
        assert NAME not in text
        for secret in (*secrets, master.hex(), repr(master), data_key_wrapped.hex()):
            assert secret not in text
    assert "LocalKeyProvider" in repr(vault) and name_id in repr(record)


def test_vault_errors_are_one_family() -> None:
    for error in (
        DecryptionFailed,
        KeyRingError,
        NameErased,
        NameNotFound,
        NameRejected,
        NameStatusError,
    ):
        assert issubclass(error, VaultError)


def test_a_racing_first_key_for_an_account_is_not_a_unique_violation(db: Database) -> None:
    from byline.vault._data_keys import _insert_if_absent

    values = {
        "account_id": "a1",
        "wrapped_key": b"w",
        "master_key_id": "mk",
        "created_at": T0,
    }
    with db.transaction() as conn:
        assert _insert_if_absent(conn, {"key_id": "k1", **values})
        assert not _insert_if_absent(conn, {"key_id": "k2", **values})  # the loser reads theirs
        assert conn.execute(select(vault_keys.c.key_id)).scalars().all() == ["k1"]
