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
