import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vpsa.settings")

application = get_asgi_application()

gc.freeze()  # as vpsa/wsgi.py, for the same reason
