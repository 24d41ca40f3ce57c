"""``context-list``: the whole conversation, in order, with no compaction."""

__amplifier_module_type__ = "context"


async def mount(coordinator, config=None):
    await coordinator.mount("context", ListContext())


class ListContext:
    def __init__(self):
        self.messages = []

    async def add_message(self, message):
        self.messages.append(message)

    async def get_messages_for_request(self, token_budget=None, provider=None):
        return list(self.messages)

    async def get_messages(self):
        return list(self.messages)

    async def set_messages(self, messages):
        self.messages = list(messages)

    async def clear(self):
        self.messages = []
