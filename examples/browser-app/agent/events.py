"""The events the session emits and the page renders, declared once for Python.

events.js declares the same for the page; tests/app/test_app_events.py fails
when they disagree. Payloads are listed in session.py's docstring.
"""

PROMPT_SUBMIT = "prompt:submit"
ASSISTANT_START = "assistant:start"
ASSISTANT_END = "assistant:end"
TOOL_PRE = "tool:pre"
TOOL_POST = "tool:post"
STORAGE_SET = "storage:set"
STORAGE_REMOVE = "storage:remove"
SESSION_ERROR = "session:error"
SESSION_END = "session:end"
