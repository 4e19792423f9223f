"""The candidate's process: confinement and the call server."""
