"""The learner service: many gates, one versioned policy per service.

Gates post batches of observations and alerts, operators list services, routes, alerts and
policy versions and record decisions; the learner stores everything in SQLite (WAL), learns in a
worker process and publishes a versioned policy per service that gates fetch with ETags or a
long poll. ``vigil learner serve`` runs it; docs/learner.md describes the API, bounds and auth.
"""
