"""The Prefect flows and deployments: thin wrappers over the run spine (fostering_scorecard.run)."""
