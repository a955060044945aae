"""govit.notifications: in-app notifications written by services in the same transaction."""
