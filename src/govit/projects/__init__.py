"""govit.projects: the project, its lifecycle state machine, materials, reports, changes and evaluations."""
