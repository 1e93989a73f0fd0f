"""Password policy and hashing.

Policy (OWASP ASVS 5.0, CNIL 2022, ANSSI): 12 to 128 characters, any characters (spaces and
accents included, compared after Unicode NFC normalisation), no composition rules; refused when
common (a list of frequent passwords and keyboard/number sequences, the login itself, a single
repeated character). Hashing: argon2id with the ASVS parameters (m=19 MiB, t=2, p=1).
"""

from __future__ import annotations

import re
import unicodedata

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 128

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16,
                        type=Type.ID)
# Verified when the login is unknown, so that the answer takes the same time.
_DUMMY_HASH = HASHER.hash("compte-inexistant-pour-egaliser-les-temps")

# Frequent passwords (breach corpora, French and English) of 12 characters or more, and the
# stems that frequent passwords are built from (checked after removing digits and symbols).
_COMMON = frozenset("""
123456789012 1234567890123 12345678901234 123456789123 111111111111 000000000000 123123123123
azertyuiopqsd azertyuiop123 azertyuiopqsdfghjklm qwertyuiop123 qwertyuiopasdfghjkl 1q2w3e4r5t6y
1qaz2wsx3edc qazwsxedcrfv motdepasse123 motdepasse1234 motdepassesecret password1234 password12345
passwordpassword iloveyou1234 jetaime123456 soleil123456 bonjour12345 bonjour123456 changeme1234
administrateur administrator welcome12345 letmein12345 football1234 marseille1234 doudou123456
azerty123456 qwerty123456 abcdefghijkl abcdef123456 aaaaaaaaaaaa motdepasseoublie
""".split())
_STEMS = frozenset("""
password motdepasse mdp azerty azertyuiop qwerty qwertyuiop admin administrateur administrator
bonjour soleil jetaime iloveyou welcome letmein changeme football marseille doudou loulou
chocolat princesse nicolas camille secret motdepassesecret passwordpassword azertyazerty
qwertyqwerty centredegestion cdg rsu utilisateur user test testtest
""".split())
_SEQUENCES = ("0123456789012345678901234567890", "9876543210987654321098765432109",
              "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
              "azertyuiopqsdfghjklmwxcvbnazertyuiopqsdfghjklmwxcvbn",
              "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm")


class PasswordRejected(ValueError):
    """The password does not meet the policy (French message)."""


def normalise(password: str) -> str:
    return unicodedata.normalize("NFC", password)


def check_policy(password: str, *, login: str = "", current: str | None = None) -> None:
    """Raise ``PasswordRejected`` with a French reason if the password cannot be used."""
    password = normalise(password)
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"Le mot de passe doit compter au moins {MIN_LENGTH} caractères "
                               f"(il en a {len(password)}). Une phrase de passe est plus facile à retenir.")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"Le mot de passe ne doit pas dépasser {MAX_LENGTH} caractères.")
    lowered = password.lower()
    stem = re.sub(r"[^a-zà-ÿ]", "", lowered)
    if (lowered in _COMMON or stem in _STEMS or len(set(lowered)) <= 2
            or any(lowered in seq for seq in _SEQUENCES)):
        raise PasswordRejected("Ce mot de passe est trop courant ou trop prévisible : choisissez-en un autre.")
    if login and len(login) >= 3 and login.lower() in lowered:
        raise PasswordRejected("Le mot de passe ne doit pas contenir l'identifiant.")
    if current is not None and normalise(current) == password:
        raise PasswordRejected("Le nouveau mot de passe doit être différent de l'actuel.")


def hash_password(password: str) -> str:
    return HASHER.hash(normalise(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True if ``password`` matches; takes the same time when there is no stored hash."""
    try:
        return HASHER.verify(stored_hash or _DUMMY_HASH, normalise(password)) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    try:
        return HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
