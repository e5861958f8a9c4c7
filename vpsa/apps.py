from django.apps import AppConfig


class VpsaConfig(AppConfig):
    """The project itself, as an app: it has no models; it logs logins, logouts and failed
    logins (`vpsa.logs`) and times each session from its login (`vpsa.sessions`)."""

    name = "vpsa"
    verbose_name = "VPSA"

    def ready(self):
        from django.contrib.auth.signals import (
            user_logged_in,
            user_logged_out,
            user_login_failed,
        )

        from vpsa import logs, sessions

        user_logged_in.connect(logs.log_login, dispatch_uid="vpsa.log_login")
        user_logged_in.connect(sessions.start, dispatch_uid="vpsa.session_start")
        user_logged_out.connect(logs.log_logout, dispatch_uid="vpsa.log_logout")
        user_login_failed.connect(logs.log_login_failed, dispatch_uid="vpsa.log_login_failed")
