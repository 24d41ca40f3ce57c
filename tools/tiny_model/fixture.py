"""Where the tiny model fixture lives and what its SHA256SUMS (``sha256sum``'s format) lists, in one
place: read by its test and by ``train.py --check``."""

from pathlib import Path

FIXTURE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "tiny-model"
MODEL = FIXTURE / "tiny-llama-q0f32-MLC"  # the model's folder: its config, tokenizer and weights


def checksums() -> dict[str, str]:
    """Each listed file (relative to the fixture) -> its sha256, in hex."""
    lines = (FIXTURE / "SHA256SUMS").read_text().splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}
