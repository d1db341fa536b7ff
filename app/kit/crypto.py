"""Encryption of secrets at rest (Fernet: AES-128-CBC + HMAC-SHA256, keyed by HOOKRELAY_SECRET_KEY).

``HOOKRELAY_SECRET_KEY`` may hold several keys, comma-separated: the first encrypts, every one
decrypts, so that a key can be retired in three steps: put the new key first, run
``hookrelay rotate-secrets`` (re-encrypts every stored secret with it), drop the old key.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretBox:
    """Encrypts and decrypts short secrets with the process's secret keys."""

    def __init__(self, key: str) -> None:
        keys = [part.strip() for part in key.split(",") if part.strip()]
        self._primary = Fernet(keys[0].encode())
        self._fernet = MultiFernet([Fernet(k.encode()) for k in keys])
        self.decrypt = lru_cache(maxsize=65536)(self._decrypt)

    def encrypt(self, plaintext: str) -> str:
        return self._primary.encrypt(plaintext.encode()).decode()

    def _decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()

    def is_current(self, token: str) -> bool:
        """Whether ``token`` is encrypted with the first key (nothing to rotate)."""
        try:
            self._primary.decrypt(token.encode())
        except InvalidToken:
            return False
        return True

    def rotate(self, token: str) -> str:
        """``token`` re-encrypted with the first key (raises ``InvalidToken`` if no key opens it)."""
        return self._fernet.rotate(token.encode()).decode()
