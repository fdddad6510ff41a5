"""Pilot helpers shared by the worker app tests."""


async def settle(app, pilot) -> None:
    """Let every thread worker finish and the UI apply what they brought back."""
    for _ in range(3):
        await app.workers.wait_for_complete()
        await pilot.pause()
