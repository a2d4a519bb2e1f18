"""The pharmacist's web UI: a server-rendered sub-application mounted at /ui (no CDN, works
without JavaScript). Pages call the same use cases as the API; failures answer with pages and
redirects, never JSON, mapped from domain errors by the same ``status_of`` as the API."""
