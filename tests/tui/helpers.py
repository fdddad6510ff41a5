"""Pilot helpers shared by the worker app tests."""


async def settle(app, pilot) -> None:
    """Let every thread worker finish and the UI apply what they brought back."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()


def async_test(fn):
    """Run an async test body in its own event loop (no asyncio plugin is required for CI)."""
    import asyncio
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper
