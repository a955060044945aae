"""govit: government IT project lifecycle management platform."""
