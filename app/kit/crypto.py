"""Encryption of secrets at rest (Fernet: AES-128-CBC + HMAC-SHA256, keyed by HOOKRELAY_SECRET_KEY)."""

from functools import lru_cache

from cryptography.fernet import Fernet


class SecretBox:
    """Encrypts and decrypts short secrets with the process's secret key."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())
        self.decrypt = lru_cache(maxsize=65536)(self._decrypt)

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def _decrypt(self, token: str) -> str:
        return self._fernet.decrypt(token.encode()).decode()
