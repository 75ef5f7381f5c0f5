"""The admission webhook server: `vigil.admission` over HTTPS with aiohttp (a service)."""

from vigil.webhook.server import WebhookSettings, make_app, start, tls_context

__all__ = ["WebhookSettings", "make_app", "start", "tls_context"]
