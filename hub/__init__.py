"""The office hub: the LAN server (FastAPI) and HubClient, the office port over HTTP."""
