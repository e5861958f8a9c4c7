"""The project's own middleware: the client's address behind a trusted proxy, the health
check for any host, and no caching of what a logged-in user sees."""

from ipaddress import ip_address, ip_network

from django.conf import settings

from vpsa.views import healthz


class PrivateNoStoreMiddleware:
    """Pages seen logged in name stakeholders, some of them at risk: neither a shared
    machine's browser cache nor a proxy may keep a copy. Every response to an authenticated
    request gets `Cache-Control: private, no-store`, replacing whatever the view set (a
    `public` or `max-age` from a view would otherwise let some caches keep it).

    Goes after AuthenticationMiddleware, which sets `request.user`. Left as they are: views
    anyone may open (`login_not_required`: health check, favicon, login), which show nothing
    of the registry, and static files, which WhiteNoise answers before this runs.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated and not getattr(request, "_vpsa_public_view", False):
            response["Cache-Control"] = "private, no-store"
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        request._vpsa_public_view = getattr(view_func, "login_required", True) is False


class ForwardedHeadersMiddleware:
    """Believes a reverse proxy's `X-Forwarded-For` and `X-Forwarded-Proto` only when the
    request comes from one of `TRUSTED_PROXIES` (addresses or networks). From anyone else
    both are dropped, so a client that reaches an app server directly can neither claim
    https nor pose as another address.

    Behind a trusted proxy the client's address (the last one in `X-Forwarded-For` that is
    not itself a trusted proxy) becomes `REMOTE_ADDR`, which the logs read. Goes first.
    """

    FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO")

    def __init__(self, get_response):
        self.get_response = get_response
        self.proxies = [ip_network(proxy, strict=False) for proxy in settings.TRUSTED_PROXIES]

    def trusted(self, address):
        return address is not None and any(address in network for network in self.proxies)

    def __call__(self, request):
        meta = request.META
        if self.trusted(_address(meta.get("REMOTE_ADDR", ""))):
            hops = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            for hop in reversed([hop for hop in hops if hop]):
                address = _address(hop)
                if address is None:
                    break  # garbled: the proxy's own address stays
                if not self.trusted(address):
                    meta["REMOTE_ADDR"] = str(address)
                    break
        else:
            for name in self.FORWARDED:
                meta.pop(name, None)
        return self.get_response(request)


def _address(text):
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


class HealthCheckMiddleware:
    """Answers `/healthz` before anything looks at the request's host: a load balancer
    asks each app server by its own address, which is not in `ALLOWED_HOSTS`. Only the
    health check is answered so (it shows nothing but whether the database answers); every
    other path still needs an allowed host. Not logged: it is asked every few seconds."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)
