"""The name a server's X.509 certificate is valid for, read from its DER bytes.

Only `--insecure-skip-tls-verify` needs this (tls.py), and only three fields of the certificate: the DNS names
and IP addresses of its subject alternative names and its subject's common name. Reading them takes a small
DER walk, not a cryptography library: the client installs with the gRPC and protobuf packages alone.
"""

from __future__ import annotations

import ipaddress

_SEQUENCE, _SET, _OID = 0x30, 0x31, 0x06
_VERSION, _EXTENSIONS = 0xA0, 0xA3  # [0] and [3] of TBSCertificate, both EXPLICIT
_DNS_NAME, _IP_ADDRESS = 0x82, 0x87  # GeneralName's [2] and [7], IMPLICIT
_SUBJECT_ALT_NAME = bytes([0x55, 0x1D, 0x11])  # 2.5.29.17
_COMMON_NAME = bytes([0x55, 0x04, 0x03])  # 2.5.4.3
# The string types a directory name's attribute may use, and how their bytes decode.
_STRING_ENCODINGS = {
    0x0C: "utf-8",  # UTF8String
    0x13: "ascii",  # PrintableString
    0x16: "ascii",  # IA5String
    0x14: "latin-1",  # TeletexString, as everyone reads it
    0x1E: "utf-16-be",  # BMPString
    0x1C: "utf-32-be",  # UniversalString
}


def certificate_name(der: bytes) -> str | None:
    """A name the certificate is valid for: its first DNS name, else its first IP address, else its common
    name (gRPC checks the subject alternative names, and the common name only when there are none). None
    when it has none, or when the bytes are not a certificate."""
    try:
        return _name(der)
    except (ValueError, IndexError, UnicodeDecodeError):
        return None


def _name(der: bytes) -> str | None:
    (certificate,) = _values(der, _SEQUENCE)
    tbs = _elements(certificate)[0]
    if tbs[0] != _SEQUENCE:
        raise ValueError("not a certificate")
    fields = _elements(tbs[1])
    if fields[0][0] == _VERSION:
        fields = fields[1:]
    # serialNumber, signature, issuer, validity, subject, subjectPublicKeyInfo, then the optional ones.
    subject = fields[4][1]
    extensions = [value for tag, value in fields[6:] if tag == _EXTENSIONS]
    names = _alternative_names(extensions[0]) if extensions else []
    dns = [value.decode("ascii") for tag, value in names if tag == _DNS_NAME]
    if dns:
        return dns[0]
    ips = [str(ipaddress.ip_address(value)) for tag, value in names if tag == _IP_ADDRESS]
    if ips:
        return ips[0]
    return _common_name(subject)


def _alternative_names(extensions: bytes) -> list[tuple[int, bytes]]:
    """The GeneralNames of the subjectAltName extension ([] without one)."""
    (sequence,) = _values(extensions, _SEQUENCE)
    for extension in _values(sequence, _SEQUENCE):
        parts = _elements(extension)  # extnID, critical (optional), extnValue
        if parts[0] == (_OID, _SUBJECT_ALT_NAME):
            (general_names,) = _values(parts[-1][1], _SEQUENCE)
            return _elements(general_names)
    return []


def _common_name(subject: bytes) -> str | None:
    for relative_name in _values(subject, _SET):
        for attribute in _values(relative_name, _SEQUENCE):
            (oid_tag, oid), (string_tag, value) = _elements(attribute)[:2]
            if (oid_tag, oid) == (_OID, _COMMON_NAME) and string_tag in _STRING_ENCODINGS:
                return value.decode(_STRING_ENCODINGS[string_tag])
    return None


def _values(data: bytes, tag: int) -> list[bytes]:
    """The contents of the elements in `data`, which must all have `tag`."""
    elements = _elements(data)
    if any(found != tag for found, _ in elements):
        raise ValueError(f"expected DER tag {tag:#x}")
    return [value for _, value in elements]


def _elements(data: bytes) -> list[tuple[int, bytes]]:
    """The (tag, contents) of each DER element in `data`, in order."""
    elements = []
    offset = 0
    while offset < len(data):
        tag, length = data[offset], data[offset + 1]
        offset += 2
        if length & 0x80:  # the long form: the next (length & 0x7f) bytes are the length
            count = length & 0x7F
            if not 1 <= count <= 4:
                raise ValueError("unsupported DER length")
            length = int.from_bytes(data[offset : offset + count], "big")
            offset += count
        end = offset + length
        if end > len(data):
            raise ValueError("truncated DER element")
        elements.append((tag, data[offset:end]))
        offset = end
    return elements
