"""govit.regulations: the policy packs for people and systems: API, pack browser, comparison, pre-check."""
