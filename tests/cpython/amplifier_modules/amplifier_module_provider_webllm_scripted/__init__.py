"""``provider-webllm-scripted``: the real provider, mounted by its own ``mount()``, on a scripted bridge.

The mount plan's config is the provider's config plus ``bridge``: the object
that stands in for the WebLLM worker (tests/cpython/fakes.py's FakeBridge).
"""

from webllm_provider import mount as mount_webllm

__amplifier_module_type__ = "provider"


async def mount(coordinator, config=None):
    config = dict(config or {})
    bridge = config.pop("bridge")
    provider = await mount_webllm(coordinator, config)
    # In the browser the bridge is found when first needed; here the test hands it over.
    provider._bridge = bridge
