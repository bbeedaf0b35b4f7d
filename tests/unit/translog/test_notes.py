"""Signed notes and checkpoints, held to the known answer Go's reference implementation
(golang.org/x/mod/sumdb/note) publishes in its documentation: the same signer key gives the same
verifier key and, Ed25519 being deterministic, the same signed note, byte for byte; and that note
opens with the published verifier key. Then every change to a note, a key or a checkpoint is
refused with a reason."""

from __future__ import annotations

import pytest

from byline.domain.merkle import leaf_hash, root
from byline.translog import Checkpoint, NoteError, Signer, Verifier, open_note

# Published with golang.org/x/mod/sumdb/note (its package documentation's example).
GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
GO_NOTE = (
    GO_TEXT + "\n\u2014 PeterNeumann "
    "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
)


def test_the_go_reference_known_answer() -> None:
    signer = Signer.parse(GO_SIGNER)
    assert signer.text() == GO_SIGNER
    assert signer.verifier().text() == GO_VERIFIER
    assert signer.sign(GO_TEXT) == GO_NOTE
    assert open_note(GO_NOTE, Verifier.parse(GO_VERIFIER)) == GO_TEXT


@pytest.mark.parametrize(
    ("note", "why"),
    [
        (GO_NOTE.replace("cryptography", "cryptographY"), "does not verify"),
        (GO_NOTE.replace("PeterNeumann x08", "PeterNeumann y08"), "no signature"),
        (GO_NOTE.replace("\n\n", "\n"), "no blank line"),
        (GO_NOTE.replace("\u2014 ", "- "), "signature line"),
        (GO_NOTE.replace("PeterNeumann", "Peter", 1), "no signature"),
        (GO_TEXT, "no blank line"),
    ],
)
def test_a_changed_note_is_refused(note: str, why: str) -> None:
    with pytest.raises(NoteError, match=why):
        open_note(note, Verifier.parse(GO_VERIFIER))


def test_another_key_of_the_same_name_is_refused() -> None:
    other = Signer.generate("PeterNeumann")
    with pytest.raises(NoteError, match="no signature"):
        open_note(other.sign(GO_TEXT), Verifier.parse(GO_VERIFIER))


@pytest.mark.parametrize(
    "key",
    [
        "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # hash
        "PeterNeumanN+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # name
        "PeterNeumann+c74f20a3+AhpcqQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # algorithm
        "PeterNeumann+c74f20a3",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    ],
)
def test_a_malformed_verifier_key_is_refused(key: str) -> None:
    with pytest.raises(NoteError):
        Verifier.parse(key)


def test_a_checkpoint_round_trips_signed_and_names_what_is_wrong() -> None:
    signer = Signer.generate("byline.example/log/weibo")
    top = root([leaf_hash(b"a"), leaf_hash(b"b")])
    checkpoint = Checkpoint("byline.example/log/weibo", 2, top)
    note = checkpoint.signed(signer)
    assert note.startswith(f"byline.example/log/weibo\n2\n{checkpoint.text().split(chr(10))[2]}\n")
    assert Checkpoint.open(note, signer.verifier()) == checkpoint
    with pytest.raises(NoteError, match="not 'another/log'"):
        Checkpoint.open(note, signer.verifier(), origin="another/log")
    bad = {
        "line 2": "origin\n02\n" + checkpoint.text().split("\n")[2] + "\n",
        "line 3": "origin\n2\nnot-a-hash\n",
        "origin, size and root": "origin\n2\n",
        "line 1": " origin\n2\n" + checkpoint.text().split("\n")[2] + "\n",
    }
    for where, text in bad.items():
        with pytest.raises(NoteError, match=where):
            Checkpoint.parse(text)
