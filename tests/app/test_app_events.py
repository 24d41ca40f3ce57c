"""The app's event names are declared once per language (events.js, agent/events.py) and agree,
and the provider's stream event the page renders is the provider's own."""

import json
import subprocess

from agent import events

from webllm_provider import events as provider_events

from ..conftest import ROOT
from .conftest import APP_SOURCE

SCRIPT = """
const module = await import(new URL("events.js", `file://${process.argv[1]}/`));
console.log(JSON.stringify(module));
"""


def test_the_pages_event_names_are_pythons():
    done = subprocess.run(
        ["node", "--input-type=module", "-e", SCRIPT, str(APP_SOURCE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    javascript = json.loads(done.stdout)
    python = {name: value for name, value in vars(events).items() if name.isupper()}
    camel = {
        name.split("_")[0].lower() + "".join(word.title() for word in name.split("_")[1:]): value
        for name, value in python.items()
    }
    assert javascript["SESSION_EVENTS"] == camel
    assert javascript["STREAM_BLOCK_DELTA"] == provider_events.STREAM_BLOCK_DELTA
