"""WebLLM's chat prompt for the tiny model's conversation template (``Conversation.getPromptArray``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass
class ChatTemplate:
    """WebLLM's Conversation.getPromptArray for the model's conversation template."""

    conv: dict[str, Any]

    @classmethod
    def of(cls, model_dir: Path) -> ChatTemplate:
        return cls(json.loads((model_dir / "mlc-chat-config.json").read_text())["conv_template"])

    @property
    def end(self) -> str:
        return str(self.conv["stop_str"][0])

    def prompt(self, messages: list[dict[str, Any]]) -> str:
        conv = self.conv
        system = conv["system_message"]
        if messages and messages[0]["role"] == "system":
            system, messages = messages[0]["content"], messages[1:]
        parts = [conv["system_template"].replace("{system_message}", system)]
        for message in messages:
            role = conv["roles"][message["role"]]  # WebLLM: "Role is not supported" otherwise
            parts.append(f"{role}{conv['role_content_sep']}{message['content']}{conv['seps'][0]}")
        parts.append(conv["roles"]["assistant"] + conv["role_empty_sep"])
        return "".join(parts)
