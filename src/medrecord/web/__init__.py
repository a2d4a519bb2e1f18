"""Pharmacist web UI (server-rendered, no CDN). A placeholder until the UI issue lands."""
