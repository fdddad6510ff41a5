"""gridctl client core: config, credentials, API client, local store, sync, operations, i18n.

Kept free of UI and server frameworks (see DESIGN section 2); importing this package is cheap.
"""

__version__ = "0.1.0"
