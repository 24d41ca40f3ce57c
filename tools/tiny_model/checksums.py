"""The tiny model fixture's SHA256SUMS (``sha256sum``'s format), read in one place: by its test and by
``train.py --check``."""

from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tiny-model"


def listed() -> dict[str, str]:
    """Each listed file (relative to the fixture) -> its sha256, in hex."""
    lines = (FIXTURE / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}
