"""Django settings for govit: `base` shared, `dev` (default), `test`, `production`."""
