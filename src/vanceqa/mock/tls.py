"""HTTPS for the served mock: the server's certificate, and client certificates required.

Checked in the parent before binding, so a wrong file is one clear message (exit 2)
instead of a traceback from a worker. granian does the TLS itself (rustls); with a
client CA it refuses every handshake without a client certificate that CA signed.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from vanceqa.errors import UsageError


@dataclass(frozen=True)
class ServerTLS:
    cert: Path  # the server's certificate chain (PEM)
    key: Path  # its private key (PEM)
    client_ca: Path | None = None  # require client certificates signed by this CA

    @classmethod
    def from_options(
        cls, cert: str | None, key: str | None, client_ca: str | None
    ) -> ServerTLS | None:
        """From --tls-cert, --tls-key, --tls-client-ca; None for plain HTTP."""
        if not cert and not key:
            if client_ca:
                raise UsageError("--tls-client-ca needs --tls-cert and --tls-key")
            return None
        if not (cert and key):
            raise UsageError("--tls-cert and --tls-key go together")
        tls = cls(Path(cert), Path(key), Path(client_ca) if client_ca else None)
        tls.check()
        return tls

    def check(self) -> None:
        """Load the files as the server will, so a bad one fails here."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        try:
            context.load_cert_chain(self.cert, self.key)
        except (ssl.SSLError, OSError) as exc:
            raise UsageError(f"--tls-cert/--tls-key: cannot load them ({_reason(exc)})") from None
        if self.client_ca is not None:
            try:
                context.load_verify_locations(cafile=self.client_ca)
            except (ssl.SSLError, OSError) as exc:
                raise UsageError(f"--tls-client-ca: cannot load it ({_reason(exc)})") from None

    def granian_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"ssl_cert": self.cert.resolve(), "ssl_key": self.key.resolve()}
        if self.client_ca is not None:
            options.update(ssl_ca=self.client_ca.resolve(), ssl_client_verify=True)
        return options

    def argv(self) -> list[str]:
        """The same as `vanceqa mock` options (file names only: nothing secret)."""
        args = ["--tls-cert", str(self.cert), "--tls-key", str(self.key)]
        return args + (["--tls-client-ca", str(self.client_ca)] if self.client_ca else [])


def _reason(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLError):
        return str(exc.reason or exc)
    if isinstance(exc, OSError):
        return f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)
    return str(exc)
