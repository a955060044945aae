"""govit.reviews: review routing and the member departments' opinion tasks (联合会审/征求意见)."""
