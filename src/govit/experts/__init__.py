"""govit.experts: the expert library, verifiable random draws of review panels, signed expert reviews, fees."""
